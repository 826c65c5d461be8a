"""The administrator's form for the company's own details: names, look, privacy notice,
email sender, customer service point, maintenance's number and the payee of rents."""

import math
import re
from urllib.parse import urlsplit

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.services import company, logos, payments
from portal.services.hours import HoursError, parse_hours

NEEDED = _l("This is needed.")
HOURS_MESSAGE = _l("Write the hours like mon-fri 09:00-12:00; thu 12:00-15:00.")
# The beginning of a phone number: an optional plus, then digits, spaces and brackets.
# Directions are a few paragraphs; this keeps a page of them readable on a phone.
DIRECTIONS_LENGTH = 2000
CALLER_PREFIX = re.compile(r"^\+?[0-9][0-9 ()-]{0,38}$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, length, required=True, checks=()):
    """A text field with the model's length; required unless told otherwise."""
    needed = [DataRequired(NEEDED)] if required else []
    return StringField(
        label,
        validators=[*needed, Length(max=length), *checks],
        filters=[_strip],
        render_kw={"maxlength": length},
    )


def _directions(label):
    """A few paragraphs, blank lines between them; optional."""
    return TextAreaField(
        label,
        validators=[Length(max=DIRECTIONS_LENGTH)],
        filters=[_strip],
        render_kw={"maxlength": DIRECTIONS_LENGTH, "rows": 5},
    )


def _hours(form, field):
    # A text past the length limit already has its message; reading it would only add one.
    if len(field.data or "") > 200:
        return
    try:
        parse_hours(field.data or "")
    except HoursError:
        raise ValidationError(HOURS_MESSAGE) from None


def ratio_text(value: float) -> str:
    """A contrast ratio as people read it, rounded down so that a refused colour never
    shows the minimum itself (4.49 is "4.4", not "4.5")."""
    return format_decimal(math.floor(value * 10) / 10, format="0.0", locale=get_locale())


class CompanyForm(FlaskForm):
    """Every detail of the company profile, in the order the settings page shows them."""

    name_fi = _text(_l("Name in Finnish"), 120)
    name_sv = _text(_l("Name in Swedish"), 120)
    name_en = _text(_l("Name in English"), 120)
    short_name_fi = _text(_l("Short name in Finnish"), 40)
    short_name_sv = _text(_l("Short name in Swedish"), 40)
    short_name_en = _text(_l("Short name in English"), 40)
    brand_color = _text(_l("Brand colour"), 7)
    logo = FileField(_l("New logo (SVG or PNG)"))
    drop_logo = BooleanField(_l("Remove the logo"))
    privacy_url = _text(_l("Address of the privacy notice"), 300, required=False)
    mail_sender_name = _text(_l("Sender's name"), 120)
    mail_sender_address = EmailField(
        _l("Sender's email address"),
        validators=[
            DataRequired(NEEDED),
            Length(max=200),
            Email(
                _l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
        filters=[_strip],
        render_kw={"maxlength": 200, "autocomplete": "off", "inputmode": "email"},
    )
    service_point_address = _text(_l("Address of the customer service point"), 200)
    appointment_hours = _text(_l("Hours for booked visits"), 200, checks=[_hours])
    walk_in_hours = _text(_l("Walk-in hours"), 200, checks=[_hours])
    service_point_directions_fi = _directions(_l("How to find us, in Finnish"))
    service_point_directions_sv = _directions(_l("How to find us, in Swedish"))
    service_point_directions_en = _directions(_l("How to find us, in English"))
    key_service_fi = _directions(_l("Where keys are returned and collected, in Finnish"))
    key_service_sv = _directions(_l("Where keys are returned and collected, in Swedish"))
    key_service_en = _directions(_l("Where keys are returned and collected, in English"))
    maintenance_caller = _text(
        _l("Start of the number maintenance calls from"),
        40,
        checks=[
            Regexp(
                CALLER_PREFIX,
                message=_l("Write the beginning of the number with digits, e.g. +358 9 123."),
            )
        ],
    )
    payee_name = _text(_l("Payee's name"), 120)
    payee_iban = _text(_l("Payee's account (IBAN)"), 40)
    payee_bic = _text(_l("Payee's bank (BIC)"), 11)
    password = PasswordField(_l("Your password"))

    # What the logo check made of the chosen file (None: no file was chosen).
    checked_logo: tuple[bytes, str] | None = None

    def validate_brand_color(self, field):
        rgb = company.parse_color(field.data or "")
        if rgb is None:
            raise ValidationError(_("Write the colour as #rrggbb, for example #1a5e8a."))
        ratio = company.contrast_with_white(rgb)
        if ratio < company.MIN_CONTRAST:
            raise ValidationError(
                _(
                    "White text on %(color)s has a contrast of %(ratio)s:1; choose a darker "
                    "colour (at least %(minimum)s:1).",
                    color=company.normal_color(field.data),
                    ratio=ratio_text(ratio),
                    minimum=format_decimal(company.MIN_CONTRAST, locale=get_locale()),
                )
            )
        field.data = company.normal_color(field.data)

    def validate_logo(self, field):
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            return
        try:
            self.checked_logo = logos.checked(upload.read(logos.MAX_BYTES + 1))
        except logos.LogoRefused as refused:
            raise ValidationError(logos.message(refused.reason)) from None

    def validate_privacy_url(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data) if " " not in field.data else None
        if parts is None or parts.scheme != "https" or not parts.hostname:
            raise ValidationError(
                _("Write the whole address starting with https://, or leave it empty.")
            )

    def validate_payee_iban(self, field):
        if len(field.data or "") > 40:
            return
        compact = payments.valid_iban(field.data or "")
        if compact is None:
            raise ValidationError(
                _("That is not a valid IBAN. Check the number, for example FI21 1234 5600 0007 85.")
            )
        field.data = compact

    def validate_payee_bic(self, field):
        if len(field.data or "") > 11:
            return
        compact = payments.valid_bic(field.data or "")
        if compact is None:
            raise ValidationError(
                _("That is not a valid BIC. Check the code, for example NDEAFIHH.")
            )
        field.data = compact

    def values(self) -> dict[str, str]:
        """The typed details by the profile's field names, ready to save."""
        return {name: self[name].data or "" for name in company.FIELDS}
