"""The audit log: who did what, to whom, when. Callers never pass secrets or identity codes."""

import datetime

from flask import has_request_context, request
from peewee import JOIN

from portal.database import contains_pattern
from portal.i18n import lazy_gettext as _l
from portal.models import AuditEntry, Mandate, Person

# Groups of actions to filter by; an action belongs to the first group whose prefix it has.
GROUPS = {
    "security": (
        _l("Sign-ins, identification, passwords and bank accounts"),
        (
            "signed_in",
            "sign_in_failed",
            "signed_out",
            "second_factor_failed",
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
        (
            "notice_",
            "incident_",
            "payment",
            "building_",
            "register_",
            "lease_",
            "residency_",
            "appointment_",
            "message_",
            "company_",
            "team_",
            "staff_",
        ),
    ),
}


def record(
    action: str,
    actor: Person | None = None,
    subject: Person | None = None,
    detail: str = "",
    mandate: Mandate | None = None,
) -> AuditEntry:
    """Write one audit entry (inside the caller's transaction); ``mandate`` is the power of
    attorney the actor used or changed, which puts the entry in that mandate's history."""
    # The client's address as the proxies the portal trusts report it (see portal.serving).
    address = (request.remote_addr or "")[:45] if has_request_context() else ""
    return AuditEntry.create(
        actor=actor,
        action=action[:60],
        subject=subject,
        detail=detail[:500],
        mandate=mandate,
        address=address,
    )


def log_entries(
    *,
    search: str = "",
    group: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    before: int | None = None,
    limit: int,
) -> list[AuditEntry]:
    """List audit entries newest first with who acted and on whom, at most ``limit``.

    ``search`` holds the words typed, looked for in both people's emails and names and
    the detail; ``group`` a key of ``GROUPS``; ``start`` and ``end`` the first and last day;
    ``before`` an entry number, so that a page is found by the index however long the log
    grows.
    """
    actor = Person.alias("actor")
    subject = Person.alias("subject")
    query = (
        AuditEntry.select(AuditEntry, actor, subject)
        .join(actor, JOIN.LEFT_OUTER, on=(AuditEntry.actor == actor.id))
        .switch(AuditEntry)
        .join(subject, JOIN.LEFT_OUTER, on=(AuditEntry.subject == subject.id))
    )
    if search:
        pattern = contains_pattern(search)
        query = query.where(
            (actor.email**pattern)
            | (subject.email**pattern)
            | (actor.first_name.concat(" ").concat(actor.last_name) ** pattern)
            | (subject.first_name.concat(" ").concat(subject.last_name) ** pattern)
            | (AuditEntry.detail**pattern)
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
    return list(query.order_by(AuditEntry.id.desc()).limit(limit))
