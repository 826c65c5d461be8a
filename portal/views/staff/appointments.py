"""Staff see the day's visits with what the visitors wrote, cancel with a message, close days."""

import datetime

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user
from peewee import IntegrityError

from portal import clock
from portal.forms.accounts import ContinueForm
from portal.forms.appointments import REASONS, ClosureForm
from portal.i18n import gettext as _
from portal.models import Appointment, ServicePointClosure, db
from portal.services import appointments as service
from portal.services import audit, mail
from portal.services.dates import parse_day
from portal.web import render, see_other

bp = Blueprint("staff_appointments", __name__, url_prefix="/staff/appointments")


def _day() -> datetime.date:
    """The day asked for; today if it is not a day the portal accepts."""
    return parse_day(request.args.get("day")) or clock.today()


@bp.get("/")
def index():
    """One day's visits, in order, with the reason and the visitor's own words."""
    day = _day()
    visits = list(
        Appointment.select()
        .where(
            Appointment.starts_at.between(
                datetime.datetime.combine(day, datetime.time.min),
                datetime.datetime.combine(day, datetime.time.max),
            )
        )
        .order_by(Appointment.starts_at, Appointment.desk)
    )
    closures = list(
        ServicePointClosure.select()
        .where(ServicePointClosure.day >= clock.today())
        .order_by(ServicePointClosure.day)
        .limit(50)
    )
    one = datetime.timedelta(days=1)
    return render(
        "staff/appointments.html",
        day=day,
        previous=(day - one).isoformat(),
        next=(day + one).isoformat(),
        visits=visits,
        reasons=REASONS,
        closures=closures,
        form=ContinueForm(),
    )


@bp.post("/<int:appointment_id>/cancel")
def cancel(appointment_id):
    """Cancel a visit and tell the visitor why."""
    appointment = Appointment.get_or_none(Appointment.id == appointment_id) or abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    message = (request.form.get("message") or "").strip()[:1000]
    now = clock.helsinki_now().replace(tzinfo=None)
    with db.atomic():
        if not service.cancel(appointment, now, message):
            flash(_("This visit can no longer be changed."), "error")
            return see_other(url_for("staff_appointments.index", day=appointment.starts_at.date()))
        audit.record("appointment_cancelled", actor=current_user, detail=str(appointment.id))
        if appointment.email:
            mail.queue(
                appointment.email,
                "appointment_cancelled",
                appointment.language,
                when=appointment.local_start,
                message=message,
                link=f"{current_app.config['PUBLIC_URL'].rstrip('/')}/appointments/",
            )
    flash(_("The visit was cancelled."), "success")
    return see_other(url_for("staff_appointments.index", day=appointment.starts_at.date()))


@bp.post("/closures")
def close_day():
    """Take no appointments on a day (booked visits that day are listed to cancel)."""
    form = ClosureForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(str(form.day.errors[0]), "error")
        return see_other(url_for("staff_appointments.index"))
    day = form.day.data
    try:
        with db.atomic():
            ServicePointClosure.create(
                day=day,
                reason=(request.form.get("reason") or "").strip()[:200],
                created_by=current_user,
            )
    except IntegrityError:
        flash(_("That day is already closed."), "error")
    else:
        flash(_("No new appointments can be booked on that day."), "success")
    return see_other(url_for("staff_appointments.index", day=day.isoformat()))
