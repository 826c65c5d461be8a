"""The pages: one module per resident area here, the back office in ``staff``.

A view module never imports another; what two of them share lives below them (``web``,
``access``, ``downloads``, ``journeys``, ``services``)."""

from flask import Flask

from portal.views import (
    accounts,
    appointments,
    auth,
    bookings,
    building,
    defects,
    dev,
    home,
    incidents,
    lease,
    mandates,
    messages,
    notices,
    parking,
    payments,
    profile,
    public,
    requests,
    staff,
)

RESIDENT_AREAS = (
    public,
    auth,
    accounts,
    home,
    defects,
    incidents,
    bookings,
    parking,
    requests,
    messages,
    notices,
    payments,
    building,
    lease,
    profile,
    mandates,
    appointments,
)


def register_blueprints(app: Flask) -> None:
    """Register every area's blueprint; the outbox page only in development without SMTP."""
    for area in RESIDENT_AREAS:
        app.register_blueprint(area.bp)
    staff.register_blueprints(app)
    if app.config["ENV_NAME"] == "development" and not app.config["SMTP_HOST"]:
        app.register_blueprint(dev.bp)
