"""A resident signs in on a phone-sized screen and switches to Swedish."""

import re

from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.conftest import RESIDENT

pytestmark = __import__("pytest").mark.browser


def test_resident_signs_in_and_switches_to_swedish(page, live_server, console_errors):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.get_by_role("main").get_by_role("link", name="Kirjaudu sisään").click()
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Aino")
    expect(page.get_by_text("Sturenkatu 21 A 4")).to_be_visible()

    page.get_by_role("button", name="På svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej, Aino")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    # The choice is kept after signing out: the sign-in page stays in Swedish.
    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")

    # Nothing overflows the phone-width screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert console_errors == []


def test_sign_in_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="fi-FI")
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill("wrong-Password-1")
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.get_by_role("alert")).to_contain_text("Sähköpostiosoite tai salasana on väärin.")
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Aino")
    page.get_by_role("button", name="In English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Aino")
    context.close()
