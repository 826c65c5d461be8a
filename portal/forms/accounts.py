"""Forms of registration, identification and passwords."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from portal.i18n import lazy_gettext as _l
from portal.services.passwords import password_errors


def _strip(value):
    return value.strip() if value else value


def email_field(label=None, autocomplete="email"):
    """Return the email field every account form uses: same rules and messages everywhere."""
    return EmailField(
        label or _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            Email(
                _l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
        filters=[_strip],
        render_kw={"autocomplete": autocomplete, "inputmode": "email"},
    )


class EmailForm(FlaskForm):
    """Ask for an email address: to register, or to order a password reset link."""

    email = email_field()


class ContinueForm(FlaskForm):
    """A button and its CSRF token: the step is taken by a deliberate click."""


class IdentifyForm(FlaskForm):
    method = RadioField(
        _l("How do you want to identify yourself?"),
        choices=[
            SelectChoice("bank", _l("With online banking credentials or Mobile ID")),
            SelectChoice("office", _l("I have identified at the customer service point")),
        ],
        validators=[DataRequired(_l("Choose how you want to identify yourself."))],
    )


class NewPasswordForm(FlaskForm):
    """Choose a password under the seed's rule; the person's own names and the words as easy
    to guess as the common ones (the company's names) are passed in."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(max=200, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, min_length: int = 10, personal=(), guessable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.min_length = min_length
        self.personal = tuple(personal)
        self.guessable = tuple(guessable)

    def validate_password(self, field):
        errors = password_errors(
            field.data or "",
            min_length=self.min_length,
            personal=self.personal,
            guessable=self.guessable,
        )
        if errors:
            raise ValidationError(
                _l(
                    "The password does not meet these rules: %(rules)s.",
                    rules="; ".join(e[0].lower() + e[1:] for e in errors),
                )
            )
        # A mismatch is told at the first field: neither is filled in again on the page, so
        # the summary's link leads to where the typing starts over.
        if self.confirm.data and self.confirm.data != field.data:
            raise ValidationError(
                _l("The passwords are not the same. Type the new password in both fields again.")
            )


class OfficeIdentificationForm(FlaskForm):
    """Staff record that they checked a resident's identity document at the office."""

    email = email_field(_l("The resident's email address"))
    document_checked = BooleanField(
        _l("I have checked a valid passport or identity card"),
        validators=[DataRequired(_l("Check the identity document first."))],
    )
