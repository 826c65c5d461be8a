"""Sauna turns: the rules of requesting and cancelling, and no double booking under load."""

import datetime
import multiprocessing
from decimal import Decimal

import pytest

from portal import clock
from portal.models import Apartment, Lease, Person, Residency, Sauna, SaunaBooking, SaunaTurn, db
from portal.services import saunas
from portal.services.dates import month_end
from portal.services.saunas import BookingRefused
from tests.conftest import RESIDENT as RESIDENT_EMAIL
from tests.conftest import START_DAY, csrf_token, sign_in, use_language


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


# The run's day, on which the demo data (Aino's turn, say) was built.
TODAY = START_DAY


def test_a_free_turn_becomes_the_households(app):
    amina = lease_of("Amina")
    turn = turn_at(amina, 0, "18:00")
    booking = saunas.request_turn(turn.id, amina, None, is_lease_party=True, today=TODAY, limit=1)
    assert (booking.start_date, booking.end_date, booking.status) == (TODAY, None, "active")
    # Next week, when every turn is still to come whatever day the run is on.
    next_monday = saunas.monday_of(TODAY) + datetime.timedelta(days=7)
    rows = saunas.week_grid(
        amina.apartment.building_id,
        amina.id,
        next_monday,
        clock.helsinki_now().replace(tzinfo=None),
    )
    states = {(r.turn.weekday, r.turn.start_time): r.state for r in rows}
    assert states[(0, "18:00")] == "yours"
    assert states[(1, "19:00")] == "taken"  # Aino's household's turn: taken, never by whom
    assert states[(5, "17:00")] == "common"
    assert states[(2, "20:00")] == "free"


@pytest.mark.parametrize(
    ("who", "weekday", "start", "reason"),
    [
        ("Amina", 1, "19:00", BookingRefused.TAKEN),
        ("Aino", 0, "18:00", BookingRefused.LIMIT),
        ("Amina", 5, "17:00", BookingRefused.NOT_AVAILABLE),
    ],
    ids=["taken", "over-the-limit", "common-turn"],
)
def test_refusals_say_which_rule(app, who, weekday, start, reason):
    lease = lease_of(who)
    turn = turn_at(lease_of("Aino"), weekday, start)
    with pytest.raises(BookingRefused) as refused:
        saunas.request_turn(turn.id, lease, None, is_lease_party=True, today=TODAY, limit=1)
    assert refused.value.reason == reason


def test_a_turn_of_another_building_is_not_available(app):
    sofia = lease_of("Sofia")
    turn = turn_at(lease_of("Aino"), 2, "20:00")
    with pytest.raises(BookingRefused) as refused:
        saunas.request_turn(turn.id, sofia, None, is_lease_party=True, today=TODAY, limit=1)
    assert refused.value.reason == BookingRefused.NOT_AVAILABLE


def test_only_lease_parties_request_and_cancel(app):
    lease = lease_of("Amina")
    turn = turn_at(lease, 0, "18:00")
    with pytest.raises(BookingRefused) as refused:
        saunas.request_turn(turn.id, lease, None, is_lease_party=False, today=TODAY, limit=1)
    assert refused.value.reason == BookingRefused.NOT_LEASE_PARTY
    booking = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino"))
    with pytest.raises(BookingRefused):
        saunas.cancel(booking, None, is_lease_party=False, today=TODAY)
    assert SaunaBooking.get_by_id(booking.id).end_date is None


@pytest.mark.parametrize(
    ("today", "last_day"),
    [
        (datetime.date(2027, 2, 3), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 12, 31)),
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_cancelled_turn_ends_at_the_end_of_the_month(app, today, last_day):
    booking = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino"))
    assert saunas.cancel(booking, None, is_lease_party=True, today=today) == last_day
    # Still the household's until then; free for others the day after.
    saunas.expire(last_day)
    assert SaunaBooking.get_by_id(booking.id).status == "active"
    saunas.expire(last_day + datetime.timedelta(days=1))
    assert SaunaBooking.get_by_id(booking.id).status == "ended"


def test_a_longer_sauna_notice_is_configurable(app):
    booking = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino"))
    ends = saunas.cancel(
        booking, None, is_lease_party=True, today=datetime.date(2026, 12, 10), notice_months=1
    )
    assert ends == datetime.date(2027, 1, 31)


def test_turns_end_with_the_lease(app):
    lease = lease_of("Aino")
    ended = TODAY - datetime.timedelta(days=5)
    Lease.update(end_date=ended).where(Lease.id == lease.id).execute()
    saunas.expire(TODAY)
    assert SaunaBooking.get(SaunaBooking.lease == lease.id).status == "ended"


def test_weeks_are_read_safely():
    thursday = datetime.date(2026, 12, 10)
    assert saunas.parse_week("2026-W49", thursday) == datetime.date(2026, 11, 30)
    for text in ("", "2026-W99", "garbage", "2026-W", None):
        assert saunas.parse_week(text, thursday) == datetime.date(2026, 12, 7)
    assert saunas.week_label(datetime.date(2027, 1, 4)) == "2027-W01"


def _request_in_another_process(url, turn_id, lease_id, barrier, results):
    from portal.database import bind
    from portal.models import Lease

    bind(url)
    lease = Lease.get_by_id(lease_id)
    barrier.wait()
    try:
        saunas.request_turn(turn_id, lease, None, is_lease_party=True, today=TODAY, limit=1)
        results.put("booked")
    except BookingRefused as refused:
        results.put(refused.reason)
    except Exception as error:  # anything else is a failure the test must show
        results.put(repr(error))


def test_many_households_asking_for_one_turn_at_once_get_it_once(app):
    building = lease_of("Aino").apartment.building
    leases = []
    for index in range(8):
        apartment = Apartment.create(building=building, number=f"K {index}", rooms="1h", area=30)
        leases.append(
            Lease.create(
                number=f"K-{index}",
                apartment=apartment,
                start_date=datetime.date(2020, 1, 1),
                rent=500,
                payment_reference=f"7{index:04d}",
            )
        )
    turn = turn_at(leases[0], 4, "20:00")
    db.close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(leases))
    results = context.Queue()
    workers = [
        context.Process(
            target=_request_in_another_process,
            args=(app.config["DATABASE_URL"], turn.id, lease.id, barrier, results),
        )
        for lease in leases
    ]
    for worker in workers:
        worker.start()
    answers = sorted(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert answers == ["booked"] + ["taken"] * (len(leases) - 1)
    assert SaunaBooking.select().where(SaunaBooking.turn == turn.id).count() == 1


def test_the_database_refuses_a_second_active_booking(app):
    from peewee import IntegrityError

    booking = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino"))
    with pytest.raises(IntegrityError), db.atomic():
        SaunaBooking.create(
            turn=booking.turn, lease=lease_of("Amina"), start_date=TODAY, created_by=Person.get()
        )


def test_week_grid_page_shows_turns_but_never_who_holds_them(login_as):
    client = login_as(RESIDENT_EMAIL)
    # Next week and the one after: weeks the grid pages to, whatever day the run is on.
    next_monday = saunas.monday_of(clock.today()) + datetime.timedelta(days=7)
    after = next_monday + datetime.timedelta(days=7)
    page = client.get(f"/bookings/sauna?week={saunas.week_label(next_monday)}").text
    assert f"Week {next_monday.isocalendar()[1]}:" in page
    assert "Your household&#39;s turn" in page or "Your household's turn" in page
    assert "Heinonen" not in page and "Veikko" not in page
    assert f'href="/bookings/sauna?week={saunas.week_label(after)}"' in page
    fragment = client.get(
        f"/bookings/sauna?week={saunas.week_label(after)}", headers={"HX-Request": "true"}
    )
    assert fragment.text.startswith('<div id="sauna-grid">')
    assert f"Week {after.isocalendar()[1]}:" in fragment.text
    assert len(fragment.data) < 16 * 1024


def test_lease_party_books_and_other_resident_may_not(app, login_as):
    other = login_as("elias.virtanen@example.fi")
    turn = turn_at(lease_of("Aino"), 2, "20:00")
    token = csrf_token(other, "/bookings/sauna")
    assert "Only a party to the lease can book" in other.get("/bookings/sauna").text
    response = other.post("/bookings/sauna/request", data={"turn": turn.id, "csrf_token": token})
    assert response.status_code == 403
    # Aino already holds one turn, the most allowed: the page says why, nothing is stored.
    client = app.test_client()
    sign_in(client, RESIDENT_EMAIL)
    use_language(client, "en")
    token = csrf_token(client, "/bookings/sauna")
    # Next week, where every turn is still to come (this week's may be over already).
    week = saunas.week_label(saunas.monday_of(clock.today()) + datetime.timedelta(days=7))
    response = client.post(
        "/bookings/sauna/request", data={"turn": turn.id, "week": week, "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"week={week}")
    assert "the most allowed" in client.get(response.headers["Location"]).text
    assert not SaunaBooking.select().where(SaunaBooking.turn == turn.id).exists()


def test_cancel_shows_the_end_date_before_confirming(login_as):
    client = login_as(RESIDENT_EMAIL)
    booking = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino"))
    page = client.get(f"/bookings/sauna/{booking.id}/cancel").text
    last_day = month_end(clock.today())
    assert f"until {last_day.day} " in page
    assert SaunaBooking.get_by_id(booking.id).end_date is None
    token = csrf_token(client, f"/bookings/sauna/{booking.id}/cancel")
    client.post(f"/bookings/sauna/{booking.id}/cancel", data={"csrf_token": token})
    assert SaunaBooking.get_by_id(booking.id).end_date == last_day


def test_calendar_file_repeats_the_turn_weekly(login_as):
    client = login_as(RESIDENT_EMAIL)
    response = client.get("/bookings/sauna.ics")
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert "RRULE:FREQ=WEEKLY" in text
    assert "Talosauna 19:00" in text
    assert "TZID=Europe/Helsinki" in text


def test_staff_define_turns(app):
    from tests.conftest import ASOY_STAFF, CUSTOMER_SERVICE

    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    sauna = (
        Sauna.select()
        .join(Sauna.building.rel_model)
        .where(Sauna.building == lease_of("Aino").apartment.building_id)
        .get()
    )
    token = csrf_token(staff, "/staff/saunas/")
    data = {
        "turn-sauna": str(sauna.id),
        "turn-weekday": "6",
        "turn-start_time": "21:00",
        "turn-minutes": "60",
        "turn-kind": "household",
        "turn-monthly_fee": "12.50",
        "csrf_token": token,
    }
    assert staff.post("/staff/saunas/turns", data=data).status_code == 303
    added = SaunaTurn.get((SaunaTurn.sauna == sauna.id) & (SaunaTurn.weekday == 6))
    assert (added.start_time, added.monthly_fee) == ("21:00", Decimal("12.50"))
    again = staff.post("/staff/saunas/turns", data=data)
    assert again.status_code == 422
    assert "already has a turn at that time" in again.text
    bad = staff.post("/staff/saunas/turns", data={**data, "turn-start_time": "25:99"})
    assert "Write the time as hh:mm" in bad.text
    held = SaunaBooking.get(SaunaBooking.lease == lease_of("Aino")).turn
    staff.post(f"/staff/saunas/turns/{held.id}/toggle", data={"csrf_token": token})
    assert SaunaTurn.get_by_id(held.id).active
    staff.post(f"/staff/saunas/turns/{added.id}/toggle", data={"csrf_token": token})
    assert not SaunaTurn.get_by_id(added.id).active
    asoy = app.test_client()
    sign_in(asoy, ASOY_STAFF)
    assert "Sturenkatu 21" not in asoy.get("/staff/saunas/").text
    assert (
        asoy.post(
            f"/staff/saunas/turns/{added.id}/toggle",
            data={"csrf_token": csrf_token(asoy, "/staff/saunas/")},
        ).status_code
        == 404
    )
