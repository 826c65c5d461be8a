"""Extension singletons, bound to an app in the factory."""

from flask import request
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
