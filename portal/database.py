"""Open the configured database and keep its schema up to date with the numbered migrations."""

from pathlib import Path

from peewee import Database, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.migrations import Runner

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


def open_database(url: str) -> Database:
    """Create the database object for a URL (sqlite:///path or postgresql://…)."""
    if url.startswith("sqlite:"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return connect_url(url, pragmas=SQLITE_PRAGMAS)
    return connect_url(url)


def bind(url: str) -> Database:
    """Point the models' database proxy at the database behind the URL."""
    database = open_database(url)
    db.initialize(database)
    return database


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
