"""The start page for visitors, the resident dashboard and the not-yet-open page."""

import datetime
import re

from babel.dates import format_date

from portal import clock
from portal.models import DefectReport, Lease, ParkingContract, Residency, SaunaBooking
from tests.conftest import (
    ASOY_RESIDENT,
    CUSTOMER_SERVICE,
    FUTURE_RESIDENT,
    OTHER_RESIDENT,
    RESIDENT,
)


def test_visitor_sees_sign_in_and_urgent_numbers(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/login"' in html
    assert "09 5767 3000" in html
    assert "09 5767 3100" in html
    assert 'href="/register"' in html
    assert 'href="/defects/report"' in html
    assert 'href="/appointments/"' in html


def test_dashboard_shows_home_household_and_team(login_as):
    client = login_as(RESIDENT)
    html = client.get("/").get_data(as_text=True)
    assert "Aino" in html
    assert "Sturenkatu 21 A 4" in html
    assert "00510 Helsinki" in html
    for name in ("Aino Virtanen", "Mikko Virtanen", "Elias Virtanen"):
        assert name in html
    assert "asiakaspalvelu@hekaoy.fi" in html


def test_dashboard_lists_turns_then_spaces_then_offers_with_their_last_days(login_as):
    aino = Residency.get(Residency.first_name == "Aino")
    last_day = clock.today() + datetime.timedelta(days=40)
    SaunaBooking.update(end_date=last_day).where(SaunaBooking.lease == aino.lease_id).execute()
    ParkingContract.update(end_date=last_day).where(
        ParkingContract.lease == aino.lease_id
    ).execute()
    html = login_as(RESIDENT).get("/").text
    shown = format_date(last_day, "medium", locale="en_FI")
    sauna = html.index(f'Sauna: Tuesday 19.00 <span class="small">(Cancelled: yours until {shown})')
    space = html.index(
        f'Parking: P2, Sturenkadun piha <span class="small">(Notice given: yours until {shown})'
    )
    offer = html.index("Space P6 is offered to you.")
    assert sauna < space < offer


def test_dashboard_shows_the_five_newest_open_defects(login_as):
    aino = Residency.get(Residency.first_name == "Aino")
    newest = (
        DefectReport.select()
        .where(
            (DefectReport.lease == aino.lease_id)
            & DefectReport.status.in_(DefectReport.OPEN_STATUSES)
        )
        .order_by(DefectReport.created_at.desc(), DefectReport.id.desc())
    )
    html = login_as(RESIDENT).get("/").text
    card = html[html.index('id="defects-title"') : html.index('id="requests-title"')]
    shown = [int(found) for found in re.findall(r'href="/defects/(\d+)"', card)]
    assert shown == [report.id for report in newest[:5]]


def test_other_resident_sees_the_same_home(login_as):
    html = login_as(OTHER_RESIDENT).get("/").get_data(as_text=True)
    assert "Sturenkatu 21 A 4" in html


def test_asoy_resident_footer_shows_asoy_team(login_as):
    html = login_as(ASOY_RESIDENT).get("/").get_data(as_text=True)
    assert "Kalliolanrinne 4 A 2" in html
    assert "asiakaspalvelu.asoyasunnot@hekaoy.fi" in html
    assert "09 5767 4000" in html


def test_resident_whose_lease_has_not_begun_sees_when_access_opens(login_as):
    client = login_as(FUTURE_RESIDENT)
    start = Lease.select().join(Residency).where(Residency.first_name == "Oskari").get().start_date
    assert start > clock.today() - datetime.timedelta(days=1)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Your Resident Portal opens on {format_date(start, 'long', locale='en_FI')}" in html
    assert "Kontulankaari 9 C 31" in html


def test_ended_lease_closes_the_resident_pages(login_as, app):
    lease = Lease.select().join(Residency).where(Residency.first_name == "Aino").get()
    Lease.update(end_date=datetime.date(2000, 1, 1), start_date=datetime.date(1999, 1, 1)).where(
        Lease.id == lease.id
    ).execute()
    Residency.update(moved_in=datetime.date(1999, 1, 1)).where(
        Residency.lease == lease.id
    ).execute()
    html = login_as(RESIDENT).get("/").get_data(as_text=True)
    assert "Your lease has ended" in html
    assert "Sturenkatu 21 A 4" not in html


def test_staff_member_goes_to_the_staff_start_page(login_as):
    client = login_as(CUSTOMER_SERVICE)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Back office" in html
    assert "Leena" in html


def test_resident_cannot_open_the_staff_pages(login_as):
    assert login_as(RESIDENT).get("/staff/").status_code == 403


def test_visitor_is_sent_to_sign_in_from_the_staff_pages(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
