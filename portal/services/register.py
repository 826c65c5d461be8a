"""The housing register as staff keep it by hand: leases with their homes, the lines of the
register under each lease, and corrections to both.

Every lookup here is limited to the buildings the staff member serves, so a lease or a line
of another team's building is simply not found.
"""

import datetime
from decimal import Decimal

from portal.database import contains_pattern
from portal.models import Apartment, Building, Lease, Person, Residency, db
from portal.services import audit
from portal.services.staff import served

PAGE = 50


def served_leases(person: Person):
    """Select leases with their apartment and building, in the buildings a staff member
    serves."""
    return (
        Lease.select(Lease, Apartment, Building)
        .join(Apartment)
        .join(Building)
        .where(served(person, Building.id))
    )


def leases_page(person: Person, search: str, page: int) -> tuple[list[Lease], bool]:
    """Return one page of a staff member's leases by address, newest lease first in each
    home, and whether another page follows.

    ``search`` holds the words typed, looked for in the lease number, the address with the
    apartment, and the names of the lines of the register; empty: every lease.
    """
    query = served_leases(person)
    if search:
        pattern = contains_pattern(search)
        named = Residency.select(Residency.lease).where(
            Residency.first_name.concat(" ").concat(Residency.last_name) ** pattern
        )
        query = query.where(
            (Lease.number**pattern)
            | (Building.street_address.concat(" ").concat(Apartment.number) ** pattern)
            | Lease.id.in_(named)
        )
    # One row more than a page tells whether there is a next page without counting them all.
    rows = list(
        query.order_by(Building.street_address, Apartment.number, Lease.start_date.desc())
        .limit(PAGE + 1)
        .offset((page - 1) * PAGE)
    )
    return rows[:PAGE], len(rows) > PAGE


def lease_for(person: Person, lease_id: int) -> Lease | None:
    """Return the lease with its home, or None when it is not in a building the staff member
    serves."""
    return served_leases(person).where(Lease.id == lease_id).first()


def residents_under(lease: Lease) -> list[Residency]:
    """Return the lines of the register under a lease, by role and moving-in day."""
    return list(
        Residency.select()
        .where(Residency.lease == lease.id)
        .order_by(Residency.role, Residency.moved_in, Residency.id)
    )


def change_lease(
    person: Person,
    lease: Lease,
    *,
    rent: Decimal,
    deposit: Decimal | None,
    end_date: datetime.date | None,
) -> None:
    """Save a lease's rent, deposit (none is zero) and last day, with its audit entry."""
    with db.atomic():
        Lease.update(rent=rent, deposit=deposit or 0, end_date=end_date).where(
            Lease.id == lease.id
        ).execute()
        audit.record("lease_changed", actor=person, detail=lease.number)


def _line(
    first_name: str,
    last_name: str,
    role: str,
    moved_in: datetime.date,
    moved_out: datetime.date | None,
) -> dict:
    return {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "role": role,
        "moved_in": moved_in,
        "moved_out": moved_out,
    }


def add_residency(
    person: Person,
    lease: Lease,
    *,
    first_name: str,
    last_name: str,
    role: str,
    moved_in: datetime.date,
    moved_out: datetime.date | None,
) -> Residency:
    """Add a line of the register under a lease, with its audit entry."""
    with db.atomic():
        line = Residency.create(
            lease=lease, **_line(first_name, last_name, role, moved_in, moved_out)
        )
        audit.record("residency_added", actor=person, detail=lease.number)
    return line


def residency_for(person: Person, residency_id: int) -> Residency | None:
    """Return a line of the register with its lease and home, or None when it is not in a
    building the staff member serves."""
    return (
        Residency.select(Residency, Lease, Apartment, Building)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .where((Residency.id == residency_id) & served(person, Building.id))
        .first()
    )


def correct_residency(
    person: Person,
    line: Residency,
    *,
    first_name: str,
    last_name: str,
    role: str,
    moved_in: datetime.date,
    moved_out: datetime.date | None,
) -> None:
    """Correct the names, role and moving days of a line of the register, with its audit
    entry (``line`` as ``residency_for`` returns it, with its lease)."""
    with db.atomic():
        Residency.update(**_line(first_name, last_name, role, moved_in, moved_out)).where(
            Residency.id == line.id
        ).execute()
        audit.record(
            "residency_changed",
            actor=person,
            subject=line.person_id,
            detail=line.lease.number,
        )
