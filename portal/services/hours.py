"""Opening hours as data, and which phone number answers right now.

Hours are written as rules such as ``"mon-fri 09:00-12:00"`` or
``"tue 09:00-15:00; wed 09:00-12:00"``: a day or a range of days, then a time range.
Finnish public holidays are always closed.
"""

import datetime
import functools
import re
from dataclasses import dataclass

import holidays
from babel.dates import format_time, get_day_names

from portal import clock

HELSINKI = clock.HELSINKI
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$"
)


class HoursError(ValueError):
    """Raised for an opening-hours rule that cannot be read."""


@dataclass(frozen=True)
class HoursRule:
    first_day: int
    last_day: int
    start: datetime.time
    end: datetime.time

    def covers(self, moment: datetime.datetime) -> bool:
        """Tell whether a Helsinki wall-clock moment falls within this rule."""
        return (
            self.first_day <= moment.weekday() <= self.last_day
            and self.start <= moment.time() < self.end
        )


@dataclass(frozen=True)
class UrgentContact:
    """The number to call about an urgent matter at one moment, and why it is that one."""

    phone: str
    office_open: bool


def _day(key: str) -> int:
    try:
        return DAY_KEYS.index(key)
    except ValueError:
        raise HoursError(f"unknown day {key!r}") from None


@functools.lru_cache(maxsize=64)
def parse_hours(spec: str) -> tuple[HoursRule, ...]:
    """Read an opening-hours rule text into rules; raise HoursError when it is malformed."""
    rules = []
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = _RULE.match(part)
        if not match:
            raise HoursError(f"cannot read opening hours {part!r}")
        first = _day(match["first"])
        last = _day(match["last"]) if match["last"] else first
        try:
            start = datetime.time.fromisoformat(match["start"])
            end = datetime.time.fromisoformat(match["end"])
        except ValueError:
            raise HoursError(f"bad time in {part!r}") from None
        if last < first or end <= start:
            raise HoursError(f"empty range in {part!r}")
        rules.append(HoursRule(first, last, start, end))
    return tuple(rules)


@functools.lru_cache(maxsize=8)
def _finnish_holidays(year: int) -> frozenset[datetime.date]:
    # A plain set of dates: asking the holidays object itself costs more than the page's
    # SQL, and every page with a team's number asks whether the line is open today.
    return frozenset(holidays.Finland(years=year))


def is_public_holiday(day: datetime.date) -> bool:
    """Tell whether a date is a Finnish public holiday (Midsummer and Christmas Eve included)."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return day in _finnish_holidays(day.year)


def helsinki_now(now: datetime.datetime | None = None) -> datetime.datetime:
    """Return the given aware moment (or the current one) as Helsinki wall-clock time."""
    if now is None:
        now = clock.now()
    if now.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return now.astimezone(HELSINKI)


def is_open(spec: str, now: datetime.datetime | None = None) -> bool:
    """Tell whether hours written as ``spec`` are open at ``now`` (default: this moment)."""
    moment = helsinki_now(now)
    if is_public_holiday(moment.date()):
        return False
    return any(rule.covers(moment) for rule in parse_hours(spec))


def urgent_contact(team, now: datetime.datetime | None = None) -> UrgentContact:
    """Return the number that answers an urgent matter now: the team's line or the on-call one."""
    if is_open(team.phone_hours, now):
        return UrgentContact(team.phone, office_open=True)
    return UrgentContact(team.on_call_phone, office_open=False)


def team_numbers(team, locale: str) -> dict[str, str]:
    """The numbers a team answers at, as texts that name them fill them in: its line
    (``phone``) in its hours (``phone_hours``, written for people) and its on-call line."""
    if team is None:
        return {}
    return {
        "phone": team.phone,
        "phone_hours": describe_hours(team.phone_hours, locale),
        "on_call_phone": team.on_call_phone,
    }


@functools.lru_cache(maxsize=256)
def describe_hours(spec: str, locale: str) -> str:
    """Write opening hours for people, e.g. "ma–pe 9.00–12.00" in Finnish (the same few
    specs are written on every page's footer, so each is written once per language)."""
    names = get_day_names("abbreviated", locale=locale)
    parts = []
    for rule in parse_hours(spec):
        days = names[rule.first_day]
        if rule.last_day != rule.first_day:
            days = f"{days}–{names[rule.last_day]}"
        start = format_time(rule.start, "short", locale=locale)
        end = format_time(rule.end, "short", locale=locale)
        parts.append(f"{days} {start}–{end}")
    return ", ".join(parts)


def tel_uri(phone: str) -> str:
    """Turn a Finnish phone number as written ("09 123 4567") into a tel: URI."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("0"):
        digits = "+358" + digits[1:]
    return f"tel:{digits}"
