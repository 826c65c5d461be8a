"""Development only: the emails the portal would have sent, so the demo's links can be opened.

Registered only in development when no SMTP server is configured; never in production.
It answers only this computer: the links it shows sign people in.
"""

from flask import Blueprint, abort, current_app

from portal.services import mail
from portal.serving import is_loopback, peer_address
from portal.web import render

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.before_request
def this_computer_only():
    if current_app.config["ENV_NAME"] != "development" or not is_loopback(peer_address()):
        abort(404)


@bp.get("/outbox")
def outbox():
    """List the latest emails in the outbox, newest first."""
    return render("dev/outbox.html", emails=mail.newest(20))
