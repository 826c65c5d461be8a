"""The sauna and visit weeks: what a week offers by the portal's clock, swapping a household's
turn, the weeks one can page to, and counts in the words of each language."""

import datetime
import re

import pytest

from portal import clock
from portal.models import Residency, Sauna, SaunaBooking, SaunaTurn
from portal.services.saunas import monday_of, week_label
from tests.conftest import RESIDENT, START_DAY, csrf_token

# Next week's Wednesday at 19:00 in Helsinki: Monday's and Tuesday's turns are over,
# Wednesday's 20:00 and Friday's are still to come.
NEXT_MONDAY = monday_of(START_DAY) + datetime.timedelta(days=7)
WEDNESDAY_EVENING = datetime.datetime.combine(
    NEXT_MONDAY + datetime.timedelta(days=2), datetime.time(19, 0), tzinfo=clock.HELSINKI
)


def lease_of(first_name):
    return Residency.get(Residency.first_name == first_name).lease


def turn_at(lease, weekday, start):
    return (
        SaunaTurn.select()
        .join(Sauna)
        .where(
            (Sauna.building == lease.apartment.building_id)
            & (SaunaTurn.weekday == weekday)
            & (SaunaTurn.start_time == start)
        )
        .get()
    )


def row_of(page, day, start):
    """The grid row of the turn on ``day`` at ``start`` (the demo building has one sauna)."""
    for row in re.findall(r"<tr class=\"\w+\">.*?</tr>", page, re.S):
        if f" {day.day}.{day.month}." in row and f"{start}," in row:
            return row
    raise AssertionError(f"no turn on {day} at {start} on the page")


@pytest.fixture
def wednesday_evening(app):
    clock.set_to(WEDNESDAY_EVENING)
    # Aino's household may hold two turns here, so only the clock stands in the way.
    app.config["SAUNA_TURNS_PER_HOUSEHOLD"] = 2


def test_a_turn_already_over_is_neither_free_nor_bookable(wednesday_evening, login_as):
    client = login_as(RESIDENT, language="fi")
    page = client.get("/bookings/sauna").text
    assert f"Viikko {NEXT_MONDAY.isocalendar()[1]}" in page
    over = row_of(page, NEXT_MONDAY, "18:00")
    assert "Vapaa" not in over and "<button" not in over
    assert "<button" in row_of(page, NEXT_MONDAY + datetime.timedelta(days=2), "20:00")
    monday_turn = turn_at(lease_of("Aino"), 0, "18:00")
    token = csrf_token(client, "/bookings/sauna")
    response = client.post(
        "/bookings/sauna/request",
        data={"turn": monday_turn.id, "week": week_label(NEXT_MONDAY), "csrf_token": token},
    )
    assert response.status_code == 409
    assert 'class="flash error"' in response.text
    assert not SaunaBooking.select().where(SaunaBooking.turn == monday_turn.id).exists()
    # The same turn next week is still to come, and can be had.
    following = week_label(NEXT_MONDAY + datetime.timedelta(days=7))
    later = client.get(f"/bookings/sauna?week={following}").text
    assert "<button" in row_of(later, NEXT_MONDAY + datetime.timedelta(days=7), "18:00")
    response = client.post(
        "/bookings/sauna/request",
        data={"turn": monday_turn.id, "week": following, "csrf_token": token},
    )
    assert response.status_code == 303
    assert SaunaBooking.select().where(SaunaBooking.turn == monday_turn.id).exists()
