"""Guessing one account's password, one-time code or password confirmation meets growing
delays from wherever the guesses come; the person's own device never meets the delays
others caused; a burst is told to the account holder. Visitor forms at their limit keep
what was typed. A new password voids the person's other reset and bank account links."""

import datetime
import re

import pytest

from portal import clock
from portal.models import OutboxEmail, Person, Token
from portal.services import throttle, totp
from tests.conftest import (
    CUSTOMER_SERVICE,
    PASSWORD,
    RESIDENT,
    age_sign_in,
    csrf_token,
    sign_in,
    use_language,
)
from tests.test_defects import GOOD, post_report

WRONG = "Vaarin-arvattu-1"


@pytest.fixture
def frozen():
    """The clock stands still, so a delay lasts until the test moves it on."""
    clock.set_to(clock.now(), running=False)
    return clock


def _from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, password, email=RESIDENT):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_delays_grow_after_five_free_failures_up_to_a_cap():
    assert [throttle.delay_after(n).total_seconds() for n in range(1, 9)] == [
        0,
        0,
        0,
        0,
        1,
        2,
        4,
        8,
    ]
    assert throttle.delay_after(40) == datetime.timedelta(minutes=15)


def test_guessing_from_many_addresses_meets_the_accounts_delay(app, frozen):
    statuses = [_sign_in(_from(app, f"127.0.0.{n}"), WRONG).status_code for n in range(2, 7)]
    assert statuses == [422] * 5
    # The sixth guess, from yet another address, comes too soon: even the right password
    # is not looked at.
    refused = _sign_in(_from(app, "127.0.0.7"), PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Liian monta väärää yritystä" in refused.text
    assert RESIDENT in refused.text  # what was typed stays in the form
    frozen.advance(datetime.timedelta(seconds=1))
    assert _sign_in(_from(app, "127.0.0.8"), PASSWORD).status_code == 303
    # A success clears the count: the next mistake is free again.
    assert _sign_in(_from(app, "127.0.0.9"), WRONG).status_code == 422


def test_the_refusal_says_when_in_the_persons_language(app, frozen):
    client = _from(app, "127.0.0.2")
    use_language(client, "fi")
    for _ in range(5):
        _sign_in(client, WRONG)
    frozen.advance(datetime.timedelta(seconds=1))
    _sign_in(client, WRONG)
    frozen.advance(datetime.timedelta(seconds=2))
    _sign_in(client, WRONG)
    refused = _sign_in(client, WRONG)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "4"
    assert "Liian monta väärää yritystä" in refused.text
    assert "4 sekunnin päästä" in refused.text


def test_an_unknown_address_is_delayed_alike(app, frozen):
    client = _from(app, "127.0.0.2")
    for _ in range(5):
        assert _sign_in(client, WRONG, email="ei.ketaan@example.fi").status_code == 422
    assert _sign_in(client, WRONG, email="ei.ketaan@example.fi").status_code == 429


def test_the_persons_own_device_never_meets_the_delay_others_caused(app, frozen):
    own = _from(app, "127.0.0.2")
    assert _sign_in(own, PASSWORD).status_code == 303
    own.post("/logout", data={"csrf_token": csrf_token(own, "/")})
    for n in range(8):
        _sign_in(_from(app, f"127.0.1.{n}"), WRONG)
    assert _sign_in(_from(app, "127.0.2.1"), PASSWORD).status_code == 429
    # The device the person has signed in on before goes straight in.
    assert _sign_in(own, PASSWORD).status_code == 303
    # A forged device cookie is not the person's device.
    stranger = _from(app, "127.0.2.2")
    stranger.set_cookie("portal_device", "W10.forged")
    assert _sign_in(stranger, PASSWORD).status_code == 429


def test_the_account_holder_is_emailed_once_after_a_burst(app, frozen):
    for n in range(throttle.BURST + 3):
        _sign_in(_from(app, f"127.0.0.{n + 2}"), WRONG)
        frozen.advance(throttle.LONGEST_WAIT)
    emails = list(OutboxEmail.select().where(OutboxEmail.to_address == RESIDENT))
    told = [e for e in emails if "kirjautua" in e.body_text]
    assert len(told) == 1
    assert told[0].language == "fi"
    assert "10 kertaa peräkkäin" in told[0].body_text
    assert "09 " in told[0].body_text  # customer service's number


def test_staff_one_time_codes_meet_the_same_delays(app, frozen):
    app.config["STAFF_TOTP_REQUIRED"] = True
    staff = Person.get(Person.email == CUSTOMER_SERVICE)
    secret = totp.new_secret()
    Person.update(totp_secret=secret, totp_last_step=0).where(Person.id == staff.id).execute()
    client = _from(app, "127.0.0.2")
    use_language(client, "en")
    assert _sign_in(client, PASSWORD, email=CUSTOMER_SERVICE).status_code == 303
    right = totp.code_at(secret, totp.current_step())
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        token = csrf_token(client, "/login/code")
        answer = client.post("/login/code", data={"code": wrong, "csrf_token": token})
        assert answer.status_code == 422
    token = csrf_token(client, "/login/code")
    refused = client.post("/login/code", data={"code": right, "csrf_token": token})
    assert refused.status_code == 429
    assert "Too many wrong attempts" in refused.text
    frozen.advance(datetime.timedelta(seconds=1))
    token = csrf_token(client, "/login/code")
    assert client.post("/login/code", data={"code": right, "csrf_token": token}).status_code == 303


def _change_account(client, password):
    return client.post(
        "/profile/bank-account",
        data={
            "bank-iban": "FI2112345600000785",
            "bank-password": password,
            "csrf_token": csrf_token(client, "/profile"),
        },
    )


def test_password_confirmations_meet_the_delays(app, frozen):
    client = app.test_client()
    use_language(client, "en")
    assert sign_in(client, RESIDENT).status_code == 303
    age_sign_in(client, 3600)
    answers = [_change_account(client, WRONG).status_code for _ in range(5)]
    assert answers == [422] * 5
    refused = _change_account(client, PASSWORD)
    assert refused.status_code == 429
    assert "Liian monta väärää yritystä" in refused.text
    assert not Token.select().where(Token.purpose == Token.BANK_ACCOUNT).exists()
    frozen.advance(datetime.timedelta(seconds=1))
    assert _change_account(client, PASSWORD).status_code == 303


def test_a_stolen_session_cannot_delay_the_persons_own_confirmations(app, frozen):
    own = app.test_client()
    use_language(own, "en")
    assert sign_in(own, RESIDENT).status_code == 303
    age_sign_in(own, 3600)
    stolen = app.test_client()
    for cookie in ("portal_session",):
        stolen.set_cookie(cookie, own.get_cookie(cookie).value)
    for _ in range(8):
        _change_account(stolen, WRONG)
    assert _change_account(stolen, PASSWORD).status_code == 429
    assert _change_account(own, PASSWORD).status_code == 303


def test_setting_a_password_voids_the_other_links(app, client):
    use_language(client, "en")
    for _ in range(2):
        token = csrf_token(client, "/password/forgot")
        client.post("/password/forgot", data={"email": RESIDENT, "csrf_token": token})
    links = [
        re.search(r"/password/reset\?t=(\S+)", e.body_text).group(1)
        for e in OutboxEmail.select().where(OutboxEmail.to_address == RESIDENT)
        if "/password/reset?t=" in e.body_text
    ]
    assert len(links) == 2
    page = client.get(f"/password/reset?t={links[0]}", follow_redirects=True)
    assert "Choose a new password" in page.text
    token = csrf_token(client, "/password/reset")
    new = "Uusi-salasana-2027!"
    done = client.post(
        "/password/reset", data={"password": new, "confirm": new, "csrf_token": token}
    )
    assert done.status_code == 303
    other = app.test_client()
    use_language(other, "en")
    refused = other.get(f"/password/reset?t={links[1]}", follow_redirects=True)
    assert refused.status_code == 400
    assert "The link has already been used" in refused.text
    assert not Token.select().where((Token.email == RESIDENT) & Token.used_at.is_null()).exists()


def test_a_visitor_report_at_its_limit_keeps_what_was_typed(tmp_path, database_url):
    from portal import create_app
    from portal.models import Residency
    from tests import conftest

    app = create_app(conftest.test_settings(tmp_path, RATELIMIT_ENABLED=True))
    client = _from(app, "127.0.0.2")
    use_language(client, "sv")
    building = Residency.get(Residency.first_name == "Aino").lease.apartment.building
    fields = {"name": "Ville Vieras", "building": str(building.id), "apartment_number": "A 1"}
    answers = [post_report(client, "/defects/report", **fields).status_code for _ in range(5)]
    assert answers == [200] * 5
    refused = post_report(
        client, "/defects/report", **{**fields, "description": "Kylpyhuoneen lattia on märkä."}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Kylpyhuoneen lattia on märkä." in refused.text
    assert "Ville Vieras" in refused.text
    assert "Skicka det igen om" in refused.text
    assert GOOD["phone"] in refused.text
