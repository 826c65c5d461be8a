"""One run at a time of each scheduled job, however many servers run the timers.

Housekeeping runs from the mail worker of every server and from a timer; erasing people
from a timer. Two runs at the same moment would make the same parking offer twice or email
a notice twice. A job first takes its row in ``job_lock`` with one conditional UPDATE: the
database's write lock (SQLite) or row lock (PostgreSQL) lets exactly one of two runs change
it, and the other skips this round. The lock is held until a moment rather than forever, so
a run killed halfway does not stop the job for good.
"""

import contextlib
import datetime
import os
import secrets
import socket

from peewee import IntegrityError

from portal import clock
from portal.models import JobLock, db


def _holder() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(name: str, hold: datetime.timedelta) -> str | None:
    """Take the job's lock for ``hold``; return the holder's mark, or None when another
    run holds it now."""
    holder = _holder()
    now = clock.utcnow()
    with contextlib.suppress(IntegrityError), db.atomic():
        JobLock.insert(name=name, holder="", held_until=None).on_conflict_ignore().execute()
    taken = (
        JobLock.update(holder=holder, held_until=now + hold)
        .where(
            (JobLock.name == name) & (JobLock.held_until.is_null() | (JobLock.held_until <= now))
        )
        .execute()
    )
    return holder if taken == 1 else None


def release(name: str, holder: str) -> None:
    """Give the lock back (only the run that holds it can)."""
    JobLock.update(holder="", held_until=None).where(
        (JobLock.name == name) & (JobLock.holder == holder)
    ).execute()


@contextlib.contextmanager
def only_one(name: str, hold: datetime.timedelta):
    """Run the block only if no other run of the job is going on; yields whether it runs."""
    holder = acquire(name, hold)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            release(name, holder)
