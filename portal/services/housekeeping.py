"""Changes that fall due with the calendar rather than with a click: ended bookings and
contracts, expired parking offers passed on to the next in line, notices emailed on the day
they are published."""

from flask import current_app

from portal import ratelimit
from portal.database import is_sqlite, write_transaction
from portal.models import Lease, Person, Residency, db, new_session_token
from portal.services import notices, parking, saunas
from portal.services.residents import helsinki_today


def run() -> int:
    """Bring bookings and the parking queues up to date; return how many offers were made."""
    today = helsinki_today()
    with write_transaction(db.obj):
        saunas.expire(today)
        offered = parking.expire(today, offer_days=current_app.config["PARKING_OFFER_DAYS"])
    notices.send_due(today)
    end_sessions_of_ended_leases(today)
    ratelimit.forget_expired()
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
