"""Generated input against every form and every query parameter the pages read.

Hypothesis draws the values: dates out of any sensible range, blank or malformed; integers
past every column's range; long, unicode and control-character text; ISO weeks that do not
exist. Each form is sent as the person it is for, with a valid CSRF token and otherwise
sensible answers (the page's own, or plausible ones), so a bad value reaches as far into the
code as it can. Whatever comes back must be an answer a person can read: never a 5xx, and a
redirect only to a short address on this site that never carries what was typed unless it
was valid. The examples are derandomized: every run sends the same values.

The forms come from the pages each kind of person sees and the query parameters from the
views' source, so a new form or parameter is fuzzed from its first commit.
"""

import datetime
import html
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portal.views
from portal import access, catalog
from portal.forms import fields
from portal.models import Person, Residency
from tests import conftest, harness
from tests.harness import ALLOW, KINDS

# A redirect longer than this is refused by a proxy whose header buffer it overflows (nginx
# answers 502), and nothing the portal redirects to needs more.
LONGEST_LOCATION = 200

EXAMPLES_PER_FORM = 12
EXAMPLES_PER_QUERY = 25


def _view_routes() -> list[tuple[str, str, str]]:
    """Every (module, endpoint, method) of the views, read from the blueprints without an
    app, so that each endpoint is a test of its own when the tests are collected."""
    bare = Flask("routes")
    modules = {}
    for info in pkgutil.walk_packages(portal.views.__path__, "portal.views."):
        module = importlib.import_module(info.name)
        if hasattr(module, "bp"):
            bare.register_blueprint(module.bp)
            modules[module.bp.name] = info.name.removeprefix("portal.views.")
    found = []
    for rule in bare.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((modules[rule.endpoint.split(".")[0]], rule.endpoint, method))
    return sorted(found)


VIEW_ROUTES = _view_routes()

# Every catalog type with a date or a number: the harness samples one type, and these are
# where dates and numbers are asked.
TYPED_REQUESTS = sorted(
    key
    for key, entry in catalog.CATALOG.items()
    if any(spec.kind in (catalog.DATE, catalog.NUMBER, catalog.PEOPLE) for spec in entry.fields)
)
FORM_TARGETS = [
    *sorted({endpoint for _, endpoint, method in VIEW_ROUTES if method == "POST"}),
    *[f"requests.new:{key}" for key in TYPED_REQUESTS],
]

# What the views read from the query string: request.args.get("name") and the like, found in
# each module's source; pages that take an emailed link's token read links.PARAMETER too.
_READS = re.compile(r"""\b(?:request\.args|request\.values|args)\.get\(\s*["'](\w+)["']""")


def _query_parameters() -> dict[str, list[str]]:
    found = {}
    for module in sorted({module for module, _, _ in VIEW_ROUTES}):
        source = Path(portal.views.__path__[0], *module.split(".")).with_suffix(".py").read_text()
        names = set(_READS.findall(source))
        if "links.from_query(" in source:
            names.add("t")
        if names:
            found[module] = sorted(names)
    return found


QUERY_PARAMETERS = _query_parameters()


# The values. Each is drawn with whether a person could have meant it (a real date in the
# years the portal serves, a week that exists, a small whole number): only such a value may
# come back in a redirect's address.
@dataclass(frozen=True)
class Value:
    text: str
    valid: bool


def _valid(strategy):
    return strategy.map(lambda text: Value(text, True))


def _invalid(*texts):
    return st.sampled_from([Value(text, False) for text in texts])


SENSIBLE_DAYS = st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))
DATES = st.one_of(
    _valid(SENSIBLE_DAYS.map(datetime.date.isoformat)),
    _valid(SENSIBLE_DAYS.map(lambda day: f"{day.day}.{day.month}.{day.year}")),
    _invalid(
        "0000-01-01",
        "0001-01-01",
        "1899-12-31",
        "2101-01-01",
        "9999-12-31",
        "10000-01-01",
        "31.12.9999",
        "1.1.1",
        "0.0.0",
        "2027-02-30",
        "2027-13-01",
        "",
        " ",
        "yesterday",
        "2027-01-01T25:00",
    ),
)
DATETIMES = st.one_of(
    _valid(
        st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 12, 31)).map(
            lambda moment: moment.strftime("%Y-%m-%dT%H:%M")
        )
    ),
    _invalid(
        "0001-01-01T00:00",
        "1899-12-31T23:59",
        "2101-01-01T00:00",
        "9999-12-31T23:59",
        "10000-01-01T00:00",
        "",
        "2027-01-01T24:00",
    ),
)
INTEGERS = st.one_of(
    _valid(st.integers(0, 20).map(str)),
    _invalid(
        "-1",
        str(2**31),
        str(2**63),
        str(10**30),
        "",
        "abc",
        "1e3",
        "1.5",
        "0x10",
        "²",
        "١٢",
        "-0",
        "9" * 5000,
    ),
    st.integers(-(10**40), 10**40).map(lambda number: Value(str(number), False)),
)
WEEKS = st.one_of(
    _valid(SENSIBLE_DAYS.map(lambda day: "{}-W{:02d}".format(*day.isocalendar()[:2]))),
    _invalid(
        "9999-W52",
        "9999-W53",
        "0-W1",
        "0001-W01",
        "10000-W01",
        "2027-W00",
        "2027-W54",
        "-1-W1",
        "2027-W" + "9" * 40,
    ),
)
# Text without surrogates, which no browser can send; NUL and other control characters stay.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
JUNK = st.one_of(
    TEXT.map(lambda text: Value(text, False)),
    _invalid(
        "x" * 10_000,
        "ä" * 10_000,
        "\x00",
        "a\x00b",
        "\x1b[31m\x07\x08",
        "\r\nSet-Cookie: x=1",
        "\u202e\ufeff\u200b",
        "🙂" * 300,
        "/" + "x" * 10_000,
        "//evil.example",
        "%00%0d%0a",
    ),
)
ANY = st.one_of(DATES, INTEGERS, WEEKS, JUNK)


# Query parameters and hidden fields have no type on a page: these names say what they hold.
DAY_NAMES = {"day", "from", "to"}
NUMBER_NAMES = {"page", "before", "turn", "area", "team", "building"}


def values_for(spec: "FieldSpec"):
    """The values to try in a field: mostly of its kind, some of every other."""
    if spec.kind == "date" or spec.name in DAY_NAMES:
        return st.one_of(DATES, DATES, ANY)
    if spec.kind == "datetime-local":
        return st.one_of(DATETIMES, DATETIMES, ANY)
    if spec.kind == "number" or spec.name in NUMBER_NAMES:
        return st.one_of(INTEGERS, INTEGERS, ANY)
    if spec.name == "week":
        return st.one_of(WEEKS, WEEKS, ANY)
    return ANY


@dataclass
class FieldSpec:
    name: str
    kind: str  # the input's type, or "select", "textarea"
    default: str | None = None  # the value the page gives it, or its first choice


@dataclass
class FormSpec:
    action: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)


class FormReader(HTMLParser):
    """Read the forms of a page: their action and, per field, its type, value and choices."""

    def __init__(self):
        super().__init__()
        self.forms: list[FormSpec] = []
        self.links: list[str] = []
        self._select: FieldSpec | None = None
        self._textarea: FieldSpec | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "form":
            method = (attributes.get("method") or "get").lower()
            self.forms.append(FormSpec(attributes.get("action", "") if method == "post" else ""))
            return
        if not self.forms or not self.forms[-1].action:
            return
        fields = self.forms[-1].fields
        name = attributes.get("name")
        if tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            if "selected" in attributes or (self._select.default is None and value):
                self._select.default = value
        if not name or name == "csrf_token":
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            spec = fields.setdefault(name, FieldSpec(name, kind))
            value = attributes.get("value")
            if kind in ("radio", "checkbox"):
                if "checked" in attributes or spec.default is None:
                    spec.default = value or "y"
            elif spec.default is None:
                spec.default = value
        elif tag == "select":
            self._select = fields.setdefault(name, FieldSpec(name, "select"))
        elif tag == "textarea":
            self._textarea = fields.setdefault(name, FieldSpec(name, "textarea"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None and data.strip() and not self._textarea.default:
            self._textarea.default = data.strip()


def plausible(spec: FieldSpec) -> str:
    """A sensible answer for an empty field, so that the rest of the form lets a bad value
    through to wherever it is read."""
    if spec.default:
        return spec.default
    soon = conftest.START_DAY + datetime.timedelta(days=45)
    return {
        "date": soon.isoformat(),
        "datetime-local": f"{soon.isoformat()}T10:00",
        "email": "fuzz.testaaja@example.fi",
        "tel": "040 123 4567",
        "number": "2",
        "password": conftest.PASSWORD,
        "textarea": "Keittiön hana vuotaa tasaisesti.",
    }.get(spec.kind, "Testi Testinen")


# Which kind of person sends each form and opens each page: visitors the public ones,
# otherwise the first of these the access table lets in.
PREFERRED = [
    "lease_party",
    "admin",
    "customer_service",
    "maintenance",
    "asoy_staff",
    "other_resident",
    "neighbour",
    "asoy_resident",
    "agent",
]
_KIND = {kind.name: kind for kind in KINDS}


def kind_for(app, endpoint: str, url_of) -> tuple[harness.Kind, str] | None:
    """The kind of person to act as on an endpoint, and the URL they would call."""
    rule = app.extensions["access_table"].get(endpoint)
    names = ["visitor"] if rule is not None and rule.kind == access.PUBLIC else PREFERRED
    for name in names:
        kind = _KIND[name]
        if harness.expected(rule, kind) == ALLOW and (url := url_of(kind)):
            return kind, url
    return None


def _route(app, endpoint: str, method: str) -> harness.Route | None:
    """The app's route, if the app serves it (the development pages only in development)."""
    found = (r for r in harness.routes(app) if r.endpoint == endpoint and r.method == method)
    return next(found, None)


# Forms that no page shows in the demo's state (a free turn's button, once the household
# has its turns; the times to move a visit to; a decision on a finished repair), by what
# their view reads.
FORMS_NOT_ON_PAGES = {
    "bookings.request_sauna": {"turn": "hidden", "week": "hidden"},
    "appointments.move": {"slot": "datetime-local"},
    "defects.decision": {"choice": "text", "note": "textarea"},
    "accounts.check_new_password": {"password": "password"},
    "staff_appointments.cancel": {"message": "textarea"},
}


def extra_pages(kind: harness.Kind) -> list[str]:
    """Pages that show a form only for a chosen object: the register of a paper power of
    attorney, once staff have looked up the lease."""
    if kind.staff_role is None:
        return []
    lease = Residency.select().join(Person).where(Person.email == conftest.RESIDENT).get().lease
    return [f"/staff/mandates/register?lease={lease.number}"]


# Forms by kind of person, then by action path: read once per test process, since every
# test's database is a copy of the same demo database.
_FORMS: dict[str, dict[str, FormSpec]] = {}


def _read(client, url: str) -> FormReader | None:
    response = client.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def forms_of(app, kind: harness.Kind, client) -> dict[str, FormSpec]:
    """The forms on the pages this kind of person sees, and on the pages those link to with
    a query (a time to book, another week), by the path they post to."""
    if kind.name in _FORMS:
        return _FORMS[kind.name]
    forms: dict[str, FormSpec] = {}
    queue = [url for _endpoint, url in harness.pages(app, kind)] + extra_pages(kind)
    followed = set()
    while queue:
        url = queue.pop(0)
        reader = _read(client, url)
        if reader is None:
            continue
        for form in reader.forms:
            if form.action:
                forms.setdefault(urlsplit(form.action).path, form)
        for link in reader.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.query and not parts.netloc.strip() and parts.path not in followed:
                followed.add(parts.path)
                queue.append(target)
    _FORMS[kind.name] = forms
    return forms


def form_of(app, kind: harness.Kind, client, endpoint: str, url: str) -> FormSpec:
    """The form that posts to the URL: from the pages, from the URL's own page (a request
    type's form), or made from what its view reads."""
    path = urlsplit(url).path
    found = forms_of(app, kind, client).get(path)
    if found is None and (reader := _read(client, url)):
        found = next((f for f in reader.forms if urlsplit(f.action).path == path), None)
    if found is None:
        kinds = FORMS_NOT_ON_PAGES.get(endpoint, {"value": "text"})
        found = FormSpec(url, {name: FieldSpec(name, k) for name, k in kinds.items()})
    return found


def check_answer(response, sent: Value, problems: list, where: str, requested: str = ""):
    """What every answer must be: readable, and a redirect only to a short address on this
    site without the raw value."""
    status = response.status_code
    if status >= 500:
        problems.append(f"{where}: {status}")
        return
    if status not in (200, 204, 302, 303) and not 400 <= status < 500:
        problems.append(f"{where}: unexpected status {status}")
    for header in ("Location", "HX-Location"):
        location = response.headers.get(header)
        if location is None:
            continue
        parts = urlsplit(location)
        if parts.scheme or parts.netloc or not location.startswith("/"):
            problems.append(f"{where}: {header} leads away: {location[:80]!r}")
        if len(location) > LONGEST_LOCATION:
            problems.append(f"{where}: {header} of {len(location)} characters")
        # A link's page hands its token to the session and returns to the same address
        # without it: the address the person asked for, not a value copied into another.
        same_address = bool(requested) and _address(requested, "t") == _address(location)
        if not sent.valid and len(sent.text.strip()) >= 4 and not same_address:
            text = sent.text
            if any(form in location for form in {text, quote(text), quote_plus(text)}):
                problems.append(f"{where}: {header} carries the value: {location[:80]!r}")


def _address(url: str, leave_out: str = "") -> tuple[str, list]:
    """A URL's path and query values, to compare addresses however they were written."""
    parts = urlsplit(url)
    values = parse_qsl(parts.query, keep_blank_values=True)
    return parts.path, sorted((name, value) for name, value in values if name != leave_out)


def _fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def form_target(app, target: str):
    """Who sends a form target (an endpoint, or a request type's form), and to what URL."""
    endpoint, _, type_key = target.partition(":")
    route = _route(app, endpoint, "POST")
    if route is None:
        return None

    def url_of(kind):
        url = route.url(app, kind) or route.url(app, kind, "foreign")
        return url and (f"/requests/new/{type_key}" if type_key else url)

    return kind_for(app, endpoint, url_of)


# Values at and past the edges, sent to every date, time, number and hidden field before
# Hypothesis draws its own.
EDGES = {
    "date": ["0000-01-01", "0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "10000-01-01"],
    "datetime-local": ["0001-01-01T00:00", "1899-12-31T23:59", "9999-12-31T23:59"],
    "number": [str(2**31), str(2**63), str(10**30), "-1", "²", "9" * 5000],
    "hidden": ["9999-W52", "0001-W01", str(2**63), "²", "x" * 10_000],
}
BLANK = ["", " "]
# Dates that read as dates but are outside the years the portal accepts: refused with the
# range message.
OUT_OF_RANGE = {"0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "0001-01-01T00:00"}
OUT_OF_RANGE |= {"1899-12-31T23:59", "9999-12-31T23:59"}


def finnish(app, message) -> str:
    """A message of the portal as a Finnish speaker reads it on a page."""
    with app.test_request_context(), force_locale("fi"):
        text = str(message)
    with app.test_request_context(), force_locale("en"):
        assert text != str(message), f"no Finnish for {message!r}"
    return html.escape(text, quote=False)


def page_seen(client, response) -> str:
    """The page a person sees after sending a form: the form sent back, or where the
    redirect leads (with its flash message)."""
    location = response.headers.get("Location") or response.headers.get("HX-Location")
    if response.status_code in (204, 302, 303) and location:
        return client.get(location).get_data(as_text=True)
    return response.get_data(as_text=True)


def error_beside(page: str, name: str) -> str | None:
    """The error shown beside a field (or beside its list of rows), if any."""
    for field_id in (name, name.split("-")[0]):
        if match := re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', page):
            return match.group(1)
    return None


@pytest.mark.parametrize("target", FORM_TARGETS)
def test_generated_answers_never_break_a_form(app, target):
    """Each form, its answers sensible but one at a time at or past an edge, then drawn by
    Hypothesis: a readable answer, and for a bad date or number the form's own message in
    the person's language."""
    found = form_target(app, target)
    assert found, f"{target}: nobody may send it"
    kind, url = found
    client = harness.sign_in(app, kind, language="fi")
    form = form_of(app, kind, client, target.partition(":")[0], url)
    action = form.action if urlsplit(form.action).path == urlsplit(url).path else url
    token = harness.csrf_token_of(client)
    # A form with a prefix names its token after it.
    tokens = {name: token for name in form.fields if name.endswith("csrf_token")}
    specs = {name: spec for name, spec in form.fields.items() if name not in tokens}
    # A form that is only a button still gets something to parse: an unexpected field.
    specs = specs or {"value": FieldSpec("value", "text")}
    baseline = {name: plausible(spec) for name, spec in specs.items()} | tokens
    range_message = finnish(app, fields.DATE_RANGE_MESSAGE)
    problems: list[str] = []

    for name, spec in sorted(specs.items()):
        for text in EDGES.get(spec.kind, []) + BLANK:
            value = Value(text, False)
            answers = baseline | {name: text, "csrf_token": token}
            where = f"POST {action} {name}={text[:40]!r}"
            try:
                response = client.post(action, data=answers)
                check_answer(response, value, problems, where)
                if spec.kind == "hidden" or text in BLANK or response.status_code >= 500:
                    continue
                page = page_seen(client, response)
            # The app's exceptions reach the test client: each is listed with the rest, so
            # one run names every edge that fails.
            except Exception as error:
                problems.append(f"{where}: {type(error).__name__}: {str(error)[:100]}")
                continue
            beside = error_beside(page, name)
            # A row of a list (the people moving in) says it once for the list.
            in_row = re.search(r"-\d+-", name)
            if text in OUT_OF_RANGE and range_message not in page and not in_row:
                problems.append(f"{where}: no Finnish range message ({beside!r})")
            elif spec.kind == "number" and not beside:
                problems.append(f"{where}: {response.status_code} without a message beside it")

    # Dates, numbers and hidden values are where the code parses: they are drawn more often.
    names = sorted(specs) + 2 * sorted(
        name for name, spec in specs.items() if spec.kind in ("date", "number", "hidden")
    )

    @_fuzz_settings(EXAMPLES_PER_FORM)
    @given(data=st.data())
    def send(data):
        name = data.draw(st.sampled_from(names), label="field")
        value = data.draw(values_for(specs[name]), label="value")
        answers = baseline | {name: value.text, "csrf_token": token}
        htmx = data.draw(st.booleans(), label="htmx")
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(action, data=answers, headers=headers)
        check_answer(response, value, problems, f"POST {action} {name}={value.text[:40]!r}")

    send()
    assert not problems, "\n".join(sorted(set(problems))[:20])


# Sent to every parameter of a page at once, before Hypothesis draws: each parameter is read
# on its own, so one that breaks shows however the others are read.
QUERY_EDGES = [
    *("²", "١٢", str(2**31), str(2**63), str(10**30), "-1", "0", "9" * 5000),
    *("0001-01-01", "9999-12-31", "0001-W01", "9999-W52", "10000-W01", "2100-W53"),
    *("x" * 3000, "/" + "x" * 3000, "", " "),
]

GET_MODULES = sorted(
    module
    for module in QUERY_PARAMETERS
    if any(m == module and method == "GET" for m, _, method in VIEW_ROUTES)
)


@pytest.mark.parametrize("module", GET_MODULES)
def test_generated_query_strings_never_break_a_page(app, module):
    """Each page of a blueprint that reads the query string, with every parameter its views
    read at an edge at once, then with what Hypothesis draws: a readable answer."""
    names = QUERY_PARAMETERS[module]
    pages = []
    clients = {}
    for view_module, endpoint, method in VIEW_ROUTES:
        if view_module != module or method != "GET":
            continue
        route = _route(app, endpoint, "GET")
        found = route and kind_for(app, endpoint, lambda kind, route=route: route.url(app, kind))
        if found:
            pages.append((found[0], found[1]))
    assert pages, f"{module}: no page to open"
    problems: list[str] = []

    def open_page(kind, url, values: dict[str, Value], htmx: bool = False):
        if kind.name not in clients:
            clients[kind.name] = harness.sign_in(app, kind, language="fi")
        requested = f"{url}?{urlencode({name: value.text for name, value in values.items()})}"
        headers = {"HX-Request": "true"} if htmx else {}
        response = clients[kind.name].get(requested, headers=headers)
        for name, value in values.items():
            where = f"GET {url} {name}={value.text[:40]!r} (with {sorted(values)})"
            check_answer(response, value, problems, where, requested)

    for kind, url in pages:
        for text in QUERY_EDGES:
            try:
                open_page(kind, url, {name: Value(text, False) for name in names})
            # As with the forms' edges: each error listed, one run names them all.
            except Exception as error:
                problems.append(f"GET {url} all={text[:40]!r}: {type(error).__name__}: {error}")

    @_fuzz_settings(EXAMPLES_PER_QUERY)
    @given(data=st.data())
    def draw_and_open(data):
        kind, url = data.draw(st.sampled_from(pages), label="page")
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True), label="names")
        values = {
            name: data.draw(values_for(FieldSpec(name, "query")), label=name) for name in chosen
        }
        open_page(kind, url, values, htmx=data.draw(st.booleans(), label="htmx"))

    draw_and_open()
    assert not problems, "\n".join(sorted(set(problems))[:20])
