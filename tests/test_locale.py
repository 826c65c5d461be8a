"""Choosing the language: browser preference, cookie, profile."""

import pytest

from portal.models import Person
from tests.conftest import RESIDENT, SWEDISH_RESIDENT, csrf_token, sign_in

# One sentence of the public page in each language.
WELCOME = {
    "fi": "Tervetuloa Asukasportaaliin",
    "sv": "Välkommen till Invånarportalen",
    "en": "Welcome to the Resident Portal",
}


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("", "fi"),
        ("sv-FI,sv;q=0.9,en;q=0.5", "sv"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9", "fi"),
        ("fi;q=0.2,en;q=0.8", "en"),
    ],
)
def test_first_visit_follows_the_browser_language(client, accept, language):
    html = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert WELCOME[language] in html


def test_language_choice_is_remembered_in_a_cookie(client):
    token = csrf_token(client, "/")
    response = client.post(
        "/locale", data={"language": "sv", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    cookie = client.get_cookie("locale")
    assert cookie.value == "sv"
    assert cookie.http_only
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert WELCOME["sv"] in html


def test_signed_in_choice_is_stored_in_the_profile(app, client):
    sign_in(client, RESIDENT)
    token = csrf_token(client, "/")
    client.post("/locale", data={"language": "sv", "csrf_token": token})
    assert Person.get(Person.email == RESIDENT).language == "sv"
    # Another device without the cookie follows the profile.
    other = app.test_client()
    sign_in(other, RESIDENT)
    assert '<html lang="sv">' in other.get("/").get_data(as_text=True)


def test_profile_language_wins_over_the_browser(client):
    sign_in(client, SWEDISH_RESIDENT)
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Hej, Sofia" in html


@pytest.mark.parametrize("language", ["", "de", "fi' OR 1=1", "x" * 500])
def test_unknown_language_is_refused_and_nothing_changes(client, language):
    sign_in(client, RESIDENT)
    token = csrf_token(client, "/")
    response = client.post("/locale", data={"language": language, "csrf_token": token})
    assert response.status_code == 400
    assert Person.get(Person.email == RESIDENT).language == "fi"
    assert client.get_cookie("locale") is None


def test_language_switch_needs_csrf(client):
    response = client.post("/locale", data={"language": "sv"})
    assert response.status_code == 400
    assert client.get_cookie("locale") is None


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_language_switch_returns_only_to_own_pages(client, target):
    token = csrf_token(client, "/")
    response = client.post("/locale", data={"language": "en", "next": target, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_language_switch_with_htmx_uses_hx_location(client):
    token = csrf_token(client, "/")
    response = client.post(
        "/locale",
        data={"language": "en", "next": "/login", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Location"] == "/login"


def test_dates_and_hours_follow_the_language(client):
    client.set_cookie("locale", "fi")
    assert "ma–pe 9.00–12.00" in client.get("/").get_data(as_text=True)
    client.set_cookie("locale", "sv")
    assert "mån–fre 09:00–12:00" in client.get("/").get_data(as_text=True)
    client.set_cookie("locale", "en")
    assert "Mon–Fri 9.00–12.00" in client.get("/").get_data(as_text=True)
