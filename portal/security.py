"""Security headers, response compression and the session's link to a person."""

import gzip
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l

from portal.extensions import login_manager
from portal.models import Person


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """Return the CSP; ``form_targets`` are other origins a form may lead to (bank ID)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'none'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
        ]
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
}
# Below this size compression costs more than it saves.
GZIP_MIN_BYTES = 500
GZIP_TYPES = ("text/html", "text/plain", "application/json", "text/calendar")


@login_manager.user_loader
def load_person(session_id: str) -> Person | None:
    """Return the signed-in person, or None when the session belongs to an older login."""
    person_id, _, token = session_id.partition(":")
    if not person_id.isdigit() or not token:
        return None
    person = Person.get_or_none((Person.id == int(person_id)) & Person.is_active)
    if person is None or person.session_token != token:
        return None
    return person


def _compress(response: Response) -> None:
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in GZIP_TYPES
        or "gzip" not in request.headers.get("Accept-Encoding", "")
    ):
        return
    body = response.get_data()
    response.vary.add("Accept-Encoding")
    if len(body) < GZIP_MIN_BYTES:
        return
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"


def add_headers(response: Response) -> Response:
    """Add the security headers; keep personal pages out of every cache."""
    response.headers.setdefault("Content-Security-Policy", current_app.config["CSP"])
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # Dynamic pages carry a CSRF token or personal data: no cache may keep them.
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    _compress(response)
    return response


def init_app(app: Flask) -> None:
    # Choosing bank identification submits a form that redirects to the provider's origin,
    # which the form-action directive must allow.
    issuer = urlsplit(app.config.get("OIDC_ISSUER_URL", ""))
    targets = (f"{issuer.scheme}://{issuer.netloc}",) if issuer.netloc else ()
    app.config["CSP"] = content_security_policy(targets)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    app.after_request(add_headers)
