"""On a phone: a resident writes to customer service, staff reply, the resident reads the
reply; the payments page shows a QR code that a scanner reads as the payment."""

import cv2
import numpy
import pytest
from playwright.sync_api import expect

from portal.models import Invoice, Residency
from portal.services import payments
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.browser.test_defect_journey import sign_in
from tests.conftest import CUSTOMER_SERVICE, RESIDENT

pytestmark = pytest.mark.browser


def test_a_message_and_its_reply(browser, live_server):
    resident = browser.new_context(viewport=PHONE, locale="en-GB")
    resident.set_default_timeout(PATIENCE_MS)
    page = sign_in(resident, live_server, RESIDENT)
    page.goto(live_server + "/messages/")
    page.get_by_role("link", name="New message").click()
    page.get_by_label("Rent payment").check()
    page.get_by_label("Subject").fill("Rent for December")
    page.get_by_label("Message").fill("May I pay December's rent on the 12th?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rent for December")
    thread_url = page.url

    staff = browser.new_context(viewport=PHONE, locale="en-GB")
    staff.set_default_timeout(PATIENCE_MS)
    desk = sign_in(staff, live_server, CUSTOMER_SERVICE)
    desk.goto(live_server + "/staff/messages/")
    desk.get_by_role("link", name="Rent for December").click()
    desk.get_by_label("Message").fill("Yes, the 12th is fine.")
    desk.get_by_role("button", name="Send the reply").click()
    expect(desk.get_by_text("Your reply was sent")).to_be_visible()

    page.goto(live_server + "/messages/")
    row = page.locator("li", has_text="Rent for December")
    expect(row.get_by_text("New reply")).to_be_visible()
    page.goto(thread_url)
    expect(page.locator(".thread")).to_contain_text("Yes, the 12th is fine.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    resident.close()
    staff.close()


def test_the_qr_code_on_the_payments_page_scans(app, browser, live_server):
    lease = Residency.get(Residency.first_name == "Aino").lease
    invoice = (
        Invoice.select()
        .where((Invoice.lease == lease) & (Invoice.status == "open") & (Invoice.kind == "rent"))
        .get()
    )
    resident = browser.new_context(viewport=PHONE, locale="en-GB", device_scale_factor=2)
    resident.set_default_timeout(PATIENCE_MS)
    page = sign_in(resident, live_server, RESIDENT)
    page.goto(live_server + "/payments/")
    page.locator(f"a[href='/payments/{invoice.id}']").click()
    code = page.locator("figure.qr svg")
    expect(code).to_be_visible()
    png = code.screenshot()
    pixels = cv2.imdecode(numpy.frombuffer(png, numpy.uint8), cv2.IMREAD_GRAYSCALE)
    decoded, _points, _raw = cv2.QRCodeDetector().detectAndDecode(pixels)
    with app.app_context():
        expected = payments.epc_payload(payments.payee(), invoice.outstanding, invoice.reference)
    assert decoded == expected
    barcode = page.get_by_label("Virtual bar code")
    assert len(barcode.input_value()) == 54
    expect(page.get_by_role("button", name="Copy the bar code")).to_be_visible()
    resident.close()
