"""Signing in and out."""

import pytest

from portal.models import Person
from tests.conftest import PASSWORD, RESIDENT, csrf_token, sign_in

WRONG_ANSWER = "The email address or password is incorrect."


def _post_login(client, email, password, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, headers={"Accept-Language": "en"}, **extra)


def test_sign_in_with_email_and_password_opens_the_dashboard(client):
    response = _post_login(client, RESIDENT, PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Sturenkatu 21 A 4" in client.get("/").get_data(as_text=True)
    assert Person.get(Person.email == RESIDENT).last_login_at is not None


def test_email_is_not_case_sensitive(client):
    assert _post_login(client, "  Aino.Virtanen@Example.FI ", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("email", "password"),
    [(RESIDENT, "Wrong-password-1"), ("nobody@example.fi", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_password_and_unknown_email_get_the_same_answer(client, email, password):
    response = _post_login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert WRONG_ANSWER in html
    assert f'value="{email}"' in html
    assert client.get("/staff/").status_code == 302


def test_wrong_password_and_unknown_email_pages_are_identical(client, app):
    pages = []
    for email, password in [(RESIDENT, "Wrong-password-1"), ("nobody@example.fi", "Wrong-1")]:
        fresh = app.test_client()
        html = _post_login(fresh, email, password).get_data(as_text=True)
        pages.append(html.replace(email, "EMAIL").split('name="csrf_token"')[0])
    assert pages[0] == pages[1]


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "Enter your email address."),
        (RESIDENT, "", "Enter your password."),
        ("not-an-email", PASSWORD, "Enter an email address in the form name@example.fi."),
        ("a" * 300 + "@example.fi", PASSWORD, "The email address is too long."),
        (RESIDENT, "x" * 5000, "The password is too long."),
    ],
)
def test_sign_in_form_errors_are_shown_next_to_the_field(client, email, password, message):
    response = _post_login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html


def test_deactivated_person_cannot_sign_in(client):
    Person.update(is_active=False).where(Person.email == RESIDENT).execute()
    assert _post_login(client, RESIDENT, PASSWORD).status_code == 422


def test_person_without_password_cannot_sign_in(client):
    Person.update(password_hash=None).where(Person.email == RESIDENT).execute()
    assert _post_login(client, RESIDENT, "").status_code == 422
    assert _post_login(client, RESIDENT, PASSWORD).status_code == 422


def test_sign_in_without_csrf_token_is_refused(client):
    response = client.post(
        "/login", data={"email": RESIDENT, "password": PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for(client):
    token = csrf_token(client)
    response = client.post(
        "/login?next=/staff/",
        data={"email": RESIDENT, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "https:evil", "x"]
)
def test_sign_in_never_redirects_to_another_site(client, target):
    token = csrf_token(client)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": RESIDENT, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_session_is_renewed_at_sign_in(client):
    token = csrf_token(client)
    before = client.get_cookie("portal_session").value
    client.post("/login", data={"email": RESIDENT, "password": PASSWORD, "csrf_token": token})
    after = client.get_cookie("portal_session").value
    assert before != after
    # The token from before signing in no longer works for a change.
    response = client.post("/locale", data={"language": "sv", "csrf_token": token})
    assert response.status_code == 400


def test_sign_out_ends_the_session(login_as):
    client = login_as(RESIDENT)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "Sturenkatu 21 A 4" not in client.get("/").get_data(as_text=True)


def test_sign_out_needs_a_post_with_csrf(login_as):
    client = login_as(RESIDENT)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Sturenkatu 21 A 4" in client.get("/").get_data(as_text=True)


def test_ending_all_sessions_signs_out_a_copied_cookie(app, login_as):
    client = login_as(RESIDENT)
    copy = app.test_client()
    copy.set_cookie("portal_session", client.get_cookie("portal_session").value)
    assert "Sturenkatu 21 A 4" in copy.get("/").get_data(as_text=True)
    Person.get(Person.email == RESIDENT).end_all_sessions()
    assert "Sturenkatu 21 A 4" not in copy.get("/").get_data(as_text=True)
    assert "Sturenkatu 21 A 4" not in client.get("/").get_data(as_text=True)


def test_signed_in_person_visiting_login_goes_home(login_as):
    response = login_as(RESIDENT).get("/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_sign_in_cookie_flags(client):
    sign_in(client, RESIDENT)
    response = client.get("/")
    cookie = client.get_cookie("portal_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert response.headers["Cache-Control"] == "no-store"
