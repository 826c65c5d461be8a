"""The form a visitor fills in to book a customer service point visit."""

import re

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from portal.forms.fields import LocalDateField
from portal.i18n import lazy_gettext as _l

REASONS = {
    "identification": _l("Identification (for the Resident Portal)"),
    "keys": _l("Keys"),
    "agreement": _l("Rental agreement matters"),
    "payments": _l("Rent and payments"),
    "other": _l("Something else"),
}


class AppointmentForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Write your name.")), Length(max=200)]
    )
    email = EmailField(
        _l("Email address (optional)"),
        validators=[Optional(), Length(max=254), Email(_l("Check the email address."))],
    )
    phone = StringField(
        _l("Phone number"),
        validators=[
            DataRequired(_l("Write a phone number: we call if something changes.")),
            Length(max=40),
            Regexp(
                re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$"),
                message=_l("Write the phone number with digits, e.g. 040 123 4567."),
            ),
        ],
    )
    reason = RadioField(
        _l("Reason for the visit"),
        choices=[SelectChoice(key, label) for key, label in REASONS.items()],
        validators=[DataRequired(_l("Choose the reason for the visit."))],
    )
    details = TextAreaField(
        _l("Additional information"),
        description=_l("Tell us about your matter so that we can prepare."),
        validators=[Length(max=2000)],
    )


class ClosureForm(FlaskForm):
    """The day staff close the customer service point (its reason is free text, at most 200
    characters, which the view takes as typed)."""

    day = LocalDateField(_l("Day"), validators=[InputRequired(_l("Give the day as a date."))])
