"""A visitor on a phone books a visit to customer service without signing in, moving between
weeks with htmx (and, separately, without JavaScript), then moves the visit from its link."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Appointment
from tests.browser.conftest import PATIENCE_MS, PHONE, use_language

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_book_and_move_a_visit(browser, live_server, javascript):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/appointments/")
    use_language(page, "en")
    title = page.locator(".week-title")
    first_week = title.inner_text()
    page.get_by_role("link", name="Next week").click()
    expect(title).not_to_have_text(first_week)
    if javascript:
        expect(page).to_have_url(re.compile(r"week=\d{4}-W\d{2}"))
    page.get_by_role("link", name=re.compile(r"^Book ")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit")
    page.get_by_label("Your name").fill("Veera Vieras")
    page.get_by_label("Phone number").fill("040 765 4321")
    page.get_by_label("Keys").check()
    page.get_by_label("Additional information").fill("I lost one of my two keys.")
    page.get_by_role("button", name="Book the visit").click()
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    visit = Appointment.get(Appointment.name == "Veera Vieras")
    booked_at = visit.starts_at

    page.get_by_role("link", name="Move the visit").click()
    page.get_by_role("button", name=re.compile(r"^Move to ")).last.click()
    expect(page.get_by_text("The visit was moved to")).to_be_visible()
    assert Appointment.get_by_id(visit.id).starts_at != booked_at
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
