"""Extension singletons, bound to an app in the factory."""

import functools

from flask import Flask, request
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
# No default limits: each sensitive form names its own, where the views are defined.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Requests that only read a page are never limited: every limit is on a form's POST.
READING_METHODS = ("GET", "HEAD", "OPTIONS")


@limiter.request_filter
def _reading_is_not_limited() -> bool:
    # Without this the limiter looks up the limits of every page read, which took longer
    # than the small page's own query.
    return request.method in READING_METHODS


def limit_posts(value: str, **options):
    """Limit a form's POST (``limiter.limit``); showing the form goes straight to the view,
    rather than through the limiter's search for limits that only a POST has."""

    def decorate(view):
        limited = limiter.limit(value, methods=["POST"], **options)(view)

        @functools.wraps(view)
        def by_method(*args, **kwargs):
            if request.method in READING_METHODS:
                return view(*args, **kwargs)
            return limited(*args, **kwargs)

        return by_method

    return decorate


def init_limiter(app: Flask) -> None:
    """Bind the limiter, whose hooks then run only for requests that change something.

    Its three hooks (check before, headers after, forget at teardown) found nothing to do
    for a page read, yet took about a tenth of a small page's time to find it out."""
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(funcs.get(None, ())) for funcs in hooks]
    limiter.init_app(app)
    for funcs, known in zip(hooks, before, strict=True):
        funcs[None] = [
            hook if hook in known else _when_changing(hook, passes_first=funcs is hooks[1])
            for hook in funcs.get(None, [])
        ]


def _when_changing(hook, *, passes_first: bool):
    """The hook, but for a request that only reads: then nothing, or what it was given."""

    @functools.wraps(hook)
    def changing_only(*args):
        if request.method in READING_METHODS:
            return args[0] if passes_first and args else None
        return hook(*args)

    return changing_only
