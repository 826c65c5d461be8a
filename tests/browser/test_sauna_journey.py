"""A lease party books a free sauna turn and cancels it, on a phone, with and without
JavaScript; weeks change with htmx or with plain links."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AMINA = "amina.hassan@example.fi"


@pytest.fixture
def amina(app):
    """Give Amina Hassan (a lease party without a sauna turn) a username for the test."""
    from portal.models import Person, Residency
    from portal.services.accounts import hash_password

    person = Person.create(
        email=AMINA,
        first_name="Amina",
        last_name="Hassan",
        language="en",
        password_hash=hash_password(PASSWORD),
        identification_method="bank",
        identified_at=Person.get().created_at,
    )
    Residency.update(person=person).where(Residency.first_name == "Amina").execute()
    return AMINA


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_book_and_cancel_a_sauna_turn(browser, live_server, amina, javascript):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Email address").fill(amina)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/bookings/sauna")
    caption = page.locator("caption")
    first_week = caption.inner_text()
    page.get_by_role("link", name="Next week").click()
    expect(caption).not_to_have_text(first_week)
    if javascript:
        # htmx swapped only the grid and put the week in the address.
        expect(page).to_have_url(re.compile(r"week=\d{4}-W\d{2}"))
    page.get_by_role("link", name="Previous week").click()
    expect(caption).to_have_text(first_week)
    # The turn is booked from next week: late on a Sunday every turn of this week is over.
    page.get_by_role("link", name="Next week").click()
    expect(caption).not_to_have_text(first_week)

    row = page.locator("tr", has=page.get_by_role("button", name="Free: book")).first
    day = row.locator("th").inner_text()
    row.get_by_role("button").click()
    expect(page.get_by_text("The turn is now your household's.")).to_be_visible()
    expect(page.locator("tr.yours th")).to_have_text(day)

    page.goto(live_server + "/bookings/")
    page.get_by_role("link", name="Cancel this turn").click()
    expect(page.get_by_text("the end of this month")).to_be_visible()
    page.get_by_role("button", name="Cancel the turn").click()
    expect(page.get_by_text("The turn was cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled: yours until")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
