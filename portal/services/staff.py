"""What a staff member looks after, and the one condition that keeps every staff list,
count, search and page within it."""

from dataclasses import dataclass

from peewee import JOIN, Case, Field, ForeignKeyField, fn

from portal import catalog, clock
from portal.models import (
    Apartment,
    Building,
    Lease,
    MessageThread,
    Person,
    Residency,
    ServiceRequest,
)


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
