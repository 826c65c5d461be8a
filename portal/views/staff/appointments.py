"""Staff see the day's visits with what the visitors wrote, cancel with a message, close days."""

import datetime

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import clock
from portal.forms.accounts import ContinueForm
from portal.forms.appointments import REASONS, ClosureForm
from portal.i18n import gettext as _
from portal.services import appointments as service
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
    one = datetime.timedelta(days=1)
    return render(
        "staff/appointments.html",
        day=day,
        previous=(day - one).isoformat(),
        next=(day + one).isoformat(),
        visits=service.visits_on(day),
        reasons=REASONS,
        closures=service.coming_closures(clock.today()),
        form=ContinueForm(),
    )


@bp.post("/<int:appointment_id>/cancel")
def cancel(appointment_id):
    """Cancel a visit and tell the visitor why."""
    appointment = service.visit(appointment_id) or abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    message = (request.form.get("message") or "").strip()[:1000]
    now = clock.helsinki_now().replace(tzinfo=None)
    if service.cancel_by_staff(current_user, appointment, now, message):
        flash(_("The visit was cancelled."), "success")
    else:
        flash(_("This visit can no longer be changed."), "error")
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
    reason = (request.form.get("reason") or "").strip()[:200]
    if service.close_day(current_user, day, reason):
        flash(_("No new appointments can be booked on that day."), "success")
    else:
        flash(_("That day is already closed."), "error")
    return see_other(url_for("staff_appointments.index", day=day.isoformat()))
