"""Changes that fall due with the calendar rather than with a click: ended bookings and
contracts, expired parking offers passed on to the next in line, notices emailed on the day
they are published."""

from flask import current_app

from portal.database import write_transaction
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
    return len(offered)
