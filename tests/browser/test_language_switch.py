"""Switching the language in the middle of a form keeps the page and what was typed."""

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.conftest import RESIDENT

pytestmark = pytest.mark.browser

SWEDISH_HEADING = "Gör en felanmälan"


def test_switching_language_keeps_the_page_and_the_answers(page, live_server, console_errors):
    page.goto(live_server + "/login")
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    page.goto(live_server + "/defects/new")
    page.locator("#category").select_option("heating")
    page.locator("#description").fill("Patteri on kylmä.")
    page.locator("#pets").check()

    page.get_by_role("button", name="På svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text(SWEDISH_HEADING)
    expect(page.locator("#description")).to_have_value("Patteri on kylmä.")
    expect(page.locator("#category")).to_have_value("heating")
    expect(page.locator("#pets")).to_be_checked()
    # Carried once: a later visit of the form starts empty.
    page.goto(live_server + "/defects/new")
    expect(page.locator("#description")).to_have_value("")
    assert console_errors == []
