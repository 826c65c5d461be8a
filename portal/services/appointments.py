"""Customer service point visits: the week's free times, booking, moving and cancelling.

The opening hours come from configuration in the same words as the phone hours (for example
"wed 09:00-12:00; thu 12:00-15:00"); Finnish public holidays and days staff close take no
appointments. A slot has as many places as there are desks; the database refuses a second
booking of one desk at one time, and booking takes the write lock before it counts.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from icalendar import Calendar, Event
from peewee import IntegrityError

from portal import clock
from portal.database import is_sqlite, write_transaction
from portal.models import Appointment, Person, ServicePointClosure, db, utcnow
from portal.services import audit, company, mail
from portal.services.hours import HELSINKI, is_public_holiday, parse_hours
from portal.services.saunas import monday_of

APPOINTMENTS = "appointments"
WALK_IN = "walk_in"
CLOSED = "closed"
HOLIDAY = "holiday"


def service_point_address() -> str:
    """Where the customer service point is: the company's data, not a literal of the pages."""
    profile = company.current()
    return profile.service_point_address if profile else ""


class SlotTaken(Exception):
    """The time is no longer free (or never was a bookable time)."""


@dataclass(frozen=True)
class Rules:
    appointment_hours: str
    walk_in_hours: str
    slot_minutes: int
    desks: int
    lead_minutes: int
    weeks_ahead: int

    @classmethod
    def from_config(cls, config) -> "Rules":
        """The company's hours with the booking settings of this installation."""
        profile = company.current()
        return cls(
            appointment_hours=profile.appointment_hours if profile else "",
            walk_in_hours=profile.walk_in_hours if profile else "",
            slot_minutes=config["APPOINTMENT_SLOT_MINUTES"],
            desks=config["APPOINTMENT_DESKS"],
            lead_minutes=config["APPOINTMENT_LEAD_MINUTES"],
            weeks_ahead=config["APPOINTMENT_WEEKS_AHEAD"],
        )


@dataclass(frozen=True)
class Slot:
    start: datetime.datetime
    free: int

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Day:
    day: datetime.date
    kind: str
    slots: tuple[Slot, ...] = ()
    walk_in: tuple = ()  # (start, end) times of walk-in hours that day
    closure_reason: str = ""


def _starts(rules: Rules, day: datetime.date) -> list[datetime.datetime]:
    """Every slot start the appointment hours give on a day."""
    step = datetime.timedelta(minutes=rules.slot_minutes)
    starts = []
    for rule in parse_hours(rules.appointment_hours):
        if not rule.first_day <= day.weekday() <= rule.last_day:
            continue
        moment = datetime.datetime.combine(day, rule.start)
        end = datetime.datetime.combine(day, rule.end)
        while moment + step <= end:
            starts.append(moment)
            moment += step
    return sorted(starts)


def _walk_in(rules: Rules, day: datetime.date) -> tuple:
    return tuple(
        (rule.start, rule.end)
        for rule in parse_hours(rules.walk_in_hours)
        if rule.first_day <= day.weekday() <= rule.last_day
    )


def bookable_window(rules: Rules, now: datetime.datetime) -> tuple:
    """The first and last moments that can be booked now (Helsinki wall clock)."""
    first = now + datetime.timedelta(minutes=rules.lead_minutes)
    last = datetime.datetime.combine(
        now.date() + datetime.timedelta(weeks=rules.weeks_ahead), datetime.time.max
    )
    return first, last


def week_range(rules: Rules, now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The Mondays of the first and last weeks with times that can be booked now: this week
    and the week of the last bookable day."""
    return monday_of(now.date()), monday_of(bookable_window(rules, now)[1].date())


def week(rules: Rules, monday: datetime.date, now: datetime.datetime) -> list[Day]:
    """The seven days from a Monday: walk-in hours, free appointment times, closed days."""
    sunday = monday + datetime.timedelta(days=6)
    closures = {
        c.day: c.reason
        for c in ServicePointClosure.select().where(ServicePointClosure.day.between(monday, sunday))
    }
    booked: dict[datetime.datetime, int] = {}
    for row in Appointment.select(Appointment.starts_at).where(
        (Appointment.status == Appointment.BOOKED)
        & Appointment.starts_at.between(
            datetime.datetime.combine(monday, datetime.time.min),
            datetime.datetime.combine(sunday, datetime.time.max),
        )
    ):
        booked[row.starts_at] = booked.get(row.starts_at, 0) + 1
    first, last = bookable_window(rules, now)
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        if is_public_holiday(day):
            days.append(Day(day, HOLIDAY))
            continue
        if day in closures:
            days.append(Day(day, CLOSED, closure_reason=closures[day]))
            continue
        starts = _starts(rules, day)
        walk_in = _walk_in(rules, day)
        if not starts and not walk_in:
            days.append(Day(day, CLOSED))
            continue
        slots = tuple(
            Slot(start, max(0, rules.desks - booked.get(start, 0)))
            for start in starts
            if first <= start <= last
        )
        days.append(Day(day, APPOINTMENTS if starts else WALK_IN, slots, walk_in))
    return days


def parse_slot(text: str | None) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(text or "", "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


def is_bookable(rules: Rules, start: datetime.datetime, now: datetime.datetime) -> bool:
    first, last = bookable_window(rules, now)
    day = start.date()
    return (
        first <= start <= last
        and start in _starts(rules, day)
        and not is_public_holiday(day)
        and not ServicePointClosure.select().where(ServicePointClosure.day == day).exists()
    )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _free_desk(rules: Rules, start: datetime.datetime, exclude: int | None = None) -> int:
    query = Appointment.select(Appointment.desk).where(
        (Appointment.starts_at == start) & (Appointment.status == Appointment.BOOKED)
    )
    if exclude:
        query = query.where(Appointment.id != exclude)
    if not is_sqlite(db.obj):
        query = query.for_update()
    taken = {row.desk for row in query}
    for desk in range(1, rules.desks + 1):
        if desk not in taken:
            return desk
    raise SlotTaken


def book(
    rules: Rules,
    start: datetime.datetime,
    now: datetime.datetime,
    *,
    name: str,
    email: str,
    phone: str,
    reason: str,
    details: str,
    language: str,
    person: Person | None,
) -> tuple[Appointment, str]:
    """Book a free place at the time; return the appointment and its manage-link token."""
    raw = secrets.token_urlsafe(32)
    try:
        with write_transaction(db.obj):
            if not is_bookable(rules, start, now):
                raise SlotTaken
            appointment = Appointment.create(
                starts_at=start,
                minutes=rules.slot_minutes,
                desk=_free_desk(rules, start),
                name=name,
                email=email,
                phone=phone,
                reason=reason,
                details=details,
                language=language,
                person=person,
                token_hash=_digest(raw),
            )
    except IntegrityError:
        raise SlotTaken from None
    return appointment, raw


def by_token(raw: str) -> Appointment | None:
    if not raw or len(raw) > 200:
        return None
    return Appointment.get_or_none(Appointment.token_hash == _digest(raw))


def can_change(appointment: Appointment, now: datetime.datetime) -> bool:
    """A booked appointment can be moved or cancelled until it starts."""
    return appointment.status == Appointment.BOOKED and appointment.starts_at > now


def move(
    rules: Rules, appointment: Appointment, start: datetime.datetime, now: datetime.datetime
) -> Appointment:
    try:
        with write_transaction(db.obj):
            current = Appointment.get_by_id(appointment.id)
            if not can_change(current, now) or not is_bookable(rules, start, now):
                raise SlotTaken
            desk = _free_desk(rules, start, exclude=current.id)
            Appointment.update(starts_at=start, desk=desk).where(
                Appointment.id == current.id
            ).execute()
    except IntegrityError:
        raise SlotTaken from None
    return Appointment.get_by_id(appointment.id)


def cancel(appointment: Appointment, now: datetime.datetime, message: str = "") -> bool:
    """Cancel a booked appointment that has not started; False if it no longer could be."""
    updated = (
        Appointment.update(
            status=Appointment.CANCELLED, cancelled_at=utcnow(), cancel_message=message
        )
        .where(
            (Appointment.id == appointment.id)
            & (Appointment.status == Appointment.BOOKED)
            & (Appointment.starts_at > now)
        )
        .execute()
    )
    return bool(updated)


# The back office: visits are the whole company's, since the service point has no building.

CLOSURES_SHOWN = 50


def visits_on(day: datetime.date) -> list[Appointment]:
    """Return a day's visits, cancelled ones too, by time and desk."""
    return list(
        Appointment.select()
        .where(
            Appointment.starts_at.between(
                datetime.datetime.combine(day, datetime.time.min),
                datetime.datetime.combine(day, datetime.time.max),
            )
        )
        .order_by(Appointment.starts_at, Appointment.desk)
    )


def coming_closures(today: datetime.date) -> list[ServicePointClosure]:
    """Return the days the service point is closed from today on, soonest first."""
    return list(
        ServicePointClosure.select()
        .where(ServicePointClosure.day >= today)
        .order_by(ServicePointClosure.day)
        .limit(CLOSURES_SHOWN)
    )


def visit(appointment_id: int) -> Appointment | None:
    """Return a visit by its id, or None."""
    return Appointment.get_or_none(Appointment.id == appointment_id)


def cancel_by_staff(
    person: Person, appointment: Appointment, now: datetime.datetime, message: str
) -> bool:
    """Cancel a visit for a staff member with its audit entry, and email the visitor the
    message; False if it could no longer be cancelled."""
    with db.atomic():
        if not cancel(appointment, now, message):
            return False
        audit.record("appointment_cancelled", actor=person, detail=str(appointment.id))
        if appointment.email:
            mail.queue(
                appointment.email,
                "appointment_cancelled",
                appointment.language,
                when=appointment.local_start,
                message=message,
                link=f"{current_app.config['PUBLIC_URL'].rstrip('/')}/appointments/",
            )
    return True


def cancel_by_visitor(
    appointment: Appointment, now: datetime.datetime, *, calendar: str, link: str
) -> bool:
    """Cancel a visit from its link and email the visitor a calendar file that removes it;
    False if it could no longer be cancelled."""
    with db.atomic():
        if not cancel(appointment, now):
            return False
        if appointment.email:
            mail.queue(
                appointment.email,
                "appointment_cancelled_by_visitor",
                appointment.language,
                calendar=calendar,
                when=appointment.local_start,
                link=link,
            )
    return True


def close_day(person: Person, day: datetime.date, reason: str) -> ServicePointClosure | None:
    """Take no appointments on a day; None if the day was already closed."""
    try:
        with db.atomic():
            return ServicePointClosure.create(day=day, reason=reason, created_by=person)
    except IntegrityError:
        return None


# Booking and moving publish the visit at sequence 0 (a move replaces it by its newer
# timestamp); a cancellation must come after both for calendars to apply it.
CANCELLATION_SEQUENCE = 1


def _calendar(
    appointment: Appointment,
    summary: str,
    location: str,
    *,
    method: str,
    sequence: int = 0,
    status: str = "",
) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//Resident Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    start = appointment.starts_at.replace(tzinfo=HELSINKI)
    # Calendars match a cancellation to the booked event by this UID: it never changes.
    event.add("uid", f"appointment-{appointment.id}@asukasportaali")
    event.add("dtstamp", clock.now())
    if sequence:
        event.add("sequence", sequence)
    if status:
        event.add("status", status)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=appointment.minutes))
    event.add("summary", summary)
    event.add("location", location)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def calendar_file(appointment: Appointment, summary: str, location: str) -> str:
    """Return the .ics text that puts a booked or moved visit in the visitor's calendar."""
    return _calendar(appointment, summary, location, method="PUBLISH")


def cancellation_file(appointment: Appointment, summary: str, location: str) -> str:
    """Return the .ics text that takes a cancelled visit out of the visitor's calendar."""
    return _calendar(
        appointment,
        summary,
        location,
        method="CANCEL",
        sequence=CANCELLATION_SEQUENCE,
        status="CANCELLED",
    )
