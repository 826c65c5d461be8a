"""Customer service point visits: the seed's hours at their edges, holidays and closed days,
the last free place under concurrent booking, and the manage link."""

import datetime
import re
import threading

import pytest

from portal import clock
from portal.models import Appointment, OutboxEmail, ServicePointClosure, db
from portal.services import appointments as service
from portal.services import mail
from tests.conftest import ASOY_RESIDENT, CUSTOMER_SERVICE, csrf_token, sign_in, use_language

RULES = service.Rules(
    appointment_hours="wed 09:00-12:00; thu 12:00-15:00",
    walk_in_hours="tue 09:00-15:00",
    slot_minutes=30,
    desks=2,
    lead_minutes=60,
    weeks_ahead=6,
)
# A Monday morning; that week's Thursday is 24 December 2026 (Christmas Eve).
MONDAY = datetime.date(2026, 12, 21)
NOW = datetime.datetime(2026, 12, 7, 8, 0)


def test_the_seeds_hours_at_their_edges(app):
    week = service.week(RULES, datetime.date(2026, 12, 14), NOW)
    kinds = [day.kind for day in week]
    assert kinds == [
        "closed",
        "walk_in",
        "appointments",
        "appointments",
        "closed",
        "closed",
        "closed",
    ]
    tuesday, wednesday, thursday = week[1], week[2], week[3]
    assert tuesday.slots == () and tuesday.walk_in == ((datetime.time(9), datetime.time(15)),)
    assert [s.start.strftime("%H:%M") for s in wednesday.slots] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert thursday.slots[0].start.time() == datetime.time(12) and len(thursday.slots) == 6
    wednesday_noon = datetime.datetime(2026, 12, 16, 12, 0)
    assert not service.is_bookable(RULES, wednesday_noon, NOW)
    assert service.is_bookable(RULES, datetime.datetime(2026, 12, 16, 11, 30), NOW)
    assert not service.is_bookable(RULES, datetime.datetime(2026, 12, 15, 10, 0), NOW)  # Tuesday


def test_holidays_and_closed_days_take_no_appointments(app):
    kinds = {day.day: day.kind for day in service.week(RULES, MONDAY, NOW)}
    assert kinds[datetime.date(2026, 12, 24)] == "holiday"
    assert kinds[datetime.date(2026, 12, 23)] == "appointments"
    ServicePointClosure.create(day=datetime.date(2026, 12, 23), reason="Koulutus")
    closed = service.week(RULES, MONDAY, NOW)[2]
    assert (closed.kind, closed.closure_reason) == ("closed", "Koulutus")
    assert not service.is_bookable(RULES, datetime.datetime(2026, 12, 23, 9, 0), NOW)


def test_too_soon_or_too_far_is_not_bookable(app):
    soon = datetime.datetime(2026, 12, 16, 9, 30)
    assert not service.is_bookable(RULES, soon, datetime.datetime(2026, 12, 16, 9, 0))
    far = datetime.datetime(2027, 3, 3, 9, 0)
    assert not service.is_bookable(RULES, far, NOW)


def _book(start, name="Testi Henkilö"):
    return service.book(
        RULES,
        start,
        NOW,
        name=name,
        email="",
        phone="040 1",
        reason="keys",
        details="",
        language="fi",
        person=None,
    )


def test_two_people_never_get_the_same_last_place(app):
    start = datetime.datetime(2026, 12, 17, 14, 30)
    _book(start, "Ensimmäinen")  # one of the two desks is taken
    barrier = threading.Barrier(2)
    answers = []

    def attempt(name):
        with app.app_context():
            barrier.wait()
            try:
                _book(start, name)
                answers.append("booked")
            except service.SlotTaken:
                answers.append("taken")
            finally:
                db.close()

    threads = [threading.Thread(target=attempt, args=(f"Kävijä {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == ["booked", "taken"]
    booked = Appointment.select().where(
        (Appointment.starts_at == start) & (Appointment.status == "booked")
    )
    assert sorted(a.desk for a in booked) == [1, 2]


def _first_free(client):
    page = client.get("/appointments/").text
    slots = re.findall(r"/appointments/book\?slot=([0-9T:-]+)", page)
    if not slots:
        page = client.get("/appointments/?week=" + _next_week()).text
        slots = re.findall(r"/appointments/book\?slot=([0-9T:-]+)", page)
    return slots[0]


def _next_week():
    monday = clock.today() + datetime.timedelta(days=7 - clock.today().weekday())
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def test_booking_emails_a_calendar_file_and_a_manage_link(app, client):
    use_language(client, "en")
    slot = _first_free(client)
    url = f"/appointments/book?slot={slot}"
    page = client.get(url).text
    assert "Reason for the visit" in page
    response = client.post(
        url,
        data={
            "name": "Veera Vieras",
            "phone": "040 765 4321",
            "email": "veera@example.fi",
            "reason": "identification",
            "details": "I need to identify myself for the portal.",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 303
    # The page of the visit, its token kept in the session rather than in the address.
    assert response.headers["Location"] == "/appointments/manage"
    page = client.get("/appointments/manage").text
    assert "Please write the time down" in page
    email = OutboxEmail.get(OutboxEmail.to_address == "veera@example.fi")
    link = re.search(r"http://\S+/appointments/manage\?t=([\w-]+)", email.body_text)
    assert link and link.group(1) not in response.headers["Location"]
    # The page shows the same link, to keep.
    assert link.group(0) in page
    assert "BEGIN:VCALENDAR" in email.calendar and "Viipurinkatu 2" in email.calendar
    message = mail._message(email, "Heka <portal@example.fi>")
    parts = [part.get_content_type() for part in message.walk()]
    assert "text/calendar" in parts
    stored = Appointment.get(Appointment.name == "Veera Vieras")
    assert stored.starts_at.strftime("%Y-%m-%dT%H:%M") == slot


def test_moving_and_cancelling_from_the_link_and_a_used_or_wrong_link(app, client):
    use_language(client, "en")
    opened = client.get("/appointments/manage?t=demo-appointment-link")
    assert opened.headers["Location"] == "/appointments/manage"
    link = "/appointments/manage"
    page = client.get(link).text
    assert "Move the visit" in page and "Cancel the visit" in page
    moving = client.get(link + "?move=1").text
    target = re.findall(r'name="slot" value="([0-9T:-]+)"', moving)[-1]
    response = client.post(
        link + "/move", data={"slot": target, "csrf_token": csrf_token(client, link)}
    )
    assert response.status_code == 303
    visit = Appointment.get(Appointment.name == "Veikko Heinonen")
    assert visit.starts_at.strftime("%Y-%m-%dT%H:%M") == target
    assert OutboxEmail.select().where(OutboxEmail.to_address == "veikko@example.fi").exists()
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert Appointment.get_by_id(visit.id).status == "cancelled"
    # The same link again: it shows the cancellation and cannot change anything.
    again = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert "can no longer be changed" in client.get(again.headers["Location"]).text
    refused = client.post(
        link + "/move", data={"slot": target, "csrf_token": csrf_token(client, link)}
    )
    assert refused.status_code == 303
    assert Appointment.get_by_id(visit.id).status == "cancelled"
    tampered = client.get("/appointments/manage?t=tampered-link", follow_redirects=True)
    assert tampered.status_code == 404


def test_a_visit_that_has_begun_cannot_be_changed(app, client):
    use_language(client, "en")
    visit = Appointment.get(Appointment.name == "Veikko Heinonen")
    Appointment.update(starts_at=datetime.datetime(2026, 1, 7, 10, 0)).where(
        Appointment.id == visit.id
    ).execute()
    link = "/appointments/manage"
    client.get(link + "?t=demo-appointment-link")
    assert "can no longer be changed" in client.get(link).text
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert Appointment.get_by_id(visit.id).status == "booked"


def test_as_oy_residents_are_sent_to_their_own_team(app):
    client = app.test_client()
    sign_in(client, ASOY_RESIDENT)
    use_language(client, "en")
    page = client.get("/appointments/").text
    assert "09 5767 4000" in page and "asiakaspalvelu.asoyasunnot@hekaoy.fi" in page
    assert "/appointments/book?slot=" not in page


@pytest.mark.parametrize("slot", ["", "garbage", "2026-12-16T12:00", "2099-01-07T09:00"])
def test_a_time_that_cannot_be_booked_is_explained(client, slot):
    use_language(client, "en")
    response = client.get(f"/appointments/book?slot={slot}")
    assert response.status_code == 303
    assert "cannot be booked" in client.get(response.headers["Location"]).text


def test_staff_see_the_day_and_cancel_with_a_message(app):
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    visit = Appointment.get(Appointment.name == "Veikko Heinonen")
    day = visit.starts_at.date().isoformat()
    page = staff.get(f"/staff/appointments/?day={day}").text
    assert "Tunnistautuminen Asukasportaalia varten." in page
    staff.post(
        f"/staff/appointments/{visit.id}/cancel",
        data={
            "message": "The desk is closed that morning.",
            "csrf_token": csrf_token(staff, "/staff/appointments/"),
        },
    )
    assert Appointment.get_by_id(visit.id).status == "cancelled"
    email = OutboxEmail.get(OutboxEmail.to_address == "veikko@example.fi")
    assert "The desk is closed that morning." in email.body_text
