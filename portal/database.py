"""Open the configured database and keep its schema up to date with the numbered migrations."""

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from peewee import Database, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.migrations import Runner
from playhouse.pool import PooledDatabase

from portal.models import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# WAL lets readers continue while one writer writes; the busy timeout makes a second
# writer wait for the lock instead of failing at once.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16000,
}


# Opening a connection and setting its pragmas cost about a millisecond, as much as the rest
# of a small page; a request takes a connection from the pool and gives it back at its end.
# A connection idle longer than this is closed rather than reused (a restarted PostgreSQL).
POOL_STALE_SECONDS = 300
POOL_MAX_CONNECTIONS = 32
POOL_WAIT_SECONDS = 10
_POOLED_SCHEMES = {
    "sqlite": "sqlite+pool",
    "postgres": "postgres+pool",
    "postgresql": "postgresql+pool",
}


def open_database(url: str, busy_timeout_ms: int = SQLITE_PRAGMAS["busy_timeout"]) -> Database:
    """Create the database object for a URL (sqlite:///path or postgresql://…). A writer
    waits ``busy_timeout_ms`` for another's lock before giving up: SQLite's busy timeout,
    PostgreSQL's lock timeout (without one a request would wait as long as a migration or an
    import holding the lock, and the person with it)."""
    scheme, sep, rest = url.partition("://")
    pooled = f"{_POOLED_SCHEMES.get(scheme, scheme)}{sep}{rest}"
    options = {
        "max_connections": POOL_MAX_CONNECTIONS,
        "stale_timeout": POOL_STALE_SECONDS,
        "timeout": POOL_WAIT_SECONDS,
    }
    if scheme == "sqlite":
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A pooled connection serves one thread at a time, but not always the same thread.
        pragmas = {**SQLITE_PRAGMAS, "busy_timeout": busy_timeout_ms}
        options.update(pragmas=pragmas, check_same_thread=False)
    else:
        options["options"] = f"-c lock_timeout={int(busy_timeout_ms)}"
    return connect_url(pooled, **options)


def _forget_connections() -> None:
    """A worker forked from a process that had connections must not share their sockets or
    file locks: the child starts with an empty pool."""
    if db.obj is not None:
        db.obj.dispose()


os.register_at_fork(after_in_child=_forget_connections)


def close_all(database: Database) -> None:
    """Close every connection of the database, pooled or not (tests, commands, shutdown)."""
    if isinstance(database, PooledDatabase):
        database.close_all()
    elif not database.is_closed():
        database.close()


def bind(url: str, busy_timeout_ms: int = SQLITE_PRAGMAS["busy_timeout"]) -> Database:
    """Point the models' database proxy at the database behind the URL."""
    database = open_database(url, busy_timeout_ms)
    db.initialize(database)
    return database


def ping() -> None:
    """Ask the models' database a trivial question; raise when it does not answer."""
    db.execute_sql("SELECT 1").fetchone()


class Kept:
    """Rows a process keeps for ``seconds`` rather than reading them for every page, per
    database (a test suite opens many) and per key: a change made on this server forgets
    them at once (``forget``), the other servers see it within ``seconds``. The values are
    shared between requests and threads: nothing may change them."""

    def __init__(self, seconds: float, limit: int = 1000):
        self.seconds = seconds
        self.limit = limit
        self._values: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, read: Callable[[], object], *parts) -> object:
        """The value kept under ``parts``, or ``read()`` (then kept) when there is none or it
        is older than ``seconds``."""
        full_key = (key(), *parts)
        now = time.monotonic()
        kept = self._values.get(full_key)
        if kept is not None and 0 <= now - kept[0] < self.seconds:
            return kept[1]
        value = read()
        with self._lock:
            if len(self._values) >= self.limit:
                self._values.clear()
            self._values[full_key] = (now, value)
        return value

    def forget(self) -> None:
        """Read everything afresh on its next use."""
        with self._lock:
            self._values.clear()


def key() -> str:
    """A name for the database the portal is bound to, for what is kept per database (a test
    suite opens many)."""
    database = db.obj
    return f"{type(database).__name__}:{database.database}"


def is_sqlite(database: Database) -> bool:
    return isinstance(database, SqliteDatabase)


def migration_runner(database: Database) -> Runner:
    """Return the runner that applies the files in portal/migrations to the database."""
    return Runner(database, directory=str(MIGRATIONS_DIR))


def upgrade(database: Database) -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    with database.connection_context():
        return migration_runner(database).up()


def pending_migrations(database: Database) -> list[str]:
    """Return the names of migrations not yet applied."""
    with database.connection_context():
        return [m.name for m in migration_runner(database).status() if not m.applied]


def write_transaction(database: Database):
    """Start a transaction that holds the write lock from its first read.

    SQLite: BEGIN IMMEDIATE, so a second writer waits (busy timeout) instead of reading stale
    data; PostgreSQL: callers lock the rows they decide on with SELECT … FOR UPDATE.
    """
    if is_sqlite(database):
        return database.atomic("IMMEDIATE")
    return database.atomic()


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains the words typed": the typed wildcards and escapes are
    dropped, so a search for "%" or "_" cannot match every row."""
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
