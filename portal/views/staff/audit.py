"""The audit log for administrators: who did what to whom, and when."""

import datetime

from flask import Blueprint, request
from peewee import JOIN

from portal.i18n import lazy_gettext as _l
from portal.models import AuditEntry, Person
from portal.services.dates import EARLIEST, LATEST
from portal.web import contains_pattern, render

bp = Blueprint("staff_audit", __name__, url_prefix="/staff/audit")

PAGE = 50

# Groups of actions to filter by; an action belongs to the first group whose prefix it has.
GROUPS = {
    "security": (
        _l("Sign-ins, identification, passwords and bank accounts"),
        (
            "signed_in",
            "sign_in_failed",
            "signed_out",
            "identified",
            "password_set",
            "account_replaced",
            "bank_account",
            "person_erased",
        ),
    ),
    "agents": (_l("Powers of attorney and agents' actions"), ("mandate_", "acting_", "acted:")),
    "requests": (_l("Service requests"), ("request_",)),
    "bookings": (_l("Parking and saunas"), ("parking_", "sauna_")),
    "staff": (
        _l("Staff changes"),
        ("notice_", "payment", "building_", "register_", "appointment_", "message_"),
    ),
}


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
    actor = Person.alias("actor")
    subject = Person.alias("subject")
    query = (
        AuditEntry.select(AuditEntry, actor, subject)
        .join(actor, JOIN.LEFT_OUTER, on=(AuditEntry.actor == actor.id))
        .switch(AuditEntry)
        .join(subject, JOIN.LEFT_OUTER, on=(AuditEntry.subject == subject.id))
    )
    q = (request.args.get("q") or "").strip()[:100]
    group = request.args.get("group", "")
    start, end = _day("from"), _day("to")
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**62:
        before = None
    if q:
        like = contains_pattern(q)
        query = query.where(
            (actor.email**like)
            | (subject.email**like)
            | (actor.first_name.concat(" ").concat(actor.last_name) ** like)
            | (subject.first_name.concat(" ").concat(subject.last_name) ** like)
            | (AuditEntry.detail**like)
        )
    if group in GROUPS:
        prefixes = GROUPS[group][1]
        condition = AuditEntry.action.startswith(prefixes[0])
        for prefix in prefixes[1:]:
            condition |= AuditEntry.action.startswith(prefix)
        query = query.where(condition)
    if start:
        query = query.where(
            AuditEntry.created_at >= datetime.datetime.combine(start, datetime.time())
        )
    if end:
        query = query.where(
            AuditEntry.created_at
            < datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
        )
    if before:
        query = query.where(AuditEntry.id < before)
    rows = list(query.order_by(AuditEntry.id.desc()).limit(PAGE + 1))
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
        groups=GROUPS,
    )
