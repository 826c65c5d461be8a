"""The back office: one module per area, each a blueprint under /staff."""

from flask import Flask

from portal.views.staff import (
    accounts,
    appointments,
    audit,
    buildings,
    defects,
    home,
    incidents,
    mandates,
    messages,
    notices,
    parking,
    payments,
    register,
    requests,
    saunas,
    settings,
    teams,
)

AREAS = (
    home,
    defects,
    requests,
    messages,
    saunas,
    parking,
    notices,
    incidents,
    payments,
    buildings,
    mandates,
    register,
    audit,
    accounts,
    teams,
    settings,
    appointments,
)


def register_blueprints(app: Flask) -> None:
    for area in AREAS:
        app.register_blueprint(area.bp)
