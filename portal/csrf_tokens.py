"""The CSRF token a page's forms carry, signed once in a while rather than on every page.

Flask-WTF signs the session's secret anew for each request, with the time: on a small page
that signing costs more than the page's own query. A signed token is good for
``WTF_CSRF_TIME_LIMIT`` (twelve hours), so this process hands out the one it signed for the
same secret for up to ``REUSE_SECONDS``; each form's token is then at most that much older
than it would have been.
"""

import threading
import time

from flask import g, session
from flask_wtf.csrf import generate_csrf

REUSE_SECONDS = 300
# Signed tokens kept per secret; when full the store starts again.
KEPT = 10_000

_signed: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def reuse_signed() -> None:
    """Before a request: the token this process signed for the session's secret lately is
    the request's, where Flask-WTF keeps it (its forms take it when they are made)."""
    kept = _signed.get(session.get("csrf_token"))
    if kept is not None and 0 <= time.monotonic() - kept[0] < REUSE_SECONDS:
        g.csrf_token = kept[1]


def page_token() -> str:
    """This request's CSRF token: a recent one kept for the session's secret, or one signed
    now (by this call, or by a form made earlier in the request), which is then kept."""
    if "csrf_token" not in g:
        generate_csrf()
    token = g.csrf_token
    secret = session["csrf_token"]
    kept = _signed.get(secret)
    if kept is None or kept[1] != token:
        with _lock:
            if len(_signed) >= KEPT:
                _signed.clear()
            _signed[secret] = (time.monotonic(), token)
    return token


def init_app(app) -> None:
    app.before_request(reuse_signed)
