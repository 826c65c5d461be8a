"""A water cut is already known: the defect forms say so as the building and the kind of
defect are chosen, and maintenance links the reports that came anyway without JavaScript."""

import pytest
from playwright.sync_api import expect

from portal.models import Building, DefectReport, Residency
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.browser.test_defect_journey import sign_in
from tests.conftest import MAINTENANCE, PASSWORD, RESIDENT

pytestmark = pytest.mark.browser


def test_the_resident_form_follows_the_kind_of_defect(app, browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(PATIENCE_MS)
    page = sign_in(context, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    known = page.locator("#known")
    expect(known).to_contain_text("The water is cut for pipe work.")
    page.locator("#category").select_option("windows_doors")
    expect(known).not_to_contain_text("Already known")
    page.locator("#category").select_option("plumbing")
    expect(known).to_contain_text("The water is cut for pipe work.")
    context.close()


def test_the_visitor_form_follows_the_building(app, browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/defects/report")
    known = page.locator("#known")
    expect(known).not_to_contain_text("Already known")
    page.locator("#building").select_option(label="Sturenkatu 21, 00510 Helsinki")
    expect(known).to_contain_text("The water is cut for pipe work.")
    page.locator("#building").select_option(label="Vääksyntie 6, 00510 Helsinki")
    expect(known).not_to_contain_text("Already known")
    context.close()


def test_maintenance_links_a_report_without_javascript(app, browser, live_server):
    lease = Residency.get(Residency.first_name == "Aino").lease
    report = DefectReport.get((DefectReport.lease == lease) & DefectReport.open_queue())
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Email address").fill(MAINTENANCE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    # Jari reads the back office in Finnish.
    page.goto(live_server + "/staff/defects/")
    page.locator(f"input[name=reports][value='{report.id}']").check()
    street = Building.get_by_id(lease.apartment.building_id).street_address
    page.get_by_label("Liitä valitut ilmoitukset häiriöön").select_option(label=f"Vesi: {street}")
    page.get_by_role("button", name="Liitä", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("liitettiin häiriöön")
    assert DefectReport.get_by_id(report.id).incident_id is not None
    context.close()


def test_already_known_and_the_banner_without_javascript_at_phone_width(app, browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(PATIENCE_MS)
    page = sign_in(context, live_server, RESIDENT)
    page.goto(live_server + "/defects/new")
    # Aino's building has the demo's water cut: the box and every page's banner say so.
    expect(page.locator("#known")).to_contain_text("The water is cut for pipe work.")
    banner = page.locator(".incident-banner")
    expect(banner).to_contain_text("Water")
    expect(banner.get_by_role("link")).to_have_attribute("href", "/#incidents")
    # One line, the rest behind the link.
    assert banner.bounding_box()["height"] < 2 * 14 * 1.3 + 10
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visitor = context.browser.new_context(
        viewport=PHONE, locale="en-GB", java_script_enabled=False
    ).new_page()
    visitor.goto(live_server + "/defects/report")
    expect(visitor.locator("#known")).not_to_contain_text("Already known")
    visitor.locator("#building").select_option(label="Sturenkatu 21, 00510 Helsinki")
    visitor.get_by_role("button", name="Show the number for this building").click()
    expect(visitor.locator("#known")).to_contain_text("The water is cut for pipe work.")
    expect(visitor.locator(".incident-banner")).to_have_count(0)
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visitor.context.close()
    context.close()
