"""The staff forms for announcing, updating and linking reports to an incident."""

import datetime

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal import clock
from portal.forms.fields import LocalDateTimeField
from portal.i18n import lazy_gettext as _l
from portal.services.incidents import EMERGENCY_LABEL, KIND_LABELS, SCHEDULED_LABEL

TEXT_LIMIT = 4000


def as_stored(moment: datetime.datetime) -> datetime.datetime:
    """A Helsinki time typed in a form as the naive UTC the database stores."""
    return moment.replace(tzinfo=clock.HELSINKI).astimezone(datetime.UTC).replace(tzinfo=None)


def as_typed(moment: datetime.datetime) -> datetime.datetime:
    """A stored (naive UTC) moment as the Helsinki time a form shows."""
    return moment.replace(tzinfo=datetime.UTC).astimezone(clock.HELSINKI).replace(tzinfo=None)


def _finnish_text():
    """The resident text in Finnish, which every incident has. A new field for each form,
    so that it takes its place in the form's order."""
    return TextAreaField(
        _l("Text for residents in Finnish"),
        validators=[
            DataRequired(_l("Write the text for residents in Finnish.")),
            Length(max=TEXT_LIMIT, message=_l("At most %(max)d characters.")),
        ],
    )


def _other_text(label):
    """A resident text in Swedish or English: residents read the Finnish one without it."""
    return TextAreaField(
        label, validators=[Length(max=TEXT_LIMIT, message=_l("At most %(max)d characters."))]
    )


class IncidentForm(FlaskForm):
    kind = SelectField(
        _l("What is affected"),
        choices=[
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(key, label) for key, label in KIND_LABELS.items()),
        ],
        validators=[DataRequired(_l("Choose what is affected."))],
    )
    urgency = RadioField(
        _l("Scheduled or emergency"),
        choices=[
            SelectChoice("scheduled", SCHEDULED_LABEL),
            SelectChoice("emergency", EMERGENCY_LABEL),
        ],
        default="scheduled",
        validators=[DataRequired(_l("Choose whether the work is scheduled or an emergency."))],
    )
    starts_at = LocalDateTimeField(
        _l("Starts"), validators=[InputRequired(_l("Give the day and time it starts."))]
    )
    ends_at = LocalDateTimeField(
        _l("Expected to end"),
        validators=[InputRequired(_l("Give the day and time it is expected to end."))],
    )
    text_fi = _finnish_text()
    text_sv = _other_text(_l("Text in Swedish (optional)"))
    text_en = _other_text(_l("Text in English (optional)"))
    areas = SelectMultipleField(_l("Buildings and stairwells"), coerce=str, validate_choice=False)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = [SelectChoice(value, label) for value, label in areas]
        if not self.is_submitted():
            # Most incidents are announced as they begin: the start is now until changed.
            self.starts_at.data = as_typed(clock.utcnow().replace(second=0, microsecond=0))

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The expected end must come after the start."))
        if field.data and as_stored(field.data) <= clock.utcnow():
            raise ValidationError(_l("The expected end has already passed."))

    def validate_areas(self, field):
        allowed = {value for value, *_ in field.iter_choices()}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError(
                _l("You can announce incidents only for the buildings your team serves.")
            )
        if not field.data:
            raise ValidationError(_l("Choose at least one building or stairwell."))


class IncidentUpdateForm(FlaskForm):
    ends_at = LocalDateTimeField(
        _l("Expected to end"),
        validators=[InputRequired(_l("Give the day and time it is expected to end."))],
    )
    text_fi = _finnish_text()
    text_sv = _other_text(_l("Text in Swedish (optional)"))
    text_en = _other_text(_l("Text in English (optional)"))

    def __init__(self, *args, starts_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident_start = starts_at

    def validate_ends_at(self, field):
        if field.data and self.incident_start and as_stored(field.data) <= self.incident_start:
            raise ValidationError(_l("The expected end must come after the start."))


class LinkReportsForm(FlaskForm):
    incident = SelectField(
        _l("Incident"), validators=[DataRequired(_l("Choose the incident."))], validate_choice=False
    )
    reports = SelectMultipleField(_l("Reports"), coerce=str, validate_choice=False)

    def validate_reports(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one report."))
