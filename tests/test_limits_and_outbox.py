"""Rate limits on the account forms, and the development outbox page."""

import pytest

from portal.models import OutboxEmail, RateCounter
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
    # Another address each time: the limit per client is what answers here (one account's
    # own growing delays are tested apart).
    statuses = [
        client.post(
            path, data={**data, "email": f"{n}.{data['email']}", "csrf_token": token}
        ).status_code
        for n in range(10)
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


def test_every_limit_is_on_sending_a_form(app):
    # The limiter skips requests that only read (extensions.READING_METHODS): a limit on
    # reading a page would never be counted, so there must be none.
    from portal.extensions import READING_METHODS, limiter

    limits = [
        limit for group in limiter.limit_manager._decorated_limits.values() for limit in group
    ]
    assert len(limits) >= 6
    for limit in limits:
        assert limit.methods, limit
        assert not {method.upper() for method in limit.methods} & set(READING_METHODS), limit


def test_development_outbox_shows_the_demo_emails(client):
    client.set_cookie("locale", "en")
    token = csrf_token(client, "/register")
    client.post("/register", data={"email": "new.person@example.fi", "csrf_token": token})
    page = client.get("/dev/outbox").text
    assert "new.person@example.fi" in page
    assert "Confirm your email address for the Resident Portal" in page
    assert 'href="http://127.0.0.1:5000/register/confirm?t=' in page
    assert OutboxEmail.get().status == OutboxEmail.QUEUED


def test_the_limit_holds_across_server_processes(app, tmp_path):
    """Two app instances on one database stand for two workers: attempts on either count
    toward the same limit, and the counter lives in the database."""
    from portal import create_app
    from tests.conftest import test_settings

    other = create_app(test_settings(tmp_path, RATELIMIT_ENABLED=True))
    first, second = app.test_client(), other.test_client()
    tokens = {id(c): csrf_token(c, "/login") for c in (first, second)}

    def guess(client, n):
        data = {"email": f"arvaus.{n}@example.fi", "password": "Wrong-password-1"}
        return client.post("/login", data={**data, "csrf_token": tokens[id(client)]})

    statuses = [guess(client, n).status_code for n, client in enumerate([first, second] * 5)]
    assert 429 not in statuses
    for n, client in enumerate((first, second), start=10):
        assert guess(client, n).status_code == 429
    with app.app_context():
        counters = list(RateCounter.select())
    assert counters and max(c.count for c in counters) >= 11
    assert "127.0.0.1" in " ".join(c.key for c in counters)
