"""The household's bookings: sauna turns (request, cancel, calendar)."""

import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_login import current_user
from icalendar import Calendar, Event

from portal import clock
from portal.access import current_resident_status
from portal.forms.accounts import ContinueForm
from portal.i18n import gettext as _
from portal.models import SaunaBooking
from portal.services import parking, saunas
from portal.services.dates import notice_end
from portal.services.hours import HELSINKI
from portal.web import id_from, render, see_other

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


def _refusal(reason: str, limit: int) -> str:
    if reason == saunas.BookingRefused.LIMIT:
        return ngettext(
            "Your household already has its weekly turn, the most allowed. Cancel it first, "
            "or move it to a free turn.",
            "Your household already has %(num)s weekly turns, the most allowed. Cancel one "
            "first, or move one to a free turn.",
            limit,
        )
    if reason == saunas.BookingRefused.NOT_LEASE_PARTY:
        return _("Only a party to the lease can book or cancel turns.")
    if reason == saunas.BookingRefused.TAKEN:
        return _("Someone was quicker: that turn was just taken.")
    if reason == saunas.BookingRefused.PAST:
        return _("That turn is already over this week. Choose a turn still to come.")
    return _("That turn cannot be booked.")


def household_booking(booking_id: int) -> SaunaBooking:
    """Return one of the household's current turns, or answer 404."""
    lease_id = current_resident_status().residency.lease_id
    return saunas.household_booking(lease_id, booking_id) or abort(404)


@bp.get("/")
def index():
    """List everything the household holds or has applied for."""
    residency = current_resident_status().residency
    return render(
        "bookings/index.html",
        bookings=saunas.household_bookings(residency.lease_id),
        contracts=list(parking.household_contracts(residency.lease_id)),
        applications=parking.household_applications(residency.lease_id),
        residency=residency,
    )


def _now() -> datetime.datetime:
    """Helsinki wall-clock time without a zone: how a turn's time is written."""
    return clock.helsinki_now().replace(tzinfo=None)


def _week_range() -> tuple[datetime.date, datetime.date]:
    return saunas.week_range(clock.today(), current_app.config["SAUNA_NOTICE_MONTHS"])


def _sauna_page(monday: datetime.date, status: int = 200):
    """Render one week of the building's sauna turns (the nearest week that has any)."""
    residency = current_resident_status().residency
    first, last = _week_range()
    monday = min(max(monday, first), last)
    rows = saunas.week_grid(
        residency.lease.apartment.building_id, residency.lease_id, monday, _now()
    )
    week = datetime.timedelta(days=7)
    own = saunas.household_bookings(residency.lease_id)
    return render(
        "bookings/sauna.html",
        partial="grid",
        status=status,
        rows=rows,
        monday=monday,
        sunday=monday + datetime.timedelta(days=6),
        previous=saunas.week_label(monday - week) if monday > first else None,
        next=saunas.week_label(monday + week) if monday < last else None,
        week=saunas.week_label(monday),
        own=own,
        # Only a turn not cancelled moves: a cancelled one already ends.
        swappable=[booking for booking in own if booking.end_date is None],
        lease_party=residency.is_lease_party,
        limit=current_app.config["SAUNA_TURNS_PER_HOUSEHOLD"],
    )


@bp.get("/sauna")
def sauna():
    """Show one week of the building's sauna turns, free and taken."""
    first, last = _week_range()
    asked = saunas.read_week(request.args.get("week"))
    if asked is not None and not first <= asked <= last:
        # One address per week that holds turns: any other week goes to the nearest.
        nearest = min(max(asked, first), last)
        # A plain redirect, for htmx too: it follows it and swaps in the week it gets.
        return redirect(url_for("bookings.sauna", week=saunas.week_label(nearest)), code=303)
    return _sauna_page(asked or first)


@bp.post("/sauna/request")
def request_sauna():
    """Give a free turn to the household, or say which rule stops it."""
    residency = current_resident_status().residency
    form = ContinueForm()
    # Back to the week the person was looking at: built from the week read, never from the
    # text sent, which could be anything and any length.
    monday = saunas.read_week(request.form.get("week"))
    week_page = url_for("bookings.sauna", week=saunas.week_label(monday) if monday else None)
    limit = current_app.config["SAUNA_TURNS_PER_HOUSEHOLD"]
    turn_id = id_from(request.form.get("turn"))
    if form.validate_on_submit() and turn_id is not None:
        try:
            saunas.request_turn(
                turn_id,
                residency.lease,
                current_user,
                is_lease_party=residency.is_lease_party,
                today=clock.today(),
                limit=limit,
                week=monday or saunas.monday_of(clock.today()),
                now=_now(),
            )
        except saunas.BookingRefused as refused:
            flash(_refusal(refused.reason, limit), "error")
            if refused.reason == saunas.BookingRefused.PAST:
                # Nothing to book there: the week is shown again, as it is now.
                return _sauna_page(monday or saunas.monday_of(clock.today()), status=409)
            return see_other(week_page)
        flash(
            _("The turn is now your household's. The monthly fee is added to the rent."), "success"
        )
    else:
        flash(_("That turn cannot be booked."), "error")
    return see_other(week_page)


@bp.post("/sauna/swap")
def swap_sauna():
    """Move the household's turn to a free one, or say which rule stops it."""
    residency = current_resident_status().residency
    form = ContinueForm()
    monday = saunas.read_week(request.form.get("week"))
    week_page = url_for("bookings.sauna", week=saunas.week_label(monday) if monday else None)
    turn_id = id_from(request.form.get("turn"))
    booking_id = id_from(request.form.get("booking"))
    if not form.validate_on_submit() or turn_id is None or booking_id is None:
        flash(_("That turn cannot be booked."), "error")
        return see_other(week_page)
    try:
        saunas.swap_turn(
            household_booking(booking_id),
            turn_id,
            residency.lease,
            current_user,
            is_lease_party=residency.is_lease_party,
            today=clock.today(),
            week=monday or saunas.monday_of(clock.today()),
            now=_now(),
        )
    except saunas.BookingRefused as refused:
        flash(_refusal(refused.reason, 0), "error")
        return _sauna_page(monday or saunas.monday_of(clock.today()), status=409)
    flash(_("Your household's turn was moved. The monthly fee is the new turn's."), "success")
    return see_other(week_page)


@bp.route("/sauna/<int:booking_id>/cancel", methods=["GET", "POST"])
def cancel_sauna(booking_id):
    """Show when a cancelled turn would end, and cancel it on confirmation."""
    residency = current_resident_status().residency
    booking = household_booking(booking_id)
    months = current_app.config["SAUNA_NOTICE_MONTHS"]
    last_day = notice_end(clock.today(), months)
    form = ContinueForm()
    if form.validate_on_submit():
        try:
            ends = saunas.cancel(
                booking,
                current_user,
                is_lease_party=residency.is_lease_party,
                today=clock.today(),
                notice_months=months,
            )
        except saunas.BookingRefused as refused:
            flash(_refusal(refused.reason, 0), "error")
        else:
            flash(
                _("The turn was cancelled. It is yours until %(date)s.", date=format_date(ends)),
                "success",
            )
        return see_other(url_for("bookings.index"))
    return render(
        "bookings/cancel_sauna.html",
        booking=booking,
        turn=booking.turn,
        last_day=last_day,
        form=form,
        lease_party=residency.is_lease_party,
    )


@bp.get("/sauna.ics")
def sauna_calendar():
    """The household's turns as a calendar file that repeats every week."""
    residency = current_resident_status().residency
    calendar = Calendar()
    calendar.add("prodid", "-//Resident Portal//EN")
    calendar.add("version", "2.0")
    today = clock.today()
    for booking in saunas.household_bookings(residency.lease_id):
        turn = booking.turn
        first = max(booking.start_date, today)
        first += datetime.timedelta(days=(turn.weekday - first.weekday()) % 7)
        hour, minute = map(int, turn.start_time.split(":"))
        start = datetime.datetime(first.year, first.month, first.day, hour, minute, tzinfo=HELSINKI)
        event = Event()
        event.add("uid", f"sauna-booking-{booking.id}@asukasportaali")
        event.add("summary", f"{turn.sauna.name} {turn.start_time}")
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(minutes=turn.minutes))
        rule = {"freq": "weekly"}
        if booking.end_date:
            rule["until"] = datetime.datetime.combine(
                booking.end_date, datetime.time(23, 59), tzinfo=HELSINKI
            )
        event.add("rrule", rule)
        calendar.add_component(event)
    response = make_response(calendar.to_ical())
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = 'attachment; filename="sauna.ics"'
    return response
