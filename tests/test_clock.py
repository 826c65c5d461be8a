"""The portal's one clock: settable, in Helsinki time, and the only clock the portal reads."""

import datetime
import re
from pathlib import Path

import pytest

from portal import clock, create_app
from portal.config import ConfigError, from_environment
from portal.services import accounts
from tests import conftest
from tests.conftest import START

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# Reading the machine's clock directly, which would leave the portal's clock behind.
MACHINE_CLOCK = re.compile(r"\b(?:datetime\.(?:datetime\.)?now\(|date\.today\(|time\.time\()")
# Where the machine's time is right, each file saying why: the clock itself, rate-limit
# windows (reckoned by the limits library), one-time codes (which the phone's app computes
# from real time) and the ages of files (stamped by the file system).
MACHINE_CLOCK_ALLOWED = {"clock.py", "ratelimit.py", "services/totp.py", "services/housekeeping.py"}


def test_only_the_clock_reads_the_machines_time():
    offenders = []
    for path in PORTAL.rglob("*.py"):
        name = path.relative_to(PORTAL).as_posix()
        if name in MACHINE_CLOCK_ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if MACHINE_CLOCK.search(code) and "clock." not in code:
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_clock_can_be_set_stopped_and_moved_on():
    clock.set_to(clock.parse("2028-02-29T23:30"), running=False)
    assert clock.today() == datetime.date(2028, 2, 29)
    assert clock.helsinki_now().utcoffset() == datetime.timedelta(hours=2)
    assert clock.utcnow() == datetime.datetime(2028, 2, 29, 21, 30)
    assert clock.timestamp() == clock.timestamp()  # stopped
    clock.advance(datetime.timedelta(minutes=45))
    assert clock.today() == datetime.date(2028, 3, 1)
    clock.set_to(clock.parse("2027-10-31T03:59:59+03:00"), running=False)
    clock.advance(datetime.timedelta(seconds=1))
    # The clocks go back at 04:00 summer time: the next second is 03:00 winter time.
    assert clock.helsinki_now().strftime("%H:%M %z") == "03:00 +0200"


def test_tests_start_at_the_runs_moment(clock_at_start):
    assert clock_at_start == START
    assert abs(clock.timestamp() - START.timestamp()) < 3600


@pytest.mark.parametrize(
    ("moment", "answers"),
    [
        ("2028-02-29T10:00", "Customer service answers now."),
        ("2028-02-29T23:00", "The on-call service answers now."),
        # Friday's phone hours end at noon (the seed's hours).
        ("2027-01-08T11:59:59", "Customer service answers now."),
        ("2027-01-08T12:00", "The on-call service answers now."),
    ],
)
def test_the_clock_setting_moves_the_whole_portal(tmp_path, database_url, moment, answers):
    app = create_app(conftest.test_settings(tmp_path, CLOCK=moment))
    assert clock.is_moved()
    assert clock.today() == datetime.date.fromisoformat(moment[:10])
    page = app.test_client().get("/", headers={"Accept-Language": "en"}).text
    assert answers in page
    clock.reset()
    assert not clock.is_moved()


@pytest.mark.parametrize("setting", ["tomorrow", "2028-02-30T10:00", "29.2.2028"])
def test_a_clock_setting_that_cannot_be_read_stops_the_start(tmp_path, setting):
    with pytest.raises(ConfigError, match="PORTAL_CLOCK"):
        create_app(conftest.test_settings(tmp_path, CLOCK=setting))


def test_production_refuses_a_moved_clock_and_fast_password_hashes():
    production = {**conftest.PRODUCTION, "CLOCK": "", "PASSWORD_HASHING": "strong"}
    with pytest.raises(ConfigError, match="PORTAL_CLOCK"):
        from_environment({**production, "CLOCK": "2028-02-29T10:00"})
    with pytest.raises(ConfigError, match="PORTAL_PASSWORD_HASHING"):
        from_environment({**production, "PASSWORD_HASHING": "fast"})
    settings = from_environment(production)
    assert settings["CLOCK"] == "" and settings["PASSWORD_HASHING"] == "strong"


def test_strong_password_hashes_use_rfc_9106_parameters(tmp_path, database_url):
    from argon2 import extract_parameters, profiles

    create_app(conftest.test_settings(tmp_path, PASSWORD_HASHING="strong"))
    try:
        stored = extract_parameters(accounts.hash_password("Kotiportaali-2099!"))
        assert (stored.time_cost, stored.memory_cost, stored.parallelism) == (
            profiles.RFC_9106_LOW_MEMORY.time_cost,
            profiles.RFC_9106_LOW_MEMORY.memory_cost,
            profiles.RFC_9106_LOW_MEMORY.parallelism,
        )
        assert (stored.time_cost, stored.memory_cost) == (3, 65536)
    finally:
        accounts.use_hashing("fast")
