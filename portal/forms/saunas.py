"""Staff forms for saunas and their weekly turns."""

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from portal.i18n import lazy_gettext as _l

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SaunaForm(FlaskForm):
    building = SelectField(
        _l("Building"), coerce=str, validators=[DataRequired(_l("Choose the building."))]
    )
    name = StringField(
        _l("Name of the sauna"),
        default="Talosauna",
        validators=[DataRequired(_l("Give the sauna a name.")), Length(max=100)],
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.building.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(b.id), b.street_address) for b in buildings
        ]


class TurnForm(FlaskForm):
    sauna = SelectField(_l("Sauna"), coerce=str, validators=[DataRequired(_l("Choose a sauna."))])
    weekday = SelectField(_l("Day of the week"), coerce=int)
    start_time = StringField(
        _l("Starts at (hh:mm)"),
        default="18:00",
        validators=[DataRequired(_l("Give the starting time."))],
    )
    minutes = IntegerField(
        _l("Length in minutes"),
        default=60,
        validators=[NumberRange(15, 240, _l("From 15 to 240 minutes."))],
    )
    kind = SelectField(
        _l("Kind of turn"),
        choices=[
            SelectChoice("household", _l("A household's own turn")),
            SelectChoice("common", _l("Common turn for all residents")),
        ],
    )
    monthly_fee = DecimalField(
        _l("Monthly fee (€)"),
        places=2,
        default=Decimal("15.00"),
        validators=[NumberRange(0, 1000, _l("From 0 to 1000 euros."))],
    )

    def __init__(self, *args, saunas=(), weekday_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sauna.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(s.id), f"{s.building.street_address}: {s.name}") for s in saunas
        ]
        self.weekday.choices = [SelectChoice(i, name) for i, name in enumerate(weekday_names)]

    def validate_start_time(self, field):
        if not _TIME.match(field.data or ""):
            raise ValidationError(_l("Write the time as hh:mm, for example 18:30."))
