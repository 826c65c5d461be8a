"""Changes that fall due with the calendar rather than with a click: ended bookings and
contracts, expired parking offers passed on to the next in line, notices emailed on the day
they are published."""

import datetime
import time
from pathlib import Path

from flask import current_app

from portal import clock, ratelimit
from portal.database import is_sqlite, write_transaction
from portal.models import Lease, Person, Residency, db, new_session_token
from portal.services import jobs, notices, parking, saunas

# An uploaded file no row names is removed once it is this old (an upload in progress is not).
ORPHAN_AGE = datetime.timedelta(hours=1)


# Longer than a run ever takes; a run killed halfway frees the job again after this.
HOLD = datetime.timedelta(minutes=30)


def run() -> int | None:
    """Bring bookings and the parking queues up to date; return how many offers were made,
    or None when another run (another server's) is doing it right now."""
    with jobs.only_one("housekeeping", HOLD) as running:
        return _run() if running else None


def _run() -> int:
    today = clock.today()
    with write_transaction(db.obj):
        saunas.expire(today)
        offered = parking.expire(today, offer_days=current_app.config["PARKING_OFFER_DAYS"])
    notices.send_due(today)
    end_sessions_of_ended_leases(today)
    ratelimit.forget_expired()
    remove_orphan_files(Path(current_app.config["UPLOAD_DIR"]), ORPHAN_AGE)
    refresh_statistics()
    return len(offered)


def end_sessions_of_ended_leases(today) -> int:
    """Sign out everywhere, once, the people whose tenancy ended before today and who
    have no other current home with us; return how many leases were handled. A person who
    signs in again later (to read a final invoice) is not signed out again."""
    ended = list(
        Lease.select(Lease.id).where(
            Lease.end_date.is_null(False) & (Lease.end_date < today) & ~Lease.sessions_ended
        )
    )
    if not ended:
        return 0
    ids = [lease.id for lease in ended]
    still_home = (
        Residency.select(Residency.person)
        .join(Lease)
        .where(
            Residency.person.is_null(False)
            & (Lease.start_date <= today)
            & (Lease.end_date.is_null() | (Lease.end_date >= today))
            & (Residency.moved_out.is_null() | (Residency.moved_out >= today))
        )
    )
    leaving = (
        Person.select(Person.id)
        .join(Residency, on=(Residency.person == Person.id))
        .where(
            Residency.lease.in_(ids) & Person.staff_role.is_null() & Person.id.not_in(still_home)
        )
        .distinct()
    )
    with db.atomic():
        for person in leaving:
            Person.update(session_token=new_session_token()).where(Person.id == person.id).execute()
        Lease.update(sessions_ended=True).where(Lease.id.in_(ids)).execute()
    return len(ids)


def refresh_statistics() -> None:
    """Keep the query planner's statistics current as tables grow (an imported register, a
    year of defects), so the queues keep using their indexes. On SQLite a sampled ANALYZE
    (a few hundred rows per index) takes milliseconds even on large tables; PostgreSQL's
    autovacuum does this by itself."""
    if is_sqlite(db.obj):
        db.obj.execute_sql("PRAGMA analysis_limit=400")
        db.obj.execute_sql("ANALYZE")


def _referenced_files() -> dict[str, set[str]]:
    """Every stored file name a row refers to, by uploads subfolder."""
    from portal.models import (
        Attachment,
        BuildingDetails,
        Mandate,
        MessageAttachment,
        RequestAttachment,
    )

    def names(*columns) -> set[str]:
        found = set()
        for column in columns:
            found |= {
                value
                for (value,) in column.model.select(column).where(column.is_null(False)).tuples()
            }
        return found

    return {
        "defects": names(Attachment.stored_name, Attachment.thumb_name),
        "messages": names(MessageAttachment.stored_name, MessageAttachment.thumb_name),
        "requests": names(RequestAttachment.stored_name, RequestAttachment.thumb_name),
        "mandates": names(Mandate.document_name),
        "buildings": names(BuildingDetails.rescue_plan_name),
    }


def remove_orphan_files(
    upload_dir: Path, older_than: datetime.timedelta, now: float | None = None
) -> list[str]:
    """Delete uploaded files that no row names and that are older than ``older_than`` at
    ``now`` (seconds since the epoch; default: this moment).

    A file is written before its row: a server process stopped between the two (killed,
    restarted) leaves a file nobody can reach. The age keeps files of uploads still in
    progress. Returns the removed files' paths relative to the uploads folder."""
    referenced = _referenced_files()
    # By the machine's clock, not the portal's: the file system stamps files with the former.
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    removed = []
    for folder, names in referenced.items():
        directory = upload_dir / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.is_file() and path.name not in names and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(f"{folder}/{path.name}")
    return sorted(removed)
