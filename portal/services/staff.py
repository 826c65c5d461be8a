"""What a staff member looks after."""

from dataclasses import dataclass

from peewee import JOIN, Case, fn

from portal import clock
from portal.models import Apartment, Building, Lease, Person


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


def scope_summary(person: Person) -> ScopeSummary:
    """Count the buildings, apartments and leases a staff member looks after, in one query."""
    today = clock.today()
    buildings = visible_buildings(person)
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
        .where(Apartment.building.in_(buildings))
        .dicts()
        .get()
    )
    return ScopeSummary(
        row["buildings"], row["apartments"], row["current"] or 0, row["upcoming"] or 0
    )
