"""Parking spaces: what is free, the queue of applications, offers with a deadline, contracts.

Every change runs in a transaction that holds the write lock before it reads (see
``write_transaction``), and partial unique indexes refuse a second active contract or open
offer of one space, so two households can never end up with the same space.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from peewee import JOIN, SQL, Case, IntegrityError, Value, fn

from portal.database import is_sqlite, write_transaction
from portal.i18n import lazy_gettext as _l
from portal.models import (
    Apartment,
    Building,
    Lease,
    ParkingApplication,
    ParkingArea,
    ParkingAreaBuilding,
    ParkingContract,
    ParkingSpace,
    Person,
    Residency,
    Sauna,
    SaunaBooking,
    SaunaTurn,
    db,
    utcnow,
)
from portal.prepared import prepared
from portal.services import audit, mail
from portal.services.dates import notice_end
from portal.services.staff import served

KIND_LABELS = {
    ParkingSpace.CAR: _l("Car space"),
    ParkingSpace.EV: _l("Car space with EV charging"),
    ParkingSpace.MOTORCYCLE: _l("Motorcycle space"),
}


class ParkingRefused(Exception):
    """A request the rules do not allow; ``reason`` says which rule."""

    NOT_LEASE_PARTY = "not_lease_party"
    LIMIT = "limit"
    ALREADY_APPLIED = "already_applied"
    NOT_AVAILABLE = "not_available"
    TAKEN = "taken"
    OFFER_CLOSED = "offer_closed"
    NO_QUEUE = "no_queue"
    BAD_DATE = "bad_date"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SpaceNumberTaken(Exception):
    """The area already has a space with that number."""


@dataclass(frozen=True)
class Availability:
    """Spaces of one kind in one area: how many, how many free now, how many in the queue."""

    area: ParkingArea
    kind: str
    spaces: int
    free: int
    waiting: int
    lowest_fee: Decimal


@dataclass(frozen=True)
class OpenApplication:
    application: ParkingApplication
    # Place in the queue (1 = next in line); None while a space is offered.
    position: int | None


def areas_for(building_id: int):
    """The parking areas whose spaces the residents of a building may apply for."""
    return (
        ParkingArea.select()
        .join(ParkingAreaBuilding)
        .where(ParkingAreaBuilding.building == building_id)
        .order_by(ParkingArea.name)
    )


def held_space_ids(space_ids: list[int]) -> set[int]:
    """The spaces among these that a contract or an open offer holds."""
    if not space_ids:
        return set()
    contracts = ParkingContract.select(ParkingContract.space).where(
        ParkingContract.space.in_(space_ids) & (ParkingContract.status == ParkingContract.ACTIVE)
    )
    offers = ParkingApplication.select(ParkingApplication.space).where(
        ParkingApplication.space.in_(space_ids)
        & (ParkingApplication.status == ParkingApplication.OFFERED)
    )
    return {row.space_id for row in contracts} | {row.space_id for row in offers}


def waiting_counts(area_ids) -> dict[tuple[int, str], int]:
    """How many applications wait, by area and kind of space (areas: ids or a subquery)."""
    rows = (
        ParkingApplication.select(
            ParkingApplication.area,
            ParkingApplication.kind,
            fn.COUNT(ParkingApplication.id).alias("count"),
        )
        .where(
            ParkingApplication.area.in_(area_ids)
            & (ParkingApplication.status == ParkingApplication.WAITING)
        )
        .group_by(ParkingApplication.area, ParkingApplication.kind)
    )
    return {(row.area_id, row.kind): row.count for row in rows}


def _is_held_sql():
    """SQL that is true for a space a contract or an open offer holds (both indexed)."""
    contract = ParkingContract.select(ParkingContract.id).where(
        (ParkingContract.space == ParkingSpace.id)
        & (ParkingContract.status == ParkingContract.ACTIVE)
    )
    offer = ParkingApplication.select(ParkingApplication.id).where(
        (ParkingApplication.space == ParkingSpace.id)
        & (ParkingApplication.status == ParkingApplication.OFFERED)
    )
    return fn.EXISTS(contract) | fn.EXISTS(offer)


def availability(building_id: int) -> list[Availability]:
    """Every kind of space in the areas serving a building, with free spaces and queue length,
    counted by the database in two queries however many spaces there are."""
    served = ParkingAreaBuilding.select(ParkingAreaBuilding.area).where(
        ParkingAreaBuilding.building == building_id
    )
    rows = (
        ParkingSpace.select(
            ParkingArea.id,
            ParkingArea.name,
            ParkingSpace.kind,
            fn.COUNT(ParkingSpace.id).alias("spaces"),
            fn.SUM(Case(None, [(_is_held_sql(), 0)], 1)).alias("free"),
            fn.MIN(ParkingSpace.monthly_fee).alias("lowest_fee"),
        )
        .join(ParkingArea)
        .where(ParkingSpace.area.in_(served) & ParkingSpace.active)
        .group_by(ParkingArea.id, ParkingArea.name, ParkingSpace.kind)
        .objects()
    )
    waiting = waiting_counts(served)
    result = [
        Availability(
            area=ParkingArea(id=row.id, name=row.name),
            kind=row.kind,
            spaces=row.spaces,
            free=row.free,
            waiting=waiting.get((row.id, row.kind), 0),
            lowest_fee=Decimal(row.lowest_fee),
        )
        for row in rows
    ]
    kind_order = {kind: index for index, kind in enumerate(ParkingSpace.KINDS)}
    return sorted(result, key=lambda row: (row.area.name, kind_order[row.kind]))


def household_contracts(lease_id: int):
    """The household's current contracts, with space and area."""
    return (
        ParkingContract.select(ParkingContract, ParkingSpace, ParkingArea)
        .join(ParkingSpace)
        .join(ParkingArea)
        .where(
            (ParkingContract.lease == lease_id) & (ParkingContract.status == ParkingContract.ACTIVE)
        )
        .order_by(ParkingArea.name, ParkingSpace.number)
    )


def household_contract(lease_id: int, contract_id: int) -> ParkingContract | None:
    """Return one of the household's current contracts with its space and area, None for
    any other contract."""
    return household_contracts(lease_id).where(ParkingContract.id == contract_id).first()


def household_application(lease_id: int, application_id: int) -> ParkingApplication | None:
    """Return one of the household's applications, open or closed, with its area and the
    space offered (None when there is none); None for any other application."""
    return (
        ParkingApplication.select(ParkingApplication, ParkingArea, ParkingSpace)
        .join(ParkingArea)
        .switch(ParkingApplication)
        .join(ParkingSpace, JOIN.LEFT_OUTER)
        .where((ParkingApplication.id == application_id) & (ParkingApplication.lease == lease_id))
        .first()
    )


def _position_sql(application):
    """SQL counting the waiting applications up to and including this one in its queue."""
    ahead = ParkingApplication.alias("ahead")
    return ahead.select(fn.COUNT(ahead.id)).where(
        (ahead.area == application.area)
        & (ahead.kind == application.kind)
        & (ahead.status == ParkingApplication.WAITING)
        & (
            (ahead.applied_at < application.applied_at)
            | ((ahead.applied_at == application.applied_at) & (ahead.id <= application.id))
        )
    )


def queue_position(application: ParkingApplication) -> int | None:
    """The application's place in its queue (1 = next in line); None unless it waits."""
    if application.status != ParkingApplication.WAITING:
        return None
    return (
        ParkingApplication.select(_position_sql(ParkingApplication))
        .where(ParkingApplication.id == application.id)
        .scalar()
    )


def household_applications(lease_id: int) -> list[OpenApplication]:
    """The household's open applications, oldest first, with their places in the queues."""
    applications = (
        ParkingApplication.select(
            ParkingApplication,
            ParkingArea,
            ParkingSpace,
            _position_sql(ParkingApplication).alias("position"),
        )
        .join(ParkingArea)
        .switch(ParkingApplication)
        .join(ParkingSpace, JOIN.LEFT_OUTER)
        .where(
            (ParkingApplication.lease == lease_id)
            & ParkingApplication.status.in_(ParkingApplication.OPEN_STATUSES)
        )
        .order_by(ParkingApplication.applied_at)
    )
    return [
        OpenApplication(a, a.position if a.status == ParkingApplication.WAITING else None)
        for a in applications
    ]


def _lease_party_people(lease_id: int, today: datetime.date):
    """The lease parties of a household who have an account: the ones an offer is sent to."""
    return (
        Person.select(Person)
        .join(Residency)
        .where(
            (Residency.lease == lease_id)
            & (Residency.role == Residency.LEASE_PARTY)
            & (Residency.moved_out.is_null() | (Residency.moved_out >= today))
            & Person.is_active
        )
    )


def _notify(application: ParkingApplication, template: str, today: datetime.date, **context):
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    for person in _lease_party_people(application.lease_id, today):
        mail.queue(
            person.email,
            template,
            person.language,
            application=application,
            link=f"{public_url}/bookings/parking/applications/{application.id}",
            **context,
        )


def _is_held(space_id: int) -> bool:
    return bool(held_space_ids([space_id]))


def _offer_next(
    space: ParkingSpace, *, today: datetime.date, now: datetime.datetime, days: int
) -> ParkingApplication | None:
    """Offer a free space to the first household waiting for its kind in its area."""
    if not space.active or _is_held(space.id):
        return None
    first = (
        ParkingApplication.select()
        .where(
            (ParkingApplication.area == space.area_id)
            & (ParkingApplication.kind == space.kind)
            & (ParkingApplication.status == ParkingApplication.WAITING)
        )
        .order_by(ParkingApplication.applied_at, ParkingApplication.id)
        .first()
    )
    if first is None:
        return None
    first.status = ParkingApplication.OFFERED
    first.space = space
    first.offered_at = now
    first.offer_deadline = today + datetime.timedelta(days=days)
    first.save()
    _notify(first, "parking_offer", today, space=space, area=space.area)
    return first


def expire(today: datetime.date, *, offer_days: int, now: datetime.datetime | None = None):
    """End what has run out, inside the caller's write transaction.

    Contracts past their end date or of an ended lease end; offers past their deadline
    expire and go to the next in line; open applications of an ended lease are cancelled.
    Return the applications offered a space on the way.
    """
    now = now or utcnow()
    ended_leases = Lease.select(Lease.id).where(Lease.end_date < today)
    ParkingContract.update(status=ParkingContract.ENDED).where(
        (ParkingContract.status == ParkingContract.ACTIVE)
        & ((ParkingContract.end_date < today) | ParkingContract.lease.in_(ended_leases))
    ).execute()
    ParkingApplication.update(status=ParkingApplication.CANCELLED, decided_at=now).where(
        (ParkingApplication.status == ParkingApplication.WAITING)
        & ParkingApplication.lease.in_(ended_leases)
    ).execute()
    stale = list(
        ParkingApplication.select().where(
            (ParkingApplication.status == ParkingApplication.OFFERED)
            & (
                (ParkingApplication.offer_deadline < today)
                | ParkingApplication.lease.in_(ended_leases)
            )
        )
    )
    for application in stale:
        application.status = ParkingApplication.EXPIRED
        application.decided_at = now
        application.save(only=[ParkingApplication.status, ParkingApplication.decided_at])
    offered = []
    for space_id in {a.space_id for a in stale if a.space_id}:
        space = ParkingSpace.get_by_id(space_id)
        if next_in_line := _offer_next(space, today=today, now=now, days=offer_days):
            offered.append(next_in_line)
    return offered


def _lock(query):
    """Lock the rows a decision rests on (PostgreSQL; SQLite holds the whole database)."""
    return query if is_sqlite(db.obj) else query.for_update()


def apply(
    lease: Lease,
    person: Person | None,
    *,
    area_id: int,
    kind: str,
    is_lease_party: bool,
    today: datetime.date,
    limit: int,
    offer_days: int,
) -> ParkingApplication:
    """Apply for a kind of space in an area: offered a free one at once, else queued."""
    if not is_lease_party:
        raise ParkingRefused(ParkingRefused.NOT_LEASE_PARTY)
    if kind not in ParkingSpace.KINDS:
        raise ParkingRefused(ParkingRefused.NOT_AVAILABLE)
    now = utcnow()
    try:
        with write_transaction(db.obj):
            expire(today, offer_days=offer_days, now=now)
            serves = ParkingAreaBuilding.select().where(
                (ParkingAreaBuilding.area == area_id)
                & (ParkingAreaBuilding.building == lease.apartment.building_id)
            )
            spaces = list(
                _lock(
                    ParkingSpace.select().where(
                        (ParkingSpace.area == area_id)
                        & (ParkingSpace.kind == kind)
                        & ParkingSpace.active
                    )
                ).order_by(ParkingSpace.number)
            )
            if not serves.exists() or not spaces:
                raise ParkingRefused(ParkingRefused.NOT_AVAILABLE)
            open_applications = household_applications(lease.id)
            if any(
                a.application.area_id == area_id and a.application.kind == kind
                for a in open_applications
            ):
                raise ParkingRefused(ParkingRefused.ALREADY_APPLIED)
            if household_contracts(lease.id).count() + len(open_applications) >= limit:
                raise ParkingRefused(ParkingRefused.LIMIT)
            application = ParkingApplication.create(
                lease=lease, area=area_id, kind=kind, applied_at=now, created_by=person
            )
            audit.record("parking_applied", actor=person, detail=f"application {application.id}")
            # Free spaces go to the queue in order; this household is last in it.
            held = held_space_ids([space.id for space in spaces])
            for space in spaces:
                if space.id not in held and not _offer_next(
                    space, today=today, now=now, days=offer_days
                ):
                    break
            return ParkingApplication.get_by_id(application.id)
    except IntegrityError:
        # The database refused a second open application (a double click, two tabs).
        raise ParkingRefused(ParkingRefused.ALREADY_APPLIED) from None


def _open_application(application_id: int) -> ParkingApplication:
    application = _lock(
        ParkingApplication.select().where(ParkingApplication.id == application_id)
    ).first()
    if application is None or not application.is_open:
        raise ParkingRefused(ParkingRefused.OFFER_CLOSED)
    return application


def accept(
    application_id: int,
    person: Person | None,
    *,
    is_lease_party: bool,
    today: datetime.date,
    offer_days: int,
) -> ParkingContract:
    """Accept an offered space: the household's contract starts today."""
    if not is_lease_party:
        raise ParkingRefused(ParkingRefused.NOT_LEASE_PARTY)
    now = utcnow()
    try:
        with write_transaction(db.obj):
            expire(today, offer_days=offer_days, now=now)
            application = _open_application(application_id)
            if application.status != ParkingApplication.OFFERED:
                raise ParkingRefused(ParkingRefused.OFFER_CLOSED)
            application.status = ParkingApplication.ACCEPTED
            application.decided_at = now
            application.save()
            contract = ParkingContract.create(
                space=application.space_id,
                lease=application.lease_id,
                application=application,
                start_date=today,
                created_by=person,
            )
            audit.record("parking_accepted", actor=person, detail=f"contract {contract.id}")
            return contract
    except IntegrityError:
        raise ParkingRefused(ParkingRefused.TAKEN) from None


def withdraw(
    application_id: int,
    person: Person | None,
    *,
    is_lease_party: bool,
    today: datetime.date,
    offer_days: int,
) -> ParkingApplication | None:
    """Decline an offer or cancel a waiting application; an offered space goes to the next
    in line. Return the application offered the space next, if any."""
    if not is_lease_party:
        raise ParkingRefused(ParkingRefused.NOT_LEASE_PARTY)
    now = utcnow()
    with write_transaction(db.obj):
        expire(today, offer_days=offer_days, now=now)
        application = _open_application(application_id)
        offered = application.status == ParkingApplication.OFFERED
        application.status = (
            ParkingApplication.DECLINED if offered else ParkingApplication.CANCELLED
        )
        application.decided_at = now
        application.save()
        audit.record(
            "parking_declined" if offered else "parking_application_cancelled",
            actor=person,
            detail=f"application {application.id}",
        )
        if offered and application.space_id:
            space = ParkingSpace.get_by_id(application.space_id)
            return _offer_next(space, today=today, now=now, days=offer_days)
    return None


def terminate(
    contract: ParkingContract,
    person: Person | None,
    *,
    is_lease_party: bool,
    today: datetime.date,
    notice_months: int,
) -> datetime.date:
    """Give notice on a contract; return its last day (never later than one already set)."""
    if not is_lease_party:
        raise ParkingRefused(ParkingRefused.NOT_LEASE_PARTY)
    last_day = notice_end(today, notice_months)
    with write_transaction(db.obj):
        updated = (
            ParkingContract.update(end_date=last_day)
            .where(
                (ParkingContract.id == contract.id)
                & (ParkingContract.status == ParkingContract.ACTIVE)
                & (ParkingContract.end_date.is_null() | (ParkingContract.end_date > last_day))
            )
            .execute()
        )
        if updated:
            audit.record("parking_terminated", actor=person, detail=f"contract {contract.id}")
        return ParkingContract.get_by_id(contract.id).end_date


def offer(
    space_id: int, staff: Person, *, today: datetime.date, offer_days: int
) -> ParkingApplication:
    """Staff offer a free space to the first household in its queue."""
    now = utcnow()
    with write_transaction(db.obj):
        expire(today, offer_days=offer_days, now=now)
        space = _lock(ParkingSpace.select().where(ParkingSpace.id == space_id)).first()
        if space is None or not space.active or _is_held(space.id):
            raise ParkingRefused(ParkingRefused.TAKEN)
        application = _offer_next(space, today=today, now=now, days=offer_days)
        if application is None:
            raise ParkingRefused(ParkingRefused.NO_QUEUE)
        audit.record("parking_offered", actor=staff, detail=f"application {application.id}")
        return application


def end_contract(
    contract: ParkingContract, staff: Person, *, end_date: datetime.date, today: datetime.date
) -> None:
    """Staff end a contract on a date (today at the earliest) and tell the household."""
    if end_date < today:
        raise ParkingRefused(ParkingRefused.BAD_DATE)
    with write_transaction(db.obj):
        contract.end_date = end_date
        contract.save(only=[ParkingContract.end_date])
        audit.record("parking_ended_by_staff", actor=staff, detail=f"contract {contract.id}")
        public_url = current_app.config["PUBLIC_URL"].rstrip("/")
        for person in _lease_party_people(contract.lease_id, today):
            mail.queue(
                person.email,
                "parking_contract_ended",
                person.language,
                contract=contract,
                space=contract.space,
                area=contract.space.area,
                link=f"{public_url}/bookings/parking",
            )


@prepared
def _dashboard_lines(lease):
    # Sauna turns first: their columns give the union its types (a weekday, a date).
    sauna_turns = (
        SaunaBooking.select(
            Value("sauna").alias("line"),
            SaunaBooking.id.alias("row_id"),
            SaunaTurn.start_time.alias("number"),
            Sauna.name.alias("area"),
            SaunaBooking.end_date.alias("day"),
            SaunaTurn.weekday.alias("weekday"),
        )
        .join(SaunaTurn)
        .join(Sauna)
        .where((SaunaBooking.lease == lease) & (SaunaBooking.status == SaunaBooking.ACTIVE))
    )
    contracts = (
        ParkingContract.select(
            Value("contract").alias("line"),
            ParkingContract.id.alias("row_id"),
            ParkingSpace.number.alias("number"),
            ParkingArea.name.alias("area"),
            ParkingContract.end_date.alias("day"),
            SQL("NULL").alias("weekday"),
        )
        .join(ParkingSpace)
        .join(ParkingArea)
        .where(
            (ParkingContract.lease == lease) & (ParkingContract.status == ParkingContract.ACTIVE)
        )
    )
    offers = (
        ParkingApplication.select(
            Value("offer").alias("line"),
            ParkingApplication.id.alias("row_id"),
            ParkingSpace.number.alias("number"),
            ParkingArea.name.alias("area"),
            ParkingApplication.offer_deadline.alias("day"),
            SQL("NULL").alias("weekday"),
        )
        .join(ParkingSpace, on=(ParkingApplication.space == ParkingSpace.id))
        .join(ParkingArea, on=(ParkingSpace.area == ParkingArea.id))
        .where(
            (ParkingApplication.lease == lease)
            & (ParkingApplication.status == ParkingApplication.OFFERED)
        )
    )
    return sauna_turns.union_all(contracts).union_all(offers).dicts()


# The order of the start page's booking lines.
LINE_ORDER = {"sauna": 0, "contract": 1, "offer": 2}


def dashboard_lines(lease_id: int) -> list[dict]:
    """The household's sauna turns, parking spaces and open parking offers for the start
    page, in one query. Each line has ``line`` ("sauna", "contract" or "offer"), ``row_id``
    (the booking, contract or application), ``number`` (the turn's starting time or the
    space's number), ``area`` (the sauna or the parking area), ``day`` (when a cancelled
    turn or a terminated contract ends, or by when an offer is answered) and ``weekday``
    (a turn's). Turns come by weekday and time, then spaces and offers by number."""
    rows = _dashboard_lines(lease=lease_id)
    for row in rows:
        if isinstance(row["day"], str):
            row["day"] = datetime.date.fromisoformat(row["day"])
    return sorted(
        rows, key=lambda row: (LINE_ORDER[row["line"]], row["weekday"] or 0, row["number"])
    )


# The back office: every query below is limited to the areas serving at least one building
# the staff member works with, and to the households of the buildings they serve.


@dataclass(frozen=True)
class ParkingOverview:
    """What the back office shows of its parking areas (each dict keyed by space or queue)."""

    spaces: list[ParkingSpace]
    # The contracts and open offers of one's own households, by space.
    contracts: dict[int, ParkingContract]
    offers: dict[int, ParkingApplication]
    # Every space a contract or an open offer holds, whoever's household it is.
    held: set[int]
    # Each queue as (place, application) for one's own households, by (area, kind).
    queues: dict[tuple[int, str], list[tuple[int, ParkingApplication]]]
    # How many wait in each whole queue, by (area, kind).
    waiting: dict[tuple[int, str], int]
    # The street addresses of one's own buildings each area serves, by area.
    served: dict[int, list[str]]


def _areas_served(person: Person):
    """Select the ids of the areas serving at least one building the staff member works with."""
    return (
        ParkingArea.select(ParkingArea.id)
        .join(ParkingAreaBuilding)
        .where(served(person, ParkingAreaBuilding.building))
    )


def _home_of(query):
    """Join a query on leases to the apartment and building, for showing whose row it is."""
    return query.join(Lease).join(Apartment).join(Building)


def parking_areas_for(person: Person) -> list[ParkingArea]:
    """List the parking areas serving the buildings a staff member works with, by name."""
    return list(
        ParkingArea.select()
        .where(ParkingArea.id.in_(_areas_served(person)))
        .order_by(ParkingArea.name)
    )


def parking_overview(person: Person, areas: list[ParkingArea]) -> ParkingOverview:
    """Gather the spaces, contracts, offers and queues of these areas (from
    ``parking_areas_for``) for a staff member, in four queries however many there are.

    An area may serve buildings of other teams too. Their households' contracts, offers and
    places in the queue are read with the rest, because they decide which spaces are taken
    and where in the queue one's own households stand, but only marked, never shown.
    """
    area_ids = [area.id for area in areas]
    ours = served(person, Apartment.building).alias("ours")
    spaces = list(
        ParkingSpace.select()
        .where(ParkingSpace.area.in_(area_ids))
        .order_by(ParkingSpace.area, ParkingSpace.kind, ParkingSpace.number)
    )
    held = set()
    contracts = {}
    for contract in _home_of(
        ParkingContract.select(ParkingContract, Lease, Apartment, Building, ours)
    ).where(
        ParkingContract.space.in_([space.id for space in spaces])
        & (ParkingContract.status == ParkingContract.ACTIVE)
    ):
        held.add(contract.space_id)
        if contract.ours:
            contracts[contract.space_id] = contract
    applications = list(
        _home_of(ParkingApplication.select(ParkingApplication, Lease, Apartment, Building, ours))
        .where(
            ParkingApplication.area.in_(area_ids)
            & ParkingApplication.status.in_(ParkingApplication.OPEN_STATUSES)
        )
        .order_by(
            ParkingApplication.area,
            ParkingApplication.kind,
            ParkingApplication.applied_at,
            ParkingApplication.id,
        )
    )
    offers = {}
    for application in applications:
        if application.status == ParkingApplication.OFFERED:
            held.add(application.space_id)
            if application.ours:
                offers[application.space_id] = application
    # An offer goes to the first in the whole queue, so whether anyone waits is kept apart
    # from the places of one's own households.
    queues: dict[tuple[int, str], list[tuple[int, ParkingApplication]]] = {}
    waiting: dict[tuple[int, str], int] = {}
    for application in applications:
        if application.status == ParkingApplication.WAITING:
            key = (application.area_id, application.kind)
            waiting[key] = waiting.get(key, 0) + 1
            if application.ours:
                queues.setdefault(key, []).append((waiting[key], application))
    addresses = {}
    for row in (
        ParkingAreaBuilding.select(ParkingAreaBuilding, Building)
        .join(Building)
        .where(
            ParkingAreaBuilding.area.in_(area_ids) & served(person, ParkingAreaBuilding.building)
        )
        .order_by(Building.street_address)
    ):
        addresses.setdefault(row.area_id, []).append(row.building.street_address)
    return ParkingOverview(
        spaces=spaces,
        contracts=contracts,
        offers=offers,
        held=held,
        queues=queues,
        waiting=waiting,
        served=addresses,
    )


def space_for(person: Person, space_id: int) -> ParkingSpace | None:
    """Return a space of an area the staff member's buildings use, or None."""
    return ParkingSpace.get_or_none(
        (ParkingSpace.id == space_id) & ParkingSpace.area.in_(_areas_served(person))
    )


def staff_contract(person: Person, contract_id: int) -> ParkingContract | None:
    """Return an active contract of a household the staff member serves, on a space of an
    area they see, with its home and space; None for any other contract."""
    return (
        _home_of(ParkingContract.select(ParkingContract, Lease, Apartment, Building, ParkingSpace))
        .switch(ParkingContract)
        .join(ParkingSpace)
        .where(
            (ParkingContract.id == contract_id)
            & (ParkingContract.status == ParkingContract.ACTIVE)
            & served(person, Apartment.building)
            & ParkingSpace.area.in_(_areas_served(person))
        )
        .first()
    )


def add_area(name: str, description: str, building_ids: list[int]) -> ParkingArea:
    """Add a parking area serving some buildings."""
    with db.atomic():
        area = ParkingArea.create(name=name, description=description)
        for building_id in building_ids:
            ParkingAreaBuilding.create(area=area, building=building_id)
    return area


def add_space(area_id: int, *, number: str, kind: str, monthly_fee: Decimal) -> ParkingSpace:
    """Add a space to an area; raise SpaceNumberTaken if the area has one by that number."""
    try:
        with db.atomic():
            return ParkingSpace.create(
                area=area_id, number=number, kind=kind, monthly_fee=monthly_fee
            )
    except IntegrityError:
        raise SpaceNumberTaken() from None


def switch_space_use(space: ParkingSpace) -> None:
    """Take a space out of use, or back; raise ParkingRefused (TAKEN) for a space in use
    that a contract or an open offer holds, because it stays in use."""
    with write_transaction(db.obj):
        if space.active and _is_held(space.id):
            raise ParkingRefused(ParkingRefused.TAKEN)
        space.active = not space.active
        space.save(only=[ParkingSpace.active])
