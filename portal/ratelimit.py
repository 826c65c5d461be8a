"""Rate limit counters kept in the portal's own database.

The limits on signing in, registering, resetting a password and changing a bank account
must hold however many server processes answer: counters in one process's memory would let
each worker allow the full number of attempts. Kept in the database every worker already
shares, they need no extra server. ``PORTAL_RATELIMIT_STORAGE_URI`` can still point the
limiter at Redis or memcached instead.
"""

# Counters keep the machine's time, not the portal's clock: the rate-limit library reckons
# windows and Retry-After by the machine's time, and a window is a length of time, not a date.
import math
import time

from limits.storage import Storage
from peewee import Case, DatabaseError

from portal.models import RateCounter, db

SCHEME = "portal-database"


class DatabaseStorage(Storage):
    """Fixed-window counters: one row per key, its count and when the window ends."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return DatabaseError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to the key's count in one statement (no two workers can both read the old
        count); a window that has ended starts again from this amount."""
        now = time.time()
        ended = RateCounter.expires_at <= now
        query = (
            RateCounter.insert(key=key, count=amount, expires_at=now + expiry)
            .on_conflict(
                conflict_target=[RateCounter.key],
                update={
                    RateCounter.count: Case(None, [(ended, amount)], RateCounter.count + amount),
                    RateCounter.expires_at: Case(
                        None, [(ended, now + expiry)], RateCounter.expires_at
                    ),
                },
            )
            .returning(RateCounter.count)
        )
        with db.atomic():
            row = next(iter(query.execute()))
        return row.count

    def _row(self, key: str) -> RateCounter | None:
        return RateCounter.get_or_none(
            (RateCounter.key == key) & (RateCounter.expires_at > time.time())
        )

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        try:
            RateCounter.select().limit(1).execute()
        except DatabaseError:
            return False
        return True

    def reset(self) -> int | None:
        return RateCounter.delete().execute()

    def clear(self, key: str) -> None:
        RateCounter.delete().where(RateCounter.key == key).execute()


def forget_expired() -> int:
    """Remove the counters of windows that have ended (housekeeping)."""
    return RateCounter.delete().where(RateCounter.expires_at <= time.time()).execute()


def spend(limits: str, scope: str) -> int:
    """Count one use of a form against ``limits`` (e.g. "5 per minute; 20 per hour") for
    this client, as the limiter's decorator would; return 0 when it was allowed, or the
    whole seconds until the form may be sent again.

    For forms that must keep what was typed when the limit is met: the view shows the form
    again with a word on when to try, rather than the limiter's bare error page.
    """
    from flask import current_app, request
    from limits import parse_many

    from portal.extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True) or not limiter.enabled:
        return 0
    address = request.remote_addr or ""
    items = parse_many(limits)
    strategy = limiter.limiter
    for item in items:
        if not strategy.test(item, scope, address):
            reset_at = strategy.get_window_stats(item, scope, address).reset_time
            return max(1, math.ceil(reset_at - time.time()))
    for item in items:
        strategy.hit(item, scope, address)
    return 0
