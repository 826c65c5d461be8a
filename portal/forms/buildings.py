"""Staff form for the building details residents read."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


class DetailsForm(FlaskForm):
    heating = StringField("heating", validators=[Length(max=200)])
    sauna_and_laundry = TextAreaField("sauna", validators=[Length(max=2000)])
    waste = TextAreaField("waste", validators=[Length(max=2000)])
    storage = TextAreaField("storage", validators=[Length(max=2000)])
    maintenance_company = StringField("company", validators=[Length(max=200)])
    maintenance_phone = StringField("phone", validators=[Length(max=40)])
    maintenance_email = StringField("email", validators=[Length(max=200)])
