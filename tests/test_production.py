"""Production fails closed; the proxies believed, the development server's reach, readiness,
request logs, and scheduled jobs that run once however many servers run them."""

import datetime
import itertools
import json
import logging
import subprocess  # nosec B404
import sys

import click
import pytest
from flask.cli import run_command

from portal import access, clock, create_app
from portal.cli import check_command
from portal.config import ConfigError, from_environment, production_problems
from portal.models import AuditEntry, JobLock, OutboxEmail, Person
from portal.services import housekeeping, jobs, mail
from tests import conftest
from tests.conftest import (
    CUSTOMER_SERVICE,
    PRODUCTION,
    RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)

# One unsafe setting at a time, and the words the refusal names it by.
UNSAFE = [
    ({"SECRET_KEY": "k" * 31}, "PORTAL_SECRET_KEY is shorter than 32 bytes"),
    ({"IDENTITY_KEY": "short"}, "PORTAL_IDENTITY_KEY is shorter than 32 bytes"),
    ({"PUBLIC_URL": "http://127.0.0.1:5000"}, "PORTAL_PUBLIC_URL is 'http://127.0.0.1:5000'"),
    ({"PUBLIC_URL": "https://"}, "PORTAL_PUBLIC_URL is 'https://'"),
    ({"SMTP_HOST": ""}, "PORTAL_SMTP_HOST is not set"),
    ({"OIDC_ISSUER_URL": "http://tunnistus.example.fi"}, "the identity provider must be https"),
    ({"PASSWORD_HASHING": "fast"}, "PORTAL_PASSWORD_HASHING must be 'strong'"),
    ({"CLOCK": "2028-02-29T10:00"}, "PORTAL_CLOCK moves the portal's clock"),
]
ENVIRONMENT = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "k" * 64,
    "PORTAL_IDENTITY_KEY": "i" * 64,
    "PORTAL_PUBLIC_URL": "https://asukas.example.fi",
    "PORTAL_SMTP_HOST": "127.0.0.1",
    "PORTAL_OIDC_ISSUER_URL": "https://tunnistus.example.fi",
}


@pytest.fixture
def no_debug(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def test_safe_production_settings_have_no_problems(no_debug):
    assert production_problems(from_environment(PRODUCTION)) == []


@pytest.mark.parametrize(("change", "named"), UNSAFE, ids=[u[1][:30] for u in UNSAFE])
def test_each_unsafe_setting_is_refused_by_name(no_debug, tmp_path, change, named):
    with pytest.raises(ConfigError) as refused:
        create_app(conftest.test_settings(tmp_path, **{**PRODUCTION, **change}))
    assert named in str(refused.value)
    # The same setting is fine where it is only a developer's computer.
    if "SECRET_KEY" not in change and "IDENTITY_KEY" not in change:
        assert production_problems(from_environment(PRODUCTION)) == []


def test_debug_mode_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="FLASK_DEBUG is on"):
        from_environment(PRODUCTION)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert from_environment(PRODUCTION)["ENV_NAME"] == "production"


def test_every_problem_is_listed_in_one_refusal(no_debug):
    everything_wrong = {**PRODUCTION, "SECRET_KEY": "x", "SMTP_HOST": "", "PUBLIC_URL": "http://a"}
    with pytest.raises(ConfigError) as refused:
        from_environment(everything_wrong)
    message = str(refused.value)
    assert "PORTAL_SECRET_KEY" in message
    assert "PORTAL_SMTP_HOST" in message
    assert "PORTAL_PUBLIC_URL" in message
    assert message.count("\n  - ") == 3


def _environment(monkeypatch, tmp_path, **changes):
    for name in list(ENVIRONMENT) + [f"PORTAL_{n}" for n in ("CLOCK", "PASSWORD_HASHING")]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    # The database is the data folder's, not there yet: what is in a database has tests of
    # its own (test_company_setup.py).
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    for name, value in {**ENVIRONMENT, **changes}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("PORTAL_SECRET_KEY", "x", "PORTAL_SECRET_KEY is shorter"),
        ("FLASK_DEBUG", "1", "FLASK_DEBUG is on"),
        ("PORTAL_PUBLIC_URL", "http://asukas.example.fi", "PORTAL_PUBLIC_URL is"),
        ("PORTAL_SMTP_HOST", "", "PORTAL_SMTP_HOST is not set"),
        ("PORTAL_OIDC_ISSUER_URL", "http://idp.example.fi", "must be https"),
    ],
)
def test_check_command_fails_on_each_unsafe_setting(monkeypatch, tmp_path, variable, value, named):
    _environment(monkeypatch, tmp_path, **{variable: value})
    result = click.testing.CliRunner().invoke(check_command, [])
    assert result.exit_code == 1
    assert named in result.output
    assert "will not run in production until these settings are fixed" in result.output


def test_check_command_passes_complete_settings_without_building_the_app(monkeypatch, tmp_path):
    """`flask check` is a command of its own: it answers where the app itself would refuse
    to start, and it is what an operator runs (a real process here)."""
    _environment(monkeypatch, tmp_path)
    done = subprocess.run(  # nosec B603
        [sys.executable, "-m", "flask", "check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "The production settings are complete." in done.stdout
    monkeypatch.setenv("PORTAL_SMTP_HOST", "")
    done = subprocess.run(  # nosec B603
        [sys.executable, "-m", "flask", "--app", "portal", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "PORTAL_SMTP_HOST is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_data_is_not_loaded_in_production(no_debug, tmp_path, empty_database_url):
    app = create_app(
        conftest.test_settings(tmp_path, **PRODUCTION, DATABASE_URL=empty_database_url)
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "not loaded in production" in result.output
    with app.app_context():
        assert Person.select().count() == 0


# The proxies the portal believes.


@pytest.fixture
def limited_app(tmp_path, database_url):
    def make(**settings):
        return create_app(conftest.test_settings(tmp_path, RATELIMIT_ENABLED=True, **settings))

    return make


def _wrong_passwords(client, times, **headers):
    """Wrong passwords for as many addresses, so that only the limit per client counts
    (one account's own growing delays have tests of their own)."""
    token = csrf_token(client, "/login")
    statuses = []
    for _ in range(times):
        email = f"arvaus.{next(GUESSES)}@example.fi"
        data = {"email": email, "password": "Wrong-password-1", "csrf_token": token}
        statuses.append(client.post("/login", data=data, headers=headers).status_code)
    return statuses


GUESSES = itertools.count()


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(limited_app):
    app = limited_app()
    first, second = app.test_client(), app.test_client()
    assert 429 not in _wrong_passwords(first, 10, **{"X-Forwarded-For": "203.0.113.1"})
    # Another forged address does not make a fresh start.
    assert _wrong_passwords(second, 1, **{"X-Forwarded-For": "203.0.113.2"}) == [429]


def test_behind_one_proxy_each_client_has_its_own_limit(limited_app):
    app = limited_app(TRUSTED_PROXIES=1)
    guesser, neighbour = app.test_client(), app.test_client()
    guessing = {"X-Forwarded-For": "203.0.113.1"}
    assert 429 not in _wrong_passwords(guesser, 10, **guessing)
    assert _wrong_passwords(guesser, 1, **guessing) == [429]
    use_language(neighbour, "en")
    token = csrf_token(neighbour, "/login")
    signed_in = neighbour.post(
        "/login",
        data={"email": RESIDENT, "password": "Kotiportaali-2026", "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.2"},
    )
    assert signed_in.status_code == 303


def test_a_client_cannot_prepend_an_address_to_the_proxys(limited_app):
    """nginx appends the client's real address: only that last hop is believed."""
    app = limited_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    for forged in range(10):
        chain = {"X-Forwarded-For": f"198.51.100.{forged}, 203.0.113.9"}
        assert _wrong_passwords(client, 1, **chain) != [429]
    assert _wrong_passwords(client, 1, **{"X-Forwarded-For": "10.0.0.1, 203.0.113.9"}) == [429]


def test_forwarding_headers_count_only_from_the_proxys_address(limited_app):
    """Someone who reaches the app server directly, not through the proxy, cannot choose
    whose limit their guesses count against."""
    app = limited_app(TRUSTED_PROXIES=1, PROXY_ADDRESSES="192.0.2.1, 198.51.100.0/24")
    direct = app.test_client()
    assert 429 not in _wrong_passwords(direct, 10, **{"X-Forwarded-For": "203.0.113.1"})
    assert _wrong_passwords(direct, 1, **{"X-Forwarded-For": "203.0.113.2"}) == [429]


def test_a_proxy_address_that_is_not_one_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_PROXY_ADDRESSES: 'nginx' is not an address"):
        create_app(conftest.test_settings(tmp_path, TRUSTED_PROXIES=1, PROXY_ADDRESSES="nginx"))


def test_successful_sign_ins_never_count_toward_the_limit(limited_app):
    app = limited_app()
    for _ in range(12):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post(
            "/login",
            data={"email": RESIDENT, "password": "Kotiportaali-2026", "csrf_token": token},
        )
        assert response.status_code == 303


def test_https_from_the_proxy_makes_links_and_cookies_secure_and_audit_keeps_the_address(
    limited_app,
):
    app = limited_app(TRUSTED_PROXIES=1)
    app.extensions["access_table"]["what_the_portal_sees"] = access.Rule(access.PUBLIC)

    # A page of the test's own that shows what the portal believes about the request.
    @app.get("/what-the-portal-sees")
    def what_the_portal_sees():
        from flask import request, url_for

        return f"{request.remote_addr} {url_for('public.healthz', _external=True)}"

    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    seen = client.get("/what-the-portal-sees", headers=headers).text
    assert seen == "203.0.113.7 https://localhost/healthz"
    assert client.get("/what-the-portal-sees").text == "127.0.0.1 http://localhost/healthz"
    token = csrf_token(client, "/login")
    # Over https, the CSRF check also wants the form to come from this site's own page.
    response = client.post(
        "/login",
        data={"email": CUSTOMER_SERVICE, "password": "Kotiportaali-2026", "csrf_token": token},
        headers={**headers, "Referer": "https://localhost/login"},
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("portal_session="))
    assert "Secure" in session_cookie
    with app.app_context():
        entry = (
            AuditEntry.select()
            .where(AuditEntry.action == "signed_in")
            .order_by(AuditEntry.id.desc())
            .get()
        )
        assert entry.address == "203.0.113.7"


# Development answers this computer only.


def test_development_answers_only_this_computer(app):
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert remote.get("/login").status_code == 403
    assert remote.get("/dev/outbox").status_code == 403
    local = app.test_client()
    assert local.get("/login").status_code == 200
    assert local.get("/dev/outbox").status_code == 200


def test_development_believes_no_forwarded_address_for_the_outbox(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    page = client.get("/dev/outbox", headers={"X-Forwarded-For": "127.0.0.1"})
    assert page.status_code == 403


def test_production_has_no_outbox_page(no_debug, tmp_path, database_url):
    app = create_app(conftest.test_settings(tmp_path, **PRODUCTION))
    assert app.test_client().get("/dev/outbox").status_code == 404


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "portal.example.fi"])  # noqa: S104
def test_the_development_server_refuses_to_listen_beyond_this_computer(tmp_path, host):
    with click.Context(run_command, info_name="run") as context:
        context.params["host"] = host
        with pytest.raises(ConfigError, match="Development mode serves only this computer"):
            create_app(conftest.test_settings(tmp_path))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_development_server_listens_on_loopback(tmp_path, host):
    with click.Context(run_command, info_name="run") as context:
        context.params["host"] = host
        assert create_app(conftest.test_settings(tmp_path)).config["ENV_NAME"] == "development"


# Readiness, and email that is not going out.


def _queue_email(minutes_ago: int) -> OutboxEmail:
    return OutboxEmail.create(
        to_address="someone@example.fi",
        subject="Hello",
        body_text="Hello",
        body_html="<p>Hello</p>",
        language="fi",
        created_at=clock.utcnow() - datetime.timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def mailing_app(tmp_path, database_url):
    return create_app(
        conftest.test_settings(tmp_path, SMTP_HOST="127.0.0.1", READY_MAIL_MINUTES=15)
    )


def test_ready_when_the_database_is_current_and_mail_goes_out(mailing_app):
    client = mailing_app.test_client()
    with mailing_app.app_context():
        _queue_email(minutes_ago=14)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.text == "ready\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_when_mail_has_waited_too_long(mailing_app):
    with mailing_app.app_context():
        _queue_email(minutes_ago=20)
    response = mailing_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.text.splitlines()[0] == "not ready"
    assert "the oldest unsent message has waited 20 minutes (limit 15)" in response.text
    # Liveness is another question: the process runs.
    assert mailing_app.test_client().get("/healthz").status_code == 200


def test_not_ready_when_migrations_are_pending(tmp_path, empty_database_url):
    app = create_app(conftest.test_settings(tmp_path, DATABASE_URL=empty_database_url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "migration(s) not applied: run upgrade" in response.text


def test_staff_email_page_shows_mail_never_tried(mailing_app):
    with mailing_app.app_context():
        _queue_email(minutes_ago=20)
        fresh = _queue_email(minutes_ago=1)
        fresh.subject = "Just queued"
        fresh.save()
    client = mailing_app.test_client()
    use_language(client, "fi")
    sign_in(client, CUSTOMER_SERVICE)
    page = client.get("/staff/email").text
    assert "Kaikki sähköpostit on toimitettu" not in page
    assert "Ei lähetetty vielä" in page
    assert "1 viesti on odottanut yli 15 minuuttia" in page
    assert "Just queued" not in page


# One JSON line per request, and nothing private in it.


def test_json_request_log_has_the_route_not_the_link(tmp_path, database_url):
    app = create_app(conftest.test_settings(tmp_path, LOG_FORMAT="json"))
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    keep = Keep()
    logger = logging.getLogger("portal.requests")
    logger.addHandler(keep)
    try:
        client = app.test_client()
        sign_in(client, RESIDENT)
        response = client.get("/defects/?secret=kissa")
        client.get("/password/reset/abcdefghijklmnopqrstuvwxyz0123456789")
    finally:
        logger.removeHandler(keep)
    records = [json.loads(line) for line in lines]
    page = next(r for r in records if r["path"] == "/defects/")
    assert set(page) == {
        "time",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "user_id",
    }
    assert page["status"] == 200 and page["method"] == "GET"
    with app.app_context():
        assert page["user_id"] == Person.get(Person.email == RESIDENT).id
    assert response.headers["X-Request-Id"] == page["request_id"]
    logged = "\n".join(lines)
    for private in ("kissa", "abcdefghijklmnopqrstuvwxyz", RESIDENT, "Kotiportaali"):
        assert private not in logged


# Scheduled jobs run once however many servers run them.


def test_a_job_runs_once_while_another_run_holds_it(app):
    with app.app_context():
        hold = datetime.timedelta(minutes=30)
        first = jobs.acquire("housekeeping", hold)
        assert first is not None
        assert jobs.acquire("housekeeping", hold) is None
        assert housekeeping.run() is None
        jobs.release("housekeeping", first)
        assert housekeeping.run() == 0
        assert JobLock.get(JobLock.name == "housekeeping").held_until is None


def test_a_killed_runs_lock_runs_out(app):
    with app.app_context():
        assert jobs.acquire("erase-people", datetime.timedelta(hours=2)) is not None
        clock.advance(datetime.timedelta(hours=2, seconds=1))
        assert jobs.acquire("erase-people", datetime.timedelta(hours=2)) is not None


def test_two_mail_workers_never_send_one_email_twice(app, smtp_server):
    settings = mail.SmtpSettings(host="127.0.0.1", port=smtp_server.port)
    with app.app_context():
        for _ in range(3):
            _queue_email(minutes_ago=0)
        # The second worker looks at the same moment: every message is already claimed.
        now = clock.utcnow()
        first = mail.deliver_due(settings, now=now)
        second = mail.deliver_due(settings, now=now)
    assert first == (3, 0)
    assert second == (0, 0)
    assert len(smtp_server.messages) == 3
