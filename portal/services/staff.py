"""What a staff member looks after, and the one condition that keeps every staff list,
count, search and page within it."""

import datetime
import functools
import operator
from dataclasses import dataclass

from peewee import JOIN, SQL, Case, Field, ForeignKeyField, Select, Value, fn

from portal import catalog, clock, database
from portal.models import (
    Apartment,
    Appointment,
    Building,
    DefectReport,
    Incident,
    IncidentArea,
    Lease,
    Mandate,
    MessageThread,
    OutboxEmail,
    ParkingApplication,
    Person,
    Residency,
    ServiceRequest,
)
from portal.prepared import prepared
from portal.services import mail

# The queues counted on the start page, each shown only to those who may open it.
QUEUES = (
    "defects",
    "incidents",
    "requests",
    "messages",
    "mandates",
    "appointments",
    "offers",
    "emails",
)


@dataclass(frozen=True)
class ScopeSummary:
    buildings: int
    apartments: int
    current_leases: int
    upcoming_leases: int


@dataclass(frozen=True)
class Scope:
    """Who a staff query is for, as the conditions below read a staff member: the role,
    and the team (the value, or a prepared query's slot for it)."""

    staff_role: str | None
    staff_team_id: object

    @classmethod
    def prepared(cls, team, role: str | None, has_team: bool) -> "Scope":
        """The scope inside a prepared query: the team is a slot, the rest its shape (the
        arguments ``shape_of`` gives)."""
        return cls(role, team if has_team else None)


def shape_of(person: Person) -> dict:
    """What a prepared staff query's shape depends on: the role, and whether there is a
    team (its id is a slot, ``team``)."""
    return {"role": person.staff_role, "has_team": bool(person.staff_team_id)}


def serves_every_building(person: Person | Scope) -> bool:
    """Whether a staff member works with every building: all but the As Oy team do."""
    return person.staff_role != Person.ASOY_CUSTOMER_SERVICE


def visible_buildings(person: Person | Scope):
    """Select the buildings a staff member works with: the As Oy team sees only its own."""
    query = Building.select(Building.id)
    if not serves_every_building(person):
        query = query.where(Building.team == person.staff_team_id)
    return query


def served(person: Person | Scope, column: Field):
    """Return the condition that keeps only the rows of the buildings a staff member serves.

    ``column`` points to a building, an apartment, a lease or a line of the register: a
    foreign key to one of them (``DefectReport.building``, ``ParkingApplication.lease``,
    ``Mandate.grantor``) or their own id. Every staff query is limited through here, so
    what a staff member may see is decided in one place. It is a subquery, not a join:
    it adds no query to a page and leaves the query's own joins and order alone. For a
    staff member who serves every building it is no condition at all, since every row
    leads to a building: the database then has no list of every building to go through.
    """
    target = column.rel_model if isinstance(column, ForeignKeyField) else column.model
    if target not in (Building, Apartment, Lease, Residency):
        raise TypeError(f"{column} does not lead to a building")
    if serves_every_building(person):
        return column.is_null(False) if column.null else SQL("TRUE")
    buildings = visible_buildings(person)
    if target is Building:
        ids = buildings
    elif target is Apartment:
        ids = Apartment.select(Apartment.id).where(Apartment.building.in_(buildings))
    elif target is Lease:
        ids = Lease.select(Lease.id).join(Apartment).where(Apartment.building.in_(buildings))
    else:
        ids = (
            Residency.select(Residency.id)
            .join(Lease)
            .join(Apartment)
            .where(Apartment.building.in_(buildings))
        )
    return column.in_(ids)


def served_buildings(person: Person, *columns: Field) -> list[Building]:
    """List the buildings a staff member serves by street address; only ``columns`` when
    given (a filter's choices need no more than the id and the address)."""
    return list(
        Building.select(*columns)
        .where(served(person, Building.id))
        .order_by(Building.street_address)
    )


@prepared
def _building_choices(team, *, role, has_team):
    who = Scope.prepared(team, role, has_team)
    return (
        Building.select(Building.id, Building.street_address)
        .where(served(who, Building.id))
        .order_by(Building.street_address)
        .tuples()
    )


# Every staff queue offers the buildings served as a filter: a process keeps them for half a
# minute per database, team and role (as it keeps the service teams), and reads them afresh
# after a building changes team here.
CHOICES_KEPT_SECONDS = 30
_kept_choices = database.Kept(CHOICES_KEPT_SECONDS)


def building_choices(person: Person) -> tuple[tuple[int, str], ...]:
    """The buildings a staff member serves as (id, street address) choices: a tuple, so
    that the options made of them are kept (``fragments``)."""
    shape = shape_of(person)
    team = person.staff_team_id
    return _kept_choices.get(
        lambda: tuple(_building_choices(team=team, **shape)), team, *shape.values()
    )


def forget_building_choices() -> None:
    """Read the buildings' choices afresh on their next use (a building changed team)."""
    _kept_choices.forget()


def service_requests(person: Person | Scope):
    """Select the requests a staff member handles: those of the buildings they serve, and
    for maintenance only the types maintenance handles."""
    query = ServiceRequest.select().where(served(person, ServiceRequest.building))
    if person.staff_role == Person.MAINTENANCE:
        query = query.where(ServiceRequest.handler == catalog.MAINTENANCE)
    return query


def message_threads(person: Person | Scope):
    """Select the conversations of the buildings a staff member serves that are routed to
    their own team (an administrator's: every team's)."""
    query = MessageThread.select().where(served(person, MessageThread.building))
    if person.staff_role != Person.ADMIN and person.staff_team_id:
        query = query.where(MessageThread.team == person.staff_team_id)
    return query


@prepared
def _scope_summary(team, today, *, role, has_team):
    # Four counts in one query, each over one table: a join of apartments and leases would
    # count the distinct ones of both, three times as slow.
    who = Scope.prepared(team, role, has_team)
    apartments = Apartment.select().where(served(who, Apartment.building))
    leases = Lease.select().where(served(who, Lease.apartment))
    current = (Lease.start_date <= today) & (Lease.end_date.is_null() | (Lease.end_date >= today))
    counted = fn.COUNT(SQL("*"))
    return Select(
        columns=[
            apartments.select(fn.COUNT(Apartment.building.distinct())).alias("buildings"),
            apartments.select(counted).alias("apartments"),
            leases.where(current).select(counted).alias("current"),
            leases.where(Lease.start_date > today).select(counted).alias("upcoming"),
        ]
    ).dicts()


def scope_summary(person: Person) -> ScopeSummary:
    """Count the buildings, apartments and leases a staff member looks after, in one query."""
    [row] = _scope_summary(team=person.staff_team_id, today=clock.today(), **shape_of(person))
    return ScopeSummary(row["buildings"], row["apartments"], row["current"], row["upcoming"])


def _count(key: str, query):
    return query.select(Value(key).alias("key"), fn.COUNT(SQL("*")).alias("n"))


@prepared
def _waiting(team, day_start, day_end, offers_due, mail_cutoff, now, *, role, has_team, queues):
    who = Scope.prepared(team, role, has_team)
    parts = []
    if "defects" in queues:
        # Urgent and other new reports in one pass over the index, one row each.
        parts.append(
            DefectReport.select(
                Case(None, [(DefectReport.urgent, "urgent_defects")], "new_defects").alias("key"),
                fn.COUNT(SQL("*")).alias("n"),
            )
            .where(
                served(who, DefectReport.building) & (DefectReport.status == DefectReport.RECEIVED)
            )
            .group_by(DefectReport.urgent)
        )
    if "incidents" in queues:
        # Works past their expected end that nobody has resolved: the residents no longer
        # see them, but the reports linked to them wait for the resolving.
        # Looked up for each such incident (a few), not listed for every incident ever.
        ours = IncidentArea.select(SQL("1")).where(
            (IncidentArea.incident == Incident.id) & served(who, IncidentArea.building)
        )
        parts.append(
            _count(
                "incidents",
                Incident.select().where(
                    Incident.resolved_at.is_null() & (Incident.ends_at <= now) & fn.EXISTS(ours)
                ),
            )
        )
    if "requests" in queues:
        parts.append(
            _count(
                "new_requests",
                service_requests(who).where(ServiceRequest.status == "received"),
            )
        )
    if "messages" in queues:
        parts.append(
            _count(
                "messages",
                message_threads(who).where(
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
                    (Mandate.status == Mandate.PENDING) & served(who, Mandate.grantor)
                ),
            )
        )
    if "appointments" in queues:
        parts.append(
            _count(
                "appointments",
                Appointment.select().where(
                    (Appointment.status == Appointment.BOOKED)
                    & Appointment.starts_at.between(day_start, day_end)
                ),
            )
        )
    if "offers" in queues:
        parts.append(
            _count(
                "offers",
                ParkingApplication.select().where(
                    (ParkingApplication.status == ParkingApplication.OFFERED)
                    & (ParkingApplication.offer_deadline <= offers_due)
                    & served(who, ParkingApplication.lease)
                ),
            )
        )
    if "emails" in queues:
        parts.append(
            _count(
                "emails",
                OutboxEmail.select().where(
                    (OutboxEmail.status == OutboxEmail.FAILED) | mail.waiting_before(mail_cutoff)
                ),
            )
        )
    # UNION ALL: each part counts its own queue, so no row can repeat another.
    return functools.reduce(operator.add, parts[1:], parts[0]).dicts()


def waiting_counts(person: Person, queues, ready_mail_minutes: int) -> dict[str, int]:
    """Count what waits for a staff member and their team in one query: only the ``queues``
    (of ``QUEUES``) their role may open, and in them only the buildings they serve.

    ``ready_mail_minutes`` is how long queued email may wait untried before it counts as
    undelivered. The visits of the customer service point are the whole company's, so
    they are counted for the day without a building.
    """
    queues = frozenset(queues) & frozenset(QUEUES)
    if not queues:
        return {}
    today = clock.today()
    day_start = datetime.datetime.combine(today, datetime.time.min)
    rows = _waiting(
        team=person.staff_team_id,
        day_start=day_start,
        day_end=day_start + datetime.timedelta(days=1),
        offers_due=today + datetime.timedelta(days=2),
        mail_cutoff=mail.waiting_cutoff(ready_mail_minutes),
        now=clock.utcnow(),
        queues=queues,
        **shape_of(person),
    )
    counts = {row["key"]: row["n"] for row in rows}
    if "defects" in queues:
        # A kind of report that has none has no row.
        counts.setdefault("urgent_defects", 0)
        counts.setdefault("new_defects", 0)
    return counts


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
