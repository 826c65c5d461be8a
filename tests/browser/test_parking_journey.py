"""A lease party on a phone, in Swedish and without JavaScript, makes room under the limit,
applies for the free motorcycle space, accepts the offer and gives notice on it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.conftest import PASSWORD, SWEDISH_RESIDENT

pytestmark = pytest.mark.browser


def test_apply_accept_and_give_notice_on_a_parking_space(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="sv-FI", java_script_enabled=False)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-postadress").fill(SWEDISH_RESIDENT)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    page.goto(live_server + "/bookings/parking")
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    # Sofia's household has a space and a place in the car queue: the most allowed.
    page.locator("a[href*='/applications/']").first.click()
    expect(page.get_by_text("nummer 2 i kön")).to_be_visible()
    page.get_by_role("button", name="Återkalla ansökan").click()

    row = page.locator("tr", has_text="Motorcykelplats")
    expect(row).to_contain_text("1 ledig")
    row.get_by_role("button").click()
    expect(page.get_by_role("heading", name="Du erbjuds plats M1")).to_be_visible()
    page.get_by_role("button", name="Tacka ja till platsen").click()
    expect(page.locator("main")).to_contain_text("Motorcykelplats M1")

    page.locator("a[href*='/terminate']").last.click()
    expect(page.locator(".lead")).to_contain_text("Uppsägningstiden är 1 månad")
    page.get_by_role("button", name="Säg upp").click()
    expect(page.locator("main")).to_contain_text("till och med")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
