"""Growing delays for guesses at one account, from wherever they come.

A limit per address cannot stop someone guessing one person's password from many addresses,
and a lock on the account would let anyone lock anyone out. So each account's password, its
one-time code and its "confirm with your password" step count their failures. A few are
free; after them each attempt must wait longer than the last (1 s, 2 s, 4 s … up to a
quarter of an hour), and an attempt made too soon is refused without looking at the
password. A success clears the count, and a day without failures forgets it.

The person's own device never meets a delay an attacker caused: a device the person has
signed in on carries a signed cookie naming them (portal.sessions), and its attempts are
counted apart from everyone else's. A person mistyping on their own device meets only the
delays of their own mistakes; the limits per address apply to everyone as well.

After a burst of failures the account holder is emailed once, in their own language.
"""

import datetime
import hashlib
import math

from peewee import Case

from portal import clock
from portal.models import Person, ServiceTeam, Throttle, db

FREE_FAILURES = 5
LONGEST_WAIT = datetime.timedelta(minutes=15)
# Failures this far apart are not one attack: the count starts again.
FORGET_AFTER = datetime.timedelta(days=1)
# This many failures in a row is a burst worth telling the account holder about.
BURST = 10

SIGN_IN = "sign-in"
CODE = "code"
CONFIRM = "confirm"


OWN_DEVICE = ":own"


def sign_in_key(email: str, own_device: bool = False) -> str:
    """The key of an email address's sign-in failures: the same for addresses with and
    without a username, so a refusal tells nothing of who has one."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"{SIGN_IN}:{digest}{OWN_DEVICE if own_device else ''}"


def person_key(kind: str, person: Person, own_device: bool = False) -> str:
    return f"{kind}:{person.id}{OWN_DEVICE if own_device else ''}"


def delay_after(failures: int) -> datetime.timedelta:
    """How long after the last failure the next attempt must wait."""
    if failures < FREE_FAILURES:
        return datetime.timedelta(0)
    return min(datetime.timedelta(seconds=2 ** (failures - FREE_FAILURES)), LONGEST_WAIT)


def wait(key: str, now: datetime.datetime | None = None) -> int:
    """Whole seconds until the next attempt may be tried (0: now)."""
    now = now or clock.utcnow()
    row = Throttle.get_or_none(Throttle.key == key)
    if row is None or now - row.last_failure_at >= FORGET_AFTER:
        return 0
    remaining = row.last_failure_at + delay_after(row.failures) - now
    return max(0, math.ceil(remaining.total_seconds()))


def failed(key: str, now: datetime.datetime | None = None) -> int:
    """Count a failure (in one statement: two at once both count); return the count."""
    now = now or clock.utcnow()
    stale = Throttle.last_failure_at <= now - FORGET_AFTER
    query = (
        Throttle.insert(key=key, failures=1, last_failure_at=now)
        .on_conflict(
            conflict_target=[Throttle.key],
            update={
                Throttle.failures: Case(None, [(stale, 1)], Throttle.failures + 1),
                Throttle.notified_at: Case(None, [(stale, None)], Throttle.notified_at),
                Throttle.last_failure_at: now,
            },
        )
        .returning(Throttle.failures)
    )
    with db.atomic():
        return next(iter(query.execute())).failures


def succeeded(key: str) -> None:
    Throttle.delete().where(Throttle.key == key).execute()


def tell_after_burst(key: str, failures: int, person: Person | None, kind: str) -> bool:
    """Email the account holder once when the failures reach a burst; True if queued."""
    if person is None or failures < BURST:
        return False
    taken = (
        Throttle.update(notified_at=clock.utcnow())
        .where((Throttle.key == key) & Throttle.notified_at.is_null())
        .execute()
    )
    if not taken:
        return False
    from portal.services import mail

    team = _team(person)
    mail.queue(
        person.email,
        "failed_attempts",
        person.language,
        name=person.first_name,
        kind=kind,
        count=failures,
        phone=team.phone if team else "",
    )
    return True


def _team(person: Person) -> ServiceTeam | None:
    if person.staff_team_id:
        return person.staff_team
    return ServiceTeam.default()
