"""The resident's own settings: contact information, notifications, bank account."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.config import LANGUAGES
from portal.i18n import lazy_gettext as _l

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


class ContactForm(FlaskForm):
    phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$"),
                message=_l("Write the phone number with digits, e.g. 040 123 4567."),
            ),
        ],
    )
    language = RadioField(
        _l("Language of the portal and of email"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validators=[DataRequired(_l("Choose a language."))],
    )
    notify_by_email = BooleanField(
        _l("Email me about replies, changes to my requests and new notices")
    )


class BankAccountForm(FlaskForm):
    iban = StringField(
        _l("New bank account number (IBAN)"),
        validators=[DataRequired(_l("Write the account number.")), Length(max=50)],
    )
    password = PasswordField(_l("Your password"))
