"""Input at the edges that once answered 500 or left in a redirect: each case found by
fuzzing every form and query parameter (tests/test_fuzz.py), as a person meets it.

Dates past what Python's dates hold (year 0, year 10 000, the day after 31.12.9999), blank
space for a required date, numbers past any column (2**63, "²" which isdigit() accepts and
int() refuses), and sent text copied into a redirect's address. Each answer is the page or
the form's own message in the person's language, and nothing already saved changes.
"""

import datetime

import pytest

from portal import clock
from portal.models import (
    Appointment,
    DefectReport,
    Mandate,
    Notice,
    ParkingApplication,
    Residency,
    SaunaBooking,
    ServicePointClosure,
)
from portal.services import saunas
from portal.web import LONGEST_REDIRECT
from tests import harness
from tests.conftest import (
    ADMIN,
    CUSTOMER_SERVICE,
    PASSWORD,
    RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)

RANGE_FI = "Kirjoita päivämäärä vuosien 1900 ja 2100 väliltä."
RANGE_SV = "Skriv ett datum mellan åren 1900 och 2100."
OVERFLOWING_WEEKS = ["9999-W52", "0001-W01", "10000-W01", "0-W1", "2027-W" + "9" * 40]
OVERFLOWING_DAYS = ["9999-12-31", "0001-01-01", "0001-W01", "10000-01-01"]
ODD_NUMBERS = [str(2**63), str(10**30), "²", "9" * 5000]


def signed_in(app, email, language="fi"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    use_language(client, language)
    return client


def this_week() -> datetime.date:
    return saunas.monday_of(clock.today())


def week_link(monday: datetime.date) -> str:
    return f"week={saunas.week_label(monday)}"


@pytest.mark.parametrize("week", OVERFLOWING_WEEKS)
def test_the_visit_calendar_shows_this_week_for_a_week_out_of_range(client, week):
    """No sign-in needed: the day after the last week of 9999 overflowed."""
    client.set_cookie("locale", "fi")
    page = client.get("/appointments/", query_string={"week": week})
    assert page.status_code == 200
    assert week_link(this_week() + datetime.timedelta(days=7)) in page.text
    assert "Seuraava viikko" in page.text


@pytest.mark.parametrize("week", OVERFLOWING_WEEKS)
def test_the_sauna_week_out_of_range_is_this_week(app, week):
    client = signed_in(app, RESIDENT)
    page = client.get("/bookings/sauna", query_string={"week": week})
    assert page.status_code == 200
    # This week is the first the grid shows: there is no week before it to page to.
    assert week_link(this_week() - datetime.timedelta(days=7)) not in page.text
    assert week_link(this_week() + datetime.timedelta(days=7)) in page.text


def _held_turns(email=RESIDENT) -> list[tuple]:
    lease = Residency.get(Residency.first_name == email.split(".")[0].capitalize()).lease_id
    return list(
        SaunaBooking.select(SaunaBooking.turn, SaunaBooking.status, SaunaBooking.end_date)
        .where(SaunaBooking.lease == lease)
        .tuples()
    )


@pytest.mark.parametrize("turn", ODD_NUMBERS)
def test_a_sauna_turn_number_past_any_id_cannot_be_booked(app, turn):
    client = signed_in(app, RESIDENT)
    held = _held_turns()
    week = saunas.week_label(this_week())
    data = {"turn": turn, "week": week, "csrf_token": csrf_token(client, "/bookings/sauna")}
    response = client.post("/bookings/sauna/request", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/bookings/sauna?week={week}"
    assert "Tätä vuoroa ei voi varata." in client.get(response.headers["Location"]).text
    assert _held_turns() == held


@pytest.mark.parametrize(
    "week",
    ["x" * 10_000, "2026-W49\r\nSet-Cookie: x=1", "9999-W52", "<script>", "2026-W49" + "0" * 300],
)
def test_the_week_sent_with_a_sauna_request_never_reaches_the_address(app, week):
    """The week came back in the redirect as it was sent: nginx refuses a long one (502)."""
    client = signed_in(app, RESIDENT)
    data = {"turn": "1", "week": week, "csrf_token": csrf_token(client, "/bookings/sauna")}
    response = client.post("/bookings/sauna/request", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/bookings/sauna"


def test_a_valid_week_sent_with_a_sauna_request_is_where_the_person_returns(app):
    client = signed_in(app, RESIDENT)
    data = {"turn": "1", "week": "2027-W05", "csrf_token": csrf_token(client, "/bookings/sauna")}
    response = client.post("/bookings/sauna/request", data=data)
    assert response.headers["Location"] == "/bookings/sauna?week=2027-W05"


@pytest.mark.parametrize("area", ["²", str(2**63), "-1"])
def test_a_parking_area_number_that_is_no_id_is_refused(app, area):
    client = signed_in(app, RESIDENT)
    before = ParkingApplication.select().count()
    token = csrf_token(client, "/bookings/parking")
    response = client.post(
        "/bookings/parking/apply", data={"area": area, "kind": "car", "csrf_token": token}
    )
    assert response.status_code == 303
    assert "Tätä paikkaa ei voi hakea." in client.get(response.headers["Location"]).text
    assert ParkingApplication.select().count() == before


def _give_mandate(client, **answers):
    data = {
        "agent_first_name": "Outi",
        "agent_last_name": "Ulkopuolinen",
        "agent_email": "outi.ulkopuolinen@example.fi",
        "kind": "general",
        "valid_from": clock.today().isoformat(),
        "valid_until": "",
        "password": PASSWORD,
        "csrf_token": csrf_token(client, "/mandates/new"),
        **answers,
    }
    return client.post("/mandates/new", data=data)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"valid_from": " "}, "Anna ensimmäinen päivä."),
        ({"valid_from": "9999-12-31"}, RANGE_FI),
        ({"valid_from": "1.1.10000"}, "Kirjoita päivämäärä muodossa pp.kk.vvvv"),
        ({"valid_until": "31.12.9999"}, RANGE_FI),
    ],
)
def test_a_power_of_attorney_with_a_blank_or_impossible_day_is_refused(app, answers, message):
    """A blank first day passed the required check and failed at the database (NOT NULL)."""
    client = signed_in(app, RESIDENT)
    before = Mandate.select().count()
    response = _give_mandate(client, **answers)
    assert response.status_code == 422
    assert message in response.text
    assert Mandate.select().count() == before


def test_the_range_message_is_in_swedish_too(app):
    client = signed_in(app, "sofia.lindqvist@example.fi", language="sv")
    response = _give_mandate(client, valid_from="9999-12-31")
    assert response.status_code == 422 and RANGE_SV in response.text


@pytest.mark.parametrize(
    ("publish_on", "message"), [(" ", "Anna julkaisupäivä."), ("9999-12-31", RANGE_FI)]
)
def test_a_notice_without_a_real_day_of_publication_is_refused(app, publish_on, message):
    staff = signed_in(app, CUSTOMER_SERVICE)
    before = Notice.select().count()
    data = {
        "title_fi": "Otsikko",
        "body_fi": "Teksti",
        "audience": "everyone",
        "publish_on": publish_on,
        "csrf_token": csrf_token(staff, "/staff/notices/"),
    }
    response = staff.post("/staff/notices/", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert Notice.select().count() == before


def _aino() -> Residency:
    return Residency.get(Residency.first_name == "Aino")


def _register_line(residency_id: int) -> tuple:
    return Residency.select().where(Residency.id == residency_id).tuples().get()


@pytest.mark.parametrize(("moved_in", "message"), [(" ", "Kirjoita päivä."), ("0.1.0", None)])
def test_a_resident_without_a_real_moving_in_day_is_not_added(app, moved_in, message):
    """A blank required day passed the check and was compared with the moving-out day."""
    staff = signed_in(app, CUSTOMER_SERVICE)
    lease_id = _aino().lease_id
    before = Residency.select().where(Residency.lease == lease_id).count()
    url = f"/staff/register/leases/{lease_id}"
    data = {
        "new-first_name": "Uusi",
        "new-last_name": "Asukas",
        "new-role": "other_resident",
        "new-moved_in": moved_in,
        "new-moved_out": "2030-01-01",
        "new-csrf_token": csrf_token(staff, url),
    }
    response = staff.post(f"{url}/residents", data=data)
    assert response.status_code == 422
    assert (message or "Kirjoita päivämäärä muodossa pp.kk.vvvv") in response.text
    assert Residency.select().where(Residency.lease == lease_id).count() == before


@pytest.mark.parametrize("moved_in", [" ", "10000-01-01", "1899-12-31"])
def test_a_line_of_the_register_keeps_its_moving_in_day(app, moved_in):
    staff = signed_in(app, CUSTOMER_SERVICE)
    line = _aino()
    before = _register_line(line.id)
    url = f"/staff/register/residents/{line.id}"
    data = {
        "line-first_name": "Aino",
        "line-last_name": "Virtanen",
        "line-role": "lease_party",
        "line-moved_in": moved_in,
        "line-moved_out": "2030-01-01",
        "line-csrf_token": csrf_token(staff, url),
    }
    response = staff.post(url, data=data)
    assert response.status_code == 422
    assert _register_line(line.id) == before


@pytest.mark.parametrize("day", OVERFLOWING_DAYS)
def test_the_staff_visit_day_out_of_range_is_today(app, day):
    """The page links the day before and after: past 9999 or before year 1, a 500."""
    staff = signed_in(app, CUSTOMER_SERVICE)
    page = staff.get("/staff/appointments/", query_string={"day": day})
    assert page.status_code == 200
    tomorrow = clock.today() + datetime.timedelta(days=1)
    assert f"day={tomorrow.isoformat()}" in page.text


@pytest.mark.parametrize(
    ("day", "message"),
    [("9999-12-31", RANGE_FI), ("0001-01-01", RANGE_FI), (" ", "Anna päivä päivämääränä.")],
)
def test_a_day_out_of_range_is_not_closed(app, day, message):
    """The closure was stored, and its redirect to that day's page answered 500."""
    staff = signed_in(app, CUSTOMER_SERVICE)
    before = ServicePointClosure.select().count()
    token = csrf_token(staff, "/staff/appointments/")
    response = staff.post("/staff/appointments/closures", data={"day": day, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/appointments/"
    assert message in staff.get("/staff/appointments/").text
    assert ServicePointClosure.select().count() == before


def test_a_day_is_still_closed_and_shown(app):
    staff = signed_in(app, CUSTOMER_SERVICE, language="en")
    day = clock.today() + datetime.timedelta(days=30)
    token = csrf_token(staff, "/staff/appointments/")
    typed = f"{day.day}.{day.month}.{day.year}"
    data = {"day": typed, "reason": "Koulutus", "csrf_token": token}
    response = staff.post("/staff/appointments/closures", data=data)
    assert response.headers["Location"] == f"/staff/appointments/?day={day.isoformat()}"
    assert ServicePointClosure.get(ServicePointClosure.day == day).reason == "Koulutus"


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": "9999-12-31"},
        {"from": "0001-W01"},
        {"before": "²"},
    ],
)
def test_the_audit_log_filters_by_days_out_of_range(app, query):
    """The day after 31.12.9999 was computed for the filter's last day, and failed."""
    admin = signed_in(app, ADMIN)
    everything = admin.get("/staff/audit/").text
    page = admin.get("/staff/audit/", query_string=query)
    assert page.status_code == 200
    # Each entry's action is in bold: the same entries as with no filter at all.
    assert page.text.count("<strong>") == everything.count("<strong>") >= 1


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/staff/messages/", {"page": "²"}),
        ("/staff/messages/", {"page": "9" * 5000}),
        ("/staff/requests/", {"page": "²"}),
        ("/staff/requests/", {"building": "²", "team": "²"}),
        ("/staff/requests/", {"building": "9" * 5000, "team": str(2**63)}),
        ("/staff/requests/", {"q": "P-²"}),
        ("/staff/defects/", {"building": "²"}),
        ("/staff/defects/", {"building": str(2**63)}),
    ],
)
def test_staff_queues_read_numbers_only_from_plain_digits(app, url, query):
    """isdigit() accepts "²" and a number of 5000 digits, and int() refuses both."""
    staff = signed_in(app, CUSTOMER_SERVICE)
    assert staff.get(url, query_string=query).status_code == 200


@pytest.mark.parametrize("number", [str(2**31), str(2**63), str(10**30)])
@pytest.mark.parametrize("path", ["/defects/{}", "/requests/{}", "/staff/defects/{}"])
def test_an_id_past_any_in_the_address_is_not_found(app, number, path):
    """SQLite cannot bind a number past 2**63: the id in the address answered 500."""
    email = CUSTOMER_SERVICE if path.startswith("/staff") else RESIDENT
    client = signed_in(app, email)
    assert client.get(path.format(number)).status_code == 404


def test_a_planned_visit_out_of_range_is_refused_and_the_report_kept(app):
    """Year 1 in Helsinki is year 0 in UTC, which no date holds."""
    staff = signed_in(app, CUSTOMER_SERVICE)
    report = DefectReport.select().order_by(DefectReport.id).first()
    before = DefectReport.select().where(DefectReport.id == report.id).tuples().get()
    url = f"/staff/defects/{report.id}"
    for visit in ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:00"]:
        data = {
            "status": report.status,
            "planned_visit_at": visit,
            "note": "",
            "csrf_token": csrf_token(staff, url),
        }
        response = staff.post(url, data=data)
        assert response.status_code == 422
        assert RANGE_FI in response.text
    assert DefectReport.select().where(DefectReport.id == report.id).tuples().get() == before


def test_a_planned_visit_is_read_as_typed_in_finland(app):
    staff = signed_in(app, CUSTOMER_SERVICE)
    report = DefectReport.select().order_by(DefectReport.id).first()
    url = f"/staff/defects/{report.id}"
    data = {
        "status": report.status,
        "planned_visit_at": "3.12.2026 10.30",
        "csrf_token": csrf_token(staff, url),
    }
    assert staff.post(url, data=data).status_code == 303
    # 10.30 in Helsinki in winter is 8.30 UTC.
    assert DefectReport.get_by_id(report.id).planned_visit_at == datetime.datetime(
        2026, 12, 3, 8, 30
    )


def _location_is_short(response) -> str:
    location = response.headers.get("Location") or response.headers.get("HX-Location")
    assert location is not None and location.startswith("/")
    assert len(location) <= LONGEST_REDIRECT, len(location)
    return location


def test_a_long_address_to_return_to_after_signing_in_is_left_out(client):
    use_language(client, "fi")
    long_next = "/notices/?" + "x=1&" * 2000
    response = client.post(
        "/login",
        query_string={"next": long_next},
        data={"email": RESIDENT, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert _location_is_short(response) == "/notices/"


def test_a_visitor_sent_to_sign_in_from_a_long_address_returns_to_its_page(client):
    response = client.get("/requests/", query_string={"q": "x" * 5000})
    location = _location_is_short(response)
    assert location == "/login?next=/requests/"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_language_switch_returns_to_a_short_address_only(client, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    token = csrf_token(client, "/")
    for target, expected in [
        ("/notices/?q=" + "ä" * 2000, "/notices/"),
        ("/" + "x" * 5000, "/"),
        ("/ilmoitukset/🙂", "/ilmoitukset/%F0%9F%99%82"),
    ]:
        data = {"language": "fi", "next": target, "csrf_token": token}
        response = client.post("/locale", data=data, headers=headers)
        assert _location_is_short(response) == expected


def test_an_opened_link_leaves_long_values_out_of_the_address(client):
    client.set_cookie("locale", "en")
    response = client.get(
        "/appointments/manage",
        query_string={"t": harness.DEMO_APPOINTMENT_TOKEN, "week": "x" * 5000, "move": "1"},
    )
    assert response.status_code == 303
    assert _location_is_short(response) == "/appointments/manage"
    # The link was still opened: the visit's page is there without the token.
    page = client.get("/appointments/manage")
    assert page.status_code == 200
    assert "Your visit to customer service" in page.text
    assert Appointment.get(Appointment.name == "Veikko Heinonen").status == "booked"
