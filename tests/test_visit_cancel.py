"""A visitor cancels a customer service visit from its link: asked once, then an email whose
calendar file takes the visit out of their calendar."""

import re

from icalendar import Calendar

from portal.models import Appointment, OutboxEmail
from tests.conftest import csrf_token, use_language

MANAGE = "/appointments/manage"


def _first_free(client) -> str:
    page = client.get("/appointments/").text
    return re.findall(r"/appointments/book\?slot=([0-9T:-]+)", page)[0]


def _event(ics: str):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def _book(client) -> Appointment:
    slot = _first_free(client)
    url = f"/appointments/book?slot={slot}"
    response = client.post(
        url,
        data={
            "name": "Veera Vieras",
            "phone": "040 765 4321",
            "email": "veera@example.fi",
            "reason": "identification",
            "details": "",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == MANAGE
    return Appointment.get(Appointment.name == "Veera Vieras")


def test_cancelling_asks_once_and_emails_a_calendar_cancellation(app, client):
    use_language(client, "fi")
    visit = _book(client)
    booked = OutboxEmail.get(OutboxEmail.to_address == "veera@example.fi")
    _calendar, booked_event = _event(booked.calendar)

    # The visit's page offers cancelling as a step of its own, not a button that cancels.
    page = client.get(MANAGE).text
    assert f'action="{MANAGE}" method="post"' not in page
    assert f'href="{MANAGE}?cancel=1"' in page

    question = client.get(MANAGE + "?cancel=1")
    assert question.status_code == 200
    heading = re.search(r"<h1>(.*?)</h1>", question.text).group(1)
    weekday = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai")[
        visit.starts_at.weekday()
    ]
    assert weekday in heading
    assert f"{visit.starts_at.day}. " in heading
    assert visit.starts_at.strftime("%-H.%M") in heading and heading.endswith("?")
    assert "Peru käynti" in question.text
    assert f'action="{MANAGE}" method="post"' in question.text
    assert 'name="csrf_token"' in question.text
    # Asking changed nothing yet.
    assert Appointment.get_by_id(visit.id).status == Appointment.BOOKED
    assert OutboxEmail.select().where(OutboxEmail.to_address == "veera@example.fi").count() == 1

    confirmed = client.post(MANAGE, data={"csrf_token": csrf_token(client, MANAGE + "?cancel=1")})
    assert confirmed.status_code == 303
    assert Appointment.get_by_id(visit.id).status == Appointment.CANCELLED
    assert "Käynti on peruttu." in client.get(confirmed.headers["Location"]).text

    sent = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == "veera@example.fi")
        .order_by(OutboxEmail.id.desc())
        .first()
    )
    assert sent.id != booked.id
    assert sent.language == "fi"
    assert "peruttu" in sent.subject.lower()
    calendar, event = _event(sent.calendar)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["uid"]) == str(booked_event["uid"])
    assert str(event["status"]) == "CANCELLED"
    assert int(event.get("sequence", 0)) > int(booked_event.get("sequence", 0))
    assert event.decoded("dtstart") == booked_event.decoded("dtstart")


def test_a_post_without_its_token_cancels_nothing(app, client):
    use_language(client, "fi")
    visit = _book(client)
    response = client.post(MANAGE, data={})
    assert response.status_code < 500
    assert Appointment.get_by_id(visit.id).status == Appointment.BOOKED
    assert OutboxEmail.select().where(OutboxEmail.to_address == "veera@example.fi").count() == 1
