"""How long a sign-in lasts, and how recent it must be for a weighty change.

A session remembers when the person signed in and when they were last seen. It ends after
a while without activity and, however active, after a working day; staff sessions end
sooner, as they open many people's data. Signing out, setting a new password and the end of
a tenancy end every session of the person at once, on every device (the session token
changes, see Person.end_all_sessions).
"""

from flask import Flask, current_app, flash, request, session
from flask_login import current_user, logout_user, user_logged_in

from portal import clock
from portal.extensions import login_manager
from portal.i18n import gettext as _

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
CONFIRMED_AT = "confirmed_at"
# Being seen is written to the cookie at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60


def _limits() -> tuple[int, int]:
    """(idle, absolute) lifetime in seconds for the signed-in person."""
    config = current_app.config
    if current_user.is_staff:
        return config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_SESSION_HOURS"] * 3600
    return config["IDLE_MINUTES"] * 60, config["SESSION_HOURS"] * 3600


def _started(sender, user, **extra) -> None:
    now = clock.timestamp()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def check_session_age():
    """End a session that was idle too long or has lasted too long; note activity."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    now = clock.timestamp()
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT, signed_in_at)
    idle, absolute = _limits()
    if not isinstance(signed_in_at, int | float) or not isinstance(seen_at, int | float):
        expired = True  # a session from before these limits, or one tampered with
    else:
        expired = now - seen_at > idle or now - signed_in_at > absolute
    if expired:
        logout_user()
        session.clear()
        flash(_("You were signed out because the session had expired. Please sign in again."))
        return login_manager.unauthorized()
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return None


def recently_authenticated() -> bool:
    """Whether this session proved the password recently enough for a weighty change
    (signing in, or confirming the password on such a form)."""
    minutes = current_app.config["RECENT_SIGN_IN_MINUTES"]
    proved = max(
        (
            value
            for value in (session.get(SIGNED_IN_AT), session.get(CONFIRMED_AT))
            if isinstance(value, int | float)
        ),
        default=0,
    )
    return clock.timestamp() - proved < minutes * 60


def confirm_password(password: str | None) -> bool:
    """Check the signed-in person's password again; on success the session counts as
    recently authenticated."""
    from portal.services import accounts

    if accounts.authenticate(current_user.email, password or "") is None:
        return False
    session[CONFIRMED_AT] = clock.timestamp()
    return True


def init_app(app: Flask) -> None:
    user_logged_in.connect(_started, app)
    app.before_request(check_session_age)
