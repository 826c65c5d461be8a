"""Sauna turns: the week's grid, requesting a free turn, cancelling at the end of the month,
and the saunas and weekly turns the back office keeps."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN, IntegrityError

from portal.database import is_sqlite, write_transaction
from portal.models import Building, Lease, Person, Sauna, SaunaBooking, SaunaTurn, db
from portal.prepared import prepared
from portal.services.dates import in_range, notice_end
from portal.services.staff import served


class BookingRefused(Exception):
    """A request the rules do not allow; ``reason`` says which rule."""

    NOT_LEASE_PARTY = "not_lease_party"
    LIMIT = "limit"
    TAKEN = "taken"
    NOT_AVAILABLE = "not_available"
    PAST = "past"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TurnClash(Exception):
    """The sauna already has a turn starting at that time."""


@dataclass(frozen=True)
class GridRow:
    turn: SaunaTurn
    day: datetime.date
    state: str  # "free", "past" (free, but its time is over), "taken", "yours" or "common"


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def starts_at(turn: SaunaTurn, monday: datetime.date) -> datetime.datetime:
    """When a weekly turn begins in the week of ``monday``, as Helsinki wall-clock time."""
    hour, minute = map(int, turn.start_time.split(":"))
    day = monday + datetime.timedelta(days=turn.weekday)
    return datetime.datetime.combine(day, datetime.time(hour, minute))


def read_week(text: str | None) -> datetime.date | None:
    """Return the Monday of an ISO week written as 2026-W49; None if it cannot be read or is
    outside the years the portal serves (the pages step a week either way from it)."""
    year, separator, week = (text or "").partition("-W")
    if not (separator and year.isascii() and year.isdigit() and week.isascii() and week.isdigit()):
        return None
    if len(year) != 4 or len(week) > 2:
        return None
    try:
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None
    return monday if in_range(monday) else None


def parse_week(text: str | None, today: datetime.date) -> datetime.date:
    """Return the Monday of an ISO week written as 2026-W49; this week if it cannot be read."""
    return read_week(text) or monday_of(today)


# The weeks a resident can page to reach at least this far, whatever the notice period.
WEEKS_SHOWN_AHEAD = 4


def week_range(today: datetime.date, notice_months: int) -> tuple[datetime.date, datetime.date]:
    """The Mondays of the first and last weeks the sauna grid shows: from this week to the
    week a turn cancelled today would end in (no booking ends later, and after it each week
    looks the same, since a turn booked now is held every week from today), and at least
    WEEKS_SHOWN_AHEAD weeks ahead."""
    last_day = max(
        notice_end(today, notice_months), today + datetime.timedelta(weeks=WEEKS_SHOWN_AHEAD)
    )
    return monday_of(today), monday_of(last_day)


def week_label(monday: datetime.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def expire(today: datetime.date) -> None:
    """End bookings whose end date has passed, or whose lease has ended."""
    ended_leases = Lease.select(Lease.id).where(Lease.end_date < today)
    SaunaBooking.update(status=SaunaBooking.ENDED).where(
        (SaunaBooking.status == SaunaBooking.ACTIVE)
        & ((SaunaBooking.end_date < today) | SaunaBooking.lease.in_(ended_leases))
    ).execute()


def saunas_of(building_id: int) -> list[Sauna]:
    """List the saunas of a building."""
    return list(Sauna.select().where(Sauna.building == building_id))


def building_turns(building_id: int):
    """Select the building's turns in use with their sauna, by weekday and time."""
    return (
        SaunaTurn.select(SaunaTurn, Sauna)
        .join(Sauna)
        .where((Sauna.building == building_id) & SaunaTurn.active)
        .order_by(SaunaTurn.weekday, SaunaTurn.start_time, Sauna.name)
    )


@prepared
def _week_turns(building, monday, sunday):
    # Each turn with the household holding it that week, if any: one active booking at most
    # per turn (the database refuses a second), so a turn comes once.
    holds = (
        (SaunaBooking.turn == SaunaTurn.id)
        & (SaunaBooking.status == SaunaBooking.ACTIVE)
        & (SaunaBooking.start_date <= sunday)
        & (SaunaBooking.end_date.is_null() | (SaunaBooking.end_date >= monday))
    )
    return (
        building_turns(building)
        .select_extend(SaunaBooking.lease)
        .switch(SaunaTurn)
        .join(SaunaBooking, JOIN.LEFT_OUTER, on=holds, attr="holding")
    )


def week_grid(
    building_id: int, lease_id: int, monday: datetime.date, now: datetime.datetime
) -> list[GridRow]:
    """Every active turn of the building's saunas in one week, free or taken (never by whom);
    a free turn whose time is over by ``now`` (Helsinki wall clock) is past, not free."""
    sunday = monday + datetime.timedelta(days=6)
    rows = []
    for turn in _week_turns(building=building_id, monday=monday, sunday=sunday):
        holder = turn.holding.lease_id if turn.holding else None
        if turn.kind == SaunaTurn.COMMON:
            state = "common"
        elif holder is None:
            state = "free" if starts_at(turn, monday) > now else "past"
        else:
            state = "yours" if holder == lease_id else "taken"
        rows.append(GridRow(turn, monday + datetime.timedelta(days=turn.weekday), state))
    return rows


def _household_bookings(lease):
    return (
        SaunaBooking.select(SaunaBooking, SaunaTurn, Sauna)
        .join(SaunaTurn)
        .join(Sauna)
        .where((SaunaBooking.lease == lease) & (SaunaBooking.status == SaunaBooking.ACTIVE))
        .order_by(SaunaTurn.weekday, SaunaTurn.start_time)
    )


_current_bookings = prepared(_household_bookings)


def household_bookings(lease_id: int) -> list[SaunaBooking]:
    """The household's current sauna turns, with turn and sauna."""
    return _current_bookings(lease=lease_id)


def household_booking(lease_id: int, booking_id: int) -> SaunaBooking | None:
    """Return one of the household's current turns with its turn and sauna, None for any
    other booking."""
    return _household_bookings(lease_id).where(SaunaBooking.id == booking_id).first()


def _household_turn(turn_id: int, lease: Lease) -> SaunaTurn:
    """Return the household turn ``turn_id`` of the lease's building in use; raise
    BookingRefused otherwise. Called inside the write transaction."""
    database = db.obj
    query = (
        SaunaTurn.select(SaunaTurn)
        .join(Sauna)
        .where(
            (SaunaTurn.id == turn_id)
            & SaunaTurn.active
            & (SaunaTurn.kind == SaunaTurn.HOUSEHOLD)
            & (Sauna.building == lease.apartment.building_id)
        )
    )
    if not is_sqlite(database):
        query = query.for_update()
    turn = query.first()
    if turn is None:
        raise BookingRefused(BookingRefused.NOT_AVAILABLE)
    return turn


def _refuse_taken_or_past(
    turn: SaunaTurn, week: datetime.date | None, now: datetime.datetime | None
) -> None:
    """Raise BookingRefused if a household holds the turn, or if it is over in the week of
    ``week`` by ``now``: a turn already over is not offered, so not given."""
    held = SaunaBooking.select().where(
        (SaunaBooking.turn == turn.id) & (SaunaBooking.status == SaunaBooking.ACTIVE)
    )
    if held.exists():
        raise BookingRefused(BookingRefused.TAKEN)
    if week is not None and now is not None and starts_at(turn, week) <= now:
        raise BookingRefused(BookingRefused.PAST)


def request_turn(
    turn_id: int,
    lease: Lease,
    person: Person,
    *,
    is_lease_party: bool,
    today: datetime.date,
    limit: int,
    week: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> SaunaBooking:
    """Give a free household turn to the household from today; raise BookingRefused if not.
    Asked for from the week of the Monday ``week``, the turn must still be to come that week
    by ``now`` (Helsinki wall clock): a turn already over is not offered, so not given.

    The write lock is taken before anything is read, and the database refuses a second
    active booking of a turn, so two requests at the same moment get one turn between them.
    """
    if not is_lease_party:
        raise BookingRefused(BookingRefused.NOT_LEASE_PARTY)
    try:
        with write_transaction(db.obj):
            expire(today)
            turn = _household_turn(turn_id, lease)
            held = _household_bookings(lease.id).count()
            if held >= limit:
                raise BookingRefused(BookingRefused.LIMIT)
            _refuse_taken_or_past(turn, week, now)
            return SaunaBooking.create(turn=turn, lease=lease, start_date=today, created_by=person)
    except IntegrityError:
        raise BookingRefused(BookingRefused.TAKEN) from None


def swap_turn(
    booking: SaunaBooking,
    turn_id: int,
    lease: Lease,
    person: Person,
    *,
    is_lease_party: bool,
    today: datetime.date,
    week: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> SaunaBooking:
    """Move the household's turn ``booking`` to the free turn ``turn_id``: the old booking
    ends today and the new one starts today, both or neither, so the household never holds
    more turns than it did. Raise BookingRefused (as request_turn does) if not.

    A cancelled turn is not moved: its booking already ends, and moving it would undo that.
    """
    if not is_lease_party:
        raise BookingRefused(BookingRefused.NOT_LEASE_PARTY)
    try:
        with write_transaction(db.obj):
            expire(today)
            turn = _household_turn(turn_id, lease)
            _refuse_taken_or_past(turn, week, now)
            ended = (
                SaunaBooking.update(status=SaunaBooking.ENDED, end_date=today)
                .where(
                    (SaunaBooking.id == booking.id)
                    & (SaunaBooking.lease == lease.id)
                    & (SaunaBooking.status == SaunaBooking.ACTIVE)
                    & SaunaBooking.end_date.is_null()
                )
                .execute()
            )
            if not ended:
                raise BookingRefused(BookingRefused.NOT_AVAILABLE)
            return SaunaBooking.create(turn=turn, lease=lease, start_date=today, created_by=person)
    except IntegrityError:
        raise BookingRefused(BookingRefused.TAKEN) from None


def cancel(
    booking: SaunaBooking,
    person: Person,
    *,
    is_lease_party: bool,
    today: datetime.date,
    notice_months: int = 0,
) -> datetime.date:
    """End the household's turn at the end of the notice period; return the last day."""
    if not is_lease_party:
        raise BookingRefused(BookingRefused.NOT_LEASE_PARTY)
    last_day = notice_end(today, notice_months)
    if booking.end_date is None or booking.end_date > last_day:
        booking.end_date = last_day
        booking.save(only=[SaunaBooking.end_date])
    return booking.end_date


def saunas_for(person: Person) -> list[Sauna]:
    """List the saunas of the buildings a staff member serves, with their building, by
    street address and name."""
    return list(
        Sauna.select(Sauna, Building)
        .join(Building)
        .where(served(person, Building.id))
        .order_by(Building.street_address, Sauna.name)
    )


def turns_of(saunas: list[Sauna]) -> list[SaunaTurn]:
    """List the weekly turns of these saunas, in use or not, by weekday and starting time."""
    return list(
        SaunaTurn.select()
        .where(SaunaTurn.sauna.in_([sauna.id for sauna in saunas]))
        .order_by(SaunaTurn.weekday, SaunaTurn.start_time)
    )


def held_turn_ids(turn_ids: list[int]) -> set[int]:
    """The turns among these that a household holds with an active booking."""
    # Only the turns asked about: reading every building's bookings would cost more with
    # each building added, and would tell of turns this staff member does not serve.
    return {
        booking.turn_id
        for booking in SaunaBooking.select(SaunaBooking.turn).where(
            (SaunaBooking.status == SaunaBooking.ACTIVE) & SaunaBooking.turn.in_(turn_ids)
        )
    }


def add_sauna(building_id: int, name: str) -> Sauna:
    """Add a sauna to a building."""
    return Sauna.create(building=building_id, name=name)


def add_turn(
    sauna_id: int, *, weekday: int, start_time: str, minutes: int, kind: str, monthly_fee: Decimal
) -> SaunaTurn:
    """Add a weekly turn to a sauna; raise TurnClash if one starts there at that time."""
    try:
        with db.atomic():
            return SaunaTurn.create(
                sauna=sauna_id,
                weekday=weekday,
                start_time=start_time,
                minutes=minutes,
                kind=kind,
                monthly_fee=monthly_fee,
            )
    except IntegrityError:
        raise TurnClash() from None


def turn_for(person: Person, turn_id: int) -> SaunaTurn | None:
    """Return a turn of a sauna in a building the staff member serves, or None."""
    return (
        SaunaTurn.select(SaunaTurn)
        .join(Sauna)
        .where((SaunaTurn.id == turn_id) & served(person, Sauna.building))
        .first()
    )


def switch_turn_use(turn: SaunaTurn) -> None:
    """Take a turn out of use, or back into use; raise BookingRefused (TAKEN) for a turn
    in use that a household holds, because it stays in use until their booking ends."""
    with write_transaction(db.obj):
        if turn.active and held_turn_ids([turn.id]):
            raise BookingRefused(BookingRefused.TAKEN)
        turn.active = not turn.active
        turn.save(only=[SaunaTurn.active])
