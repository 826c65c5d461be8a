"""Sign-in form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms.accounts import email_field
from portal.i18n import lazy_gettext as _l


class SignInForm(FlaskForm):
    email = email_field(autocomplete="username")
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=1024, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[
            DataRequired(_l("Enter the six-digit code.")),
            Length(max=20, message=_l("Enter the six-digit code.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
