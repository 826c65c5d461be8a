"""Calendar arithmetic of notices (month ends, a notice period counted from one), and the
range of days the portal accepts."""

import calendar
import datetime


def month_end(day: datetime.date) -> datetime.date:
    """The last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def notice_end(given_on: datetime.date, months: int) -> datetime.date:
    """The last day of a notice given on ``given_on``.

    As with leases in Finland, the notice period is counted from the last day of the month in
    which notice is given: one month's notice given on 15 January ends on 28 (or 29) February;
    given in December, it ends at the end of January. Zero months ends this month.
    """
    end = month_end(given_on)
    for _ in range(months):
        end = month_end(end + datetime.timedelta(days=1))
    return end


# The days the portal reads from what people type or send: a lease, a notice, a visit or a
# power of attorney is never dated outside these years. Keeping to them keeps the arithmetic
# around a day (the day after, the week's Monday, the end of a notice period, Helsinki time
# to UTC) inside what Python's dates can hold, and a mistyped year is told, not stored.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def in_range(day: datetime.date) -> bool:
    """Tell whether a day is one the portal accepts (1900–2100)."""
    return EARLIEST <= day <= LATEST


def parse_day(text: str | None) -> datetime.date | None:
    """Read a day from a query string or a form (2027-01-31); None unless it is a real day
    in the years the portal accepts."""
    try:
        day = datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if in_range(day) else None
