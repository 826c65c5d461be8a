"""A lease party on a phone applies for a DIY renovation permit: the company question appears
with htmx when they answer that a company does the work; a photo goes with the request; staff
approve it and the resident sees the decision."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.browser.test_defect_journey import sign_in
from tests.conftest import CUSTOMER_SERVICE, RESIDENT, make_photo

pytestmark = pytest.mark.browser


def test_diy_permit_with_a_conditional_question_and_a_photo_then_approved(
    app, browser, live_server, tmp_path
):
    photo = tmp_path / "seina.jpg"
    photo.write_bytes(make_photo())
    resident = browser.new_context(viewport=PHONE, locale="en-GB")
    resident.set_default_timeout(PATIENCE_MS)
    page = sign_in(resident, live_server, RESIDENT)
    page.goto(live_server + "/requests/")
    page.locator("a[href='/requests/new/diy_renovation']").click()
    company = page.get_by_label("Name of the company")
    expect(company).to_be_hidden()
    page.get_by_label("Paint walls or ceilings").check()
    page.get_by_label("In which rooms?").fill("Bedroom")
    page.get_by_label("Materials, colours and products").fill("Matt white ceiling paint.")
    page.get_by_label("A company").check()
    expect(company).to_be_visible()
    company.fill("Maalaus Oy")
    page.get_by_label("Work starts").fill("2030-05-02")
    page.get_by_label("Work ends").fill("2030-05-01")
    page.get_by_label("Attachments (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Send the request").click()
    # The end before the start: the form comes back with the answers and says why.
    expect(page.get_by_role("alert")).to_contain_text("Please check the answers")
    expect(page.get_by_text("The end cannot be before the start.")).to_be_visible()
    expect(page.get_by_label("Name of the company")).to_have_value("Maalaus Oy")
    page.get_by_label("Work ends").fill("2030-05-09")
    page.get_by_label("Attachments (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permission for a DIY renovation")
    expect(page.get_by_text("Maalaus Oy")).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    request_url = page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    staff = browser.new_context(viewport=PHONE, locale="en-GB")
    staff.set_default_timeout(PATIENCE_MS)
    desk = sign_in(staff, live_server, CUSTOMER_SERVICE)
    desk.goto(live_server + "/staff/requests/?type=diy_renovation")
    staff_path = "/staff" + request_url.removeprefix(live_server)
    desk.locator(f"a[href='{staff_path}']").click()
    desk.get_by_label("New status").select_option("approved")
    desk.get_by_label("Note", exact=True).fill("Approved. Protect the floors while painting.")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("The request was updated.")).to_be_visible()

    page.goto(request_url)
    expect(page.locator(".timeline")).to_contain_text("Approved")
    expect(page.locator(".timeline")).to_contain_text("Protect the floors")
    resident.close()
    staff.close()
