"""Resident notices: the current ones for the resident's building, newest first."""

from flask import Blueprint, abort
from flask_login import current_user

from portal import clock
from portal.access import current_resident_status
from portal.i18n import current_language
from portal.services import notices as service
from portal.web import render

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _building_id() -> int:
    return current_resident_status().residency.lease.apartment.building_id


@bp.get("/")
def index():
    """The notices of the resident's building, with unread marks."""
    return render(
        "notices/index.html",
        notices=service.for_resident(_building_id(), current_user, clock.today()),
        language=current_language(),
    )


@bp.get("/<int:notice_id>")
def show(notice_id):
    """One notice, if it is meant for the resident's building and published."""
    notice = service.current_notice(_building_id(), notice_id, clock.today()) or abort(404)
    service.mark_read(current_user, notice)
    title, body = notice.text(current_language())
    return render("notices/show.html", notice=notice, title=title, body=body)
