"""An agent on a phone switches to acting for Aino, gives notice on her parking space, is
stopped at a matter the power of attorney does not cover and returns to her own matters;
Aino, without JavaScript, sees what was done and revokes the power of attorney."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE, open_menu
from tests.browser.test_defect_journey import sign_in
from tests.conftest import RESIDENT

pytestmark = pytest.mark.browser

AGENT = "kaisa.lehtonen@example.fi"


def test_act_for_someone_then_the_grantor_sees_it_and_revokes(browser, live_server):
    agent = browser.new_context(viewport=PHONE, locale="en-GB")
    agent.set_default_timeout(PATIENCE_MS)
    page = sign_in(agent, live_server, AGENT)
    page.get_by_role("link", name="Act for someone").click()
    page.get_by_role("button", name="Handle the matters of Aino Virtanen").click()
    banner = page.get_by_role("region", name="Power of attorney in use")
    expect(banner).to_contain_text("You are handling the matters of Aino Virtanen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Matters of Aino Virtanen")
    # The menu offers only what the power of attorney covers.
    menu = open_menu(page)
    expect(menu.get_by_role("link", name="Bookings")).to_be_visible()
    expect(menu.get_by_role("link", name="Defect notifications")).to_have_count(0)

    page.get_by_role("link", name="Sauna turns and parking spaces").click()
    page.goto(live_server + "/bookings/parking")
    page.get_by_role("link", name="Give notice on this space").first.click()
    page.get_by_role("button", name="Give notice").click()
    expect(page.locator(".flash")).to_contain_text("You gave notice on the space")
    expect(banner).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(live_server + "/requests/new/lease_termination")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Not covered by the power of attorney"
    )
    page.get_by_role("button", name="Return to your own matters").click()
    expect(page.locator(".flash")).to_contain_text("You are handling your own matters again")
    expect(page.get_by_role("region", name="Power of attorney in use")).to_have_count(0)
    agent.close()

    grantor = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    grantor.set_default_timeout(PATIENCE_MS)
    page = sign_in(grantor, live_server, RESIDENT)
    page.goto(live_server + "/mandates/")
    page.get_by_role("link", name="Kaisa Lehtonen").click()
    history = page.locator("section", has_text="What has been done with it")
    expect(history).to_contain_text("Gave notice on a parking space")
    expect(history).to_contain_text("Began handling the matters")
    page.get_by_role("button", name="Revoke the power of attorney").click()
    expect(page.locator(".flash")).to_contain_text("The power of attorney was revoked")
    expect(page.locator("dl")).to_contain_text("Revoked")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    grantor.close()
