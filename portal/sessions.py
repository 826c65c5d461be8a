"""How long a sign-in lasts, and how recent it must be for a weighty change.

A session remembers when the person signed in and when they were last seen. It ends after
a while without activity and, however active, after a working day; staff sessions end
sooner, as they open many people's data. Signing out, setting a new password and the end of
a tenancy end every session of the person at once, on every device (the session token
changes, see Person.end_all_sessions).
"""

import datetime

from flask import Flask, Response, current_app, flash, g, request, session
from flask_babel import format_timedelta
from flask_login import current_user, logout_user, user_logged_in
from itsdangerous import BadSignature, URLSafeSerializer

from portal import clock, context
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
    if context.person().is_staff:
        return config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_SESSION_HOURS"] * 3600
    return config["IDLE_MINUTES"] * 60, config["SESSION_HOURS"] * 3600


def _started(sender, user, **extra) -> None:
    now = clock.timestamp()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    # Flask-Login's hash of the browser, which only its session protection reads (off, see
    # security.py): every cookie would carry its 128 characters for nothing.
    session.pop("_id", None)


def check_session_age():
    """End a session that was idle too long or has lasted too long; note activity."""
    if request.endpoint in (None, "static") or not context.person().is_authenticated:
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
    recently authenticated. Wrong guesses meet growing delays (see ``password_error``)."""
    from portal.services import accounts, throttle

    own_device = is_known_device(current_user.id)
    key = throttle.person_key(throttle.CONFIRM, current_user, own_device)
    if seconds := throttle.wait(key):
        g.password_refused_for = seconds
        return False
    if accounts.authenticate(current_user.email, password or "") is None:
        failures = throttle.failed(key)
        if not own_device:
            throttle.tell_after_burst(key, failures, current_user, throttle.CONFIRM)
        return False
    throttle.succeeded(key)
    session[CONFIRMED_AT] = clock.timestamp()
    return True


def password_error() -> str:
    """What to tell the person whose password confirmation failed: wrong, or refused
    without a look because it came too soon after too many wrong ones (then a 429)."""
    if seconds := g.get("password_refused_for"):
        return too_many_attempts(seconds)
    return _("The password was not right.")


# A device someone has signed in on: a signed cookie naming them (a few people may share
# one device). Its attempts are counted apart, so others' guesses never delay them.
DEVICE_COOKIE = "portal_device"
DEVICE_DAYS = 400
DEVICE_PEOPLE = 5


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="known-device")


def _device_people() -> list[int]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 400:
        return []
    try:
        people = _devices().loads(raw)
    except BadSignature:
        return []
    return [p for p in people if isinstance(p, int)] if isinstance(people, list) else []


def is_known_device(person_id: int) -> bool:
    """Whether this browser is one the person has signed in on before."""
    return person_id in _device_people()


def remember_device(response: Response, person_id: int) -> Response:
    """Mark this browser as one the person signs in on (after a complete sign-in)."""
    people = [person_id, *(p for p in _device_people() if p != person_id)][:DEVICE_PEOPLE]
    response.set_cookie(
        DEVICE_COOKIE,
        _devices().dumps(people),
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.session_interface.get_cookie_secure(current_app),
    )
    return response


def _refuse_for(seconds: int) -> str:
    """Mark this request as refused for now (the answer becomes a 429 with Retry-After)
    and return how long to wait, in the person's language ("in 2 minutes")."""
    g.throttled_for = seconds
    return format_timedelta(
        datetime.timedelta(seconds=seconds), granularity="second", add_direction=True
    )


def sent_too_often(seconds: int) -> str:
    """Refuse a form sent too many times from one address for now, keeping what was typed."""
    wait = _refuse_for(seconds)
    return _(
        "This form has been sent many times from your connection in a short while. "
        "Please send it again %(wait)s. What you wrote is kept below.",
        wait=wait,
    )


def form_sent_too_often(form, limits: str, scope: str) -> bool:
    """Count a sent form against its limit per address; when met, the form keeps what was
    typed and says when to send it again (a 429), instead of the limiter's bare page."""
    from portal import ratelimit

    wait = ratelimit.spend(limits, scope)
    if wait:
        form.form_errors.append(sent_too_often(wait))
    return bool(wait)


def too_many_attempts(seconds: int) -> str:
    """Refuse an attempt made too soon after too many wrong ones, and say how long to wait."""
    wait = _refuse_for(seconds)
    return _("Too many wrong attempts. For your security, please try again %(wait)s.", wait=wait)


def _throttled_answer(response: Response) -> Response:
    """A form refused as too soon after too many wrong attempts answers 429, not 422."""
    seconds = g.get("throttled_for")
    if seconds and response.status_code == 422:
        response.status_code = 429
        response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app: Flask) -> None:
    user_logged_in.connect(_started, app)
    app.before_request(check_session_age)
    app.after_request(_throttled_answer)
