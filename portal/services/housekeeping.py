"""Changes that fall due with the calendar rather than with a click: ended bookings and
contracts, expired parking offers passed on to the next in line, notices emailed on the day
they are published."""

from flask import current_app

from portal.database import is_sqlite, write_transaction
from portal.models import db
from portal.services import notices, parking, saunas
from portal.services.residents import helsinki_today


def run() -> int:
    """Bring bookings and the parking queues up to date; return how many offers were made."""
    today = helsinki_today()
    with write_transaction(db.obj):
        saunas.expire(today)
        offered = parking.expire(today, offer_days=current_app.config["PARKING_OFFER_DAYS"])
    notices.send_due(today)
    refresh_statistics()
    return len(offered)


def refresh_statistics() -> None:
    """Keep the query planner's statistics current as tables grow (an imported register, a
    year of defects), so the queues keep using their indexes. On SQLite a sampled ANALYZE
    (a few hundred rows per index) takes milliseconds even on large tables; PostgreSQL's
    autovacuum does this by itself."""
    if is_sqlite(db.obj):
        db.obj.execute_sql("PRAGMA analysis_limit=400")
        db.obj.execute_sql("ANALYZE")
