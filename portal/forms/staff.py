"""Administrators' forms: staff accounts and the service teams' contacts."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms.accounts import email_field
from portal.i18n import lazy_gettext as _l
from portal.services.hours import HoursError, parse_hours
from portal.services.staff_accounts import ROLE_LABELS


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
