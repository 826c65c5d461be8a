"""Powers of attorney: giving, registering, verifying and ending them, and acting under them.

A mandate names its agent by email: whoever holds that username may use it while it is
active and its validity covers the Helsinki day. A grantor gives one in the portal after a
fresh sign-in, and it is active at once; a paper one that staff register waits until a
second look at the scanned document verifies it. Every change is in the audit log, and
so is every action an agent takes under a mandate (see ``portal.access``).
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from peewee import JOIN, fn

from portal import catalog
from portal.database import contains_pattern
from portal.i18n import lazy_gettext as _l
from portal.models import (
    Apartment,
    AuditEntry,
    Building,
    Lease,
    Mandate,
    Person,
    Residency,
    ServiceTeam,
    db,
    utcnow,
)
from portal.services import audit, files, mail
from portal.services.staff import served

GENERAL = catalog.GENERAL
SCOPES = tuple(catalog.MANDATE_SCOPES)
SPECIFIC_SCOPES = tuple(scope for scope in SCOPES if scope != GENERAL)


STATE_LABELS = {
    Mandate.PENDING: _l("Waiting for customer service to verify it"),
    Mandate.ACTIVE: _l("In force"),
    "upcoming": _l("In force from its first day"),
    "expired": _l("Expired"),
    Mandate.REVOKED: _l("Revoked"),
    Mandate.ENDED: _l("Ended by customer service"),
}

# What the history of a mandate says about each entry of the audit log.
HISTORY_LABELS = {
    "mandate_given": _l("Power of attorney given in the portal"),
    "mandate_registered": _l("Registered by customer service from a paper form"),
    "mandate_verified": _l("Verified by customer service"),
    "mandate_revoked": _l("Revoked"),
    "mandate_ended": _l("Ended by customer service"),
    "acting_started": _l("Began handling the matters"),
    "acted:defects.new": _l("Reported a defect"),
    "acted:defects.comment": _l("Added to a defect notification"),
    "acted:defects.decision": _l("Answered about a repair"),
    "acted:bookings.request_sauna": _l("Booked a sauna turn"),
    "acted:bookings.cancel_sauna": _l("Cancelled a sauna turn"),
    "acted:bookings.swap_sauna": _l("Moved a sauna turn to another"),
    "acted:parking.apply": _l("Applied for a parking space"),
    "acted:parking.application": _l("Answered a parking space offer or application"),
    "acted:parking.terminate": _l("Gave notice on a parking space"),
    "acted:requests.new": _l("Sent a service request"),
    "acted:requests.message": _l("Wrote in a service request"),
    "acted:requests.withdraw": _l("Withdrew a service request"),
    "acted:requests.consent": _l("Gave consent to a request"),
    "acted:messages.new": _l("Wrote to customer service"),
    "acted:messages.show": _l("Replied in a conversation"),
}
OTHER_ACTION = _l("Made a change")


def history_label(action: str) -> str:
    return str(HISTORY_LABELS.get(action, OTHER_ACTION))


class MandateRefused(Exception):
    """A mandate cannot be given or changed like this; ``reason`` says why."""

    SELF = "self"
    NO_SCOPE = "no_scope"
    NOT_YOURS = "not_yours"
    NOT_OPEN = "not_open"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Agent:
    email: str
    first_name: str
    last_name: str


def normal_scopes(chosen: list[str]) -> str:
    """Store the chosen scopes in catalog order; a general mandate is "general" alone."""
    if GENERAL in chosen:
        return GENERAL
    picked = [scope for scope in SPECIFIC_SCOPES if scope in chosen]
    if not picked:
        raise MandateRefused(MandateRefused.NO_SCOPE)
    return ",".join(picked)


def permits(mandate: Mandate, needed: str | frozenset[str] | set[str] | None) -> bool:
    """Tell whether a mandate covers a matter: general covers all; otherwise one of the
    scopes the matter names (a matter naming none needs a general mandate)."""
    scopes = set(mandate.scope_list)
    if GENERAL in scopes:
        return True
    if not needed:
        return False
    if isinstance(needed, str):
        needed = {needed}
    return bool(scopes & set(needed))


def is_effective(mandate: Mandate, today: datetime.date) -> bool:
    return (
        mandate.status == Mandate.ACTIVE
        and mandate.valid_from <= today
        and (mandate.valid_until is None or mandate.valid_until >= today)
    )


def state(mandate: Mandate, today: datetime.date) -> str:
    """Where a mandate stands for people reading it: pending, active, upcoming, expired,
    revoked or ended."""
    if mandate.status != Mandate.ACTIVE:
        return mandate.status
    if mandate.valid_from > today:
        return "upcoming"
    if mandate.valid_until is not None and mandate.valid_until < today:
        return "expired"
    return "active"


def with_home():
    """Mandates with the grantor's line of the register and home, in one query."""
    return (
        Mandate.select(Mandate, Residency, Lease, Apartment, Building, ServiceTeam)
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .join(ServiceTeam, JOIN.INNER)
    )


def for_acting(mandate_id: int, email: str, today: datetime.date) -> Mandate | None:
    """Return the mandate an agent acts under, with the grantor's home, if it still holds."""
    mandate = (
        with_home()
        .where(
            (Mandate.id == mandate_id)
            & (Mandate.agent_email == email)
            & (Mandate.status == Mandate.ACTIVE)
            & (Mandate.valid_from <= today)
            & (Mandate.valid_until.is_null() | (Mandate.valid_until >= today))
        )
        .first()
    )
    return mandate


def received(email: str):
    """The mandates given to this username, newest first (all states)."""
    return (
        with_home()
        .where(Mandate.agent_email == email)
        .order_by(Mandate.created_at.desc(), Mandate.id.desc())
    )


def effective_received_count(email: str, today: datetime.date) -> int:
    return (
        Mandate.select()
        .where(
            (Mandate.agent_email == email)
            & (Mandate.status == Mandate.ACTIVE)
            & (Mandate.valid_from <= today)
            & (Mandate.valid_until.is_null() | (Mandate.valid_until >= today))
        )
        .count()
    )


def given(person: Person):
    """The mandates given for this person's lines of the register, newest first: in the
    portal by them, or on paper and registered by staff."""
    return (
        with_home()
        .where(Residency.person == person.id)
        .order_by(Mandate.created_at.desc(), Mandate.id.desc())
    )


def visible_to(mandate_id: int, person: Person) -> Mandate | None:
    """Return a mandate its grantor or its agent may read; None for anyone else."""
    return (
        with_home()
        .where(
            (Mandate.id == mandate_id)
            & ((Residency.person == person.id) | (Mandate.agent_email == person.email))
        )
        .first()
    )


def history(mandate: Mandate, limit: int = 200):
    """What was done with and under a mandate, newest first, with who did it."""
    return (
        AuditEntry.select(AuditEntry, Person)
        .join(Person, JOIN.LEFT_OUTER, on=(AuditEntry.actor == Person.id))
        .where(AuditEntry.mandate == mandate.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )


# The back office: a staff member sees the mandates of the homes they serve.

STAFF_PAGE = 50
# The lists staff choose between; "closed" is revoked and ended ones together.
STAFF_FILTERS = ("pending", "active", "closed", "all")


def staff_mandates(person: Person):
    """Select mandates with the grantor's home, of the homes a staff member serves
    (the As Oy team: its own)."""
    return with_home().where(served(person, Building.id))


def staff_mandate(person: Person, mandate_id: int) -> Mandate | None:
    """Return a mandate of a home the staff member serves, None for any other."""
    return staff_mandates(person).where(Mandate.id == mandate_id).first()


def mandates_page(
    person: Person, *, shown: str, search: str, page: int
) -> tuple[list[Mandate], bool]:
    """Return one page of a staff member's mandates, newest first, and whether another page
    follows. ``shown`` is one of ``STAFF_FILTERS``; ``search`` the words typed, looked for
    in the grantor's and the agent's names, the agent's email and the lease number (empty:
    no search)."""
    query = staff_mandates(person)
    if shown == "pending":
        query = query.where(Mandate.status == Mandate.PENDING)
    elif shown == "active":
        query = query.where(Mandate.status == Mandate.ACTIVE)
    elif shown == "closed":
        query = query.where(Mandate.status.in_([Mandate.REVOKED, Mandate.ENDED]))
    if search:
        pattern = contains_pattern(search)
        query = query.where(
            (Residency.first_name.concat(" ").concat(Residency.last_name) ** pattern)
            | (Mandate.agent_first_name.concat(" ").concat(Mandate.agent_last_name) ** pattern)
            | (Mandate.agent_email**pattern)
            | (Lease.number**pattern)
        )
    rows = list(
        query.order_by(Mandate.created_at.desc(), Mandate.id.desc())
        .limit(STAFF_PAGE + 1)
        .offset((page - 1) * STAFF_PAGE)
    )
    return rows[:STAFF_PAGE], len(rows) > STAFF_PAGE


def staff_lease(person: Person, number: str) -> Lease | None:
    """Return the lease with this number (in any case) with its home, if it is in a
    building the staff member serves; None otherwise."""
    if not number:
        return None
    return (
        Lease.select(Lease, Apartment, Building)
        .join(Apartment)
        .join(Building)
        .where((fn.UPPER(Lease.number) == number.upper()) & served(person, Building.id))
        .first()
    )


def lease_register(lease: Lease) -> list[Residency]:
    """List every line of the register on a lease, by role and then by name: the people
    who may have given a paper mandate."""
    return list(
        Residency.select()
        .where(Residency.lease == lease.id)
        .order_by(Residency.role, Residency.last_name, Residency.first_name)
    )


def _notify(mandate: Mandate, template: str, public_url: str, **context) -> None:
    """Email the agent and the grantor (when the grantor has a username)."""
    link = f"{public_url}/mandates/{mandate.id}"
    # Lazy labels: each email renders them in its reader's language.
    context["scopes"] = [catalog.MANDATE_SCOPES[key] for key in mandate.scope_list]
    agent = Person.get_or_none(Person.email == mandate.agent_email)
    mail.queue(
        mandate.agent_email,
        f"{template}_agent",
        agent.language if agent else "fi",
        mandate=mandate,
        grantor=mandate.grantor_name,
        agent=mandate.agent_name,
        has_account=agent is not None and agent.password_hash is not None,
        link=link,
        register_link=f"{public_url}/register",
        **context,
    )
    grantor = mandate.grantor.person
    if grantor is not None and grantor.is_active:
        mail.queue(
            grantor.email,
            f"{template}_grantor",
            grantor.language,
            mandate=mandate,
            grantor=mandate.grantor_name,
            agent=mandate.agent_name,
            link=link,
            **context,
        )


def give(
    residency: Residency,
    person: Person,
    agent: Agent,
    scopes: list[str],
    other_matters: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    public_url: str,
) -> Mandate:
    """A resident gives a mandate in the portal: active at once; both are told by email."""
    if agent.email == person.email:
        raise MandateRefused(MandateRefused.SELF)
    stored_scopes = normal_scopes(scopes)
    with db.atomic():
        mandate = Mandate.create(
            grantor=residency,
            given_by=person,
            agent_email=agent.email,
            agent_first_name=agent.first_name,
            agent_last_name=agent.last_name,
            scopes=stored_scopes,
            other_matters=other_matters,
            valid_from=valid_from,
            valid_until=valid_until,
            method=Mandate.PORTAL,
            status=Mandate.ACTIVE,
        )
        mandate.grantor = residency
        audit.record("mandate_given", actor=person, subject=person, mandate=mandate)
        _notify(mandate, "mandate_given", public_url)
    return mandate


def register_paper(
    residency: Residency,
    staff: Person,
    agent: Agent,
    scopes: list[str],
    other_matters: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    document: files.Upload,
    upload_dir: Path,
) -> Mandate:
    """Staff register a paper mandate with its scanned document; it waits for verifying."""
    stored_scopes = normal_scopes(scopes)
    stored = files.store([document], upload_dir)
    try:
        with db.atomic():
            item = stored[0]
            mandate = Mandate.create(
                grantor=residency,
                agent_email=agent.email,
                agent_first_name=agent.first_name,
                agent_last_name=agent.last_name,
                scopes=stored_scopes,
                other_matters=other_matters,
                valid_from=valid_from,
                valid_until=valid_until,
                method=Mandate.PAPER,
                status=Mandate.PENDING,
                registered_by=staff,
                document_name=item["stored_name"],
                document_type=item["content_type"],
                document_original=item["original_name"],
            )
            audit.record(
                "mandate_registered", actor=staff, subject=residency.person, mandate=mandate
            )
    except Exception:
        files.remove(upload_dir, stored)
        raise
    return mandate


def verify(mandate: Mandate, staff: Person, public_url: str) -> None:
    """A second look at a paper mandate's document makes it active; both are told."""
    if mandate.status != Mandate.PENDING:
        raise MandateRefused(MandateRefused.NOT_OPEN)
    with db.atomic():
        updated = (
            Mandate.update(status=Mandate.ACTIVE, verified_by=staff, verified_at=utcnow())
            .where((Mandate.id == mandate.id) & (Mandate.status == Mandate.PENDING))
            .execute()
        )
        if not updated:
            raise MandateRefused(MandateRefused.NOT_OPEN)
        mandate.status = Mandate.ACTIVE
        audit.record(
            "mandate_verified", actor=staff, subject=mandate.grantor.person, mandate=mandate
        )
        _notify(mandate, "mandate_given", public_url)


def _close(mandate: Mandate, status: str, person: Person, note: str, action: str) -> None:
    updated = (
        Mandate.update(status=status, ended_by=person, ended_at=utcnow(), end_note=note)
        .where((Mandate.id == mandate.id) & Mandate.status.in_([Mandate.PENDING, Mandate.ACTIVE]))
        .execute()
    )
    if not updated:
        raise MandateRefused(MandateRefused.NOT_OPEN)
    mandate.status = status
    mandate.end_note = note
    audit.record(action, actor=person, subject=mandate.grantor.person, mandate=mandate)


def revoke(mandate: Mandate, person: Person, public_url: str) -> None:
    """The grantor takes a mandate back at once; the agent is told."""
    if mandate.grantor.person_id != person.id:
        raise MandateRefused(MandateRefused.NOT_YOURS)
    with db.atomic():
        _close(mandate, Mandate.REVOKED, person, "", "mandate_revoked")
        _notify(mandate, "mandate_ended", public_url, note="")


def end(mandate: Mandate, staff: Person, note: str, public_url: str) -> None:
    """Staff end a mandate (the grantor asked by phone, the estate was settled, …)."""
    with db.atomic():
        _close(mandate, Mandate.ENDED, staff, note, "mandate_ended")
        _notify(mandate, "mandate_ended", public_url, note=note)


def has_pending_mandate(email: str) -> bool:
    """Tell whether someone named as an agent may register without a home of their own."""
    return (
        Mandate.select()
        .where(
            (Mandate.agent_email == email) & Mandate.status.in_([Mandate.PENDING, Mandate.ACTIVE])
        )
        .exists()
    )
