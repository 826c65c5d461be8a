"""Fields for what people type as dates, times and whole numbers, shared by every form.

Each reads the text itself, so that whatever arrives (a year 0 or 10000, the last day of
9999, a number past any column, blank space) ends as the form's own translated message,
never as an exception further on: a date or time outside 1900–2100 is refused like a
misspelt one (see ``portal.services.dates``), and blank space counts as no answer, so
``InputRequired`` asks for it.
"""

import datetime

from wtforms import DateField, DateTimeLocalField, IntegerField

from portal.i18n import lazy_gettext as _l
from portal.services.dates import in_range

DATE_FORMAT_MESSAGE = _l("Write the date as dd.mm.yyyy, for example 31.1.2027.")
DATE_TIME_FORMAT_MESSAGE = _l(
    "Write the day and time as dd.mm.yyyy hh:mm, for example 31.1.2027 14:30."
)
DATE_RANGE_MESSAGE = _l("Write a date between the years 1900 and 2100.")
WHOLE_NUMBER_MESSAGE = _l("Write a whole number, for example 3.")


def _typed(field, valuelist) -> str:
    """The text typed, stripped; blank space becomes no answer for the required checks."""
    text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
    field.raw_data = [text]
    return text


def _parse(text: str, formats) -> datetime.datetime | None:
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _moment(field, valuelist, format_message):
    """The typed moment in one of the field's formats and within the years the portal
    accepts; None when nothing was typed (the field's required check says so)."""
    field.data = None
    text = _typed(field, valuelist)
    if not text:
        return None
    moment = _parse(text, field.format)
    if moment is None:
        raise ValueError(format_message)
    if not in_range(moment.date()):
        raise ValueError(DATE_RANGE_MESSAGE)
    return moment


class LocalDateField(DateField):
    """A date from a date picker (2027-01-31) or typed the Finnish way (31.1.2027)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist):
        moment = _moment(self, valuelist, DATE_FORMAT_MESSAGE)
        self.data = moment.date() if moment is not None else None


class LocalDateTimeField(DateTimeLocalField):
    """A day and time from the browser's picker (2027-01-31T14:30) or typed (31.1.2027 14:30),
    in Helsinki time."""

    def __init__(self, *args, **kwargs):
        formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y %H.%M"]
        super().__init__(*args, format=formats, **kwargs)

    def process_formdata(self, valuelist):
        self.data = _moment(self, valuelist, DATE_TIME_FORMAT_MESSAGE)


class WholeNumberField(IntegerField):
    """A whole number; its range is the form's NumberRange, which says it in the form's words."""

    def process_formdata(self, valuelist):
        self.data = None
        text = _typed(self, valuelist)
        if not text:
            return
        # Only the digits people type: int() would also read "١٢" and "1_000", and fail
        # on its own terms past 4300 digits. A long number is still a number: the form's
        # range says what it should be.
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 1000):
            raise ValueError(WHOLE_NUMBER_MESSAGE)
        self.data = int(text)
