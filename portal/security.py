"""Security headers, response compression and the session's link to a person."""

import gzip
import unicodedata
from urllib.parse import urlsplit

import brotli
from flask import Flask, Response, abort, current_app, request
from peewee import JOIN

from portal.extensions import login_manager
from portal.i18n import lazy_gettext as _l
from portal.models import Person, ServiceTeam
from portal.prepared import prepared
from portal.services import company


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """Return the CSP; ``form_targets`` are other origins a form may lead to (bank ID)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            # The defect form previews the chosen photos from object URLs (blob:).
            "img-src 'self' data: blob:",
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


@prepared
def _active_person(person_id):
    # Every signed-in request runs this, so its SQL is built once; a staff member's team
    # comes along, since staff pages name it (a resident has none: it stays None).
    return (
        Person.select(Person, ServiceTeam)
        .join(ServiceTeam, JOIN.LEFT_OUTER, on=(Person.staff_team == ServiceTeam.id))
        .where((Person.id == person_id) & Person.is_active)
    )


@login_manager.user_loader
def load_person(session_id: str) -> Person | None:
    """Return the signed-in person, or None when the session belongs to an older login."""
    person_id, _, token = session_id.partition(":")
    if not person_id.isdigit() or not token:
        return None
    rows = _active_person(person_id=int(person_id))
    person = rows[0] if rows else None
    if person is None or person.session_token != token:
        return None
    return person


def preferred_encoding() -> str | None:
    """Brotli when the browser takes it (about a fifth smaller than gzip), else gzip."""
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compress(response: Response) -> None:
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in GZIP_TYPES
    ):
        return
    encoding = preferred_encoding()
    if encoding is None:
        return
    body = response.get_data()
    response.vary.add("Accept-Encoding")
    if len(body) < GZIP_MIN_BYTES:
        return
    # Moderate levels: brotli 5 and gzip 6 take a few tenths of a millisecond for a page.
    if encoding == "br":
        response.set_data(brotli.compress(body, quality=5))
    else:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = encoding


def _policy() -> str:
    """The policy, letting in the company's colours: the one inline style a page carries,
    by its hash (a page that cannot read the profile simply goes without)."""
    policy = current_app.config["CSP"]
    try:
        digest = company.theme_digest(company.current())
    except Exception:
        return policy
    return policy.replace("style-src 'self'", f"style-src 'self' '{digest}'", 1)


def add_headers(response: Response) -> Response:
    """Add the security headers; keep personal pages out of every cache."""
    # The names already set, read once: asking the headers for each name goes through all
    # of them every time.
    present = {name.lower() for name, _value in response.headers.items()}
    missing = [
        (name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present
    ]
    if "content-security-policy" not in present:
        is_page = response.mimetype == "text/html"
        missing.append(
            ("Content-Security-Policy", _policy() if is_page else current_app.config["CSP"])
        )
    # Dynamic pages carry a CSRF token or personal data: no cache may keep them.
    if "cache-control" not in present:
        missing.append(("Cache-Control", "no-store"))
    response.headers.extend(missing)
    _compress(response)
    return response


def has_control_character(text: str) -> bool:
    """Whether ``text`` has a character of Unicode's control category (C0, DEL, C1)."""
    return any(unicodedata.category(c) == "Cc" for c in text)


def refuse_control_characters():
    """No one types a NUL character; PostgreSQL cannot store one in text, and SQLite cuts
    text at it in places. A request carrying one is answered 400 before any form sees it.
    An uploaded file's name comes from a file picker, which never gives one with a control
    character (tab, newline, escape): such a name is made by hand and answered 400 too.
    Every value of a repeated field counts, not only the first."""
    if request.method in ("GET", "HEAD"):
        # A NUL reaches the arguments only as %00 (or raw): the query string tells at once,
        # without parsing it.
        query = request.query_string
        if b"\x00" in query or b"%00" in query:
            abort(400)
        return
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values = [value for _, value in request.form.items(multi=True)]
        filenames = [file.filename or "" for _, file in request.files.items(multi=True)]
    else:
        values = filenames = []
    for value in (*(value for _, value in request.args.items(multi=True)), *values):
        if "\x00" in value:
            abort(400)
    if any(has_control_character(name) for name in filenames):
        abort(400)


def init_app(app: Flask) -> None:
    # Choosing bank identification submits a form that redirects to the provider's origin,
    # which the form-action directive must allow.
    issuer = urlsplit(app.config.get("OIDC_ISSUER_URL", ""))
    targets = (f"{issuer.scheme}://{issuer.netloc}",) if issuer.netloc else ()
    app.config["CSP"] = content_security_policy(targets)
    login_manager.login_view = "auth.login"
    # Flask-Login's "basic" protection only marks a session as no longer fresh when the
    # browser's address or User-Agent changes, and nothing here asks for freshness: a weighty
    # change asks for the password again (sessions.recently_authenticated). It cost a hash
    # on every request and 140 bytes in every cookie, for nothing.
    login_manager.session_protection = None
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    app.before_request(refuse_control_characters)
    app.after_request(add_headers)
