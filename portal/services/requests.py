"""Service requests: storing a catalog form's answers, the timeline, consents, read marks,
and the register changes an approval makes."""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from peewee import JOIN

from portal import catalog
from portal.catalog import RequestType, RuleContext
from portal.database import contains_pattern
from portal.i18n import per_language
from portal.models import (
    Apartment,
    Building,
    Lease,
    Mandate,
    Person,
    RequestAttachment,
    RequestConsent,
    RequestEvent,
    Residency,
    ServiceRequest,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import audit, files, mail, read_marks
from portal.services.staff import Scope, service_requests, shape_of

SUBJECT = "request"


class RequestRefused(Exception):
    """A change the rules do not allow; ``reason`` says which."""

    NOT_OPEN = "not_open"
    BAD_STATUS = "bad_status"
    CONSENT_MISSING = "consent_missing"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Listed:
    request: ServiceRequest
    unread: bool


def entry_of(request: ServiceRequest) -> RequestType | None:
    return catalog.CATALOG.get(request.type_key)


def answers_of(request: ServiceRequest) -> dict:
    return json.loads(request.answers or "{}")


def rule_errors(entry: RequestType, answers: dict, context: RuleContext) -> dict:
    """Run the entry's rules; return {field name: message} for the ones that fail."""
    errors = {}
    for rule in entry.rules:
        for name, message in rule(answers, context).items():
            errors.setdefault(name, message)
    return errors


def _serialise(entry: RequestType, answers: dict, residents: dict[int, Residency]) -> dict:
    """JSON-ready answers: dates as ISO text, chosen residents with their names at the time."""
    stored = {}
    for name, value in answers.items():
        spec = entry.field(name)
        if spec.kind == catalog.DATE:
            value = value.isoformat()
        elif spec.kind == catalog.PEOPLE:
            value = [
                {
                    "first_name": row["first_name"].strip(),
                    "last_name": row["last_name"].strip(),
                    "birth_date": row["birth_date"].isoformat(),
                }
                for row in value
            ]
        elif spec.kind == catalog.RESIDENT:
            residency = residents[int(value)]
            value = {"id": residency.id, "name": f"{residency.first_name} {residency.last_name}"}
        elif spec.kind == catalog.RESIDENTS:
            value = [
                {
                    "id": residents[int(v)].id,
                    "name": f"{residents[int(v)].first_name} {residents[int(v)].last_name}",
                }
                for v in value
            ]
        stored[name] = value
    return stored


def submit(
    entry: RequestType,
    answers: dict,
    *,
    lease: Lease,
    person: Person,
    residency: Residency,
    residents: list[Residency],
    uploads: list[files.Upload],
    upload_dir: Path,
    mandate: Mandate | None = None,
) -> ServiceRequest:
    """Store a request with its answers and files; ask other lease parties for consent where
    the entry needs it; confirm to the submitter by email.

    ``residency`` is whose request it is: the submitter's own line of the register, or with
    ``mandate`` the grantor's, for whom an agent submits it."""
    if len(uploads) > entry.attachments:
        raise files.AttachmentError(files.AttachmentError.TOO_MANY)
    stored = files.store(uploads, upload_dir)
    by_id = {residency.id: residency for residency in residents}
    try:
        with db.atomic():
            apartment = lease.apartment
            request = ServiceRequest.create(
                type_key=entry.key,
                catalog_version=entry.version,
                lease=lease,
                building=apartment.building_id,
                apartment=apartment,
                team=apartment.building.team_id,
                handler=entry.handler,
                submitted_by=person,
                on_behalf_of=residency if mandate else None,
                mandate=mandate,
                answers=json.dumps(_serialise(entry, answers, by_id), ensure_ascii=False),
            )
            RequestEvent.create(request=request, author=person, status=catalog.RECEIVED)
            for item in stored:
                RequestAttachment.create(request=request, **item)
            if entry.needs_consent and entry.needs_consent(answers):
                for other in residents:
                    if other.is_lease_party and other.id != residency.id:
                        RequestConsent.create(request=request, residency=other)
            read_marks.mark(person, SUBJECT, request.id)
            mail.queue(
                person.email,
                "request_received",
                person.language,
                request=request,
                title=entry.title,
                next_steps=entry.next_steps,
                link=_link(request),
            )
            audit.record("request_submitted", actor=person, detail=f"{entry.key} {request.id}")
            return request
    except Exception:
        files.remove(upload_dir, stored)
        raise


def _link(request: ServiceRequest) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/requests/{request.id}"


@prepared
def _household_requests(lease, person, limit, *, open_only, limited, types):
    # What a line of the list shows: not the answers, which can be long.
    listed = (
        ServiceRequest.id,
        ServiceRequest.type_key,
        ServiceRequest.status,
        ServiceRequest.created_at,
        ServiceRequest.resident_updated_at,
    )
    query = read_marks.with_seen_at(
        ServiceRequest.select(*listed)
        .where(ServiceRequest.lease == lease)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()),
        ServiceRequest,
        SUBJECT,
        person,
    )
    if open_only:
        query = query.where(ServiceRequest.status.not_in(catalog.CLOSED_STATES))
    if types is not None:
        query = query.where(ServiceRequest.type_key.in_(types))
    return query.limit(limit) if limited else query


def household_requests(
    lease_id: int, person: Person, *, open_only: bool = False, limit=None, types=None
):
    """The household's requests, newest first, each with whether this person has news in it
    (``types``: only these types, for an agent whose mandate covers only them). Each request
    has only what a list shows: id, type, status and when it was made and last changed."""
    rows = _household_requests(
        lease=lease_id,
        person=person.id,
        limit=limit,
        open_only=open_only,
        limited=bool(limit),
        # The types a mandate covers come from the catalog: few lists, each a variant.
        types=None if types is None else tuple(sorted(types)),
    )
    return [
        Listed(row, row.seen_at is None or row.seen_at < row.resident_updated_at) for row in rows
    ]


def household_request(
    lease_id: int, request_id: int, *, types: list[str] | None = None
) -> ServiceRequest | None:
    """Return one of the household's requests, None for any other request (``types``: only
    these types, for an agent whose mandate covers only them)."""
    query = ServiceRequest.select().where(
        (ServiceRequest.id == request_id) & (ServiceRequest.lease == lease_id)
    )
    if types is not None:
        query = query.where(ServiceRequest.type_key.in_(types))
    return query.first()


def mark_read(person: Person, request: ServiceRequest) -> None:
    """Remember that the person has seen the request as it is now (the one write of a GET)."""
    read_marks.mark(person, SUBJECT, request.id)


def timeline(request: ServiceRequest, *, for_staff: bool):
    query = (
        RequestEvent.select(RequestEvent, Person)
        .join(Person, JOIN.LEFT_OUTER)
        .where(RequestEvent.request == request.id)
        .order_by(RequestEvent.created_at, RequestEvent.id)
    )
    if not for_staff:
        query = query.where(RequestEvent.visible_to_resident)
    return list(query)


def consents(request: ServiceRequest):
    return list(
        RequestConsent.select(RequestConsent, Residency)
        .join(Residency)
        .where(RequestConsent.request == request.id)
        .order_by(Residency.last_name, Residency.first_name)
    )


def missing_consents(request: ServiceRequest) -> int:
    return (
        RequestConsent.select()
        .where((RequestConsent.request == request.id) & RequestConsent.confirmed_at.is_null())
        .count()
    )


def add_message(request: ServiceRequest, person: Person, text: str) -> RequestEvent:
    """A message from the household to staff on an open request."""
    if request.status in catalog.CLOSED_STATES:
        raise RequestRefused(RequestRefused.NOT_OPEN)
    with db.atomic():
        event = RequestEvent.create(request=request, author=person, note=text)
        ServiceRequest.update(updated_at=utcnow()).where(ServiceRequest.id == request.id).execute()
        read_marks.mark(person, SUBJECT, request.id)
    return event


def withdraw(request: ServiceRequest, person: Person) -> None:
    """Withdraw a request staff have not started on (or that waits for the household)."""
    with db.atomic():
        updated = (
            ServiceRequest.update(status=catalog.WITHDRAWN, updated_at=utcnow())
            .where(
                (ServiceRequest.id == request.id)
                & ServiceRequest.status.in_([catalog.RECEIVED, catalog.WAITING])
            )
            .execute()
        )
        if not updated:
            raise RequestRefused(RequestRefused.NOT_OPEN)
        RequestEvent.create(request=request, author=person, status=catalog.WITHDRAWN)
        read_marks.mark(person, SUBJECT, request.id)
        audit.record("request_withdrawn", actor=person, detail=str(request.id))


def give_consent(
    request: ServiceRequest,
    residency: Residency,
    person: Person | None,
    *,
    method: str = "portal",
    recorded_by: Person | None = None,
) -> bool:
    """Record a lease party's agreement; return False when none was asked of them."""
    if request.status in catalog.CLOSED_STATES:
        raise RequestRefused(RequestRefused.NOT_OPEN)
    with db.atomic():
        updated = (
            RequestConsent.update(confirmed_at=utcnow(), method=method, recorded_by=recorded_by)
            .where(
                (RequestConsent.request == request.id)
                & (RequestConsent.residency == residency.id)
                & RequestConsent.confirmed_at.is_null()
            )
            .execute()
        )
        if updated:
            name = f"{residency.first_name} {residency.last_name}"
            RequestEvent.create(
                request=request,
                author=person or recorded_by,
                note=f"{name}: ✓",
                visible_to_resident=True,
            )
            ServiceRequest.update(updated_at=utcnow(), resident_updated_at=utcnow()).where(
                ServiceRequest.id == request.id
            ).execute()
    return bool(updated)


def change_status(
    request: ServiceRequest,
    staff: Person,
    *,
    status: str | None,
    note: str,
    visible: bool,
) -> None:
    """Staff move a request on and/or write a note; the household is told of what they see."""
    entry = entry_of(request)
    if status and (entry is None or status not in entry.states or status == request.status):
        if status != request.status:
            raise RequestRefused(RequestRefused.BAD_STATUS)
        status = None
    if status == catalog.APPROVED and missing_consents(request):
        raise RequestRefused(RequestRefused.CONSENT_MISSING)
    now = utcnow()
    with db.atomic():
        if status:
            ServiceRequest.update(status=status).where(ServiceRequest.id == request.id).execute()
            request.status = status
        changes = {ServiceRequest.updated_at: now}
        if status or (note and visible):
            changes[ServiceRequest.resident_updated_at] = now
        ServiceRequest.update(changes).where(ServiceRequest.id == request.id).execute()
        RequestEvent.create(
            request=request,
            author=staff,
            status=status,
            note=note,
            visible_to_resident=visible or bool(status),
        )
        if status == catalog.APPROVED and entry.on_approve:
            APPROVALS[entry.on_approve](request, answers_of(request))
        audit.record(
            "request_status" if status else "request_note",
            actor=staff,
            detail=f"{request.id} {status or ''}".strip(),
        )
        submitter = request.submitted_by
        if submitter and submitter.email and (status or (note and visible)):
            mail.queue(
                submitter.email,
                "request_status",
                submitter.language,
                request=request,
                title=entry.title if entry else request.type_key,
                status=catalog.STATE_LABELS[request.status],
                note=note if visible else "",
                link=_link(request),
            )


# The back office: every query starts from the requests the staff member handles.

STAFF_PAGE = 50


def staff_request(person: Person, request_id: int) -> ServiceRequest | None:
    """Return a request the staff member handles (see ``services.staff``), None for any
    other."""
    return service_requests(person).where(ServiceRequest.id == request_id).first()


def labels() -> dict:
    """The request types' titles (``titles``) and the states' names (``labels``) in the
    request's language, made once per language rather than for every line of a list (and
    again should a type be added to the catalog)."""
    return _labels_of(tuple(map(id, catalog.CATALOG.values())))


@per_language
def _labels_of(_catalog_now) -> dict:
    return {
        "titles": {key: str(entry.title) for key, entry in catalog.CATALOG.items()},
        "labels": {key: str(label) for key, label in catalog.STATE_LABELS.items()},
    }


class RequestLine(NamedTuple):
    """A line of the staff queue: what it shows, with the address of the apartment."""

    id: int
    type_key: str
    status: str
    created_at: datetime.datetime
    street_address: str
    apartment_number: str

    @property
    def reference(self) -> str:
        return f"P-{self.id:06d}"


@prepared
def _requests_page(
    team,
    type_key,
    status,
    building,
    chosen_team,
    request_id,
    pattern,
    limit,
    offset,
    *,
    role,
    has_team,
    by_type,
    statuses,
    by_building,
    by_team,
    search,
):
    query = service_requests(Scope.prepared(team, role, has_team))
    if by_type:
        query = query.where(ServiceRequest.type_key == type_key)
    if statuses == "open":
        query = query.where(ServiceRequest.status.not_in(catalog.CLOSED_STATES))
    elif statuses == "one":
        query = query.where(ServiceRequest.status == status)
    if by_building:
        query = query.where(ServiceRequest.building == building)
    if by_team:
        query = query.where(ServiceRequest.team == chosen_team)
    query = (
        # Only what a line shows: a page of fifty reads none of the answers.
        query.select(
            ServiceRequest.id,
            ServiceRequest.type_key,
            ServiceRequest.status,
            ServiceRequest.created_at,
            Building.street_address.alias("street_address"),
            Apartment.number.alias("apartment_number"),
        )
        .join(Apartment, on=(ServiceRequest.apartment == Apartment.id))
        .join(Building, on=(Apartment.building == Building.id))
    )
    if search == "reference":
        query = query.where(ServiceRequest.id == request_id)
    elif search == "words":
        # Words are looked for in the address with the apartment and the submitter's name.
        submitters = Person.select(Person.id).where(
            Person.first_name.concat(" ").concat(Person.last_name) ** pattern
        )
        query = query.where(
            (Building.street_address.concat(" ").concat(Apartment.number) ** pattern)
            | ServiceRequest.submitted_by.in_(submitters)
        )
    return (
        query.order_by(ServiceRequest.created_at, ServiceRequest.id)
        .limit(limit)
        .offset(offset)
        .objects(RequestLine)
    )


def _reference_number(q: str) -> int | None:
    """The request a reference (P-000123) names, or None when ``q`` is not one."""
    digits = q.upper().removeprefix("P-").lstrip("0")
    if digits.isascii() and digits.isdigit() and len(digits) < 10:
        return int(digits)
    return None


def requests_page(
    person: Person,
    *,
    type_key: str,
    status: str,
    building_id: int | None,
    team_id: int | None,
    q: str,
    page: int,
) -> tuple[list[RequestLine], bool]:
    """Return one page of the requests a staff member handles, oldest first, and whether
    another page follows. The queue is opened all day: its SQL is built once per shape.

    ``status`` is "open", "all" or one state; an empty ``type_key`` is every type. ``q`` is
    the search as typed: a reference finds its request by number, other words are looked
    for in the address with the apartment and the submitter's name.
    """
    request_id = _reference_number(q) if q else None
    rows = _requests_page(
        team=person.staff_team_id,
        type_key=type_key,
        status=status,
        building=building_id,
        chosen_team=team_id,
        request_id=request_id,
        pattern=contains_pattern(q),
        limit=STAFF_PAGE + 1,
        offset=(page - 1) * STAFF_PAGE,
        by_type=bool(type_key),
        statuses=status if status in ("open", "all") else "one",
        by_building=building_id is not None,
        by_team=team_id is not None,
        search="" if not q else ("reference" if request_id is not None else "words"),
        **shape_of(person),
    )
    return rows[:STAFF_PAGE], len(rows) > STAFF_PAGE


def home_of(request: ServiceRequest) -> Apartment:
    """Return the request's apartment with its building."""
    return (
        Apartment.select(Apartment, Building)
        .join(Building)
        .where(Apartment.id == request.apartment_id)
        .get()
    )


def files_of(request: ServiceRequest) -> list[RequestAttachment]:
    """List the files attached to a request, in the order they came."""
    return list(request.attachments.order_by(RequestAttachment.id))


def consent_of(request: ServiceRequest, consent_id: int) -> RequestConsent | None:
    """Return one of the agreements asked for a request with the lease party's line of the
    register, None when it is not the request's."""
    return (
        RequestConsent.select(RequestConsent, Residency)
        .join(Residency)
        .where((RequestConsent.id == consent_id) & (RequestConsent.request == request.id))
        .first()
    )


# What an approval changes in the housing register, by the entry's ``on_approve`` name.


def _update_register(request: ServiceRequest, answers: dict) -> None:
    """Moving in adds residents to the lease; moving out sets their moving-out day."""
    day = datetime.date.fromisoformat(answers["date"])
    if answers.get("change") == "in":
        for row in answers.get("movers_in", []):
            Residency.create(
                lease=request.lease_id,
                first_name=row["first_name"],
                last_name=row["last_name"],
                role=Residency.OTHER_RESIDENT,
                moved_in=day,
            )
    else:
        ids = [item["id"] for item in answers.get("movers_out", [])]
        Residency.update(moved_out=day).where(
            Residency.id.in_(ids)
            & (Residency.lease == request.lease_id)
            & (Residency.role == Residency.OTHER_RESIDENT)
        ).execute()


def _end_lease(request: ServiceRequest, answers: dict) -> None:
    """The whole agreement ends on the day; or only the submitter's part of it."""
    day = datetime.date.fromisoformat(answers["end_date"])
    if answers.get("extent") == "all":
        Lease.update(end_date=day).where(Lease.id == request.lease_id).execute()
        Residency.update(moved_out=day).where(
            (Residency.lease == request.lease_id)
            & (Residency.moved_out.is_null() | (Residency.moved_out > day))
        ).execute()
    elif request.on_behalf_of_id:
        Residency.update(moved_out=day).where(
            (Residency.lease == request.lease_id) & (Residency.id == request.on_behalf_of_id)
        ).execute()
    elif request.submitted_by_id:
        Residency.update(moved_out=day).where(
            (Residency.lease == request.lease_id) & (Residency.person == request.submitted_by_id)
        ).execute()


APPROVALS = {"update_register": _update_register, "end_lease": _end_lease}


def display_answers(entry: RequestType | None, answers: dict) -> list[tuple[str, str]]:
    """The answers as (question, answer) lines in the reader's language."""
    from flask_babel import format_date

    from portal.i18n import gettext as _

    lines = []
    for name, value in answers.items():
        spec = entry.field(name) if entry else None
        if spec is None:
            lines.append((name, json.dumps(value, ensure_ascii=False)))
            continue
        if spec.kind == catalog.DATE:
            text = format_date(datetime.date.fromisoformat(value))
        elif spec.kind == catalog.CHOICE:
            text = str(dict(spec.choices).get(value, value))
        elif spec.kind == catalog.YES_NO:
            text = _("Yes") if value == catalog.YES else _("No")
        elif spec.kind == catalog.PEOPLE:
            text = "; ".join(
                f"{row['first_name']} {row['last_name']} "
                f"({format_date(datetime.date.fromisoformat(row['birth_date']))})"
                for row in value
            )
        elif spec.kind == catalog.RESIDENT:
            text = value["name"]
        elif spec.kind == catalog.RESIDENTS:
            text = ", ".join(item["name"] for item in value)
        else:
            text = str(value)
        lines.append((str(spec.label), text))
    return lines
