"""Customer service point visits: book a time without signing in, manage it from a link."""

import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, format_datetime
from flask_login import current_user

from portal import clock, links, sessions
from portal.forms.accounts import ContinueForm
from portal.forms.appointments import REASONS, AppointmentForm
from portal.i18n import BABEL_LOCALES, current_language
from portal.i18n import gettext as _
from portal.models import Apartment, Appointment
from portal.services import appointments as service
from portal.services import company, mail
from portal.services.residents import resident_status
from portal.services.saunas import monday_of, read_week, week_label
from portal.web import render, see_other

bp = Blueprint("appointments", __name__, url_prefix="/appointments")


def _rules() -> service.Rules:
    return service.Rules.from_config(current_app.config)


def _now() -> datetime.datetime:
    """Helsinki wall-clock time without a zone: how appointments are stored."""
    return clock.helsinki_now().replace(tzinfo=None)


def _asoy_team():
    """The As Oy team, when the signed-in person lives in an As Oy apartment."""
    if not current_user.is_authenticated or current_user.is_staff:
        return None
    status = resident_status(current_user)
    if status.residency is None:
        return None
    apartment = status.residency.lease.apartment
    if apartment.ownership == Apartment.ASOY:
        return apartment.building.team
    return None


def _week_context(target: str, around: datetime.date | None = None):
    now = _now()
    earliest, last = service.week_range(_rules(), now)
    asked = read_week(request.args.get("week"))
    if asked is not None and not earliest <= asked <= last:
        # One address per week that can hold visits: any other week goes to the nearest.
        nearest = week_label(min(max(asked, earliest), last))
        moving = {"move": 1} if target == "move" else {}
        # A plain redirect, for htmx too: it follows it and swaps in the week it gets.
        abort(redirect(url_for(request.endpoint, week=nearest, **moving), code=303))
    monday = min(max(asked or monday_of(around or now.date()), earliest), last)
    step = datetime.timedelta(days=7)
    days = service.week(_rules(), monday, now)
    if (
        not request.args.get("week")
        and monday < last
        and not any(s.free for d in days for s in d.slots)
    ):
        # Nothing left this week (say, on a Friday): show next week straight away.
        monday += step
        days = service.week(_rules(), monday, now)
    return {
        "days": days,
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "previous": week_label(monday - step) if monday > earliest else None,
        "next": week_label(monday + step) if monday < last else None,
        "target": target,
    }


@bp.get("/")
def index():
    """Instructions, practical information and the week's free times."""
    return render(
        "appointments/index.html",
        partial="calendar",
        asoy_team=_asoy_team(),
        address=service.service_point_address(),
        **_week_context("book"),
    )


def _manage_link(raw: str) -> str:
    """The address that opens a visit's page: emailed, and shown on the page to keep."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/appointments/manage?t={raw}"


def _calendar_title(language: str) -> str:
    """The visit's name in the calendar, in the language its emails are written in."""
    profile = company.current()
    with force_locale(BABEL_LOCALES[language]):
        if profile is None:
            return _("Customer service visit")
        return _("Customer service visit – %(company)s", company=profile.short_name(language))


def _confirmation(appointment: Appointment, raw: str, template: str) -> None:
    if not appointment.email:
        return
    mail.queue(
        appointment.email,
        template,
        appointment.language,
        calendar=service.calendar_file(
            appointment, _calendar_title(appointment.language), service.service_point_address()
        ),
        appointment=appointment,
        when=appointment.local_start,
        reason=REASONS[appointment.reason],
        address=service.service_point_address(),
        link=_manage_link(raw),
    )


def _cancel(appointment: Appointment, now: datetime.datetime) -> bool:
    """Cancel the visit, emailing the visitor a file that takes it out of their calendar."""
    language = appointment.language
    return service.cancel_by_visitor(
        appointment,
        now,
        calendar=service.cancellation_file(
            appointment, _calendar_title(language), service.service_point_address()
        ),
        link=f"{current_app.config['PUBLIC_URL'].rstrip('/')}/appointments/",
    )


# Visits booked per address in an hour: a household books one or two.
BOOKINGS = "10 per hour"


@bp.route("/book", methods=["GET", "POST"])
def book():
    """The contact form for one free time; books it on submit."""
    start = service.parse_slot(request.values.get("slot"))
    if start is None or not service.is_bookable(_rules(), start, _now()):
        flash(_("That time cannot be booked. Please choose another."), "error")
        return see_other(url_for("appointments.index"))
    form = AppointmentForm()
    if not form.is_submitted() and current_user.is_authenticated:
        form.name.data = current_user.display_name
        form.email.data = current_user.email
        form.phone.data = current_user.phone
    status = 200
    if form.validate_on_submit() and not sessions.form_sent_too_often(
        form, BOOKINGS, "appointment-booking"
    ):
        try:
            appointment, raw = service.book(
                _rules(),
                start,
                _now(),
                name=form.name.data.strip(),
                email=(form.email.data or "").strip().lower(),
                phone=form.phone.data.strip(),
                reason=form.reason.data,
                details=(form.details.data or "").strip(),
                language=current_language(),
                person=current_user if current_user.is_authenticated else None,
            )
        except service.SlotTaken:
            flash(
                _("Someone was quicker: that time was just taken. Please choose another."), "error"
            )
            return see_other(url_for("appointments.index"))
        _confirmation(appointment, raw, "appointment_booked")
        flash(_("Your visit is booked. Please write the time down."), "success")
        links.keep(links.APPOINTMENT, raw)
        return see_other(url_for("appointments.manage"))
    elif form.is_submitted():
        status = 422
    return render("appointments/book.html", status=status, form=form, start=start)


def _opened() -> tuple[Appointment, str]:
    """Return the visit whose link was opened in this session, and the link's token."""
    token = links.token(links.APPOINTMENT) or ""
    appointment = service.by_token(token)
    if appointment is None:
        abort(404)
    return appointment, token


@bp.get("/manage/<token>")
def manage_link(token):
    """Open a visit's link of the older form, with the token in the path."""
    return links.open_link(links.APPOINTMENT, "appointments.manage", token)


@bp.route("/manage", methods=["GET", "POST"])
def manage():
    """The booked visit: its time, and moving or cancelling it until it begins."""
    if opened := links.from_query(links.APPOINTMENT):
        return opened
    appointment, token = _opened()
    now = _now()
    changeable = service.can_change(appointment, now)
    form = ContinueForm()
    if form.validate_on_submit():
        if _cancel(appointment, now):
            flash(_("The visit was cancelled."), "success")
        else:
            flash(_("This visit can no longer be changed."), "error")
        return see_other(url_for("appointments.manage"))
    if changeable and request.args.get("cancel"):
        # Asked once, on a page of its own, so that it works without JavaScript too.
        return render("appointments/manage_cancel.html", appointment=appointment, form=form)
    moving = changeable and request.args.get("move")
    # Moving starts from the visit's own week: the nearest other times are there.
    context = _week_context("move", appointment.starts_at.date()) if moving else {}
    return render(
        "appointments/manage.html",
        partial="calendar" if context else None,
        appointment=appointment,
        changeable=changeable,
        reason=REASONS[appointment.reason],
        address=service.service_point_address(),
        form=form,
        moving=bool(context),
        link=_manage_link(token),
        **context,
    )


@bp.post("/manage/move")
def move():
    """Move the visit to another free time."""
    appointment, token = _opened()
    if not ContinueForm().validate_on_submit():
        abort(400)
    start = service.parse_slot(request.form.get("slot"))
    try:
        if start is None:
            raise service.SlotTaken
        moved = service.move(_rules(), appointment, start, _now())
    except service.SlotTaken:
        flash(_("That time cannot be booked. Please choose another."), "error")
        return see_other(url_for("appointments.manage", move=1))
    _confirmation(moved, token, "appointment_moved")
    flash(
        _("The visit was moved to %(when)s.", when=format_datetime(moved.local_start, "short")),
        "success",
    )
    return see_other(url_for("appointments.manage"))
