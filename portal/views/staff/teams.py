"""Administrators keep the service teams' contacts: what residents see in the footer,
emails and pages comes from these rows, not from the templates."""

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms.accounts import email_field
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import ServiceTeam
from portal.services import audit
from portal.services.hours import HoursError, parse_hours
from portal.web import render, see_other

bp = Blueprint("staff_teams", __name__, url_prefix="/staff/teams")


def _hours(form, field):
    try:
        parse_hours(field.data or "")
    except HoursError:
        raise ValidationError(
            _l("Write the hours like mon-fri 09:00-12:00; thu 12:00-15:00.")
        ) from None


def _required(label):
    return StringField(label, validators=[InputRequired(_l("This is needed.")), Length(max=120)])


class TeamForm(FlaskForm):
    name_fi = _required(_l("Name in Finnish"))
    name_sv = _required(_l("Name in Swedish"))
    name_en = _required(_l("Name in English"))
    phone = StringField(
        _l("Phone"), validators=[InputRequired(_l("This is needed.")), Length(max=40)]
    )
    phone_hours = StringField(
        _l("Phone hours"),
        validators=[InputRequired(_l("This is needed.")), Length(max=200), _hours],
    )
    email = email_field(_l("Email address"), autocomplete="off")
    on_call_phone = StringField(
        _l("On-call phone for urgent defects"),
        validators=[InputRequired(_l("This is needed.")), Length(max=40)],
    )


FIELDS = ("name_fi", "name_sv", "name_en", "phone", "phone_hours", "email", "on_call_phone")


@bp.get("/")
def index():
    return render("staff/teams.html", teams=list(ServiceTeam.select().order_by(ServiceTeam.id)))


@bp.route("/<int:team_id>", methods=["GET", "POST"])
def edit(team_id):
    team = ServiceTeam.get_or_none(ServiceTeam.id == team_id) or abort(404)
    form = TeamForm(obj=team)
    status = 200
    if form.validate_on_submit():
        changed = {name: form[name].data.strip() for name in FIELDS}
        ServiceTeam.update(**changed).where(ServiceTeam.id == team.id).execute()
        audit.record("team_changed", actor=current_user, detail=team.key)
        flash(_("The contacts were saved."), "success")
        return see_other(url_for("staff_teams.index"))
    if form.is_submitted():
        status = 422
    return render("staff/team.html", status=status, form=form, team=team)
