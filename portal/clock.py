"""The portal's one clock, in Helsinki time.

Everything that asks what moment or day it is asks here: pages, services, sessions, rate limits,
the mail worker and the demo data. So the whole portal can be moved to another moment at once:
the ``PORTAL_CLOCK`` setting starts the clock at a given Helsinki time and lets it run on from
there (a demo of 29 February, say), and tests set it or stop it to check what a resident sees
on the 1st of a month, on New Year's Eve or on the night the clocks change.

File times are not read through this clock: the file system stamps them with the machine's own.
"""

import datetime
import time
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")

# Seconds added to the machine's clock, and the moment the clock stands still at (if it does).
_offset = 0.0
_stopped_at: float | None = None


class ClockError(ValueError):
    """Raised for a clock setting that cannot be read."""


def timestamp() -> float:
    """Return the seconds since the epoch by the portal's clock."""
    if _stopped_at is not None:
        return _stopped_at
    return time.time() + _offset


def now() -> datetime.datetime:
    """Return this moment as an aware UTC datetime."""
    return datetime.datetime.fromtimestamp(timestamp(), datetime.UTC)


def utcnow() -> datetime.datetime:
    """Return this moment in UTC as a naive datetime, the form the database stores."""
    return now().replace(tzinfo=None)


def helsinki_now() -> datetime.datetime:
    """Return this moment as aware Helsinki wall-clock time."""
    return now().astimezone(HELSINKI)


def today() -> datetime.date:
    """Return today's date in Helsinki."""
    return helsinki_now().date()


def parse(text: str) -> datetime.datetime:
    """Read a moment written in ISO form (``2028-02-29T23:30``); without an offset it is
    Helsinki time. Raise ClockError when it cannot be read or names no real moment."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"cannot read the moment {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HELSINKI)
    return moment


def set_to(moment: datetime.datetime, *, running: bool = True) -> None:
    """Make the clock read ``moment`` now; it runs on from there unless ``running`` is false."""
    global _offset, _stopped_at
    if moment.tzinfo is None:
        raise ClockError("an aware datetime is needed")
    wanted = moment.timestamp()
    if running:
        _offset, _stopped_at = wanted - time.time(), None
    else:
        _offset, _stopped_at = 0.0, wanted


def advance(delta: datetime.timedelta) -> None:
    """Move the clock forward (or back, for a negative delta) by ``delta``."""
    global _offset, _stopped_at
    if _stopped_at is not None:
        _stopped_at += delta.total_seconds()
    else:
        _offset += delta.total_seconds()


def reset() -> None:
    """Let the clock follow the machine's again."""
    global _offset, _stopped_at
    _offset, _stopped_at = 0.0, None


def is_moved() -> bool:
    """Tell whether the clock differs from the machine's."""
    return _stopped_at is not None or _offset != 0.0


def setting() -> str:
    """Return this moment as a ``PORTAL_CLOCK`` value, for a process started to share it."""
    return helsinki_now().isoformat(timespec="microseconds")
