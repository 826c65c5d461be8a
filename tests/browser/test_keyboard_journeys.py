"""The main tasks by keyboard alone, each once with JavaScript and once without: register,
book a sauna turn, apply for a DIY renovation permit, book a visit to customer service, and
report a defect with a photo chosen from the keyboard.

Every journey first sends its form with answers missing. The error summary lists them as
links in the page's order; with JavaScript it takes the focus, without it the person tabs
to it. Its first link moves the focus to the first wrong answer.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from portal.models import Appointment, Attachment, DefectReport, Person, ServiceRequest
from tests.browser.conftest import PATIENCE_MS, PHONE, use_language
from tests.browser.test_account_journeys import app_settings, wait_for_link  # noqa: F401
from tests.browser.test_keyboard import FOCUSED
from tests.browser.test_sauna_journey import amina  # noqa: F401 (a fixture)
from tests.conftest import PASSWORD, RESIDENT, make_photo

pytestmark = pytest.mark.browser

MODES = pytest.mark.parametrize("javascript", [True, False], ids=["keyboard", "no-javascript"])
EMAIL = "veikko.heinonen@example.fi"
NEW_PASSWORD = "Lumi-Sataa-Hiljaa-42"


def _open(browser, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(PATIENCE_MS)
    return context, context.new_page()


def _press(page, target, key="Enter"):
    """Put the focus on an element and press a key there, as a keyboard user would after
    tabbing to it; the focus must be visible on the way."""
    target.focus()
    focused = page.evaluate(FOCUSED)
    assert focused["outline"] != "none", f"no visible focus on {focused}"
    page.keyboard.press(key)


def _type_into(page, target, text):
    target.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def _type_date(page, field, iso):
    """Type a date into a date field as its person would: in the order the browser shows
    its parts, which follows the browser's own language (day first or month first)."""
    year, month, day = iso.split("-")
    for order in (day + month + year, month + day + year):
        # Focusing afresh starts from the first part again.
        field.evaluate("el => el.blur()")
        _type_into(page, field, order)
        if field.input_value() == iso:
            return
    raise AssertionError(f"could not type {iso} into the date field")


def _follow_summary(page, javascript, hrefs):
    """Check the summary's links, then take its first link to the first wrong answer."""
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    assert summary.get_by_role("link").evaluate_all("a => a.map(l => l.hash)") == hrefs
    if javascript:
        expect(summary).to_be_focused()
        page.keyboard.press("Tab")
    else:
        expect(summary).not_to_be_focused()
        summary.get_by_role("link").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(hrefs[0])).to_be_focused()


def _next_week(page, title, javascript) -> str:
    """Move to the next week by keyboard; return the first week's title. With htmx the focus
    stays on the link, ready for the week after; without JavaScript the new page starts from
    the top, as pages do."""
    first_week = title.inner_text()
    _press(page, page.get_by_role("link", name="Next week"))
    expect(title).not_to_have_text(first_week)
    if javascript:
        expect(page.get_by_role("link", name="Next week")).to_be_focused()
    return first_week


def _sign_in(page, base, email, password=PASSWORD):
    page.goto(base + "/login")
    _type_into(page, page.get_by_label("Email address"), email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.locator("form.signout")).to_be_visible()  # in the person's own language
    use_language(page, "en", press=_press)


@MODES
def test_register_by_keyboard(app, browser, live_server, smtp_server, javascript):
    app.config["PUBLIC_URL"] = live_server
    context, page = _open(browser, javascript)
    page.goto(live_server + "/")
    _press(page, page.get_by_role("link", name="Create a username"))
    _press(page, page.get_by_role("button", name="Send the confirmation link"))
    _follow_summary(page, javascript, ["#email"])
    page.keyboard.type(EMAIL)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(live_server + wait_for_link(smtp_server, "/register/confirm?t=", 1))
    expect(page).to_have_url(live_server + "/register/confirm")
    _press(page, page.get_by_role("button", name="Confirm and continue"))
    _press(page, page.get_by_role("button", name="Continue"))
    _follow_summary(page, javascript, ["#method-0"])
    page.keyboard.press("Space")
    expect(page.get_by_label("With online banking credentials or Mobile ID")).to_be_checked()
    page.keyboard.press("Enter")
    # The identification provider's own page: choose the person.
    _press(page, page.get_by_role("button", name="veikko.heinonen"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a password")

    _type_into(page, page.get_by_label("New password", exact=True), NEW_PASSWORD)
    page.keyboard.press("Tab")
    if javascript:
        # The rules are checked as the password is typed, and announced politely.
        rules = page.locator("#password-rules")
        expect(rules).to_have_attribute("aria-live", "polite")
        expect(rules.locator("li.no")).to_have_count(0)
    _type_into(page, page.get_by_label("New password again"), NEW_PASSWORD[:-1])
    page.keyboard.press("Enter")
    # Neither password comes back in the page: the summary leads to where typing starts over.
    _follow_summary(page, javascript, ["#password"])
    expect(page.get_by_text("Type the new password in both fields again.").first).to_be_visible()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("New password again")).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Veikko")
    person = Person.get(Person.email == EMAIL)
    assert person.identification_method == "bank" and person.password_hash
    context.close()


@MODES
def test_book_and_cancel_a_sauna_turn_by_keyboard(app, browser, live_server, amina, javascript):  # noqa: F811
    context, page = _open(browser, javascript)
    _sign_in(page, live_server, amina)
    page.goto(live_server + "/bookings/sauna")
    caption = page.locator("caption")
    first_week = _next_week(page, caption, javascript)
    _press(page, page.get_by_role("link", name="Previous week"))
    expect(caption).to_have_text(first_week)
    # The turn is booked from next week: late on a Sunday every turn of this week is over.
    _press(page, page.get_by_role("link", name="Next week"))
    expect(caption).not_to_have_text(first_week)

    row = page.locator("tr", has=page.get_by_role("button", name=re.compile("^Free: book"))).first
    day = row.locator("th").inner_text()
    _press(page, row.get_by_role("button"))
    expect(page.get_by_role("status")).to_contain_text("The turn is now your household's.")
    expect(page.locator("tr.yours th")).to_have_text(day)

    page.goto(live_server + "/bookings/")
    _press(page, page.get_by_role("link", name="Cancel this turn"))
    _press(page, page.get_by_role("button", name="Cancel the turn"))
    expect(page.get_by_role("status")).to_contain_text("The turn was cancelled.")
    context.close()


@MODES
def test_a_diy_permit_by_keyboard(app, browser, live_server, tmp_path, javascript):
    photo = tmp_path / "seina.jpg"
    photo.write_bytes(make_photo())
    context, page = _open(browser, javascript)
    _sign_in(page, live_server, RESIDENT)
    page.goto(live_server + "/requests/new/diy_renovation")
    company = page.get_by_label("Name of the company")
    if javascript:
        expect(company).to_be_hidden()
    else:
        # Without JavaScript every question shows, with the answer it depends on written out.
        expect(company).to_be_visible()
    _press(page, page.get_by_role("button", name="Send the request"))
    _follow_summary(
        page, javascript, ["#work-0", "#rooms", "#materials", "#doer-0", "#start", "#end"]
    )
    page.keyboard.press("Space")  # the first kind of work: painting
    page.keyboard.press("Tab")
    if not javascript:
        # Shown without JavaScript, for those who choose "something else".
        expect(page.get_by_label("What else?")).to_be_focused()
        page.keyboard.press("Tab")
    expect(page.get_by_label("In which rooms?")).to_be_focused()
    page.keyboard.type("Bedroom")
    page.keyboard.press("Tab")
    page.keyboard.type("Matt white ceiling paint.")
    page.get_by_label("We do it ourselves").focus()
    page.keyboard.press("ArrowDown")  # moves to and chooses "A company"
    expect(page.get_by_label("A company")).to_be_checked()
    expect(company).to_be_visible()
    if javascript:
        # The question appeared after the radio buttons without taking the focus from them.
        expect(page.get_by_label("A company")).to_be_focused()
    _type_into(page, company, "Maalaus Oy")
    _type_date(page, page.get_by_label("Work starts"), "2030-05-02")
    _type_date(page, page.get_by_label("Work ends"), "2030-05-09")
    with page.expect_file_chooser() as chooser:
        _press(page, page.get_by_label("Attachments (optional)"), "Space")
    chooser.value.set_files(str(photo))
    _press(page, page.get_by_role("button", name="Send the request"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Permission for a DIY renovation")
    expect(page.get_by_text("Maalaus Oy")).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    request = ServiceRequest.select().order_by(ServiceRequest.id.desc()).first()
    answers = json.loads(request.answers)
    assert request.type_key == "diy_renovation"
    assert answers["company"] == "Maalaus Oy" and answers["end"] == "2030-05-09"
    context.close()


@MODES
def test_book_a_visit_by_keyboard(app, browser, live_server, javascript):
    context, page = _open(browser, javascript)
    page.goto(live_server + "/appointments/")
    use_language(page, "en", press=_press)
    _next_week(page, page.locator(".week-title"), javascript)
    _press(page, page.get_by_role("link", name=re.compile(r"^Book ")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit")
    _press(page, page.get_by_role("button", name="Book the visit"))
    _follow_summary(page, javascript, ["#name", "#phone", "#reason-0"])
    page.keyboard.type("Veera Vieras")
    page.keyboard.press("Tab")
    page.keyboard.type("040 765 4321")
    page.get_by_label("Keys").focus()
    page.keyboard.press("Space")
    _type_into(page, page.get_by_label("Additional information"), "I lost one of my keys.")
    _press(page, page.get_by_role("button", name="Book the visit"))
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    visit = Appointment.get(Appointment.name == "Veera Vieras")
    assert visit.phone == "040 765 4321" and visit.reason == "keys"
    context.close()


@MODES
def test_a_defect_with_a_photo_by_keyboard(app, browser, live_server, tmp_path, javascript):
    photo = tmp_path / "ikkuna.jpg"
    photo.write_bytes(make_photo(color=(40, 90, 180)))
    context, page = _open(browser, javascript)
    _sign_in(page, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    _press(page, page.get_by_label("Where is the defect?"), "ArrowDown")
    _press(page, page.get_by_label("What kind of defect is it?"), "End")  # something else
    _type_into(page, page.get_by_label("Describe the defect"), "Ikkunan tiiviste on irti.")
    _type_into(page, page.get_by_label("Phone number for the visit"), "040 111 2222")
    with page.expect_file_chooser() as chooser:
        _press(page, page.get_by_label("Photos (up to 5)"), "Space")
    chooser.value.set_files(str(photo))
    if javascript:
        # Shrunk in the browser and shown, with a button to take it away again.
        expect(page.locator(".previews img")).to_have_count(1)
        expect(page.get_by_role("button", name="Remove")).to_be_visible()
    _press(page, page.get_by_role("button", name="Send the notification"))
    expect(page.get_by_text(re.compile("Thank you! Your defect notification"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Photo 1"))).to_be_visible()
    report = DefectReport.get(DefectReport.description == "Ikkunan tiiviste on irti.")
    assert Attachment.select().where(Attachment.report == report).count() == 1
    context.close()
