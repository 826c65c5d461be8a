"""A visitor on a phone reports a defect without signing in: before sending, the urgent
number shown is the one of the team that answers the building chosen, with JavaScript (the
box follows the choice) and without it (the form comes back with the number)."""

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.models import Building, DefectReport, ServiceTeam
from tests.browser.conftest import PATIENCE_MS, PHONE
from tests.test_team_numbers import ASOY_TEAM, MAIN_TEAM, OFFICE_HOURS, TEAM_NAMES, VISITOR_CASES

pytestmark = pytest.mark.browser

DESCRIPTION = "Vesi valuu keittiön lattialle tiskikoneen alta."


@pytest.fixture(autouse=True)
def asoy_team_on_call_of_its_own(app):
    # With one on-call number for both teams, a wrong team would go unnoticed at night.
    ServiceTeam.update(on_call_phone=ASOY_TEAM["on_call_phone"]).where(
        ServiceTeam.key == "asoy_customer_service"
    ).execute()


def open_form(browser, base, moment, *, java_script=True):
    clock.set_to(clock.parse(moment), running=False)
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=java_script)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.goto(base + "/defects/report")
    return context, page


def answering_now(moment: str) -> tuple[str, str]:
    """The main team's and the As Oy team's numbers for urgent defects at the moment."""
    key = "phone" if moment == OFFICE_HOURS else "on_call_phone"
    return MAIN_TEAM[key], ASOY_TEAM[key]


def expect_each_team_named(page, moment):
    main, asoy = answering_now(moment)
    notice = page.locator("#urgent-notice")
    expect(notice).to_contain_text(f"{TEAM_NAMES['customer_service']}: call {main}")
    expect(notice).to_contain_text(f"{TEAM_NAMES['asoy_customer_service']}: call {asoy}")


def expect_only(page, number):
    """The card above the form offers one number to call, this one, within the phone's width."""
    links = page.locator("#urgent-notice").get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_text(number)
    expect(links).to_be_visible()
    box = links.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def building_id(street: str) -> str:
    return str(Building.get(Building.street_address == street).id)


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_choosing_the_building_shows_its_teams_number(browser, live_server, street, moment, number):
    context, page = open_form(browser, live_server, moment)
    expect_each_team_named(page, moment)
    page.get_by_label("Building").select_option(building_id(street))
    expect_only(page, number)
    page.get_by_label("What kind of defect is it?").select_option("water_leak")
    box = page.locator("#urgency")
    expect(box).to_contain_text("This needs immediate attention.")
    expect(box.get_by_role("link")).to_have_text(number)
    context.close()


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_without_javascript_the_form_comes_back_with_the_number(
    browser, live_server, street, moment, number
):
    context, page = open_form(browser, live_server, moment, java_script=False)
    expect_each_team_named(page, moment)
    before = DefectReport.select().count()
    page.get_by_label("Your name").fill("Ville Vieras")
    page.get_by_label("Building").select_option(building_id(street))
    page.get_by_label("What kind of defect is it?").select_option("water_leak")
    page.get_by_label("Describe the defect").fill(DESCRIPTION)
    page.get_by_role("button", name="Show the number for this building").click()
    expect_only(page, number)
    # What was typed came back with it; the address holds none of it, and nothing was sent.
    expect(page.get_by_label("Your name")).to_have_value("Ville Vieras")
    expect(page.get_by_label("Describe the defect")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Building")).to_have_value(building_id(street))
    assert page.url == live_server + "/defects/report"
    assert DefectReport.select().count() == before
    context.close()
