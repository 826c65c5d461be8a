"""The sauna and visit weeks: what a week offers by the portal's clock, swapping a household's
turn, the weeks one can page to, and counts in the words of each language."""

import datetime
import re

import pytest
from markupsafe import escape

from portal import clock
from portal.models import SaunaBooking
from portal.services.saunas import monday_of, week_label
from tests.conftest import RESIDENT, START_DAY, csrf_token
from tests.test_saunas import lease_of, turn_at

# Next week's Wednesday at 19:00 in Helsinki: Monday's and Tuesday's turns are over,
# Wednesday's 20:00 and Friday's are still to come.
NEXT_MONDAY = monday_of(START_DAY) + datetime.timedelta(days=7)
WEDNESDAY_EVENING = datetime.datetime.combine(
    NEXT_MONDAY + datetime.timedelta(days=2), datetime.time(19, 0), tzinfo=clock.HELSINKI
)


def row_of(page, day, start):
    """The grid row of the turn on ``day`` at ``start`` (the demo building has one sauna)."""
    for row in re.findall(r"<tr class=\"\w+\">.*?</tr>", page, re.S):
        # The time is written 18:00 or 18.00, as the language has it.
        if f" {day.day}.{day.month}." in row and re.search(start.replace(":", "[:.]") + ",", row):
            return row
    raise AssertionError(f"no turn on {day} at {start} on the page")


@pytest.fixture
def wednesday_evening():
    clock.set_to(WEDNESDAY_EVENING)


@pytest.fixture
def two_turns_allowed(app, wednesday_evening):
    # Aino's household may hold two turns here, so only the clock stands in the way.
    app.config["SAUNA_TURNS_PER_HOUSEHOLD"] = 2


def in_finnish(app, text, plural=None, count=None):
    """A text as the Finnish catalog gives it (in English until it is translated), escaped as
    a page shows it."""
    from flask_babel import force_locale

    from portal.i18n import translations

    with app.test_request_context(), force_locale("fi_FI"):
        if plural is None:
            return str(escape(translations().ugettext(text)))
        return str(escape(translations().ungettext(text, plural, count) % {"num": count}))


def test_a_turn_already_over_is_neither_free_nor_bookable(two_turns_allowed, login_as):
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


def test_a_household_at_its_limit_is_told_why_and_offered_a_swap(app, wednesday_evening, login_as):
    client = login_as(RESIDENT, language="fi")
    page = client.get("/bookings/sauna").text
    reason = in_finnish(
        app,
        "Your household already has its weekly turn, the most a household can have.",
        "Your household already has %(num)s weekly turns, the most a household can have.",
        1,
    )
    assert page.count(reason) == 1
    wednesday = row_of(page, NEXT_MONDAY + datetime.timedelta(days=2), "20:00")
    assert in_finnish(app, "Free: move your turn here, %(fee)s a month").split("%")[0] in wednesday
    assert 'action="/bookings/sauna/swap"' in wednesday


def test_a_swap_moves_the_households_turn(wednesday_evening, login_as):
    client = login_as(RESIDENT, language="fi")
    aino = lease_of("Aino")
    old = SaunaBooking.get(SaunaBooking.lease == aino)
    wednesday_turn = turn_at(aino, 2, "20:00")
    token = csrf_token(client, "/bookings/sauna")
    response = client.post(
        "/bookings/sauna/swap",
        data={
            "turn": wednesday_turn.id,
            "booking": old.id,
            "week": week_label(NEXT_MONDAY),
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert 'class="flash success"' in page
    assert row_of(page, NEXT_MONDAY + datetime.timedelta(days=2), "20:00").startswith(
        '<tr class="yours">'
    )
    following = week_label(NEXT_MONDAY + datetime.timedelta(days=7))
    later = client.get(f"/bookings/sauna?week={following}").text
    assert row_of(later, NEXT_MONDAY + datetime.timedelta(days=8), "19:00").startswith(
        '<tr class="free">'
    )
    old = SaunaBooking.get_by_id(old.id)
    assert (old.status, old.end_date) == ("ended", WEDNESDAY_EVENING.date())
    held = SaunaBooking.select().where(
        (SaunaBooking.lease == aino) & (SaunaBooking.status == "active")
    )
    assert [booking.turn_id for booking in held] == [wednesday_turn.id]


def test_a_swap_to_a_taken_turn_is_refused_and_changes_nothing(app, wednesday_evening, login_as):
    client = login_as(RESIDENT, language="fi")
    aino = lease_of("Aino")
    old = SaunaBooking.get(SaunaBooking.lease == aino)
    friday_turn = turn_at(aino, 4, "20:00")
    amina = SaunaBooking.create(
        turn=friday_turn, lease=lease_of("Amina"), start_date=START_DAY, created_by=None
    )
    token = csrf_token(client, "/bookings/sauna")
    week_page = f"/bookings/sauna?week={week_label(NEXT_MONDAY)}"
    response = client.post(
        "/bookings/sauna/swap",
        data={
            "turn": friday_turn.id,
            "booking": old.id,
            "week": week_label(NEXT_MONDAY),
            "csrf_token": token,
        },
        headers={"Referer": f"http://localhost{week_page}"},
    )
    assert response.status_code == 409
    # The page answers a form address that takes no GET: switching its language returns to
    # the week the form was sent from, not to the form's address.
    back_to = re.search(r'id="language-next" value="([^"]*)"', response.text).group(1)
    assert back_to.replace("&amp;", "&") == week_page
    switched = client.post("/locale", data={"language": "sv", "next": back_to, "csrf_token": token})
    assert (switched.status_code, switched.headers["Location"]) == (303, week_page)
    assert client.get(week_page).status_code == 200
    assert in_finnish(app, "Someone was quicker: that turn was just taken.") in response.text
    assert SaunaBooking.get_by_id(old.id).status == "active"
    assert SaunaBooking.get_by_id(old.id).end_date is None
    assert SaunaBooking.get_by_id(amina.id).lease_id == amina.lease_id
    assert SaunaBooking.select().where(SaunaBooking.lease == aino).count() == 1


def _weeks_linked(page, path):
    return re.findall(r"href=\"" + re.escape(path) + r"\?(?:move=1&amp;)?week=(\d{4}-W\d{2})", page)


def test_the_sauna_weeks_run_from_this_week_to_the_last_that_holds_turns(app, login_as):
    client = login_as(RESIDENT, language="fi")
    this_monday = monday_of(clock.today())
    weeks = [this_monday]
    page = client.get("/bookings/sauna").text
    assert "sauna-previous" not in page
    # Paging on until there is no next week: the last is a few weeks ahead, never more than
    # the notice period of a turn cancelled today.
    while "sauna-next" in page:
        weeks.append(weeks[-1] + datetime.timedelta(days=7))
        assert _weeks_linked(page, "/bookings/sauna")[-1] == week_label(weeks[-1])
        page = client.get(f"/bookings/sauna?week={week_label(weeks[-1])}").text
        assert "sauna-previous" in page
    assert 4 <= len(weeks) - 1 <= 10
    last = week_label(weeks[-1])
    beyond = week_label(weeks[-1] + datetime.timedelta(days=7 * 40))
    response = client.get(f"/bookings/sauna?week={beyond}")
    assert (response.status_code, response.headers["Location"]) == (
        303,
        f"/bookings/sauna?week={last}",
    )
    before = week_label(this_monday - datetime.timedelta(days=7 * 52))
    response = client.get(f"/bookings/sauna?week={before}", headers={"HX-Request": "true"})
    assert response.status_code == 303, (response.status_code, response.headers)
    assert response.headers["Location"] == f"/bookings/sauna?week={week_label(this_monday)}"


def test_the_visit_weeks_run_from_this_week_to_the_last_bookable_one(app, client):
    client.set_cookie("locale", "sv")
    this_monday = monday_of(clock.today())
    ahead = app.config["APPOINTMENT_WEEKS_AHEAD"]
    last = monday_of(clock.today() + datetime.timedelta(weeks=ahead))
    page = client.get(f"/appointments/?week={week_label(this_monday)}").text
    assert "week-previous" not in page and "week-next" in page
    page = client.get(f"/appointments/?week={week_label(last)}").text
    assert "Vecka" in page
    assert "week-next" not in page
    assert _weeks_linked(page, "/appointments/") == [week_label(last - datetime.timedelta(7))]
    for asked, nearest in [
        (last + datetime.timedelta(days=7), last),
        (datetime.date(2099, 12, 28), last),
        (this_monday - datetime.timedelta(days=7), this_monday),
    ]:
        response = client.get(f"/appointments/?week={week_label(asked)}")
        assert (response.status_code, response.headers["Location"]) == (
            303,
            f"/appointments/?week={week_label(nearest)}",
        )


def in_language(app, language, singular, plural, count):
    """A count in the words of a language's catalog (English until it is translated), escaped
    as a page shows it."""
    from flask_babel import force_locale

    from portal.i18n import BABEL_LOCALES, translations

    with app.test_request_context(), force_locale(BABEL_LOCALES[language]):
        return str(escape(translations().ungettext(singular, plural, count) % {"num": count}))


@pytest.mark.parametrize(("language", "limit"), [("fi", 1), ("sv", 1), ("fi", 2), ("sv", 2)])
def test_the_sauna_limit_is_counted_in_the_words_of_the_language(app, login_as, language, limit):
    app.config["SAUNA_TURNS_PER_HOUSEHOLD"] = limit
    aino = lease_of("Aino")
    if limit == 2:
        SaunaBooking.create(turn=turn_at(aino, 4, "20:00"), lease=aino, start_date=START_DAY)
    client = login_as(RESIDENT, language=language)
    token = csrf_token(client, "/bookings/sauna")
    following = week_label(NEXT_MONDAY + datetime.timedelta(days=7))
    response = client.post(
        "/bookings/sauna/request",
        data={"turn": turn_at(aino, 2, "20:00").id, "week": following, "csrf_token": token},
    )
    page = client.get(response.headers["Location"]).text
    refusal = in_language(
        app,
        language,
        "Your household already has its weekly turn, the most allowed. Cancel it first, "
        "or move it to a free turn.",
        "Your household already has %(num)s weekly turns, the most allowed. Cancel one "
        "first, or move one to a free turn.",
        limit,
    )
    assert refusal in page
    assert "(s)" not in page and "(er)" not in page


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_photo_limit_is_counted_in_the_words_of_the_language(app, login_as, language):
    from tests.test_defects import make_photo, post_report

    app.config["MAX_DEFECT_PHOTOS"] = 1
    client = login_as(RESIDENT, language=language)
    response = post_report(client, photos=[(f"{i}.jpg", make_photo(40, 40)) for i in range(2)])
    assert response.status_code == 422
    assert (
        in_language(
            app,
            language,
            "You can add at most %(num)s photo.",
            "You can add at most %(num)s photos.",
            1,
        )
        in response.text
    )
