"""This request's own objects, for code that every page runs many times.

Each use of Flask's ``g`` or Flask-Login's ``current_user`` looks the request's context up
again through a proxy (``current_user`` through three): a page used them some three hundred
times, a tenth of its Python calls. The functions here look the context up once per use and
hand back the objects themselves.
"""

from flask.ctx import RequestContext, _AppCtxGlobals
from flask.globals import _cv_app, _cv_request
from flask_login import current_user


def request_globals() -> _AppCtxGlobals:
    """The ``g`` of the running app context, itself rather than its proxy."""
    return _cv_app.get().g


def request_context() -> RequestContext:
    """The running request's context: its ``app`` and ``request`` without their proxies."""
    return _cv_request.get()


def person():
    """The signed-in person of this request, or Flask-Login's anonymous user: what
    ``current_user`` stands for, loaded once per request as Flask-Login loads it."""
    app_context = _cv_app.get(None)
    if app_context is not None:
        user = app_context.g.__dict__.get("_login_user")
        if user is not None:
            return user
    return current_user._get_current_object()
