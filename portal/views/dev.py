"""Development only: the emails the portal would have sent, so the demo's links can be opened.

Registered only in development when no SMTP server is configured; never in production.
"""

from flask import Blueprint

from portal.models import OutboxEmail
from portal.web import render

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.get("/outbox")
def outbox():
    """List the latest emails in the outbox, newest first."""
    emails = list(OutboxEmail.select().order_by(OutboxEmail.id.desc()).limit(20))
    return render("dev/outbox.html", emails=emails)
