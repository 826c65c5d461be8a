"""Dates and times as Finnish public services write them: klo 18.00 in Finnish, kl. 18.00
and 14.12.2026 in Finland-Swedish; never seconds or a time zone's abbreviation."""

import re

import pytest

from portal.models import Appointment, Invoice, Residency, SaunaBooking
from tests.conftest import RESIDENT, use_language

WORD = {"fi": "klo", "sv": "kl."}
# Seconds ("14:30:00", "14.30.00") or a zone ("EET", "+0200") after a time.
SECONDS_OR_ZONE = re.compile(
    r"(?<![\d.])\d{1,2}[.:]\d\d[.:]\d\d(?!\d)|\bEES?T\b|[+-]0[23]00|normaal?tid"
)


def visible(page: str) -> str:
    """The page's text without its markup, scripts and attribute values."""
    return re.sub(r"<[^>]*>", " ", page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_visit_page_shows_the_time_without_seconds_or_zone(client, language):
    use_language(client, language)
    client.get("/appointments/manage?t=demo-appointment-link")
    page = visible(client.get("/appointments/manage").text)
    start = Appointment.get(Appointment.name == "Veikko Heinonen").starts_at
    assert f"{WORD[language]} {start.hour}.{start.minute:02d}" in page
    assert not SECONDS_OR_ZONE.search(page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_sauna_page_writes_the_turns_time_with_a_point(login_as, language):
    client = login_as(RESIDENT, language)
    own = SaunaBooking.get(
        SaunaBooking.lease == Residency.get(Residency.first_name == "Aino").lease
    )
    hour, minute = own.turn.start_time.split(":")
    page = visible(client.get("/bookings/sauna").text)
    assert f"{WORD[language]} {int(hour)}.{minute}" in page
    assert own.turn.start_time not in page


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_payments_page_writes_dates_with_points(login_as, language):
    client = login_as(RESIDENT, language)
    page = visible(client.get("/payments/").text)
    due = (
        Invoice.select()
        .join(Residency, on=(Residency.lease == Invoice.lease))
        .where(Residency.first_name == "Aino")
        .order_by(Invoice.due_date.desc())
        .first()
        .due_date
    )
    assert f"{due.day}.{due.month}.{due.year}" in page
    assert due.isoformat() not in page


def test_a_defects_time_in_the_list_is_written_with_klo(login_as):
    client = login_as(RESIDENT, "fi")
    page = visible(client.get("/defects/").text)
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d\d", page)
    assert not SECONDS_OR_ZONE.search(page)
