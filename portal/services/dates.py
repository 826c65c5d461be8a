"""Calendar arithmetic of notices: month ends, and a notice period counted from one."""

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
