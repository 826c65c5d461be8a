"""Sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from portal.forms.accounts import email_field


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
