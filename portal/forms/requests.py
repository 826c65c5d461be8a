"""The form factory: a WTForms form built from a catalog entry at run time.

Each catalog field kind becomes a WTForms field with its validators. A field with a
condition is asked only when the other answer has one of the given values: otherwise it is
neither required nor stored, whatever the browser sends.
"""

import re

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, NumberRange, Optional, StopValidation, ValidationError

from portal import catalog
from portal.catalog import Field, RequestType
from portal.forms.fields import LocalDateField, WholeNumberField
from portal.i18n import lazy_gettext as _l

PEOPLE_ROWS = 4
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")


class Shown:
    """Ask the field only when another answer has one of the given values."""

    def __init__(self, other: str, values: tuple[str, ...]):
        self.other, self.values = other, values
        self.field_flags = {}

    def __call__(self, form, field):
        if not is_shown(form, self.other, self.values):
            field.errors[:] = []
            if isinstance(field, FieldList):
                for entry in field.entries:
                    for sub in entry.form:
                        sub.errors = []
            raise StopValidation()


def is_shown(form, other: str, values: tuple[str, ...]) -> bool:
    answer = form[other].data if other in form else None
    if isinstance(answer, list):
        return any(value in values for value in answer)
    return answer in values


class Answered:
    """A required answer: text given, a choice made, a date that could be read."""

    def __init__(self, message=None):
        self.message = message or _l("Please answer this.")
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        data = field.data
        if data is None or data == "" or data == [] or (isinstance(data, str) and not data.strip()):
            if field.process_errors:
                field.errors[:] = list(field.process_errors)
                raise StopValidation()
            field.errors[:] = []
            raise StopValidation(self.message)


class ValidChoice:
    def __call__(self, form, field):
        values = {str(value) for value, *_ in field.iter_choices()}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(str(value) not in values for value in chosen if value not in (None, "")):
            raise StopValidation(_l("Choose one of the options."))


class PersonRow(Form):
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    birth_date = LocalDateField(_l("Date of birth"), validators=[Optional()])


def _rows(rows) -> list[dict]:
    return [
        entry.data
        for entry in rows.entries
        if any((entry.data.get(key) or "") for key in ("first_name", "last_name", "birth_date"))
    ]


class CompleteRows:
    """Each row that was started has both names and the date of birth; at least one row."""

    def __init__(self, required: bool):
        self.required = required

    def __call__(self, form, field):
        started = _rows(field)
        if self.required and not started:
            raise StopValidation(_l("Give at least one person."))
        for entry in field.entries:
            data = entry.data
            if any((data.get(key) or "") for key in data) and not (
                (data.get("first_name") or "").strip()
                and (data.get("last_name") or "").strip()
                and data.get("birth_date")
            ):
                raise ValidationError(
                    _l("Give the first name, last name and date of birth of each person.")
                )


def _make_field(spec: Field, residents: list, movers: list):
    validators = []
    if spec.show_if:
        validators.append(Shown(*spec.show_if))
    if spec.kind != catalog.PEOPLE:
        validators.append(Answered() if spec.required else Optional())
    label, description = spec.label, spec.help or ""
    if spec.kind == catalog.TEXT:
        return StringField(
            label, validators=[*validators, Length(max=spec.max_length)], description=description
        )
    if spec.kind == catalog.LONG_TEXT:
        return TextAreaField(
            label, validators=[*validators, Length(max=spec.max_length)], description=description
        )
    if spec.kind == catalog.EMAIL:
        return EmailField(
            label,
            validators=[*validators, Length(max=200), Email(_l("Check the email address."))],
            description=description,
        )
    if spec.kind == catalog.PHONE:

        def phone(form, field):
            if field.data and not _PHONE.match(field.data.strip()):
                raise ValidationError(_l("Write the phone number with digits, e.g. 040 123 4567."))

        return TelField(label, validators=[*validators, phone], description=description)
    if spec.kind == catalog.DATE:
        return LocalDateField(label, validators=validators, description=description)
    if spec.kind == catalog.NUMBER:
        return WholeNumberField(
            label,
            validators=[
                *validators,
                NumberRange(
                    spec.minimum,
                    spec.maximum,
                    _l("From %(min)s to %(max)s.", min=spec.minimum, max=spec.maximum),
                ),
            ],
            description=description,
        )
    if spec.kind in (catalog.CHOICE, catalog.YES_NO, catalog.RESIDENT):
        if spec.kind == catalog.YES_NO:
            choices = [SelectChoice(catalog.YES, _l("Yes")), SelectChoice(catalog.NO, _l("No"))]
        elif spec.kind == catalog.RESIDENT:
            choices = [SelectChoice(str(r.id), f"{r.first_name} {r.last_name}") for r in residents]
        else:
            choices = [SelectChoice(value, label) for value, label in spec.choices]
        return RadioField(
            label,
            choices=choices,
            validate_choice=False,
            validators=[*validators, ValidChoice()],
            description=description,
        )
    if spec.kind == catalog.RESIDENTS:
        return SelectMultipleField(
            label,
            choices=[SelectChoice(str(r.id), f"{r.first_name} {r.last_name}") for r in movers],
            validate_choice=False,
            validators=[*validators, ValidChoice()],
            description=description,
        )
    if spec.kind == catalog.PEOPLE:
        return FieldList(
            FormField(PersonRow),
            label=label,
            min_entries=PEOPLE_ROWS,
            max_entries=PEOPLE_ROWS,
            validators=[*validators, CompleteRows(spec.required)],
            description=description,
        )
    raise ValueError(f"unknown field kind {spec.kind}")


class RequestForm(FlaskForm):
    """The base of every generated form; the fields come from the catalog entry."""


def build_form(entry: RequestType, residents: list, movers: list, **kwargs) -> FlaskForm:
    """Return a form for the entry. ``residents``: the household's current residents (for
    'who' questions); ``movers``: those who may move out (residents who are not lease parties).
    """
    attributes = {spec.name: _make_field(spec, residents, movers) for spec in entry.fields}
    form_class = type(f"{entry.key.title().replace('_', '')}Form", (RequestForm,), attributes)
    return form_class(**kwargs)


def shown_fields(form, entry: RequestType) -> set[str]:
    """The names of the fields that apply to the answers given so far."""
    return {spec.name for spec in entry.fields if not spec.show_if or is_shown(form, *spec.show_if)}


def typed_answers(form, entry: RequestType) -> dict:
    """The answers that apply, as Python values (dates as dates), for the rules."""
    shown = shown_fields(form, entry)
    answers = {}
    for spec in entry.fields:
        if spec.name not in shown:
            continue
        field = form[spec.name]
        if spec.kind == catalog.PEOPLE:
            value = _rows(field)
        else:
            value = field.data
            if isinstance(value, str):
                value = value.strip()
        if value in (None, "", []):
            continue
        answers[spec.name] = value
    return answers
