"""What a staff member looks after, and the one condition that keeps every staff list,
count, search and page within it."""

import datetime
import functools
import operator
from dataclasses import dataclass

from peewee import JOIN, SQL, Case, Field, ForeignKeyField, Value, fn

from portal import catalog, clock
from portal.models import (
    Apartment,
    Appointment,
    Building,
    DefectReport,
    Lease,
    Mandate,
    MessageThread,
    OutboxEmail,
    ParkingApplication,
    Person,
    Residency,
    ServiceRequest,
)
from portal.services import mail

# The queues counted on the start page, each shown only to those who may open it.
QUEUES = ("defects", "requests", "messages", "mandates", "appointments", "offers", "emails")


@dataclass(frozen=True)
class ScopeSummary:
    buildings: int
    apartments: int
    current_leases: int
    upcoming_leases: int


def visible_buildings(person: Person):
    """Select the buildings a staff member works with: the As Oy team sees only its own."""
    query = Building.select(Building.id)
    if person.staff_role == Person.ASOY_CUSTOMER_SERVICE:
        query = query.where(Building.team == person.staff_team_id)
    return query


def served(person: Person, column: Field):
    """Return the condition that keeps only the rows of the buildings a staff member serves.

    ``column`` points to a building, an apartment, a lease or a line of the register: a
    foreign key to one of them (``DefectReport.building``, ``ParkingApplication.lease``,
    ``Mandate.grantor``) or their own id. Every staff query is limited through here, so
    what a staff member may see is decided in one place. It is a subquery, not a join:
    it adds no query to a page and leaves the query's own joins and order alone.
    """
    target = column.rel_model if isinstance(column, ForeignKeyField) else column.model
    buildings = visible_buildings(person)
    if target is Building:
        ids = buildings
    elif target is Apartment:
        ids = Apartment.select(Apartment.id).where(Apartment.building.in_(buildings))
    elif target is Lease:
        ids = Lease.select(Lease.id).join(Apartment).where(Apartment.building.in_(buildings))
    elif target is Residency:
        ids = (
            Residency.select(Residency.id)
            .join(Lease)
            .join(Apartment)
            .where(Apartment.building.in_(buildings))
        )
    else:
        raise TypeError(f"{column} does not lead to a building")
    return column.in_(ids)


def served_buildings(person: Person, *columns: Field) -> list[Building]:
    """List the buildings a staff member serves by street address; only ``columns`` when
    given (a filter's choices need no more than the id and the address)."""
    return list(
        Building.select(*columns)
        .where(served(person, Building.id))
        .order_by(Building.street_address)
    )


def building_choices(person: Person) -> list[Building]:
    """The buildings a staff member serves, with only what a list of choices shows."""
    return served_buildings(person, Building.id, Building.street_address)


def service_requests(person: Person):
    """Select the requests a staff member handles: those of the buildings they serve, and
    for maintenance only the types maintenance handles."""
    query = ServiceRequest.select().where(served(person, ServiceRequest.building))
    if person.staff_role == Person.MAINTENANCE:
        query = query.where(ServiceRequest.handler == catalog.MAINTENANCE)
    return query


def message_threads(person: Person):
    """Select the conversations of the buildings a staff member serves that are routed to
    their own team (an administrator's: every team's)."""
    query = MessageThread.select().where(served(person, MessageThread.building))
    if person.staff_role != Person.ADMIN and person.staff_team_id:
        query = query.where(MessageThread.team == person.staff_team_id)
    return query


def scope_summary(person: Person) -> ScopeSummary:
    """Count the buildings, apartments and leases a staff member looks after, in one query."""
    today = clock.today()
    current = (Lease.start_date <= today) & (Lease.end_date.is_null() | (Lease.end_date >= today))
    row = (
        Apartment.select(
            fn.COUNT(Apartment.building.distinct()).alias("buildings"),
            fn.COUNT(Apartment.id.distinct()).alias("apartments"),
            # Each lease appears once in the join, so a sum of flags counts leases.
            fn.SUM(Case(None, [(current, 1)], 0)).alias("current"),
            fn.SUM(Case(None, [(Lease.start_date > today, 1)], 0)).alias("upcoming"),
        )
        .join(Lease, on=(Lease.apartment == Apartment.id), join_type=JOIN.LEFT_OUTER)
        .where(served(person, Apartment.building))
        .dicts()
        .get()
    )
    return ScopeSummary(
        row["buildings"], row["apartments"], row["current"] or 0, row["upcoming"] or 0
    )


def _count(key: str, query):
    return query.select(Value(key).alias("key"), fn.COUNT(SQL("*")).alias("n"))


def waiting_counts(person: Person, queues, ready_mail_minutes: int) -> dict[str, int]:
    """Count what waits for a staff member and their team in one query: only the ``queues``
    (of ``QUEUES``) their role may open, and in them only the buildings they serve.

    ``ready_mail_minutes`` is how long queued email may wait untried before it counts as
    undelivered. The visits of the customer service point are the whole company's, so
    they are counted for the day without a building.
    """
    today = clock.today()
    parts = []
    if "defects" in queues:
        defects = DefectReport.select().where(
            served(person, DefectReport.building) & (DefectReport.status == DefectReport.RECEIVED)
        )
        parts += [
            _count("urgent_defects", defects.where(DefectReport.urgent)),
            _count("new_defects", defects.where(~DefectReport.urgent)),
        ]
    if "requests" in queues:
        parts.append(
            _count(
                "new_requests",
                service_requests(person).where(ServiceRequest.status == "received"),
            )
        )
    if "messages" in queues:
        parts.append(
            _count(
                "messages",
                message_threads(person).where(
                    MessageThread.last_staff_at.is_null()
                    | (MessageThread.last_resident_at > MessageThread.last_staff_at)
                ),
            )
        )
    if "mandates" in queues:
        parts.append(
            _count(
                "mandates",
                Mandate.select().where(
                    (Mandate.status == Mandate.PENDING) & served(person, Mandate.grantor)
                ),
            )
        )
    if "appointments" in queues:
        start = datetime.datetime.combine(today, datetime.time.min)
        parts.append(
            _count(
                "appointments",
                Appointment.select().where(
                    (Appointment.status == Appointment.BOOKED)
                    & Appointment.starts_at.between(start, start + datetime.timedelta(days=1))
                ),
            )
        )
    if "offers" in queues:
        parts.append(
            _count(
                "offers",
                ParkingApplication.select().where(
                    (ParkingApplication.status == ParkingApplication.OFFERED)
                    & (ParkingApplication.offer_deadline <= today + datetime.timedelta(days=2))
                    & served(person, ParkingApplication.lease)
                ),
            )
        )
    if "emails" in queues:
        parts.append(
            _count(
                "emails",
                OutboxEmail.select().where(
                    (OutboxEmail.status == OutboxEmail.FAILED)
                    | mail.waiting_since(ready_mail_minutes)
                ),
            )
        )
    if not parts:
        return {}
    query = functools.reduce(operator.or_, parts[1:], parts[0])
    return {row["key"]: row["n"] for row in query.dicts()}


def register_lines(person: Person):
    """Select lines of the housing register with their home and username, limited to the
    buildings a staff member serves."""
    return (
        Residency.select(Residency, Lease, Apartment, Building, Person)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .switch(Residency)
        .join(Person, join_type=JOIN.LEFT_OUTER, on=(Residency.person == Person.id))
        .where(served(person, Apartment.building))
    )


@dataclass(frozen=True)
class ResidentFile:
    """Everything the back office shows about one resident on their page."""

    resident: Person
    lines: list
    requests: list
    defects: list
    threads: list
    mandates: list


FILE_LIMIT = 20


def resident_file(person: Person, resident_id: int) -> ResidentFile | None:
    """Gather one resident's homes, requests, defects, conversations and powers of attorney
    for a staff member; None when the resident lives in no building they serve.

    Every part is limited to the staff member's buildings on its own: a resident who moved
    from a rental home to an As Oy one, or acts for a neighbour, brings no other building's
    matters along.
    """
    lines = list(
        register_lines(person)
        .where(Residency.person == resident_id)
        .order_by(Lease.start_date.desc())
    )
    if not lines:
        return None
    resident = lines[0].person
    lease_ids = [line.lease_id for line in lines]
    line_ids = [line.id for line in lines]
    return ResidentFile(
        resident=resident,
        lines=lines,
        requests=list(
            service_requests(person)
            .where(
                (ServiceRequest.submitted_by == resident_id)
                | ServiceRequest.on_behalf_of.in_(line_ids)
            )
            .order_by(ServiceRequest.id.desc())
            .limit(FILE_LIMIT)
        ),
        defects=list(
            DefectReport.select()
            .where(
                served(person, DefectReport.building)
                & ((DefectReport.reporter == resident_id) | DefectReport.lease.in_(lease_ids))
            )
            .order_by(DefectReport.id.desc())
            .limit(FILE_LIMIT)
        ),
        threads=list(
            message_threads(person)
            .where(MessageThread.lease.in_(lease_ids))
            .order_by(MessageThread.updated_at.desc())
            .limit(FILE_LIMIT)
        ),
        mandates=list(
            Mandate.select()
            .where(
                served(person, Mandate.grantor)
                & (Mandate.grantor.in_(line_ids) | (Mandate.agent_email == resident.email))
            )
            .order_by(Mandate.id.desc())
        ),
    )
