"""Where a person is on the way to an account, kept in the session: registering (the email
link was opened), identifying (a username from elsewhere has never identified here), choosing
a password after identifying, and giving the one-time code after a staff member's password.

Signing in and registering hand a person to each other, so the steps live here, below both."""

import datetime

from flask import current_app, session, url_for

from portal import clock
from portal.models import Person, utcnow
from portal.services import totp
from portal.web import is_safe_path, see_other

# Which step of the journey the session is in, and until when it may finish it.
REGISTRATION = "registration"
PENDING = "pending_identification"
IDENTIFIED = "identified"

SECOND_FACTOR = "second_factor"
CODE_MINUTES = 5


def begin(step: str, **values) -> None:
    minutes = current_app.config["REGISTRATION_MINUTES"]
    until = (utcnow() + datetime.timedelta(minutes=minutes)).isoformat()
    session[step] = {**values, "until": until}


def step(name: str) -> dict | None:
    """Return the journey step kept in the session, unless it has run out of time."""
    state = session.get(name)
    if not isinstance(state, dict) or state.get("until", "") < utcnow().isoformat():
        session.pop(name, None)
        return None
    return state


def end() -> None:
    for name in (REGISTRATION, PENDING, IDENTIFIED):
        session.pop(name, None)


def begin_first_identification(person: Person):
    """Send a person with a username but no identification for this portal to identify."""
    end()
    begin(PENDING, person_id=person.id)
    return see_other(url_for("accounts.identify"))


def ask_for_code(person: Person, next_path: str | None):
    """The password was right: staff continue with a one-time code (set one up first)."""
    pending = {
        "person_id": person.id,
        "at": clock.timestamp(),
        "next": next_path if is_safe_path(next_path) else None,
    }
    if not person.totp_secret:
        pending["secret"] = totp.new_secret()
    session[SECOND_FACTOR] = pending
    return see_other(url_for("auth.second_factor"))
