"""What an attacker tries next: redirects to another site through every way the portal
redirects, and text that tries to become markup or htmx attributes on someone else's page."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from portal.models import DefectReport, Message, OutboxEmail, Token
from portal.web import is_safe_path
from tests.conftest import CUSTOMER_SERVICE, PASSWORD, RESIDENT, csrf_token, sign_in

SITE = "https://portal.example/"
# Ways to write "another site" that browsers accept and naive checks miss.
EVIL = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "\uff0f\uff0fevil.example",
    "//evil.example@portal.example",
    "/@evil.example",
    "evil.example",
    "",
]


def lands_on_this_site(location: str) -> bool:
    """Where a browser would go: tabs and newlines dropped, backslashes read as slashes."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").strip()
    cleaned = cleaned.replace("\\", "/")
    target = urlsplit(urljoin(SITE, cleaned))
    return target.scheme == "https" and target.netloc == "portal.example"


@pytest.mark.parametrize("target", EVIL)
def test_the_path_check_refuses_every_other_site(target):
    if is_safe_path(target):
        assert lands_on_this_site(target), target


@pytest.mark.parametrize("target", EVIL)
def test_sign_in_next_never_leads_away(client, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": RESIDENT, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert lands_on_this_site(response.headers["Location"])


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("target", EVIL)
def test_language_switch_never_leads_away(client, target, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        "/locale",
        data={"language": "sv", "next": target, "csrf_token": csrf_token(client, "/")},
        headers=headers,
    )
    location = response.headers.get("HX-Location") or response.headers["Location"]
    assert lands_on_this_site(location)
    assert "HX-Redirect" not in response.headers


def test_staff_sign_in_with_a_code_keeps_only_an_own_next(app):
    app.config["STAFF_TOTP_REQUIRED"] = True
    client = app.test_client()
    response = client.post(
        "/login",
        query_string={"next": "//evil.example"},
        data={"email": CUSTOMER_SERVICE, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/login/code"
    with client.session_transaction() as session:
        assert session["second_factor"]["next"] is None


# Text typed by one person and shown to others.
PAYLOAD = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
    '<div hx-get="/logout" hx-trigger="load">Klikkaa</div>{{ 7*7 }}'
)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside script elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.in_script = False
        self.script_text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.script_text += data


def assert_inert(html: str) -> None:
    parser = Elements()
    parser.feed(html)
    assert parser.script_text.strip() == ""  # scripts are files only (the CSP says so too)
    for tag, attrs in parser.tags:
        assert "onerror" not in attrs, tag
        assert attrs.get("hx-get") != "/logout", tag
        assert attrs.get("src") != "x", tag
    assert "&lt;script&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html


def test_typed_text_stays_text_for_staff_and_residents(app, login_as):
    client = login_as(RESIDENT)
    token = csrf_token(client, "/messages/new")
    sent = client.post(
        "/messages/new",
        data={"topic": "other", "subject": PAYLOAD[:150], "body": PAYLOAD, "csrf_token": token},
    )
    assert sent.status_code == 303
    thread_page = client.get(sent.headers["Location"]).text
    assert_inert(thread_page)
    token = csrf_token(client, "/defects/new")
    reported = client.post(
        "/defects/new",
        data={
            "location": "apartment",
            "category": "heating",
            "cannot_wait": "no",
            "description": PAYLOAD,
            "phone": "040 123 4567",
            "csrf_token": token,
        },
    )
    assert reported.status_code == 303
    assert_inert(client.get(reported.headers["Location"]).text)
    report = DefectReport.select().order_by(DefectReport.id.desc()).first()
    message = Message.select().order_by(Message.id.desc()).first()
    assert report.description == PAYLOAD and message.body == PAYLOAD  # stored as typed

    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    assert_inert(staff.get(f"/staff/defects/{report.id}").text)
    assert_inert(staff.get(f"/staff/messages/{message.thread_id}").text)
    queue = staff.get("/staff/messages/").text
    assert "<script>alert" not in queue and 'hx-get="/logout"' not in queue


CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


def _answer(response, email: str) -> tuple[int, str]:
    return response.status_code, CSRF_VALUE.sub("", response.text.replace(email, "EMAIL"))


def _verifications(monkeypatch) -> list[str]:
    """Record the parameters of every password hash verified from now on."""
    from argon2 import PasswordHasher, extract_parameters

    seen = []
    verify = PasswordHasher.verify

    def counted(hasher, stored, password):
        seen.append(str(extract_parameters(stored)))
        return verify(hasher, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return seen


def _work(queries: list[str]) -> list[str]:
    """The shape of the statements run: the SQL without its values."""
    return [re.sub(r"'[^']*'|\b\d+\b", "?", sql) for sql in queries]


def test_sign_in_does_not_tell_whether_an_account_exists(client, monkeypatch):
    token = csrf_token(client)
    english = {"Accept-Language": "en"}

    def attempt(email):
        data = {"email": email, "password": "Wrong-password-1", "csrf_token": token}
        return client.post("/login", data=data, headers=english)

    verified = _verifications(monkeypatch)
    known = attempt(RESIDENT)
    known_work = list(verified)
    verified.clear()
    unknown = attempt("nobody.here@example.fi")
    assert _answer(known, RESIDENT) == _answer(unknown, "nobody.here@example.fi")
    # The unknown address is checked against a stand-in hash made with the same parameters
    # as a real one, so it costs as much: one verification each. (The times themselves
    # are measured by the benchmark.)
    assert len(known_work) == 1
    assert verified == known_work


def test_password_reset_does_not_tell_whether_an_account_exists(client, queries):
    token = csrf_token(client, "/password/forgot")
    english = {"Accept-Language": "en"}

    def attempt(email):
        data = {"email": email, "csrf_token": token}
        return client.post("/password/forgot", data=data, headers=english)

    emails, tokens = OutboxEmail.select().count(), Token.select().count()
    queries.clear()
    known = attempt(RESIDENT)
    known_work = _work(queries)
    queries.clear()
    unknown = attempt("nobody.here@example.fi")
    unknown_work = _work(queries)
    assert known.status_code == 200
    assert _answer(known, RESIDENT) == _answer(unknown, "nobody.here@example.fi")
    # Only the real account got a link; the unknown address left nothing behind.
    assert OutboxEmail.select().count() == emails + 1
    assert Token.select().count() == tokens + 1
    assert not OutboxEmail.select().where(OutboxEmail.to_address.contains("nobody")).exists()
    # The unknown address goes through the same work (a token and an email written, then
    # rolled back), so its answer takes as long: the same statements, but for how the
    # transaction ends.
    assert any("INSERT" in sql for sql in known_work)
    ended = lambda work: [sql for sql in work if sql not in ("COMMIT", "ROLLBACK")]  # noqa: E731
    assert ended(unknown_work) == ended(known_work)


def test_a_nul_character_is_refused_before_anything_is_stored(login_as):
    client = login_as(RESIDENT)
    token = csrf_token(client, "/messages/new")
    before = Message.select().count()
    response = client.post(
        "/messages/new",
        data={"topic": "other", "subject": "Hei", "body": "Rivi\x00toinen", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "Something in the request was not right" in response.text
    assert Message.select().count() == before
    assert client.get("/defects/?page=1\x00").status_code == 400
    assert client.get("/defects/?page=1%00").status_code == 400
    assert client.head("/defects/?x=%00&page=1").status_code == 400
    assert client.get("/defects/?page=1%2500").status_code == 200
