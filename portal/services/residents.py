"""Who lives where: a person's place in the housing register and when their access opens."""

import datetime
from dataclasses import dataclass

from peewee import JOIN

from portal import clock
from portal.models import (
    Apartment,
    Building,
    Lease,
    Person,
    Residency,
    ServiceTeam,
)
from portal.prepared import prepared

ACTIVE = "active"
NOT_BEGUN = "not_begun"
ENDED = "ended"
NONE = "none"


@dataclass(frozen=True)
class ResidentStatus:
    """Where a person stands: access open (active), not yet, no longer, or never had a lease."""

    kind: str
    residency: Residency | None = None

    @property
    def is_active(self) -> bool:
        return self.kind == ACTIVE

    @property
    def opens_on(self) -> datetime.date | None:
        """Return the day resident pages open when the lease has not begun yet."""
        if self.kind == NOT_BEGUN and self.residency is not None:
            return max(self.residency.lease.start_date, self.residency.moved_in)
        return None


def _has_ended(residency: Residency, today: datetime.date) -> bool:
    lease = residency.lease
    return (lease.end_date is not None and lease.end_date < today) or (
        residency.moved_out is not None and residency.moved_out < today
    )


def _is_current(residency: Residency, today: datetime.date) -> bool:
    begun = residency.lease.start_date <= today and residency.moved_in <= today
    return begun and not _has_ended(residency, today)


@prepared
def _residencies_with_home(person):
    return (
        Residency.select(Residency, Lease, Apartment, Building, ServiceTeam)
        .join(Lease)
        .join(Apartment)
        .join(Building)
        .join(ServiceTeam, JOIN.INNER)
        .where(Residency.person == person)
        .order_by(Lease.start_date.desc(), Residency.id.desc())
    )


def residencies_with_home(person_id: int) -> list[Residency]:
    """A person's residencies with lease, apartment, building and team, in one query that
    every resident page runs (so it is prepared)."""
    return _residencies_with_home(person=person_id)


def resident_status(person: Person, today: datetime.date | None = None) -> ResidentStatus:
    """Return where a person stands in the housing register on a given Helsinki day."""
    today = today or clock.today()
    residencies = residencies_with_home(person.id)
    current = [r for r in residencies if _is_current(r, today)]
    if current:
        # A lease party's home comes before a home where the person is another resident.
        current.sort(key=lambda r: (not r.is_lease_party, -r.lease.start_date.toordinal()))
        return ResidentStatus(ACTIVE, current[0])
    upcoming = [r for r in residencies if not _has_ended(r, today)]
    if upcoming:
        upcoming.sort(key=lambda r: max(r.lease.start_date, r.moved_in))
        return ResidentStatus(NOT_BEGUN, upcoming[0])
    if residencies:
        return ResidentStatus(ENDED, residencies[0])
    return ResidentStatus(NONE)


@prepared
def _household(lease, today):
    return (
        Residency.select()
        .where(
            (Residency.lease == lease)
            & ((Residency.moved_out.is_null()) | (Residency.moved_out >= today))
        )
        .order_by(Residency.role, Residency.last_name, Residency.first_name)
    )


def household(lease_id: int, today: datetime.date | None = None) -> list[Residency]:
    """Return the current residents under a lease, lease parties first."""
    return _household(lease=lease_id, today=today or clock.today())


def status_of(residency: Residency, today: datetime.date) -> ResidentStatus:
    """Where one line of the register stands on a Helsinki day (an agent acts for it)."""
    if _is_current(residency, today):
        return ResidentStatus(ACTIVE, residency)
    if not _has_ended(residency, today):
        return ResidentStatus(NOT_BEGUN, residency)
    return ResidentStatus(ENDED, residency)
