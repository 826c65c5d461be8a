"""Registration, identification and passwords, with a real SMTP server and OIDC provider."""

import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from portal import clock
from portal.models import AuditEntry, Mandate, OutboxEmail, Person, Residency, Token, utcnow
from portal.services import mail, tokens
from tests.conftest import (
    ASOY_STAFF,
    CSRF_RE,
    CUSTOMER_SERVICE,
    PASSWORD,
    RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)

NEW_EMAIL = "veikko.heinonen@example.fi"
NEW_PASSWORD = "Lumi-Sataa-Hiljaa-42"


@pytest.fixture
def app_settings(smtp_server, identity_provider):
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server.port,
        "SMTP_TIMEOUT": 2,
        "OIDC_ISSUER_URL": identity_provider,
        "OIDC_CLIENT_SECRET": "test-client-secret",
        "PUBLIC_URL": "http://portal.test",
    }


def deliver(app):
    """Do what the mail worker does: send every due message."""
    return mail.deliver_due(mail.SmtpSettings.from_config(app.config))


def post_form(client, path, data, page=None):
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def register_and_confirm(app, client, smtp_server, email=NEW_EMAIL):
    response = post_form(client, "/register", {"email": email})
    assert response.status_code == 200
    deliver(app)
    link = smtp_server.link(email, "/register/confirm?t=")
    opened = client.get(link)
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/register/confirm"
    page = client.get("/register/confirm")
    assert page.status_code == 200
    response = post_form(client, "/register/confirm", {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/identify"
    return link


def identify_at_bank(client, subject, tamper=None):
    """Choose bank identification, pick the person at the provider and come back."""
    response = post_form(client, "/identify", {"method": "bank"})
    assert response.status_code == 302, response.text
    authorize = response.headers["Location"]
    if tamper:
        parts = urlsplit(authorize)
        query = dict(parse_qsl(parts.query))
        query.update(tamper)
        authorize = urlunsplit(parts._replace(query=urlencode(query)))
    answer = requests.post(authorize, data={"sub": subject}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == "/identify/callback"
    return client.get(f"{callback.path}?{callback.query}")


def test_registration_with_bank_identification(app, client, smtp_server):
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    message = smtp_server.last_to(NEW_EMAIL)
    assert message["Subject"] == "Confirm your email address for the Resident Portal"
    assert "valid for 24 hours" in smtp_server.text(message)
    assert message.get_body(preferencelist=("html",)) is not None

    response = identify_at_bank(client, "veikko.heinonen")
    assert response.status_code == 303
    assert response.headers["Location"] == "/register/password"
    page = client.get("/register/password").text
    assert "Username: veikko.heinonen@example.fi" in page

    weak = post_form(client, "/register/password", {"password": "lyhyt", "confirm": "lyhyt"})
    assert weak.status_code == 422
    assert "At least 10 characters" in weak.text
    response = post_form(
        client, "/register/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 303
    dashboard = client.get("/").text
    assert "Hello, Veikko" in dashboard
    assert "Sturenkatu 21 A 1" in dashboard

    person = Person.get(Person.email == NEW_EMAIL)
    assert person.identification_method == Person.BANK
    assert person.identity_hash and len(person.identity_hash) == 64
    assert person.password_hash.startswith("$argon2")
    assert Residency.get(Residency.first_name == "Veikko").person_id == person.id
    assert Token.get(Token.email == NEW_EMAIL).used_at is not None
    assert AuditEntry.select().where(AuditEntry.action == "identified").count() == 1
    # No identity code anywhere in the database, only its keyed hash.
    assert not Person.select().where(Person.identity_hash.contains("-9")).exists()


def test_known_and_unknown_email_get_the_same_page(app, client, smtp_server):
    client.set_cookie("locale", "en")
    pages = []
    for email in (RESIDENT, NEW_EMAIL):
        response = post_form(client, "/register", {"email": email})
        assert response.status_code == 200
        pages.append(response.text.replace(email, "EMAIL").split('name="csrf_token"')[0])
    assert pages[0] == pages[1]
    deliver(app)
    known = smtp_server.last_to(RESIDENT)
    # In the recipient's own language (Aino's profile says Finnish), not the visitor's.
    assert known["Subject"] == "Sinulla on jo Asukasportaalin käyttäjätunnus"
    assert "/password/forgot" in smtp_server.text(known)
    assert "/register/confirm?t=" in smtp_server.text(smtp_server.last_to(NEW_EMAIL))
    assert not Token.select().where(Token.email == RESIDENT).exists()


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (datetime.timedelta(hours=23, minutes=59), "Confirm your email address"),
        (datetime.timedelta(hours=24, minutes=1), "The link has expired"),
    ],
)
def test_confirmation_link_lives_24_hours(client, age, expected):
    raw = tokens.issue(Token.REGISTER, NEW_EMAIL, datetime.timedelta(hours=24), now=utcnow() - age)
    client.set_cookie("locale", "en")
    response = client.get(f"/register/confirm?t={raw}", follow_redirects=True)
    assert expected in response.text
    assert response.status_code == (200 if "Confirm" in expected else 400)


def test_used_and_tampered_links_are_refused(app, client, smtp_server):
    client.set_cookie("locale", "en")
    link = register_and_confirm(app, client, smtp_server)
    again = client.get(link, follow_redirects=True)
    assert again.status_code == 400
    assert "The link has already been used" in again.text
    tampered = client.get(
        link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"), follow_redirects=True
    )
    assert tampered.status_code == 400
    assert "The link is not valid" in tampered.text


def test_opening_the_link_does_not_use_it(app, client, smtp_server):
    post_form(client, "/register", {"email": NEW_EMAIL})
    deliver(app)
    link = smtp_server.link(NEW_EMAIL, "/register/confirm?t=")
    for _ in range(3):
        assert client.get(link, follow_redirects=True).status_code == 200
    assert Token.get(Token.email == NEW_EMAIL).used_at is None


def test_identity_that_matches_nobody_is_explained(app, client, smtp_server):
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    response = identify_at_bank(client, "stranger")
    assert response.status_code == 403
    assert "We could not find you in our housing register" in response.text
    assert not Person.select().where(Person.email == NEW_EMAIL).exists()


@pytest.mark.parametrize(
    "tamper",
    [{"nonce": "forged-nonce"}, {"client_id": "another-client"}, {"state": "forged-state"}],
    ids=["wrong-nonce", "wrong-audience", "wrong-state"],
)
def test_untrustworthy_identification_is_refused(app, client, smtp_server, tamper):
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    response = identify_at_bank(client, "veikko.heinonen", tamper=tamper)
    assert response.status_code == 400
    assert "Identification did not succeed" in response.text
    assert not Person.select().where(Person.email == NEW_EMAIL).exists()


def test_expired_id_token_is_refused(tmp_path, database_url, smtp_server):
    from oidc_provider_mock import run_server_in_thread

    from portal import create_app
    from tests.conftest import identity_provider_users, test_settings

    with run_server_in_thread(
        port=0,
        access_token_max_age=datetime.timedelta(minutes=-10),
        user_claims=identity_provider_users(),
    ) as server:
        app = create_app(
            test_settings(
                tmp_path,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=smtp_server.port,
                OIDC_ISSUER_URL=f"http://localhost:{server.server_port}",
                OIDC_CLIENT_SECRET="s",
                PUBLIC_URL="http://portal.test",
            )
        )
        client = app.test_client()
        client.set_cookie("locale", "en")
        register_and_confirm(app, client, smtp_server)
        response = identify_at_bank(client, "veikko.heinonen")
    assert response.status_code == 400
    assert "Identification did not succeed" in response.text
    assert not Person.select().where(Person.email == NEW_EMAIL).exists()


def test_pkce_and_nonce_are_sent_to_the_provider(app, client, smtp_server):
    register_and_confirm(app, client, smtp_server)
    response = post_form(client, "/identify", {"method": "bank"})
    query = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert query["nonce"] and query["state"]
    assert query["redirect_uri"] == "http://portal.test/identify/callback"


def test_callback_without_a_journey_is_refused(client):
    client.set_cookie("locale", "en")
    response = client.get("/identify/callback?code=x&state=y")
    assert response.status_code == 400
    assert "Your registration had expired" in response.text


def test_email_waits_in_the_outbox_while_smtp_is_down(app, client, smtp_server):
    smtp_server.stop()
    response = post_form(client, "/register", {"email": NEW_EMAIL})
    assert response.status_code == 200
    assert deliver(app) == (0, 1)
    queued = OutboxEmail.get(OutboxEmail.to_address == NEW_EMAIL)
    assert queued.status == OutboxEmail.QUEUED
    assert queued.attempts == 1
    assert queued.last_error
    # Not retried before its pause is over; delivered once the server is back.
    smtp_server.start()
    assert deliver(app) == (0, 0)
    later = utcnow() + datetime.timedelta(minutes=2)
    assert mail.deliver_due(mail.SmtpSettings.from_config(app.config), now=later) == (1, 0)
    assert OutboxEmail.get_by_id(queued.id).status == OutboxEmail.SENT
    assert smtp_server.link(NEW_EMAIL, "/register/confirm?t=")


def test_message_fails_for_good_after_many_attempts(app, client, smtp_server):
    smtp_server.stop()
    post_form(client, "/register", {"email": NEW_EMAIL})
    moment = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        mail.deliver_due(mail.SmtpSettings.from_config(app.config), now=moment)
        moment += datetime.timedelta(hours=7)
    row = OutboxEmail.get(OutboxEmail.to_address == NEW_EMAIL)
    assert (row.status, row.attempts) == (OutboxEmail.FAILED, mail.MAX_ATTEMPTS)
    smtp_server.start()


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Lyhyt-1a", "At least 10 characters"),
        ("pienet-kirjaimet-1", "An upper-case letter"),
        ("ISOT-KIRJAIMET-1", "A lower-case letter"),
        ("Ei-Numeroita-Lainkaan", "A number"),
        ("EiErikoismerkkeja123", "A special character"),
        ("Password123!", "Not a common or easily guessed password"),
        ("Veikko-Asuu-Tassa-1", "Does not contain your name or email address"),
    ],
)
def test_each_password_rule_is_enforced(app, client, smtp_server, password, rule):
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    identify_at_bank(client, "veikko.heinonen")
    response = post_form(client, "/register/password", {"password": password, "confirm": password})
    assert response.status_code == 422
    assert rule.lower() in response.text.lower()
    assert Person.get(Person.email == NEW_EMAIL).password_hash is None


def test_password_rules_react_as_typed(app, client, smtp_server):
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    identify_at_bank(client, "veikko.heinonen")
    token = csrf_token(client, "/register/password")
    fragment = client.post(
        "/password/check",
        data={"password": "veikkoABC", "csrf_token": token},
        headers={"HX-Request": "true"},
    ).text
    assert "<html" not in fragment
    assert '<li class="ok"><span aria-hidden="true">✓</span> An upper-case letter' in fragment
    assert '<li class="no"><span aria-hidden="true">✗</span> A number' in fragment
    assert 'Does not contain your name or email address<span class="vh">: not met yet' in fragment


def test_existing_username_identifies_at_first_sign_in(app, client):
    client.set_cookie("locale", "en")
    response = sign_in(client, "matti.koskinen@example.fi")
    assert response.headers["Location"] == "/identify"
    assert "Vääksyntie 6 B 9" not in client.get("/").text
    response = identify_at_bank(client, "matti.koskinen")
    assert response.status_code == 303
    assert "Vääksyntie 6 B 9" in client.get("/").text
    assert Person.get(Person.email == "matti.koskinen@example.fi").identified_at is not None


def test_existing_username_cannot_take_someone_elses_identity(app, client):
    client.set_cookie("locale", "en")
    sign_in(client, "matti.koskinen@example.fi")
    response = identify_at_bank(client, "stranger")
    assert response.status_code == 403
    assert Person.get(Person.email == "matti.koskinen@example.fi").identified_at is None


def test_identification_at_the_office(app, client, smtp_server, login_as):
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    staff.set_cookie("locale", "en")
    found = staff.get("/staff/identification?q=heinonen").text
    residency = Residency.get(Residency.first_name == "Veikko")
    assert f"/staff/identification/{residency.id}" in found

    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server)
    pending = post_form(client, "/identify", {"method": "office"})
    assert pending.status_code == 409
    assert "We have no identification for you yet" in pending.text

    path = f"/staff/identification/{residency.id}"
    unchecked = post_form(staff, path, {"email": NEW_EMAIL})
    assert unchecked.status_code == 422
    recorded = post_form(staff, path, {"email": NEW_EMAIL, "document_checked": "y"})
    assert recorded.status_code == 303
    entry = AuditEntry.get(AuditEntry.action == "identified")
    assert entry.actor.email == CUSTOMER_SERVICE and entry.detail == Person.OFFICE

    response = post_form(client, "/identify", {"method": "office"})
    assert response.headers["Location"] == "/register/password"
    post_form(client, "/register/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Sturenkatu 21 A 1" in client.get("/").text


def test_asoy_staff_cannot_identify_residents_of_other_buildings(app):
    staff = app.test_client()
    sign_in(staff, ASOY_STAFF)
    veikko = Residency.get(Residency.first_name == "Veikko")
    assert staff.get(f"/staff/identification/{veikko.id}").status_code == 404
    assert "Heinonen" not in staff.get("/staff/identification?q=heinonen").text
    hanna = Residency.get(Residency.first_name == "Hanna")
    assert staff.get(f"/staff/identification/{hanna.id}").status_code == 200


def test_forgotten_password_and_reset(app, client, smtp_server):
    client.set_cookie("locale", "en")
    other_device = app.test_client()
    sign_in(other_device, RESIDENT)
    assert "Sturenkatu 21 A 4" in other_device.get("/").text

    pages = []
    for email in (RESIDENT, "nobody@example.fi"):
        response = post_form(client, "/password/forgot", {"email": email})
        assert response.status_code == 200
        pages.append(response.text.replace(email, "EMAIL").split('name="csrf_token"')[0])
    assert pages[0] == pages[1]
    deliver(app)
    assert [m["To"] for m in smtp_server.messages] == [RESIDENT]

    link = smtp_server.link(RESIDENT, "/password/reset?t=")
    assert client.get(link).headers["Location"] == "/password/reset"
    response = post_form(
        client, "/password/reset", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert "Sturenkatu 21 A 4" in client.get("/").text
    # The other device's session has ended; the old password no longer works.
    assert "Sturenkatu 21 A 4" not in other_device.get("/").text
    assert sign_in(app.test_client(), RESIDENT, PASSWORD).status_code == 422
    assert sign_in(app.test_client(), RESIDENT, NEW_PASSWORD).status_code == 303
    deliver(app)
    assert smtp_server.last_to(RESIDENT)["Subject"] == "Asukasportaalin salasanasi on vaihdettu"
    again = client.get(link, follow_redirects=True)
    assert again.status_code == 400
    assert "Linkki on jo käytetty" in again.text  # Aino reads the portal in Finnish


def test_dev_outbox_is_absent_when_smtp_is_configured(client):
    assert client.get("/dev/outbox").status_code == 404


def test_emails_are_written_in_the_senders_language(app, client, smtp_server):
    client.set_cookie("locale", "sv")
    post_form(client, "/register", {"email": NEW_EMAIL})
    deliver(app)
    message = smtp_server.last_to(NEW_EMAIL)
    assert message["Content-Language"] == "sv"
    assert "Invånarportalen" in message["Subject"]


def test_links_use_the_configured_address_not_the_host_header(app, smtp_server):
    client = app.test_client()
    page = client.get("/register", base_url="http://evil.example").text
    token = CSRF_RE.search(page).group(1)
    client.post(
        "/register",
        data={"email": NEW_EMAIL, "csrf_token": token},
        base_url="http://evil.example",
    )
    deliver(app)
    text = smtp_server.text(smtp_server.last_to(NEW_EMAIL))
    assert "http://portal.test/register/confirm?t=" in text
    assert "evil.example" not in text


def test_staff_see_email_that_has_not_been_delivered(app, client, smtp_server):
    smtp_server.stop()
    post_form(client, "/register", {"email": NEW_EMAIL})
    deliver(app)
    smtp_server.start()
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    page = staff.get("/staff/email").text
    assert NEW_EMAIL in page
    assert "Attempts: 1." in page
    assert "ConnectionRefusedError" in page
    maintenance = app.test_client()
    sign_in(maintenance, "jari.laine@example.fi")
    assert maintenance.get("/staff/email").status_code == 403


def test_an_agent_without_a_home_registers_with_bank_identification(app, client, smtp_server):
    """Someone named in a power of attorney may register though they live elsewhere."""
    email = "outi.ulkopuolinen@example.fi"
    aino = Residency.get(Residency.first_name == "Aino")
    Mandate.create(
        grantor=aino,
        given_by=aino.person,
        agent_email=email,
        agent_first_name="Outi",
        agent_last_name="Ulkopuolinen",
        scopes="information",
        valid_from=clock.today(),
        method=Mandate.PORTAL,
        status=Mandate.ACTIVE,
    )
    client.set_cookie("locale", "en")
    register_and_confirm(app, client, smtp_server, email=email)
    response = identify_at_bank(client, "stranger")
    assert response.status_code == 303
    assert response.headers["Location"] == "/register/password"
    response = post_form(
        client, "/register/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 303
    person = Person.get(Person.email == email)
    # The names come from the bank, not from what the grantor typed.
    assert (person.first_name, person.identification_method) == ("Outi", Person.BANK)
    home = client.get("/").text
    assert "Powers of attorney given to you" in home
    assert "Handle the matters of Aino Virtanen" in client.get("/mandates/").text
    assert not Residency.select().where(Residency.person == person.id).exists()
