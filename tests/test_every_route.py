"""Every route, as every kind of person: access, headers, CSRF, bad input, budgets, queries.

Routes come from the app's URL map, so a new page is checked from its first commit.
"""

import datetime
import gzip

import pytest
from werkzeug.datastructures import MultiDict

from portal import access
from portal.models import (
    Apartment,
    Building,
    DefectEvent,
    DefectReport,
    Lease,
    Person,
    Residency,
    ServiceTeam,
    db,
)
from tests import conftest, harness
from tests.harness import ALLOW, KIND_IDS, KINDS, LOGIN

HTML_BUDGET = 14 * 1024
PARTIAL_BUDGET = 4 * 1024
QUERY_BUDGET = 8
STATIC_CACHE = "public, max-age=31536000, immutable"
CSRF_REFUSAL = "The form had expired"

# Values that have broken web forms somewhere: empty, huge, wrong type, odd characters.
BAD_VALUES = [
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "\u202e\ufeff\u200b",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "../../../../etc/passwd",
    "🙂" * 500,
    "%(name)s {{ 7*7 }}",
]


def _check_headers(response, route, problems):
    where = f"{route.method} {route.endpoint}"
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{where}: Content-Security-Policy is {csp!r}")
    for name, value in [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]:
        if headers.get(name) != value:
            problems.append(f"{where}: {name} is {headers.get(name)!r}")
    cache = headers.get("Cache-Control", "")
    if route.endpoint == "static":
        if response.status_code == 200 and cache not in (STATIC_CACHE, "public, max-age=300"):
            problems.append(f"{where}: static Cache-Control is {cache!r}")
    elif "no-store" not in cache:
        problems.append(f"{where}: Cache-Control is {cache!r}, not no-store")
    for cookie in headers.getlist("Set-Cookie"):
        if "HttpOnly" not in cookie or "SameSite=Lax" not in cookie:
            problems.append(f"{where}: cookie without HttpOnly and SameSite=Lax: {cookie[:40]}")


def _call(app, kind, route, url, client):
    """Make the request as the kind of person; POSTs get a fresh session and a valid token."""
    if route.method == "GET":
        return client.get(url)
    fresh = harness.sign_in(app, kind)
    token = harness.csrf_token_of(fresh)
    return fresh.open(url, method=route.method, data={"csrf_token": token})


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_access_matrix_and_headers(app, kind):
    """Each endpoint answers each kind of person as the access table says, with safe headers."""
    client = harness.sign_in(app, kind)
    table = app.extensions["access_table"]
    problems = []
    for route in harness.routes(app):
        url = route.url(app, kind)
        foreign = route.url(app, kind, "foreign")
        assert url or foreign, f"{route.endpoint} needs sample arguments in harness.SAMPLES"
        promised = harness.expected(table.get(route.endpoint), kind)
        if url is None:
            if promised == ALLOW and _call(app, kind, route, foreign, client).status_code not in (
                403,
                404,
            ):
                problems.append(f"{route.method} {foreign}: another household's object opened")
            continue
        response = _call(app, kind, route, url, client)
        got = harness.outcome(response)
        if response.status_code >= 500:
            problems.append(f"{route.method} {url}: {response.status_code}")
        elif got != promised:
            problems.append(f"{route.method} {url}: {got} ({response.status_code}), not {promised}")
        elif promised == ALLOW and response.status_code == 404:
            problems.append(f"{route.method} {url}: 404 for the person's own object")
        _check_headers(response, route, problems)
        if promised == ALLOW and foreign and foreign != url:
            status = _call(app, kind, route, foreign, client).status_code
            if status not in (403, 404):
                problems.append(f"{route.method} {foreign}: another household's object: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_get_requests_never_change_the_database(app, kind):
    client = harness.sign_in(app, kind)
    before = harness.database_snapshot(db.obj)
    for route in harness.routes(app):
        url = route.url(app, kind) or route.url(app, kind, "foreign")
        if route.method == "GET":
            client.get(url)
            client.get(url, headers={"HX-Request": "true"})
    assert harness.database_snapshot(db.obj) == before


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_state_changes_need_a_csrf_token(app, kind):
    """Without a valid token every change is refused with the expired-form page."""
    client = harness.sign_in(app, kind)
    other = harness.sign_in(app, kind)
    foreign_token = harness.csrf_token_of(other)
    before = harness.database_snapshot(db.obj)
    problems = []
    for route in harness.routes(app):
        if route.method == "GET":
            continue
        url = route.url(app, kind) or route.url(app, kind, "foreign")
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": foreign_token}):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.open(url, method=route.method, data=data, headers=headers)
                if response.status_code != 400 or CSRF_REFUSAL not in response.text:
                    problems.append(f"{route.method} {url} {data} {headers}: not refused")
    assert not problems, "\n".join(problems)
    assert harness.database_snapshot(db.obj) == before


def _form_fields(app, kind, client):
    """Map each form's action path to the field names found on the pages this person sees."""
    fields: dict[str, set[str]] = {}
    for route in harness.routes(app):
        url = route.url(app, kind)
        if route.method != "GET" or route.endpoint == "static" or url is None:
            continue
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        for form in harness.forms_of(response.get_data(as_text=True)):
            path = form["action"].split("?")[0]
            fields.setdefault(path, set()).update(form["fields"])
    return fields


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS if k.name in ("visitor", "lease_party", "admin")],
    ids=lambda kind: kind.name,
)
def test_bad_input_never_breaks_a_form(app, kind):
    """Empty, huge, malformed and unexpected input gets a 4xx or a normal answer, never a 5xx."""
    fields = _form_fields(app, kind, harness.sign_in(app, kind))
    problems = []
    for route in harness.routes(app):
        if route.method == "GET" or route.endpoint == "auth.logout":
            continue
        url = route.url(app, kind) or route.url(app, kind, "foreign")
        names = [*sorted(fields.get(url, set())), "unexpected_field"]
        client = harness.sign_in(app, kind)
        token = harness.csrf_token_of(client)
        for value in BAD_VALUES:
            data = {name: value for name in names} | {"csrf_token": token}
            response = client.open(url, method=route.method, data=data)
            if response.status_code >= 500:
                problems.append(f"{route.method} {url} with {value[:20]!r}: {response.status_code}")
            repeated = MultiDict([(name, value) for name in names for _ in range(3)])
            repeated.add("csrf_token", token)
            response = client.open(url, method=route.method, data=repeated)
            if response.status_code >= 500:
                problems.append(f"{route.method} {url} with repeated fields: 5xx")
        for body, content_type in [
            (b"\xff\xfe garbage", "application/json"),
            (
                f"csrf_token={token}&".encode()
                + b"&".join(n.encode() + b"=%ff%fe%80" for n in names),
                "application/x-www-form-urlencoded",
            ),
        ]:
            response = client.open(url, method=route.method, data=body, content_type=content_type)
            if response.status_code >= 500:
                problems.append(f"{route.method} {url} with {content_type}: 5xx")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS if k.name in ("visitor", "lease_party", "customer_service", "admin")],
    ids=lambda kind: kind.name,
)
def test_error_summaries_follow_the_page(app, kind):
    """Each form sent empty: its error summary links to fields that exist, in the order the
    page shows them, so a person fixing the answers goes down the page once."""
    problems = []
    summaries = 0
    for route in harness.routes(app):
        if route.method == "GET" or route.endpoint == "auth.logout":
            continue
        url = route.url(app, kind) or route.url(app, kind, "foreign")
        client = harness.sign_in(app, kind)
        for headers in ({}, {"HX-Request": "true"}):
            data = {"csrf_token": harness.csrf_token_of(client)}
            response = client.open(url, method=route.method, data=data, headers=headers)
            if "form-errors" not in response.text:
                continue
            summaries += 1
            problems += [f"{url} {headers}: {p}" for p in harness.summary_problems(response.text)]
    assert summaries >= 5, "hardly any form answered an empty send with a summary"
    assert not problems, "\n".join(problems)


def test_every_request_form_sent_empty_summarises_in_page_order(app):
    """The service request forms are built from the catalog: each one, sent empty by a lease
    party, lists its wrong answers as links to fields on the page, in the page's order."""
    from portal.catalog import CATALOG

    kind = next(k for k in KINDS if k.name == "lease_party")
    client = harness.sign_in(app, kind)
    problems = []
    for key in CATALOG:
        url = f"/requests/new/{key}"
        page = client.get(url)
        assert page.status_code == 200, url
        data = {"csrf_token": harness.csrf_token_of(client)}
        response = client.post(url, data=data)
        if response.status_code not in (200, 422) or "form-errors" not in response.text:
            problems.append(f"{url}: empty send answered {response.status_code} without a summary")
            continue
        problems += [f"{url}: {p}" for p in harness.summary_problems(response.text)]
    assert not problems, "\n".join(problems)


def grow_data():
    """Add many rows of every kind the pages list, so per-row queries would show."""
    team = ServiceTeam.default()
    start = datetime.date(2020, 1, 1)
    for index in range(40):
        building = Building.create(
            name=f"Kasvutie {index}",
            street_address=f"Kasvutie {index}",
            postal_code="00100",
            city="Helsinki",
            team=team,
        )
        apartment = Apartment.create(building=building, number="A 1", rooms="2h+k", area=50)
        lease = Lease.create(
            number=f"G-{index}",
            apartment=apartment,
            start_date=start,
            rent=700,
            payment_reference=f"9{index:04d}",
        )
        Residency.create(
            lease=lease,
            first_name="Kasvu",
            last_name=f"Asukas{index}",
            role="lease_party",
            moved_in=start,
        )
    maintenance = Person.get(Person.staff_role == Person.MAINTENANCE)
    for lease in Lease.select().join(Residency).where(Residency.person.is_null(False)).distinct():
        apartment = lease.apartment
        for index in range(25):
            report = DefectReport.create(
                reference=f"G{lease.id}-{index}",
                building=apartment.building_id,
                apartment=apartment,
                lease=lease,
                location="apartment",
                category="heating",
                description="Patteri on kylmä.",
                status="done" if index % 2 else "received",
            )
            DefectEvent.create(report=report, author=maintenance, status="received")
            DefectEvent.create(report=report, author=maintenance, note="Käydään katsomassa.")
        for index in range(25):
            Residency.create(
                lease=lease,
                first_name=f"Lisä{index}",
                last_name="Asukas",
                role=Residency.OTHER_RESIDENT,
                moved_in=start,
            )


def _measure(app, kind, client, queries):
    figures = {}
    for route in harness.routes(app):
        url = route.url(app, kind)
        if route.method != "GET" or route.endpoint == "static" or url is None:
            continue
        queries.clear()
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        figures[url] = (len(queries), response)
    return figures


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_pages_within_budgets_and_queries_do_not_grow(app, kind, queries):
    """Each page in each language: sizes, page rules, queries; then again with more rows."""
    client = harness.sign_in(app, kind)
    problems = []
    for language in ("fi", "sv", "en"):
        if kind.email:
            conftest.use_language(client, language)
        else:
            client.set_cookie("locale", language)
        small = _measure(app, kind, client, queries)
        for url, (count, response) in small.items():
            where = f"{url} ({language})"
            html = gzip.decompress(response.data).decode()
            problems.extend(
                f"{where}: {problem}" for problem in harness.page_problems(html, language)
            )
            size = len(response.data)
            if response.headers.get("Content-Encoding") != "gzip" or size > HTML_BUDGET:
                problems.append(f"{where}: {size} bytes compressed (budget {HTML_BUDGET})")
            if count > QUERY_BUDGET:
                problems.append(f"{where}: {count} SQL queries (budget {QUERY_BUDGET})")
            partial = client.get(url, headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
            packed = partial.headers.get("Content-Encoding") == "gzip"
            body = gzip.decompress(partial.data) if packed else partial.data
            if b"<html" not in body and len(partial.data) > PARTIAL_BUDGET:
                problems.append(f"{where} partial: {len(partial.data)} bytes compressed")
    grow_data()
    large = _measure(app, kind, client, queries)
    for url, (count, _) in small.items():
        if large.get(url, (None,))[0] != count:
            problems.append(f"{url}: {count} queries, {large.get(url, (None,))[0]} with more rows")
    assert not problems, "\n".join(problems)


def test_rule_semantics_cover_every_rule_kind():
    kinds = {access.PUBLIC, access.SIGNED_IN, access.RESIDENT, access.LEASE_PARTY, access.STAFF}
    for rule_kind in kinds:
        outcomes = {harness.expected(access.Rule(rule_kind), kind) for kind in KINDS}
        assert ALLOW in outcomes
        if rule_kind != access.PUBLIC:
            assert LOGIN in outcomes


def test_shared_languages_leave_no_page_unchecked_in_any(app):
    """The plan shares the languages out without leaving any page unchecked in any."""
    plan = harness.share_languages(app)
    covered: dict[str, set[str]] = {}
    for (_kind, endpoint), languages in plan.items():
        covered.setdefault(endpoint, set()).update(languages)
    assert {"home.index", "not found", "staff.index"} <= covered.keys()
    assert all(languages == set(harness.LANGUAGES) for languages in covered.values()), covered
    # Shared out, not repeated: about one check per page and kind of person.
    assert sum(len(languages) for languages in plan.values()) < 1.2 * len(plan)
