"""Sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            Email(
                _l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=1024, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
