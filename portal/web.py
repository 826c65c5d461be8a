"""The render helper, safe redirects, error pages and per-request database handling."""

import errno
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from peewee import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.urls import iri_to_uri

from portal import catalog, clock, context
from portal.extensions import htmx
from portal.i18n import current_language
from portal.i18n import lazy_gettext as _l
from portal.models import ServiceTeam, db
from portal.services import buildings, company, hours, parking, residents

ERROR_TEXTS = {
    400: (_l("Something in the request was not right"), _l("Please go back and try again.")),
    403: (
        _l("You do not have access to this page"),
        _l("If you think you should, please contact customer service."),
    ),
    404: (
        _l("Page not found"),
        _l("The page may have moved, or the address may have a typo."),
    ),
    405: (_l("That did not work"), _l("Please go back and use the page's own buttons.")),
    413: (
        _l("The file is too large"),
        _l("Please choose a smaller file and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Please wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Please try again in a moment. If it keeps happening, contact customer service."),
    ),
}
CSRF_TEXTS = (
    _l("The form had expired"),
    _l(
        "For your security, forms expire after a while. "
        "Please go back, reload the page and try again."
    ),
)


def render(template: str, partial: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only the named block when htmx asks for a partial."""
    if not isinstance(status, int):
        # A template variable called "status" would otherwise become the HTTP status.
        raise TypeError(f"status must be an HTTP status code, not {status!r}")
    if partial and htmx and not htmx.boosted:
        html = render_block(template, partial, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def is_safe_path(target: str | None) -> bool:
    """Tell whether a redirect target is a path on this site (never another origin)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# The longest address the portal redirects to. Its own addresses are far shorter; a longer
# one was made from what someone typed or sent, and a proxy whose header buffer it overflows
# answers 502 (nginx) instead of the page.
LONGEST_REDIRECT = 200


def within_limit(target: str, fallback: str = "/") -> str:
    """The target as it is sent (non-ASCII quoted); if that is longer than LONGEST_REDIRECT,
    only its path, and if even that is, the fallback."""
    uri = iri_to_uri(target)
    if len(uri) <= LONGEST_REDIRECT:
        return uri
    path = iri_to_uri(urlsplit(target).path)
    return path if len(path) <= LONGEST_REDIRECT else fallback


def page_address() -> str:
    """Where the language switch returns to: this page's address. A page answering a form
    sent to an address that only takes forms (a refused sauna swap) came from the page the
    form was on, so the switch returns there rather than to an address that answers 405."""
    rule = request.url_rule
    if request.method == "GET" or (rule is not None and "GET" in (rule.methods or ())):
        return request.full_path if request.query_string else request.path
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host:
        target = came_from.path + (f"?{came_from.query}" if came_from.query else "")
        if is_safe_path(target):
            return target
    return "/"


def see_other(target: str, fallback: str = "/") -> Response:
    """Redirect after a successful change: 303 normally, HX-Location for htmx requests."""
    if not is_safe_path(target):
        target = fallback
    target = within_limit(target, fallback)
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Location"] = target
        return response
    return redirect(target, code=303)


def show_team(team: ServiceTeam | None) -> None:
    """Let this request's page name ``team``'s contacts wherever it names a team's (the
    footer too): a visitor's page about the building they chose is answered by its team."""
    g.page_team = team


def logo_src() -> str | None:
    """Where the page's logo comes from: inside the page when small, else its own address."""
    profile = company.current()
    if profile is None or not profile.logo_type:
        return None
    return company.inline_logo(profile) or url_for("public.logo", v=company.version(profile))


def page_status():
    """Where the resident this page is for stands in the housing register: the status the
    access check found (for an agent, the grantor's), else the signed-in resident's own;
    None for a visitor or staff."""
    state = context.request_globals()
    status = state.get("resident_status")
    if status is None:
        me = context.person()
        if me.is_authenticated and not me.is_staff:
            # Pages open to anyone signed in (the profile, the powers of attorney, an error
            # page) never asked where the person lives; the layout asks once, so that it
            # names the team of their home, and its incidents, there as well.
            if "own_status" not in state:
                state.own_status = residents.resident_status(me)
            status = state.own_status
    return status


def footer_team() -> ServiceTeam | None:
    """Return the service team whose contacts this request's page shows: the team of the
    building the page is about, else the signed-in resident's home's, else the staff
    member's own, else the team that answers visitors."""
    state = context.request_globals()
    if "page_team" in state:
        return state.page_team
    status = page_status()
    if status is not None and status.residency is not None:
        return status.residency.lease.apartment.building.team
    me = context.person()
    if me.is_authenticated and me.staff_team_id:
        # From the list of every team (its SQL built once) rather than by the person's
        # foreign key, which peewee would turn into SQL anew on every staff page.
        own = me.staff_team_id
        return next((team for team in _visitor_teams() if team.id == own), None)
    return next((team for team in _visitor_teams() if team.is_default), None)


def _visitor_teams() -> list[ServiceTeam]:
    """Every team, the default first, read once per request (a visitor's pages, the staff's
    footer)."""
    if "visitor_teams" not in g:
        g.visitor_teams = buildings.teams_for_visitors()
    return g.visitor_teams


def answering_teams() -> list[ServiceTeam]:
    """Every team that answers some building, for a visitor who has not said where they
    live: each team's number is shown under its name, none as if it were everyone's."""
    return [team for team in _visitor_teams() if team.answers_buildings]


def urgent_lines(moment=None) -> tuple[tuple[str, str, bool], ...]:
    """For each team that answers some building: its name in this request's language, the
    number that answers its urgent matters at ``moment`` (now when None), and whether that
    is customer service (else the on-call service)."""
    language = current_language()
    lines = []
    for team in answering_teams():
        contact = hours.urgent_contact(team, moment)
        lines.append((team.name(language), contact.phone, contact.office_open))
    return tuple(lines)


def catalog_text(text) -> str:
    """A request catalog text in the current language with the numbers it names filled in
    from the team of this page (the household's, for the resident's request pages)."""
    return catalog.with_numbers(text, hours.team_numbers(footer_team(), str(get_locale())))


def _error_page(status: int, title, message) -> Response:
    if htmx:
        return make_response(
            render_template("errors/_error.html", title=title, message=message), status
        )
    return render("errors/error.html", status=status, title=title, message=message)


def handle_http_error(error: HTTPException) -> Response:
    """Answer every HTTP error, and every unexpected one (Flask logs those first), calmly."""
    status = error.code or 500
    title, message = ERROR_TEXTS.get(status, ERROR_TEXTS[400] if status < 500 else ERROR_TEXTS[500])
    response = _error_page(status, title, message)
    if status == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf_error(error: CSRFError) -> Response:
    return _error_page(400, *CSRF_TEXTS)


BUSY_TEXTS = (
    _l("The service is busy right now"),
    _l("Nothing was lost. Please wait a moment and send the form again."),
)


def handle_database_busy(error: OperationalError) -> Response:
    """A write that waited for the database longer than its timeout (SQLite's lock, a
    PostgreSQL lock timeout) answers 503 with a word to try again; any other database
    error is a real fault and goes on to the 500 page."""
    if "disk is full" in str(error):
        current_app.logger.error("Database storage full: %s", error)
        return _error_page(503, *STORAGE_TEXTS)
    if "locked" not in str(error) and "lock timeout" not in str(error):
        raise error
    # The transaction was rolled back as the error left it: nothing half-saved remains.
    response = _error_page(503, *BUSY_TEXTS)
    response.headers["Retry-After"] = "5"
    return response


STORAGE_TEXTS = (
    _l("We could not save this just now"),
    _l(
        "Nothing was saved. Please try again in a little while; if it keeps happening, "
        "contact customer service."
    ),
)
# A full disk or quota, or storage gone read-only: the server's trouble, not the person's.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def handle_storage_full(error: OSError) -> Response:
    """Files are written before their rows, and removed again when anything fails: when the
    disk is full the person gets a 503 with nothing half-saved, not a 500."""
    if error.errno not in STORAGE_ERRNOS:
        raise error
    current_app.logger.error("Storage full or read-only: %s", error.strerror)
    return _error_page(503, *STORAGE_TEXTS)


def close_database(exc: BaseException | None) -> None:
    if not db.is_closed():
        db.close()


def has_endpoint(name: str) -> bool:
    """Tell templates whether a feature's page exists, so they never link to a missing one."""
    return name in current_app.view_functions


# Ids are PostgreSQL integers. A larger number is no object of ours, and SQLite cannot even
# bind one past 2**63: such an address is not found, as any other unknown id.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in the portal's routes: a whole number from 0 to LARGEST_ID."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def _per_root(key: tuple, make: Callable):
    """What ``make()`` gives for this request's address root, made once per root and key."""
    request_context = context.request_context()
    kept = request_context.app.extensions["plain_urls"]
    full_key = (request_context.request.script_root, *key)
    made = kept.get(full_key)
    if made is None:
        made = kept[full_key] = make()
    return made


def page_url_for(endpoint: str, **values) -> str:
    """``url_for`` for templates: the address of a page that takes no values is the same
    on every request with the same root, so each is built once and kept (a dashboard links
    to a dozen such pages, 5 µs each). Any other call is url_for's own."""
    if values or endpoint.startswith("."):
        return url_for(endpoint, **values)
    return _per_root((endpoint,), lambda: url_for(endpoint))


def id_url(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """A function giving ``url_for(endpoint, **values)`` with ``name`` set to an id: a list
    builds its links' address once, with a mark where the id goes, not once per line
    (url_for takes 5 µs: a queue of fifty lines spent a quarter of a millisecond on it).
    Without other values the function is made once per address root, as a plain page's
    address is (the start page makes three)."""
    if values:
        return _id_url(endpoint, name, **values)
    return _per_root((endpoint, name), lambda: _id_url(endpoint, name))


def _id_url(endpoint: str, name: str, **values) -> Callable[[int], str]:
    mark = str(LARGEST_ID)
    address = url_for(endpoint, **values, **{name: LARGEST_ID})
    if address.count(mark) != 1:
        return lambda key: url_for(endpoint, **values, **{name: key})
    before, _, after = address.partition(mark)
    return lambda key: f"{before}{int(key)}{after}"


def id_from(text: str | None) -> int | None:
    """Read an object's id from a form or the query string: None unless it is one."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


def init_app(app: Flask) -> None:
    # Before any blueprint adds its routes, which take their converters when added.
    app.url_map.converters["int"] = IdConverter
    app.teardown_appcontext(close_database)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_busy)
    app.register_error_handler(OSError, handle_storage_full)
    app.extensions["plain_urls"] = {}
    app.jinja_env.globals.update(
        url_for=page_url_for,
        page_address=page_address,
        id_url=id_url,
        footer_team=footer_team,
        urgent_lines=urgent_lines,
        catalog_text=catalog_text,
        company=company.current,
        company_version=lambda: company.version(company.current()),
        has_endpoint=has_endpoint,
        urgent_contact=hours.urgent_contact,
        describe_hours=lambda spec: hours.describe_hours(spec, str(get_locale())),
        tel_uri=hours.tel_uri,
        now_utc=clock.now,
        parking_kinds=parking.KIND_LABELS,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
