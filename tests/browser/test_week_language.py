"""Switching language after paging through weeks with htmx stays on the week shown."""

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.conftest import RESIDENT

pytestmark = pytest.mark.browser


def page_forward_twice(page, title):
    for _ in range(2):
        shown = title.inner_text()
        page.get_by_role("link", name="Seuraava viikko").click()
        expect(title).not_to_have_text(shown)
    match = re.search(r"week=(\d{4})-W(\d{2})", page.url)
    assert match, page.url
    return match.group(0), int(match.group(2))


@pytest.mark.parametrize(
    ("path", "title_selector"),
    [("/bookings/sauna", "#sauna-grid caption"), ("/appointments/", "#calendar h2")],
    ids=["sauna", "visits"],
)
def test_switching_language_keeps_the_week(page, live_server, path, title_selector):
    page.goto(live_server + "/login")
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).not_to_have_url(re.compile("/login"))
    page.goto(live_server + path)
    title = page.locator(title_selector)
    week, number = page_forward_twice(page, title)

    page.get_by_role("button", name="På svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page).to_have_url(re.compile(re.escape(week)))
    expect(title).to_contain_text(f"Vecka {number}:")
