"""Keyboard only, then without JavaScript: a resident reports a defect, first leaving the
required answers empty. Focus is always visible, the error summary takes the focus and
links to each wrong answer, and the same journey works in a browser without scripts."""

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from portal.models import DefectReport, Message
from tests.browser.conftest import PHONE
from tests.conftest import RESIDENT

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, outline: style.outlineStyle, width: style.outlineWidth};
}"""


def _sign_in_by_keyboard(page, base):
    page.goto(base + "/login")
    page.keyboard.press("Tab")  # the skip link comes first
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "A" and focused["outline"] != "none"
    page.get_by_label("Sähköpostiosoite").focus()
    page.keyboard.type(RESIDENT)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Aino")


def test_a_defect_reported_by_keyboard_with_errors_first(app, page, live_server):
    _sign_in_by_keyboard(page, live_server)
    page.goto(live_server + "/defects/new")
    # Straight to the button and send, with nothing chosen or written.
    page.get_by_role("button", name="Lähetä ilmoitus").focus()
    page.keyboard.press("Enter")
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    focused = page.evaluate(FOCUSED)
    assert focused["id"] == "form-errors" and focused["outline"] != "none"

    # The first link leads to the first wrong answer; it is answered with the keyboard.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#location")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page.locator("#category")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # heating, a kind that can wait
    page.locator("#description").focus()
    page.keyboard.type("Patteri on kylmä makuuhuoneessa.")
    page.get_by_role("button", name="Lähetä ilmoitus").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("Kiitos! Vikailmoituksesi"))).to_be_visible()
    with app.app_context():
        report = DefectReport.select().order_by(DefectReport.id.desc()).first()
        assert report.description == "Patteri on kylmä makuuhuoneessa."


def test_the_same_defect_journey_without_javascript(app, browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="fi-FI")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Kirjaudu sisään").click()
    page.goto(live_server + "/defects/new")
    page.get_by_role("button", name="Lähetä ilmoitus").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
    assert hrefs == ["#location", "#category", "#description"]
    page.locator("#location").select_option("apartment")
    page.locator("#category").select_option("heating")
    page.locator("#description").fill("Patteri on kylmä olohuoneessa.")
    page.get_by_role("button", name="Lähetä ilmoitus").click()
    expect(page.get_by_text(re.compile("Kiitos! Vikailmoituksesi"))).to_be_visible()
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["keyboard", "no-javascript"])
def test_a_message_to_customer_service_with_errors_first(app, browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE, locale="fi-FI")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Sähköpostiosoite").fill(RESIDENT)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_label("Salasana").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Aino")
    page.goto(live_server + "/messages/new")
    page.get_by_role("button", name="Lähetä", exact=True).focus()
    page.keyboard.press("Enter")
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
    assert hrefs == ["#topic-0", "#subject", "#body"]
    if javascript:
        expect(summary).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#topic-0")).to_be_focused()
        page.keyboard.press("Space")  # the first topic: rent payment
        page.locator("#subject").focus()
        page.keyboard.type("Eräpäivä")
        page.keyboard.press("Tab")
        page.keyboard.type("Voinko maksaa vuokran viikon myöhemmin?")
        page.get_by_role("button", name="Lähetä", exact=True).focus()
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Vuokranmaksu").check()
        page.locator("#subject").fill("Eräpäivä")
        page.locator("#body").fill("Voinko maksaa vuokran viikon myöhemmin?")
        page.get_by_role("button", name="Lähetä", exact=True).click()
    expect(page.get_by_text("Viestisi on lähetetty. Vastaamme arkisin.")).to_be_visible()
    expect(page.get_by_text("Voinko maksaa vuokran viikon myöhemmin?")).to_be_visible()
    with app.app_context():
        message = Message.select().order_by(Message.id.desc()).first()
        assert message.body == "Voinko maksaa vuokran viikon myöhemmin?"
        assert message.thread.subject == "Eräpäivä"
    context.close()
