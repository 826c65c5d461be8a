"""The account journeys end to end in Chromium at phone width, with a real SMTP server and a
real OpenID Connect provider: register, identify, choose a password; forget and reset it."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE

pytestmark = pytest.mark.browser

EMAIL = "veikko.heinonen@example.fi"
PASSWORD = "Lumi-Sataa-Hiljaa-42"
NEW_PASSWORD = "Tuuli-Kulkee-Puiden-7"


@pytest.fixture
def app_settings(smtp_server, identity_provider):
    # The mail worker thread delivers the emails, as it does in a deployment.
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server.port,
        "OIDC_ISSUER_URL": identity_provider,
        "OIDC_CLIENT_SECRET": "test-client-secret",
        "MAIL_WORKER": "thread",
    }


def wait_for_link(smtp_server, path_prefix, count):
    """Wait until the count-th email has arrived over SMTP; return its link's path."""
    deadline = time.monotonic() + PATIENCE_MS / 1000
    while len(smtp_server.messages) < count:
        assert time.monotonic() < deadline, "the email did not arrive"
        time.sleep(0.1)
    return smtp_server.link(EMAIL, path_prefix)


def test_register_identify_choose_password_then_reset_it(app, browser, live_server, smtp_server):
    app.config["PUBLIC_URL"] = live_server
    console_errors = []
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    # Errors on the identification provider's own pages are not the portal's.
    page.on(
        "console",
        lambda m: (
            console_errors.append(m.text)
            if m.type == "error" and m.location.get("url", "").startswith(live_server)
            else None
        ),
    )

    page.goto(live_server + "/")
    page.get_by_role("link", name="Create a username").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send the confirmation link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(live_server + wait_for_link(smtp_server, "/register/confirm?t=", 1))
    # The token went into the session: the address the browser keeps has none.
    expect(page).to_have_url(live_server + "/register/confirm")
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_label("With online banking credentials or Mobile ID").check()
    page.get_by_role("button", name="Continue").click()
    # The identification provider's own page: choose the person.
    page.get_by_role("button", name="veikko.heinonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a password")

    rules = page.locator("#password-rules")
    page.get_by_label("New password", exact=True).press_sequentially("veikko", delay=20)
    expect(rules.locator("li.ok", has_text="A lower-case letter")).to_be_visible()
    expect(rules.locator("li.no", has_text="Does not contain your name")).to_be_visible()
    expect(rules.locator("li.no", has_text="A number")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("")
    page.get_by_label("New password", exact=True).press_sequentially(PASSWORD, delay=10)
    expect(rules.locator("li.no")).to_have_count(0)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Veikko")
    expect(page.get_by_text("Sturenkatu 21 A 1")).to_be_visible()

    # Forgotten on another device: the reset ends this session.
    other = browser.new_context(viewport=PHONE, locale="en-GB")
    other.set_default_timeout(PATIENCE_MS)
    phone = other.new_page()
    phone.goto(live_server + "/login")
    phone.get_by_role("link", name="Forgot your password?").click()
    phone.get_by_label("Email address").fill(EMAIL)
    phone.get_by_role("button", name="Send the link").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your email")
    phone.goto(live_server + wait_for_link(smtp_server, "/password/reset?t=", 2))
    expect(phone).to_have_url(live_server + "/password/reset")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Save the password").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello, Veikko")

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the Resident Portal")
    expect(page).to_have_url(re.compile(r"/$"))
    assert console_errors == []
    other.close()
    context.close()
