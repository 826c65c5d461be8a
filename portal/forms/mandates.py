"""Forms of powers of attorney: given in the portal, or registered by staff from paper."""

import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal import catalog
from portal.forms.accounts import email_field
from portal.forms.fields import LocalDateField
from portal.i18n import lazy_gettext as _l
from portal.services import mandates

GENERAL_CHOICE = "general"
SPECIFIC_CHOICE = "specific"


def _strip(value):
    return value.strip() if value else value


class MandateForm(FlaskForm):
    agent_first_name = StringField(
        _l("First name"),
        validators=[InputRequired(_l("Write the first name.")), Length(max=100)],
        filters=[_strip],
    )
    agent_last_name = StringField(
        _l("Last name"),
        validators=[InputRequired(_l("Write the last name.")), Length(max=100)],
        filters=[_strip],
    )
    agent_email = email_field(_l("Email address"), autocomplete="off")
    kind = RadioField(
        _l("What may they do for you?"),
        choices=[
            SelectChoice(GENERAL_CHOICE, catalog.MANDATE_SCOPES[catalog.GENERAL]),
            SelectChoice(SPECIFIC_CHOICE, _l("Only the matters I choose below")),
        ],
        validators=[InputRequired(_l("Choose what the power of attorney covers."))],
    )
    scopes = SelectMultipleField(
        _l("Matters"),
        choices=[
            SelectChoice(key, catalog.MANDATE_SCOPES[key]) for key in mandates.SPECIFIC_SCOPES
        ],
    )
    other_matters = TextAreaField(
        _l("Anything else (optional)"),
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
    )
    valid_from = LocalDateField(
        _l("Valid from"), validators=[InputRequired(_l("Write the first day."))]
    )
    valid_until = LocalDateField(_l("Valid until (optional)"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == SPECIFIC_CHOICE and not self.scopes.data:
            self.scopes.errors = [_l("Choose at least one matter.")]
            ok = False
        start, end = self.valid_from.data, self.valid_until.data
        if start and end and end < start:
            self.valid_until.errors = [
                *self.valid_until.errors,
                _l("The last day cannot be before the first day."),
            ]
            ok = False
        return ok

    def chosen_scopes(self) -> list[str]:
        if self.kind.data == GENERAL_CHOICE:
            return [catalog.GENERAL]
        return list(self.scopes.data or [])


class GiveMandateForm(MandateForm):
    password = PasswordField(_l("Your password"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.valid_from.data and self.valid_from.data < self.today:
            self.valid_from.errors = [
                *self.valid_from.errors,
                _l("The first day cannot be in the past."),
            ]
            ok = False
        return ok

    today: datetime.date = datetime.date.min


class RegisterMandateForm(MandateForm):
    grantor = SelectField(
        _l("Who gave the power of attorney"),
        validate_choice=True,
        validators=[InputRequired(_l("Choose the person."))],
    )
    document = FileField(_l("The scanned power of attorney (PDF or photo)"))


class EndMandateForm(FlaskForm):
    note = TextAreaField(
        _l("Reason (shown to the grantor and the agent)"),
        validators=[Optional(), Length(max=1000)],
        filters=[_strip],
    )
