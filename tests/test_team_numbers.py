"""Every "call now" and "contact us" names the team that answers the building in question:
the building a visitor chose, a resident's home, a staff member's own team."""

import html
import re

import pytest

from portal import clock
from portal.models import Building, DefectReport, OutboxEmail, ServiceRequest, ServiceTeam
from portal.services import company
from tests.conftest import (
    ASOY_RESIDENT,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)

OFFICE_HOURS = "2026-12-01 10:00"  # a Tuesday morning: the phone lines are open
NIGHT = "2026-12-01 23:30"

RENTAL = "Sturenkatu 21"
ASOY = "Kalliolanrinne 4"
APARTMENT = {RENTAL: "A 1", ASOY: "A 2"}

# Each team answers at numbers of its own, its on-call number too: were both on call at one
# number (as in the demo), a page showing the wrong team would go unnoticed at night.
MAIN_TEAM = {
    "phone": "09 5767 3000",
    "on_call_phone": "09 5767 3100",
    "email": "asiakaspalvelu@hekaoy.fi",
}
ASOY_TEAM = {
    "phone": "09 5767 4000",
    "on_call_phone": "09 5767 4100",
    "email": "asiakaspalvelu.asoyasunnot@hekaoy.fi",
}
TEAM_NAMES = {
    "customer_service": "Heka customer service",
    "asoy_customer_service": "Customer service for As Oy apartments",
}

# (building, moment, the number that answers its urgent defects then)
VISITOR_CASES = [
    pytest.param(RENTAL, OFFICE_HOURS, MAIN_TEAM["phone"], id="rental-office-hours"),
    pytest.param(RENTAL, NIGHT, MAIN_TEAM["on_call_phone"], id="rental-night"),
    pytest.param(ASOY, OFFICE_HOURS, ASOY_TEAM["phone"], id="asoy-office-hours"),
    pytest.param(ASOY, NIGHT, ASOY_TEAM["on_call_phone"], id="asoy-night"),
]

CALL_LINK = re.compile(r'<a href="tel:[^"]*"[^>]*>([^<]+)</a>')


@pytest.fixture(autouse=True)
def asoy_team_on_call_of_its_own(app):
    ServiceTeam.update(on_call_phone=ASOY_TEAM["on_call_phone"]).where(
        ServiceTeam.key == "asoy_customer_service"
    ).execute()


def at(moment: str) -> None:
    clock.set_to(clock.parse(moment), running=False)


def building_id(street: str) -> str:
    return str(Building.get(Building.street_address == street).id)


def team_of(street: str) -> dict:
    return ASOY_TEAM if street == ASOY else MAIN_TEAM


def other_team(street: str) -> dict:
    return MAIN_TEAM if street == ASOY else ASOY_TEAM


def element(page: str, start: str) -> str:
    """The element that opens with ``start`` (say '<div id="urgency"'), nested ones and all."""
    begin = page.index(start)
    tag = start[1:].split()[0]
    depth, position = 0, begin
    opening = re.compile(rf"<{tag}[\s>]|</{tag}>")
    for match in opening.finditer(page, begin):
        depth += -1 if match.group().startswith("</") else 1
        if depth == 0:
            position = match.end()
            break
    return page[begin:position]


def notice(page: str) -> str:
    return element(page, '<div class="card urgent" id="urgent-notice"')


def urgency(page: str) -> str:
    return element(page, '<div id="urgency"')


def numbers(fragment: str) -> set[str]:
    """The numbers a fragment offers to call (as written, whatever spaces keep them whole)."""
    return {" ".join(number.split()) for number in CALL_LINK.findall(fragment)}


def text(fragment: str) -> str:
    """What a person reads in a fragment: its text without tags, spaces made single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def visitor(client):
    client.set_cookie("locale", "en")
    return client


TYPED = {
    "name": "Ville Vieras",
    "email": "ville@example.fi",
    "location": "apartment",
    "category": "water_leak",
    "cannot_wait": "no",
    "description": "Vesi valuu keittiön lattialle tiskikoneen alta.",
    "phone": "040 765 4321",
}


def post_visitor_form(client, street, **changes):
    data = {
        **TYPED,
        "building": building_id(street),
        "apartment_number": APARTMENT[street],
        **changes,
        "csrf_token": csrf_token(client, "/defects/report"),
    }
    return client.post("/defects/report", data=data, content_type="multipart/form-data")


# The visitor's form


@pytest.mark.parametrize(
    ("moment", "main_number", "asoy_number"),
    [
        (OFFICE_HOURS, MAIN_TEAM["phone"], ASOY_TEAM["phone"]),
        (NIGHT, MAIN_TEAM["on_call_phone"], ASOY_TEAM["on_call_phone"]),
    ],
    ids=["office-hours", "night"],
)
def test_before_a_building_is_chosen_each_team_is_named_with_its_number(
    client, moment, main_number, asoy_number
):
    at(moment)
    page = visitor(client).get("/defects/report").text
    card = text(notice(page))
    assert f"{TEAM_NAMES['customer_service']}: call {main_number}" in card
    assert f"{TEAM_NAMES['asoy_customer_service']}: call {asoy_number}" in card
    assert numbers(notice(page)) == {main_number, asoy_number}
    # The instant box, asked before the building is chosen, names both teams too.
    box = urgency(
        client.get(
            "/defects/report?category=water_leak&cannot_wait=no&building=",
            headers={"HX-Request": "true"},
        ).text
    )
    assert "This needs immediate attention." in box
    assert f"{TEAM_NAMES['asoy_customer_service']}: call {asoy_number}" in text(box)
    assert numbers(box) == {main_number, asoy_number}


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_the_box_asked_with_the_chosen_building_shows_its_teams_number(
    client, street, moment, number
):
    at(moment)
    visitor(client)
    answer = client.get(
        f"/defects/report?category=water_leak&cannot_wait=no&building={building_id(street)}",
        headers={"HX-Request": "true"},
    ).text
    assert "This needs immediate attention." in urgency(answer)
    assert numbers(urgency(answer)) == {number}
    # The card above the form follows the building too, before any kind of defect is chosen.
    answer = client.get(
        f"/defects/report?category=&building={building_id(street)}",
        headers={"HX-Request": "true"},
    ).text
    assert "immediate attention" not in urgency(answer)
    assert 'hx-swap-oob="true"' in notice(answer)
    assert numbers(notice(answer)) == {number}


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_without_javascript_the_form_comes_back_with_the_buildings_number(
    client, street, moment, number
):
    at(moment)
    visitor(client)
    before = DefectReport.select().count()
    response = post_visitor_form(client, street, show_numbers="1")
    assert response.status_code == 200
    page = response.text
    assert numbers(notice(page)) == {number}
    # Everything on the page is the chosen building's team: the footer too.
    assert numbers(page) <= {team_of(street)["phone"], team_of(street)["on_call_phone"]}
    for value in other_team(street).values():
        assert value not in page, value
    # What was typed is still there, and nothing was sent.
    assert TYPED["description"] in page
    assert 'value="Ville Vieras"' in page
    assert f'<option selected value="{building_id(street)}">' in page
    assert DefectReport.select().count() == before
    assert 'class="error"' not in page


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_an_urgent_report_sent_before_calling_shows_the_buildings_number(
    client, street, moment, number
):
    at(moment)
    visitor(client)
    response = post_visitor_form(client, street)
    assert response.status_code == 422
    assert "call the number above first" in response.text
    assert numbers(notice(response.text)) == {number}
    assert numbers(urgency(response.text)) == {number}


@pytest.mark.parametrize(("street", "moment", "number"), VISITOR_CASES)
def test_an_address_naming_the_building_opens_the_form_with_its_number(
    client, street, moment, number
):
    at(moment)
    page = visitor(client).get(f"/defects/report?building={building_id(street)}").text
    assert numbers(notice(page)) == {number}
    assert f'<option selected value="{building_id(street)}">' in page


def test_the_visitors_front_page_names_each_team_with_its_number(client):
    at(OFFICE_HOURS)
    page = visitor(client).get("/").text
    card = text(element(page, '<section class="card urgent"'))
    assert f"{TEAM_NAMES['customer_service']}: call {MAIN_TEAM['phone']}" in card
    assert f"{TEAM_NAMES['asoy_customer_service']}: call {ASOY_TEAM['phone']}" in card


# Signed-in pages

RESIDENT_PAGES = [
    "/",
    "/defects/",
    "/defects/new",
    "/profile",
    "/building",
    "/requests/",
    "/requests/new/door_opening",
    "/messages/new",
    "/appointments/",
    "/mandates/",
    "/mandates/form",
    "/no-such-page",
]


@pytest.mark.parametrize(
    ("email", "own", "other"),
    [(RESIDENT, MAIN_TEAM, ASOY_TEAM), (ASOY_RESIDENT, ASOY_TEAM, MAIN_TEAM)],
    ids=["rental", "asoy"],
)
def test_a_resident_sees_the_team_of_their_building_everywhere(login_as, email, own, other):
    at(OFFICE_HOURS)
    client = login_as(email)
    for path in RESIDENT_PAGES:
        page = client.get(path).text
        assert own["phone"] in page, path
        for value in other.values():
            assert value not in page, (path, value)


@pytest.mark.parametrize(
    ("email", "moment", "number"),
    [
        (RESIDENT, OFFICE_HOURS, MAIN_TEAM["phone"]),
        (RESIDENT, NIGHT, MAIN_TEAM["on_call_phone"]),
        (ASOY_RESIDENT, OFFICE_HOURS, ASOY_TEAM["phone"]),
        (ASOY_RESIDENT, NIGHT, ASOY_TEAM["on_call_phone"]),
    ],
)
def test_a_residents_call_now_is_their_teams_number_of_the_moment(login_as, email, moment, number):
    at(moment)
    client = login_as(email)
    page = client.get("/defects/new").text
    assert numbers(notice(page)) == {number}
    box = client.get(
        "/defects/new?category=water_leak&cannot_wait=no", headers={"HX-Request": "true"}
    ).text
    assert numbers(urgency(box)) == {number}
    start = client.get("/").text
    assert numbers(element(start, '<section class="card urgent"')) == {number}
    # Who answers now, then the team's hours: two sentences, apart.
    said = re.sub(r"<[^>]+>", " ", element(start, '<section class="card urgent"'))
    assert "answers now." in said
    assert not re.search(r"answers now\.\S", said)


@pytest.mark.parametrize(
    ("email", "own", "other"),
    [(CUSTOMER_SERVICE, MAIN_TEAM, ASOY_TEAM), (ASOY_STAFF, ASOY_TEAM, MAIN_TEAM)],
    ids=["main-team", "asoy-team"],
)
def test_staff_pages_show_the_staff_members_own_team(app, email, own, other):
    staff = app.test_client()
    sign_in(staff, email)
    use_language(staff, "en")
    for path in ("/staff/", "/staff/defects/", "/staff/no-such-page"):
        page = staff.get(path).text
        assert own["phone"] in page, path
        assert other["phone"] not in page, path


# Catalog texts


def instructions(page: str) -> str:
    return text(element(page, '<div class="card"><p>'))


@pytest.mark.parametrize(
    ("email", "team_key"),
    [(RESIDENT, "customer_service"), (ASOY_RESIDENT, "asoy_customer_service")],
    ids=["rental", "asoy"],
)
def test_door_opening_names_the_households_team_numbers(login_as, email, team_key):
    ServiceTeam.update(
        phone="010 200 3000", on_call_phone="010 200 3100", phone_hours="mon-thu 08:00-11:00"
    ).where(ServiceTeam.key == team_key).execute()
    page = login_as(email).get("/requests/new/door_opening").text
    said = instructions(page)
    assert "If you are locked out now, call:" in said
    assert "010 200 3000" in said
    assert "010 200 3100" in said
    assert "Mon" in said and "Thu" in said
    assert "5767" not in said
    assert "%(" not in page


def test_keys_are_returned_elsewhere_without_naming_the_company(login_as):
    said = instructions(login_as(RESIDENT).get("/requests/new/keys").text)
    assert "service point" in said
    assert "Heka" not in said


def test_inspection_says_the_companys_maintenance_number(app, login_as):
    company.save({"maintenance_caller": "+358 10 555"})
    client = login_as(RESIDENT)
    token = csrf_token(client, "/requests/new/apartment_inspection")
    response = client.post(
        "/requests/new/apartment_inspection",
        data={
            "reason": "moisture",
            "details": "A musty smell in the bathroom.",
            "times": "Weekdays after 3 pm",
            "master_key": "yes",
            "phone": "040 123 4567",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "The call comes from a number starting with +358 10 555." in page
    stored = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    email = OutboxEmail.get(OutboxEmail.subject.contains(stored.reference))
    assert "starting with +358 10 555." in email.body_text
    assert "5767" not in email.body_text
