"""Administrators create staff accounts and close them."""

import datetime

from flask import Blueprint, abort, current_app, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from peewee import JOIN
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.forms.accounts import ContinueForm, email_field
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Person, ServiceTeam
from portal.services import accounts, staff_accounts
from portal.web import render, see_other

bp = Blueprint("staff_accounts", __name__, url_prefix="/staff/accounts")

ROLE_LABELS = {
    Person.CUSTOMER_SERVICE: _l("Customer service"),
    Person.MAINTENANCE: _l("Maintenance"),
    Person.ASOY_CUSTOMER_SERVICE: _l("As Oy customer service"),
    Person.ADMIN: _l("Administrator"),
}


class StaffForm(FlaskForm):
    email = email_field(autocomplete="off")
    first_name = StringField(
        _l("First name"), validators=[InputRequired(_l("Write the first name.")), Length(max=100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[InputRequired(_l("Write the last name.")), Length(max=100)]
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(key, label) for key, label in ROLE_LABELS.items()]
    )
    team = SelectField(_l("Team"), choices=[])


def _form() -> StaffForm:
    form = StaffForm()
    form.team.choices = [SelectChoice("", _("No team"))] + [
        SelectChoice(team.key, team.name(current_language()))
        for team in ServiceTeam.select().order_by(ServiceTeam.id)
    ]
    return form


@bp.route("/", methods=["GET", "POST"])
def index():
    """The staff, and a form to add one: they get a link to choose a password."""
    form = _form()
    status = 200
    if form.validate_on_submit():
        try:
            person, _link = staff_accounts.create(
                accounts.normalise_email(form.email.data),
                form.first_name.data.strip(),
                form.last_name.data.strip(),
                form.role.data,
                form.team.data or None,
                current_user,
                current_app.config["PUBLIC_URL"].rstrip("/"),
                datetime.timedelta(hours=current_app.config["LINK_LIFETIME_HOURS"]),
            )
        except staff_accounts.StaffAccountError:
            form.email.errors = [_("This email address already has a username.")]
        else:
            flash(
                _(
                    "%(name)s can now choose a password from the link we emailed.",
                    name=person.display_name,
                ),
                "success",
            )
            return see_other(url_for("staff_accounts.index"))
        status = 422
    elif form.is_submitted():
        status = 422
    people = list(
        Person.select(Person, ServiceTeam)
        .join(ServiceTeam, on=(Person.staff_team == ServiceTeam.id), join_type=JOIN.LEFT_OUTER)
        .where(Person.staff_role.is_null(False))
        .order_by(Person.is_active.desc(), Person.last_name, Person.first_name)
    )
    return render(
        "staff/accounts.html",
        status=status,
        form=form,
        people=people,
        roles=ROLE_LABELS,
    )


@bp.post("/<int:person_id>/end")
def end(person_id):
    """Close a staff account (not one's own)."""
    person = Person.get_or_none((Person.id == person_id) & Person.staff_role.is_null(False))
    if person is None:
        abort(404)
    if not ContinueForm().validate_on_submit():
        abort(400)
    if person.id == current_user.id:
        flash(_("You cannot close your own username."), "error")
    else:
        staff_accounts.end(person, current_user)
        flash(_("The username of %(name)s was closed.", name=person.display_name), "success")
    return see_other(url_for("staff_accounts.index"))
