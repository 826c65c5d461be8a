"""Staff forms for parking areas, spaces and ending contracts."""

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.forms.fields import LocalDateField
from portal.i18n import lazy_gettext as _l
from portal.services.parking import KIND_LABELS


class AreaForm(FlaskForm):
    name = StringField(
        _l("Name of the area"),
        validators=[DataRequired(_l("Give the area a name.")), Length(max=100)],
    )
    description = TextAreaField(_l("Where it is and how to get in"), validators=[Length(max=2000)])
    buildings = SelectMultipleField(
        _l("Buildings whose residents may apply"),
        coerce=str,
        validators=[DataRequired(_l("Choose at least one building."))],
    )

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.buildings.choices = [SelectChoice(str(b.id), b.street_address) for b in buildings]


class SpaceForm(FlaskForm):
    area = SelectField(_l("Area"), coerce=str, validators=[DataRequired(_l("Choose the area."))])
    number = StringField(
        _l("Number of the space"),
        validators=[DataRequired(_l("Give the number of the space.")), Length(max=20)],
    )
    kind = SelectField(
        _l("Kind of space"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()]
    )
    monthly_fee = DecimalField(
        _l("Monthly fee (€)"),
        places=2,
        default=Decimal("35.00"),
        validators=[
            InputRequired(_l("Give the monthly fee.")),
            NumberRange(0, 1000, _l("From 0 to 1000 euros.")),
        ],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(a.id), a.name) for a in areas
        ]


class EndContractForm(FlaskForm):
    end_date = LocalDateField(
        _l("Last day of the contract"),
        validators=[InputRequired(_l("Give the last day as a date, for example 31.1.2027."))],
    )
