"""Online backups of the database and the uploaded files, and restoring them.

A backup is a folder: the database (SQLite's own online backup, or a pg_dump archive), the
uploads, and a manifest with the schema's migrations, every table's row count and every
file's size. The portal keeps serving while it is made: SQLite copies a consistent snapshot
while writers go on (WAL), and pg_dump reads one transaction's snapshot. The database is
copied first and the files after it: uploaded files are written before their rows and never
changed, so every file a copied row names is there to copy.

Backups are private (folders 0700, files 0600) and kept outside the data folder. They do
not hold the identity key, which turns personal identity codes into the keyed hashes the
database keeps: a stolen backup must not come with it. The manifest keeps the key's
fingerprint instead, so a restore can tell when the portal runs with another key (people
could then no longer be matched to the housing register).

Restoring puts the database and files in place and checks them against the manifest.
"""

import datetime
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from peewee import Database

from portal import clock
from portal.database import close_all, is_sqlite, migration_runner

MANIFEST = "manifest.json"
SQLITE_FILE = "portal.db"
POSTGRES_FILE = "portal.dump"
UPLOADS = "uploads"


class BackupError(RuntimeError):
    """A backup or a restore that could not be done; the message says why."""


@dataclass(frozen=True)
class Summary:
    folder: Path
    tables: dict[str, int]
    files: int
    file_bytes: int


def _sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


def _counts_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            # Table names from the database's own catalog, not from anyone's input.
            table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608  # nosec
            for table in tables
        }


def _counts(database: Database) -> dict[str, int]:
    return {
        table: database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608  # nosec
        for table in sorted(database.get_tables())
    }


def _pg_environment(url: str) -> tuple[list[str], dict]:
    """pg_dump and pg_restore take the URL as their database name; the password, if any,
    goes in the environment rather than on the command line."""
    parts = urlsplit(url)
    environment = dict(os.environ)
    if parts.password:
        environment["PGPASSWORD"] = parts.password
        netloc = parts.netloc.replace(f":{parts.password}@", "@")
        url = parts._replace(netloc=netloc).geturl()
    return ["--dbname", url], environment


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client")
    return path


def _copy_files(source: Path, target: Path) -> tuple[int, int, dict[str, int]]:
    listed = {}
    if source.exists():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source).as_posix()
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            listed[relative] = path.stat().st_size
    return len(listed), sum(listed.values()), listed


def key_fingerprint(identity_key: str) -> str:
    """A fingerprint that tells two identity keys apart without revealing either."""
    return hmac.new(identity_key.encode(), b"portal backup key check", hashlib.sha256).hexdigest()[
        :16
    ]


def _private(folder: Path) -> None:
    """Only the portal's own user may read a backup: it holds everyone's data."""
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def make(
    database: Database, url: str, upload_dir: Path, folder: Path, identity_key: str = ""
) -> Summary:
    """Back up the database behind ``url`` and the uploads into a new ``folder``."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    if is_sqlite(database):
        target = folder / SQLITE_FILE
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            # One step: a consistent snapshot even while others write (WAL keeps them going).
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        tables = _counts_sqlite(target)
    else:
        tables = _pg_dump(url, folder / POSTGRES_FILE)
    count, size, listed = _copy_files(upload_dir, folder / UPLOADS)
    manifest = {
        "made_at": clock.now().isoformat(timespec="seconds"),
        "database": "sqlite" if is_sqlite(database) else "postgresql",
        "migrations": [m.name for m in migration_runner(database).status() if m.applied],
        "tables": tables,
        "files": listed,
        "identity_key": key_fingerprint(identity_key) if identity_key else "",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    _private(folder)
    return Summary(folder, tables, count, size)


STAMP_FORMAT = "%Y%m%d-%H%M%S"


def prune(root: Path, keep_days: int, now: datetime.datetime) -> list[Path]:
    """Remove the backups in ``root`` made more than ``keep_days`` before ``now`` (by the
    moment in their folder's name); folders that are not backups are left alone."""
    cutoff = now - datetime.timedelta(days=keep_days)
    removed = []
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        try:
            made = datetime.datetime.strptime(folder.name, STAMP_FORMAT)
        except ValueError:
            continue
        if made < cutoff and (folder / MANIFEST).is_file():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def _pg_dump(url: str, target: Path) -> dict[str, int]:
    """Dump in one exported snapshot and count the rows in that same snapshot."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608  # nosec
                counts[table] = cursor.fetchone()[0]
            arguments, environment = _pg_environment(url)
            done = subprocess.run(  # noqa: S603  # nosec B603
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    *arguments,
                ],
                env=environment,
                capture_output=True,
                text=True,
            )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    finally:
        connection.close()
    return counts


def restore(
    folder: Path,
    database: Database,
    url: str,
    upload_dir: Path,
    force: bool,
    identity_key: str = "",
) -> Summary:
    """Put a backup in place of an empty database (or, with ``force``, of any) and check it."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{folder} has no {MANIFEST}: not a backup")
    manifest = json.loads(manifest_path.read_text())
    made_with = manifest.get("identity_key", "")
    if made_with and identity_key and made_with != key_fingerprint(identity_key):
        raise BackupError(
            "the backup was made with another PORTAL_IDENTITY_KEY: restore with the key it was "
            "made with (kept apart from the backups), or people cannot be matched to the "
            "housing register"
        )
    kind = "sqlite" if is_sqlite(database) else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"the backup is of {manifest['database']}, the database is {kind}")
    if database.get_tables() and not force:
        raise BackupError("the database is not empty: give --force to replace it")
    close_all(database)
    if kind == "sqlite":
        source = sqlite3.connect(folder / SQLITE_FILE)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
            status = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
            source.close()
        if status != "ok":
            raise BackupError(f"the restored database failed its integrity check: {status}")
        tables = _counts_sqlite(_sqlite_path(url))
    else:
        arguments, environment = _pg_environment(url)
        done = subprocess.run(  # noqa: S603  # nosec B603
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                *arguments,
                str(folder / POSTGRES_FILE),
            ],
            env=environment,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        tables = _counts(database)
    if tables != manifest["tables"]:
        raise BackupError("the restored row counts differ from the backup's manifest")
    count, size, listed = _copy_files(folder / UPLOADS, upload_dir)
    if listed != manifest["files"]:
        raise BackupError("the restored files differ from the backup's manifest")
    return Summary(folder, tables, count, size)
