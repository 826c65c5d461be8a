"""Language choice."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from portal.config import LANGUAGES
from portal.i18n import lazy_gettext as _l


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(code) for code in LANGUAGES],
        validators=[DataRequired(_l("Choose a language."))],
    )
    next = HiddenField()
