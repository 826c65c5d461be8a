"""The staff forms for correcting the housing register by hand: a lease and a line of it."""

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms.fields import LocalDateField
from portal.i18n import lazy_gettext as _l
from portal.models import Residency


class EuroField(DecimalField):
    """A sum as Finns write it too: 1 043,60."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("\u00a0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class LeaseForm(FlaskForm):
    rent = EuroField(
        _l("Rent per month (€)"),
        places=2,
        validators=[InputRequired(_l("Write the rent.")), NumberRange(min=0, max=99999)],
    )
    deposit = EuroField(
        _l("Deposit (€)"), places=2, validators=[Optional(), NumberRange(min=0, max=99999)]
    )
    end_date = LocalDateField(_l("Last day of the lease"), validators=[Optional()])


class ResidentForm(FlaskForm):
    first_name = StringField(
        _l("First name"), validators=[InputRequired(_l("Write the first name.")), Length(max=100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[InputRequired(_l("Write the last name.")), Length(max=100)]
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Residency.LEASE_PARTY, _l("Lease party")),
            SelectChoice(Residency.OTHER_RESIDENT, _l("Other resident")),
        ],
    )
    moved_in = LocalDateField(_l("Moved in"), validators=[InputRequired(_l("Write the day."))])
    moved_out = LocalDateField(_l("Moved out"), validators=[Optional()])
