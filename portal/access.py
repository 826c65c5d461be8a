"""Who may call what. Every view declares its rule with one of these decorators.

Each decorator records its rule on the view function (``view.access``), so the whole
application's access table can be read from the URL map and tested.
"""

import functools
from collections.abc import Callable

from flask import abort, g
from flask_login import current_user

from portal.extensions import login_manager
from portal.services.residents import resident_status
from portal.web import render

PUBLIC = "public"
SIGNED_IN = "signed_in"
RESIDENT = "resident"
STAFF = "staff"


def _mark(view: Callable, rule: str, roles: tuple[str, ...] = ()) -> Callable:
    view.access = rule
    view.access_roles = roles
    return view


def public(view: Callable) -> Callable:
    """Let anyone call the view, signed in or not."""
    return _mark(view, PUBLIC)


def signed_in(view: Callable) -> Callable:
    """Let any signed-in person call the view."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapper, SIGNED_IN)


def access_closed_page(status):
    """Render the page that explains why resident pages are not open (yet) for this person."""
    return render("home/access.html", status=403, resident=status)


def current_resident_status():
    """Return (and remember for this request) where the signed-in person stands."""
    if "resident_status" not in g:
        g.resident_status = resident_status(current_user)
    return g.resident_status


def resident(view: Callable) -> Callable:
    """Let a signed-in person whose lease has begun call the view."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        status = current_resident_status()
        if not status.is_active:
            return access_closed_page(status)
        return view(*args, **kwargs)

    return _mark(wrapper, RESIDENT)


def staff(*roles: str) -> Callable[[Callable], Callable]:
    """Let staff members with one of the roles (any staff role when none given) call the view."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.is_staff or (roles and current_user.staff_role not in roles):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapper, STAFF, roles)

    return decorate
