"""The audit log for administrators: who did what to whom, and when."""

import datetime

from flask import Blueprint, request

from portal.services import audit
from portal.services.dates import EARLIEST, LATEST
from portal.web import render

bp = Blueprint("staff_audit", __name__, url_prefix="/staff/audit")

PAGE = 50


def _day(name: str) -> datetime.date | None:
    """A day of the filter. One before 1900 or after 2100 filters as the first or last day
    the portal knows (so the day after it is still a date), which finds the same entries."""
    try:
        day = datetime.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return min(max(day, EARLIEST), LATEST)


@bp.get("/")
def index():
    """Newest first, filtered by person, kind of action and days; paged by entry number so
    the pages stay fast however long the log grows."""
    q = (request.args.get("q") or "").strip()[:100]
    group = request.args.get("group", "")
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**62:
        before = None
    # One entry more than a page tells whether there is a next page.
    rows = audit.log_entries(
        search=q,
        group=group,
        start=_day("from"),
        end=_day("to"),
        before=before,
        limit=PAGE + 1,
    )
    filters = {
        "q": q,
        "group": group,
        "from": request.args.get("from", ""),
        "to": request.args.get("to", ""),
    }
    return render(
        "staff/audit.html",
        rows=rows[:PAGE],
        next_before=rows[PAGE - 1].id if len(rows) > PAGE else None,
        filters=filters,
        groups=audit.GROUPS,
    )
