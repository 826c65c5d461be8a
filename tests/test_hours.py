"""Which number answers an urgent call, by Helsinki time of week and public holidays."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal.services import hours

HELSINKI = ZoneInfo("Europe/Helsinki")
TEAM = SimpleNamespace(
    phone="09 5767 3000", phone_hours="mon-fri 09:00-12:00", on_call_phone="09 5767 3100"
)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("moment", "phone"),
    [
        ("2026-11-30 09:00", "09 5767 3000"),  # Monday, opening minute
        ("2026-11-30 08:59", "09 5767 3100"),  # Monday, just before
        ("2026-11-30 11:59", "09 5767 3000"),  # Monday, last minute
        ("2026-11-30 12:00", "09 5767 3100"),  # Monday, closing time: on call
        ("2026-12-04 10:30", "09 5767 3000"),  # Friday
        ("2026-11-28 10:00", "09 5767 3100"),  # Saturday
        ("2026-11-29 10:00", "09 5767 3100"),  # Sunday
        ("2026-12-24 10:00", "09 5767 3100"),  # Christmas Eve, a Thursday
        ("2027-12-06 10:00", "09 5767 3100"),  # Independence Day, a Monday
        ("2027-01-06 10:00", "09 5767 3100"),  # Epiphany, a Wednesday
        ("2027-03-26 10:00", "09 5767 3100"),  # Good Friday
        ("2027-06-25 10:00", "09 5767 3100"),  # Midsummer Eve, a Friday
        ("2027-03-31 02:30", "09 5767 3100"),  # night, a Wednesday
    ],
)
def test_urgent_number_by_time_of_week(moment, phone):
    contact = hours.urgent_contact(TEAM, at(moment))
    assert contact.phone == phone
    assert contact.office_open == (phone == TEAM.phone)


def test_helsinki_time_is_used_whatever_the_server_zone():
    # 07:30 UTC is 09:30 in Helsinki in winter (UTC+2) and 10:30 in summer (UTC+3).
    winter = datetime.datetime(2026, 12, 1, 7, 30, tzinfo=datetime.UTC)
    assert hours.urgent_contact(TEAM, winter).office_open
    summer_after = datetime.datetime(2027, 6, 1, 9, 30, tzinfo=datetime.UTC)  # 12:30 local
    assert not hours.urgent_contact(TEAM, summer_after).office_open
    summer_before = datetime.datetime(2027, 6, 1, 5, 59, tzinfo=datetime.UTC)  # 08:59 local
    assert not hours.urgent_contact(TEAM, summer_before).office_open


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        hours.urgent_contact(TEAM, datetime.datetime(2026, 12, 1, 10, 0))


@pytest.mark.parametrize(
    "spec",
    [
        "mon-fri",
        "mon-fri 9-12",
        "fri-mon 09:00-12:00",
        "xyz 09:00-12:00",
        "mon 12:00-09:00",
        "mon 25:00-26:00",
    ],
)
def test_malformed_hours_are_refused(spec):
    with pytest.raises(hours.HoursError):
        hours.parse_hours(spec)


def test_several_rules():
    spec = "tue 09:00-15:00; wed 09:00-12:00; thu 12:00-15:00"
    assert hours.is_open(spec, at("2026-12-01 14:59"))
    assert not hours.is_open(spec, at("2026-12-02 12:00"))
    assert hours.is_open(spec, at("2026-12-03 12:00"))
    assert not hours.is_open(spec, at("2026-12-04 10:00"))
    assert hours.describe_hours(spec, "en_FI") == "Tue 9.00–15.00, Wed 9.00–12.00, Thu 12.00–15.00"


@pytest.mark.parametrize(
    ("phone", "uri"),
    [("09 5767 3000", "tel:+358957673000"), ("+358 40 123 4567", "tel:+358401234567")],
)
def test_phone_links(phone, uri):
    assert hours.tel_uri(phone) == uri


def test_public_page_shows_the_number_that_answers_now(client):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    now = hours.urgent_contact(TEAM)
    # A visitor has not said where they live: the number is given under its team's name,
    # with non-breaking spaces that keep it on one line.
    number = now.phone.replace(" ", "\u00a0")
    assert (
        f"<li>Heka customer service: call "
        f'<a href="{hours.tel_uri(now.phone)}" class="call">{number}</a>'
    ) in html
    # And who answers that number now.
    answers = "Customer service answers now." if now.office_open else "The on-call service"
    item = html.split("<li>Heka customer service: call ", 1)[1].split("</li>", 1)[0]
    assert answers in item
