"""Rate limits on the account forms, and the development outbox page."""

import pytest

from portal.models import OutboxEmail
from tests.conftest import RESIDENT, csrf_token


@pytest.fixture
def app_settings():
    return {"RATELIMIT_ENABLED": True}


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": RESIDENT, "password": "Wrong-password-1"}),
        ("/register", {"email": "someone@example.fi"}),
        ("/password/forgot", {"email": "someone@example.fi"}),
    ],
)
def test_too_many_attempts_get_a_clear_429(client, path, data):
    client.set_cookie("locale", "en")
    token = csrf_token(client, path)
    statuses = [
        client.post(path, data={**data, "csrf_token": token}).status_code for _ in range(10)
    ]
    assert 429 not in statuses
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert "Please wait a moment and try again." in response.text
    client.set_cookie("locale", "fi")
    assert "Liian monta yritystä" in client.post(path, data={**data, "csrf_token": token}).text


def test_reading_pages_is_not_limited(client):
    for _ in range(30):
        assert client.get("/login").status_code == 200


def test_development_outbox_shows_the_demo_emails(client):
    client.set_cookie("locale", "en")
    token = csrf_token(client, "/register")
    client.post("/register", data={"email": "new.person@example.fi", "csrf_token": token})
    page = client.get("/dev/outbox").text
    assert "new.person@example.fi" in page
    assert "Confirm your email address for the Resident Portal" in page
    assert 'href="http://127.0.0.1:5000/register/confirm/' in page
    assert OutboxEmail.get().status == OutboxEmail.QUEUED
