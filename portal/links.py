"""Links emailed with a secret token, kept out of every address that is logged or remembered.

An emailed link carries its token in the query string (``/password/reset?t=…``), which the
servers' access logs leave out. Opening it puts the token in the session and redirects at
once to the same page without it, so the address the person then sees, bookmarks, sends as
Referer or posts forms to carries no token either. The page reads the token back from the
session and checks it exactly as before, on every request: the session only spares the
person opening the link again, it never makes a token valid.

Links of the older form, with the token in the path (``/password/reset/<token>``), are still
in people's mailboxes: their routes stay as long as such a link can work (24 hours; a visit's
link until the visit begins) and hand the token over the same way. A request of that form
still carries its token in the path, once.
"""

from dataclasses import dataclass

from flask import Response, request, session, url_for

from portal import clock
from portal.web import see_other

# The query parameter of an emailed link that holds its token (the services that write
# the emails spell it out: they stand below the web layer).
PARAMETER = "t"
# No token of ours is this long (tokens.check and the appointment lookup refuse longer
# ones), and a cookie must stay small: a longer value is kept as nothing at all.
LONGEST = 200


@dataclass(frozen=True)
class Kind:
    """One kind of emailed link: where the session keeps its token, and for how long."""

    key: str
    minutes: int


# Long enough to read the page and finish (choose a password, say); the token itself stays
# valid 24 hours and single use. A session left on a shared computer holds it no longer.
REGISTER = Kind("link_register", 30)
RESET = Kind("link_reset", 30)
BANK_ACCOUNT = Kind("link_bank_account", 30)
# A visit's link is never used up: it moves or cancels the visit until the visit begins.
# Its page stays usable for a few hours, time to look through the weeks for another time
# and come back to it, but not for as long as a browser on a shared computer (a library's,
# the service point's own) keeps its session. The page shows the link to keep.
APPOINTMENT = Kind("link_appointment", 3 * 60)


def keep(kind: Kind, raw: str) -> None:
    """Keep a link's token in the session, as if the link had just been opened."""
    session[kind.key] = {"t": raw if len(raw) <= LONGEST else "", "at": clock.timestamp()}


def open_link(kind: Kind, endpoint: str, raw: str, **values) -> Response:
    """Keep the token and send the person on to the page's own address, without it."""
    keep(kind, raw)
    return see_other(url_for(endpoint, **values))


def from_query(kind: Kind) -> Response | None:
    """Take the token from an opened link (``?t=``) into the session and redirect to the same
    address without it; None when the request carries no token, or is a form sent (forms
    post to addresses without one)."""
    raw = request.args.get(PARAMETER)
    if request.method not in ("GET", "HEAD") or raw is None:
        return None
    others = {name: values for name, values in request.args.lists() if name != PARAMETER}
    return open_link(kind, request.endpoint, raw, **(request.view_args or {}), **others)


def token(kind: Kind) -> str | None:
    """Return the token of the link opened in this session, unless its time has run out."""
    kept = session.get(kind.key)
    if not isinstance(kept, dict):
        return None
    raw, opened_at = kept.get("t"), kept.get("at")
    fresh = isinstance(opened_at, int | float) and (
        clock.timestamp() - opened_at <= kind.minutes * 60
    )
    if not isinstance(raw, str) or not fresh:
        forget(kind)
        return None
    return raw


def forget(kind: Kind) -> None:
    """Drop the token from the session: it was used up, or its time ran out."""
    if kind.key in session:
        session.pop(kind.key)
