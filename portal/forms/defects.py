"""Forms of defect notifications: residents', visitors' and maintenance staff's."""

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms.accounts import email_field
from portal.forms.fields import LocalDateTimeField
from portal.i18n import lazy_gettext as _l
from portal.services.defects import CATEGORIES, LOCATIONS, STATUS_LABELS

_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def phone_number(form, field):
    """Accept a phone number as people write it: digits, spaces, +, - and brackets."""
    if field.data and not _PHONE.match(field.data):
        raise ValidationError(_l("Enter a phone number, for example 040 123 4567."))


class VisitorContact(FlaskForm):
    """Who a visitor is and where they live. Declared before DefectForm: WTForms orders
    fields by declaration, and the error summary follows that order, which must be the page's
    (these come first on the visitor's form)."""

    name = StringField(
        _l("Your name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    building = SelectField(
        _l("Building"), coerce=str, validators=[DataRequired(_l("Choose your building."))]
    )
    apartment_number = StringField(
        _l("Apartment (for example A 12)"),
        filters=[lambda v: " ".join(v.upper().split()) if isinstance(v, str) else v],
        validators=[Length(max=20)],
    )
    email = email_field(_l("Email address (for progress updates)"))
    # Hidden from people, so left empty by them; form-filling robots fill it in.
    website = StringField("Website", validators=[Length(max=200)])


class DefectForm(FlaskForm):
    """What and where the defect is; how maintenance may come in."""

    location = SelectField(
        _l("Where is the defect?"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(key, label) for key, label in LOCATIONS.items()],
        validators=[DataRequired(_l("Choose where the defect is."))],
    )
    category = SelectField(
        _l("What kind of defect is it?"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(key, label) for key, (label, _urgent) in CATEGORIES.items()],
        validators=[DataRequired(_l("Choose the kind of defect."))],
    )
    cannot_wait = RadioField(
        _l("Does it need attention right away, for example because water is leaking?"),
        choices=[SelectChoice("no", _l("No, it can wait")), SelectChoice("yes", _l("Yes"))],
        default="no",
        validators=[DataRequired(_l("Tell us whether it can wait."))],
    )
    description = TextAreaField(
        _l("Describe the defect"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Describe the defect.")),
            Length(min=10, max=4000, message=_l("Write between %(min)d and %(max)d characters.")),
        ],
        render_kw={"rows": 5, "maxlength": 4000},
    )
    master_key_allowed = BooleanField(
        _l("Maintenance may enter with the master key if I am not at home")
    )
    pets = BooleanField(_l("There are pets in the apartment"))
    phone = StringField(
        _l("Phone number for the visit"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter a phone number.")), phone_number],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    photos = MultipleFileField(
        _l("Photos (up to 5)"),
        render_kw={"accept": "image/*", "data-resize": "1600", "multiple": True},
    )
    called = BooleanField(_l("I have called the number above"))


class VisitorDefectForm(VisitorContact, DefectForm):
    """The same, for a visitor who does not sign in: who they are and where they live."""

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.building.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(b.id), f"{b.street_address}, {b.postal_code} {b.city}")
            for b in buildings
        ]
        self.email.validators = [Optional(), *self.email.validators[1:]]


class CommentForm(FlaskForm):
    note = TextAreaField(
        _l("Add a comment"),
        filters=[_strip],
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 3},
    )
    photos = MultipleFileField(
        _l("Add photos"), render_kw={"accept": "image/*", "data-resize": "1600", "multiple": True}
    )


class DecisionForm(FlaskForm):
    """Confirm a repair or reopen it."""

    note = TextAreaField(
        _l("What is still wrong?"),
        filters=[_strip],
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 3},
    )


class StaffDefectForm(FlaskForm):
    status = SelectField(
        _l("Status"), choices=[SelectChoice(key, label) for key, label in STATUS_LABELS.items()]
    )
    note = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 3},
    )
    visible = BooleanField(_l("Show the note and the change to the resident"), default=True)
    assigned_to = SelectField(_l("Assigned to"), coerce=str, validators=[Optional()])
    planned_visit_at = LocalDateTimeField(_l("Planned visit"), validators=[Optional()])

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assigned_to.choices = [SelectChoice("", _l("Nobody yet"))] + [
            SelectChoice(str(p.id), p.display_name) for p in staff
        ]
