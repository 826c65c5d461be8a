"""Pages people print: the payment details, the confirmation of a visit and the paper power of
attorney. On paper the menus, buttons and forms are gone, what is needed to pay or to come
in is there in full, in the person's language, and each fits on one A4 sheet."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Invoice, Residency
from portal.services.payments import group_reference
from tests.browser.conftest import PHONE, use_language
from tests.conftest import RESIDENT, sign_in

pytestmark = pytest.mark.browser

HIDDEN_ON_PAPER = """() => Array.from(document.querySelectorAll(
  "header.top, .skip, form.langs, [data-print], [data-copy], input.code, .no-print"
)).filter(el => el.getClientRects().length > 0).map(el => el.outerHTML.slice(0, 60))"""


def _signed_in(app, browser, live_server, email):
    client = app.test_client()
    sign_in(client, email)
    context = browser.new_context(viewport=PHONE, locale="fi-FI")
    cookie = client.get_cookie("portal_session").value
    context.add_cookies([{"name": "portal_session", "value": cookie, "url": live_server}])
    return context


def _sheets(page) -> int:
    """Print the page to A4 and count the sheets."""
    pdf = page.pdf(format="A4", margin={"top": "15mm", "bottom": "15mm"})
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _open_invoice() -> Invoice:
    lease = Residency.get(Residency.first_name == "Aino").lease
    return (
        Invoice.select()
        .where(Invoice.lease == lease, Invoice.paid_amount < Invoice.amount)
        .order_by(Invoice.due_date)
        .first()
    )


def test_the_payment_details_print_in_full_on_one_sheet(app, browser, live_server):
    invoice = _open_invoice()
    context = _signed_in(app, browser, live_server, RESIDENT)
    page = context.new_page()
    page.goto(f"{live_server}/payments/{invoice.id}")
    barcode = page.locator("input#barcode").input_value()
    assert len(barcode) == 54
    # With JavaScript a button prints; on the screen the bar code is a field to copy from.
    expect(page.get_by_role("button", name="Tulosta maksutiedot")).to_be_visible()
    expect(page.locator("p.code")).to_be_hidden()

    page.emulate_media(media="print")
    assert page.evaluate(HIDDEN_ON_PAPER) == []
    paper = page.locator("main")
    expect(paper.locator("p.code")).to_have_text(barcode)
    expect(paper).to_contain_text(group_reference(invoice.reference))
    expect(paper).to_contain_text("Viitenumero")
    expect(paper.locator("figure.qr svg")).to_be_visible()
    expect(page.locator("footer.foot")).to_contain_text("Puhelin")
    assert _sheets(page) == 1
    context.close()


def test_a_visit_confirmation_prints_without_its_buttons(app, browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="sv-FI")
    page = context.new_page()
    page.goto(live_server + "/appointments/")
    use_language(page, "sv")
    page.get_by_role("link", name=re.compile(r"^Boka ")).first.click()
    page.get_by_label("Ditt namn").fill("Stina Besökare")
    page.get_by_label("Telefonnummer").fill("040 765 4321")
    page.get_by_label("Nycklar").check()
    page.get_by_role("button", name="Boka besöket").click()
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()
    when = page.locator(".card .lead").inner_text()

    page.emulate_media(media="print")
    assert page.evaluate(HIDDEN_ON_PAPER) == []
    expect(page.get_by_role("link", name="Flytta besöket")).to_be_hidden()
    expect(page.get_by_role("link", name="Avboka besöket")).to_be_hidden()
    expect(page.locator(".card .lead")).to_have_text(when)
    expect(page.locator(".card")).to_contain_text("Nycklar")
    assert _sheets(page) == 1
    context.close()


def test_the_paper_power_of_attorney_prints_on_one_sheet(app, browser, live_server):
    context = _signed_in(app, browser, live_server, RESIDENT)
    page = context.new_page()
    page.goto(live_server + "/mandates/form")
    page.emulate_media(media="print")
    assert page.evaluate(HIDDEN_ON_PAPER) == []
    expect(page.get_by_role("heading", level=1)).to_have_text("Vuokrasuhdetta koskeva valtakirja")
    assert _sheets(page) <= 2
    context.close()
