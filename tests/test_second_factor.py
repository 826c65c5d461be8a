"""Staff sign in with a one-time code after the password (production configuration)."""

import re

import pytest

from portal.models import AuditEntry, Person
from portal.services import totp
from tests.conftest import CUSTOMER_SERVICE, PASSWORD, RESIDENT, csrf_token, use_language


@pytest.fixture
def app_settings():
    return {"STAFF_TOTP_REQUIRED": True}


def _password(client, email):
    client.set_cookie("locale", "en")
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def _code(client, code):
    token = csrf_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def test_staff_set_up_the_app_then_sign_in_with_a_code_that_works_once(app):
    client = app.test_client()
    response = _password(client, CUSTOMER_SERVICE)
    assert response.headers["Location"] == "/login/code"
    # Not signed in yet: the back office still asks to sign in.
    assert client.get("/staff/").status_code in (302, 303)
    response = _password(client, CUSTOMER_SERVICE)
    page = client.get("/login/code").text
    assert "<svg" in page and "scan the QR code" in page
    key = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    wrong = _code(
        client, "000000" if totp.code_at(key, totp.current_step()) != "000000" else "111111"
    )
    assert wrong.status_code == 422
    assert "The code was not right." in wrong.text
    code = totp.code_at(key, totp.current_step())
    response = _code(client, code)
    assert response.status_code == 303
    use_language(client, "en")
    assert client.get("/staff/").status_code == 200
    person = Person.get(Person.email == CUSTOMER_SERVICE)
    assert person.totp_secret == key
    assert AuditEntry.select().where(AuditEntry.action == "second_factor_failed").count() == 1

    # Next time: no QR code, only the code; the same code again is refused.
    again = app.test_client()
    _password(again, CUSTOMER_SERVICE)
    page = again.get("/login/code").text
    assert "<svg" not in page and "six-digit code" in page
    assert _code(again, code).status_code == 422
    following = totp.code_at(key, totp.current_step() + 1)
    assert _code(again, following).status_code == 303


def test_residents_sign_in_with_the_password_only(app):
    client = app.test_client()
    response = _password(client, RESIDENT)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/login/code").headers["Location"] == "/login"


def test_codes_are_checked_for_shape_and_time():
    secret = totp.new_secret()
    step = totp.current_step()
    assert totp.matching_step(secret, totp.code_at(secret, step), 0) == step
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), 0) is None
    assert totp.matching_step(secret, totp.code_at(secret, step), step) is None
    assert totp.matching_step(secret, "12345", 0) is None
    assert totp.matching_step(secret, "abc", 0) is None
    uri = totp.provisioning_uri(secret, "a@example.fi", "Kotikatu")
    assert uri.startswith("otpauth://totp/Kotikatu:a%40example.fi?secret=")
    assert "&issuer=Kotikatu&" in uri


def test_an_administrator_adds_staff_who_choose_a_password_then_set_up_the_code(app):
    from portal.models import OutboxEmail
    from tests.conftest import ADMIN

    admin = app.test_client()
    _password(admin, ADMIN)
    page = admin.get("/login/code").text
    key = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    _code(admin, totp.code_at(key, totp.current_step()))
    use_language(admin, "en")
    token = csrf_token(admin, "/staff/accounts/")
    data = {
        "email": "Uusi.Tyontekija@example.fi",
        "first_name": "Uusi",
        "last_name": "Työntekijä",
        "role": "customer_service",
        "team": "customer_service",
        "csrf_token": token,
    }
    assert admin.post("/staff/accounts/", data=data).status_code == 303
    assert admin.post("/staff/accounts/", data=data).status_code == 422  # already there
    person = Person.get(Person.email == "uusi.tyontekija@example.fi")
    assert (person.staff_role, person.staff_team.key) == ("customer_service", "customer_service")
    mail = OutboxEmail.get(OutboxEmail.to_address == person.email)
    link = re.search(r"http://\S+/password/reset\?t=\S+", mail.body_text).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    newcomer = app.test_client()
    newcomer.set_cookie("locale", "en")
    assert newcomer.get(path).headers["Location"] == "/password/reset"
    chosen = "Tyopaiva-Alkaa-Kahdeksalta-8"
    response = newcomer.post(
        "/password/reset",
        data={
            "password": chosen,
            "confirm": chosen,
            "csrf_token": csrf_token(newcomer, "/password/reset"),
        },
    )
    # A new password is not a second factor: the code comes next.
    assert response.headers["Location"] == "/login/code"
    assert "<svg" in newcomer.get("/login/code").text
    assert newcomer.get("/staff/").status_code in (302, 303)

    token = csrf_token(admin, "/staff/accounts/")
    assert (
        admin.post(f"/staff/accounts/{person.id}/end", data={"csrf_token": token}).status_code
        == 303
    )
    assert not Person.get_by_id(person.id).is_active


def test_the_command_creates_staff_and_prints_the_link(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-staff", "huolto@example.fi", "Heikki", "Huolto", "--role", "maintenance"]
    )
    assert result.exit_code == 0, result.output
    assert "/password/reset?t=" in result.output
    again = runner.invoke(
        args=["create-staff", "huolto@example.fi", "Heikki", "Huolto", "--role", "maintenance"]
    )
    assert again.exit_code == 1 and "exists" in again.output
    bad = runner.invoke(
        args=["create-staff", "x@example.fi", "X", "Y", "--role", "admin", "--team", "nope"]
    )
    assert bad.exit_code == 1 and "team" in bad.output
