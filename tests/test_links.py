"""Emailed links: the token comes in the query string, is handed to the session at once and
appears in no address after that (none the servers log, the browser keeps or a form posts
to); the links emailed before, with the token in the path, still work for their lifetime."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal import clock, links
from portal.models import Appointment, OutboxEmail, Person, Token
from portal.services import tokens
from tests import harness
from tests.conftest import PASSWORD, RESIDENT, csrf_token, use_language

NEW_EMAIL = "veikko.heinonen@example.fi"
NEW_PASSWORD = "Lumi-Sataa-Hiljaa-42"
GOOD_IBAN = "FI21 1234 5600 0007 85"
DEMO_VISIT = "/appointments/manage?t=demo-appointment-link"


def emailed_link(address: str, path: str) -> str:
    """Return the path and query of the link to ``path`` in the newest email to the address."""
    body = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == address)
        .order_by(OutboxEmail.id.desc())
        .get()
        .body_text
    )
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S*)", body)
    assert match, f"no {path} link in the email"
    return match.group(1)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


def open_link(client, link: str, page: str) -> str:
    """Open an emailed link: it answers 303 to the page's own address without the token;
    return that page's HTML."""
    response = client.get(link)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == page
    assert token_of(link) not in location
    assert "t=" not in location
    shown = client.get(location)
    assert shown.status_code == 200
    return shown.text


def assert_forms_carry_no_token(html: str, raw: str) -> None:
    forms = harness.forms_of(html)
    assert forms, "the page has no form"
    for form in forms:
        assert raw not in form["action"] and "t=" not in form["action"], form["action"]


def send(client, path: str, data: dict | None = None, page: str | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page or path)})


def register(client) -> str:
    assert send(client, "/register", {"email": NEW_EMAIL}).status_code == 200
    return emailed_link(NEW_EMAIL, "/register/confirm")


def test_the_confirmation_link_is_used_from_the_session(client):
    client.set_cookie("locale", "en")
    link = register(client)
    assert link.startswith("/register/confirm?t=")
    raw = token_of(link)
    page = open_link(client, link, "/register/confirm")
    assert "You are creating a username for veikko.heinonen@example.fi" in page
    assert_forms_carry_no_token(page, raw)
    response = send(client, "/register/confirm")
    assert response.status_code == 303 and response.headers["Location"] == "/identify"
    assert Token.get(Token.email == NEW_EMAIL).used_at is not None
    # Used up: the session forgot it, and the link opened again says so.
    assert client.get("/register/confirm").status_code == 400
    again = client.get(link, follow_redirects=True)
    assert again.status_code == 400
    assert "The link has already been used" in again.text


def test_the_reset_link_is_used_from_the_session(app, client):
    client.set_cookie("locale", "en")
    assert send(client, "/password/forgot", {"email": RESIDENT}).status_code == 200
    link = emailed_link(RESIDENT, "/password/reset")
    assert link.startswith("/password/reset?t=")
    raw = token_of(link)
    page = open_link(client, link, "/password/reset")
    assert "Choose a new password" in page and f"Username: {RESIDENT}" in page
    assert_forms_carry_no_token(page, raw)
    response = send(client, "/password/reset", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Sturenkatu 21 A 4" in client.get("/").text
    assert Token.get(Token.email == RESIDENT).used_at is not None
    again = app.test_client()
    again.set_cookie("locale", "en")
    refused = again.get(link, follow_redirects=True)
    assert refused.status_code == 400
    assert "The link has already been used" in refused.text


def test_the_bank_account_link_is_used_from_the_session(app, login_as):
    client = login_as(RESIDENT)
    send(client, "/profile/bank-account", {"bank-iban": GOOD_IBAN}, page="/profile")
    link = emailed_link(RESIDENT, "/profile/bank-account/confirm")
    assert link.startswith("/profile/bank-account/confirm?t=")
    raw = token_of(link)
    page = open_link(client, link, "/profile/bank-account/confirm")
    assert "Take the account FI •••• 0785 into use?" in page
    assert_forms_carry_no_token(page, raw)
    response = send(client, "/profile/bank-account/confirm")
    assert response.status_code == 303
    assert Person.get(Person.email == RESIDENT).iban == "FI2112345600000785"
    again = client.get(link, follow_redirects=True)
    assert again.status_code == 400
    assert "The link does not work" in again.text


def test_a_bank_account_link_opened_before_signing_in_works_after_it(app):
    """Signing in starts a fresh session: the link comes along in the sign-in's next address,
    whose query string no log keeps, and is handed over after it."""
    raw = tokens.issue(
        "bank_account",
        RESIDENT,
        datetime.timedelta(hours=24),
        person=Person.get(Person.email == RESIDENT),
        payload="FI2112345600000785",
    )
    client = app.test_client()
    response = client.get(f"/profile/bank-account/confirm?t={raw}")
    assert response.status_code == 302
    sign_in_page = response.headers["Location"]
    assert urlsplit(sign_in_page).path == "/login" and raw not in urlsplit(sign_in_page).path
    next_path = parse_qs(urlsplit(sign_in_page).query)["next"][0]
    token = csrf_token(client, sign_in_page)
    signed_in = client.post(
        sign_in_page,
        data={"email": RESIDENT, "password": PASSWORD, "csrf_token": token},
    )
    assert signed_in.headers["Location"] == next_path
    use_language(client, "en")
    page = open_link(client, next_path, "/profile/bank-account/confirm")
    assert "Take the account FI •••• 0785 into use?" in page


def test_the_visit_link_is_used_from_the_session(app, client):
    client.set_cookie("locale", "en")
    page = open_link(client, DEMO_VISIT, "/appointments/manage")
    assert "Your visit to customer service" in page and "Cancel the visit" in page
    assert_forms_carry_no_token(page, "demo-appointment-link")
    assert 'href="/appointments/manage?move=1"' in page
    # The page shows the link to keep (the visitor may have given no email address).
    assert "Keep this link" in page and "/appointments/manage?t=demo-appointment-link" in page
    moving = client.get("/appointments/manage?move=1").text
    assert_forms_carry_no_token(moving, "demo-appointment-link")
    target = re.findall(r'name="slot" value="([0-9T:-]+)"', moving)[-1]
    moved = send(client, "/appointments/manage/move", {"slot": target}, page="/appointments/")
    assert moved.status_code == 303 and moved.headers["Location"] == "/appointments/manage"
    visit = Appointment.get(Appointment.name == "Veikko Heinonen")
    assert visit.starts_at.strftime("%Y-%m-%dT%H:%M") == target
    assert emailed_link("veikko@example.fi", "/appointments/manage") == DEMO_VISIT
    cancelled = send(client, "/appointments/manage", page="/appointments/")
    assert cancelled.headers["Location"] == "/appointments/manage"
    assert Appointment.get_by_id(visit.id).status == Appointment.CANCELLED
    # A visit's link is not used up: opened again, it shows the cancellation, no buttons.
    again = app.test_client()
    again.set_cookie("locale", "en")
    shown = open_link(again, DEMO_VISIT, "/appointments/manage")
    assert "Cancelled." in shown and "Cancel the visit" not in shown


@pytest.mark.parametrize(
    ("who", "path", "status", "finnish"),
    [
        (None, "/register/confirm", 400, "Linkki ei ole kelvollinen"),
        (None, "/password/reset", 400, "Linkki ei ole kelvollinen"),
        (RESIDENT, "/profile/bank-account/confirm", 400, "Linkki ei toimi"),
        (None, "/appointments/manage", 404, "Sivua ei löytynyt"),
    ],
)
def test_the_page_without_an_opened_link_explains(app, login_as, who, path, status, finnish):
    """A fresh session has no link: the page says so in the person's language; sending its
    form changes nothing."""
    client = login_as(who, "fi") if who else app.test_client()
    if who is None:
        client.set_cookie("locale", "fi")
    response = client.get(path)
    assert response.status_code == status
    assert finnish in response.text
    sent = send(client, path, page="/")
    assert sent.status_code == status
    assert finnish in sent.text


def test_moving_without_an_opened_link_is_not_found(client):
    client.set_cookie("locale", "fi")
    slot = (clock.today() + datetime.timedelta(days=14)).isoformat() + "T10:00"
    response = send(client, "/appointments/manage/move", {"slot": slot}, page="/")
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.text
    assert Appointment.get(Appointment.name == "Veikko Heinonen").status == Appointment.BOOKED


@pytest.mark.parametrize(
    ("purpose", "old", "page", "shown"),
    [
        (Token.REGISTER, "/register/confirm/", "/register/confirm", "You are creating a username"),
        (Token.RESET, "/password/reset/", "/password/reset", "Choose a new password"),
    ],
)
def test_links_emailed_before_with_the_token_in_the_path_work_once(
    app, client, purpose, old, page, shown
):
    person = Person.get(Person.email == RESIDENT)
    raw = tokens.issue(purpose, RESIDENT, datetime.timedelta(hours=24), person=person)
    client.set_cookie("locale", "en")
    response = client.get(old + raw)
    assert response.status_code == 303
    assert response.headers["Location"] == page
    html = client.get(page).text
    assert shown in html
    assert_forms_carry_no_token(html, raw)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD} if purpose == Token.RESET else {}
    assert send(client, page, data).status_code == 303
    # In another browser (a new password signs the person in, in their own language).
    other = app.test_client()
    other.set_cookie("locale", "en")
    again = other.get(old + raw, follow_redirects=True)
    assert again.status_code == 400
    assert "The link has already been used" in again.text


def test_a_bank_account_link_emailed_before_works_once(login_as):
    client = login_as(RESIDENT)
    raw = tokens.issue(
        "bank_account",
        RESIDENT,
        datetime.timedelta(hours=24),
        person=Person.get(Person.email == RESIDENT),
        payload="FI2112345600000785",
    )
    response = client.get(f"/profile/bank-account/confirm/{raw}")
    assert response.headers["Location"] == "/profile/bank-account/confirm"
    assert "FI •••• 0785" in client.get("/profile/bank-account/confirm").text
    assert send(client, "/profile/bank-account/confirm").status_code == 303
    assert Person.get(Person.email == RESIDENT).iban == "FI2112345600000785"
    again = client.get(f"/profile/bank-account/confirm/{raw}", follow_redirects=True)
    assert again.status_code == 400 and "The link does not work" in again.text


def test_a_visit_link_emailed_before_still_opens_the_visit(client):
    client.set_cookie("locale", "fi")
    response = client.get("/appointments/manage/demo-appointment-link")
    assert response.status_code == 303
    assert response.headers["Location"] == "/appointments/manage"
    page = client.get("/appointments/manage").text
    assert "Peru käynti" in page
    assert "Tallenna tämä linkki" in page
    assert "/appointments/manage?t=demo-appointment-link" in page
    assert client.get("/appointments/manage/tampered-link", follow_redirects=True).status_code == (
        404
    )


@pytest.mark.parametrize(
    ("link", "page", "kind", "status"),
    [
        ("/password/reset?t={raw}", "/password/reset", links.RESET, 400),
        (DEMO_VISIT, "/appointments/manage", links.APPOINTMENT, 404),
    ],
)
def test_an_opened_link_is_kept_only_for_a_while(client, link, page, kind, status):
    """The session keeps the token for its kind's time after the link was opened, however
    long the token itself stays valid; opening the link again gives it more."""
    if "{raw}" in link:
        person = Person.get(Person.email == RESIDENT)
        raw = tokens.issue(Token.RESET, RESIDENT, datetime.timedelta(hours=24), person=person)
        link = link.format(raw=raw)
    client.set_cookie("locale", "en")
    assert client.get(link).headers["Location"] == page
    clock.advance(datetime.timedelta(minutes=kind.minutes - 1))
    assert client.get(page).status_code == 200
    clock.advance(datetime.timedelta(minutes=2))
    assert client.get(page).status_code == status
    assert client.get(link, follow_redirects=True).status_code == 200


def test_a_huge_token_is_explained_not_kept(client):
    client.set_cookie("locale", "en")
    response = client.get("/password/reset?t=" + "x" * 5000)
    assert response.status_code == 303
    assert len(response.headers.get("Set-Cookie", "")) < 1000
    page = client.get("/password/reset")
    assert page.status_code == 400 and "The link is not valid" in page.text


def test_other_query_values_stay_in_the_address(client):
    response = client.get("/appointments/manage?t=demo-appointment-link&move=1")
    assert response.headers["Location"] == "/appointments/manage?move=1"
