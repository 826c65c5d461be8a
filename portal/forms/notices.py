"""The staff form for publishing a resident notice."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.forms.fields import LocalDateField
from portal.i18n import lazy_gettext as _l


class NoticeForm(FlaskForm):
    title_fi = StringField(
        _l("Title in Finnish"),
        validators=[DataRequired(_l("Write the title in Finnish.")), Length(max=200)],
    )
    body_fi = TextAreaField(
        _l("Text in Finnish"),
        validators=[DataRequired(_l("Write the text in Finnish.")), Length(max=10000)],
    )
    title_sv = StringField(_l("Title in Swedish (optional)"), validators=[Length(max=200)])
    body_sv = TextAreaField(_l("Text in Swedish (optional)"), validators=[Length(max=10000)])
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=200)])
    body_en = TextAreaField(_l("Text in English (optional)"), validators=[Length(max=10000)])
    audience = RadioField(
        _l("To whom?"),
        choices=[
            SelectChoice("everyone", _l("Every resident")),
            SelectChoice("buildings", _l("The residents of the buildings chosen below")),
        ],
        default="buildings",
        validators=[DataRequired(_l("Choose to whom."))],
    )
    buildings = SelectMultipleField(_l("Buildings"), coerce=str, validate_choice=False)
    publish_on = LocalDateField(
        _l("Published on"), validators=[InputRequired(_l("Give the day of publication."))]
    )
    expires_on = LocalDateField(_l("Shown until (optional)"), validators=[Optional()])
    send_email = BooleanField(_l("Also email the residents when it is published"))

    def __init__(self, *args, buildings=(), may_reach_everyone=True, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.buildings.choices = [SelectChoice(str(b.id), b.street_address) for b in buildings]
        self.may_reach_everyone = may_reach_everyone
        if today and not self.is_submitted():
            self.publish_on.data = today

    def validate_audience(self, field):
        if field.data == "everyone" and not self.may_reach_everyone:
            raise ValidationError(_l("Your team publishes only to its own buildings."))

    def validate_buildings(self, field):
        allowed = {value for value, *_ in field.iter_choices()}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError(_l("Choose among the buildings listed."))
        if self.audience.data == "buildings" and not field.data:
            raise ValidationError(_l("Choose at least one building."))

    def validate_expires_on(self, field):
        if field.data and self.publish_on.data and field.data < self.publish_on.data:
            raise ValidationError(_l("The notice cannot end before it is published."))

    def validate_body_sv(self, field):
        if bool((self.title_sv.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Write both the title and the text, or neither."))

    def validate_body_en(self, field):
        if bool((self.title_en.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Write both the title and the text, or neither."))
