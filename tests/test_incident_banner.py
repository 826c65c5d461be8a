"""The incident banner: one line on every page of a resident whose building (or stairwell)
has works in force or starting within three days, in their language; never for visitors or
staff; at most 300 bytes on the wire; and no query of its own on most pages."""

import datetime
import re

import brotli

from portal import clock
from portal.models import Building, Mandate, Person, Residency
from portal.services import incidents
from tests.conftest import (
    ADMIN,
    AGENT,
    ASOY_RESIDENT,
    CUSTOMER_SERVICE,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)
from tests.test_incidents import make_incident

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
BANNER = re.compile(r'<p class="incident-banner[^"]*">.*?</p>', re.S)
# Sofia lives in Vääksyntie 6, stairwell B, where the demo has no incident.
HOME = "Vääksyntie 6"


def _now() -> datetime.datetime:
    return clock.utcnow().replace(microsecond=0)


def _freeze() -> datetime.datetime:
    """Stop the clock at this second, so that edges can be met exactly."""
    moment = _now()
    clock.set_to(moment.replace(tzinfo=datetime.UTC), running=False)
    return moment


def _incident(start, end, **where):
    """An incident stored as announcing would (``test_incidents.make_incident``), in Sofia's
    building unless ``where`` names another street or a stairwell."""
    return make_incident(start=start, end=end, **where)


def _banner(client, path="/profile") -> str | None:
    page = client.get(path)
    assert page.status_code == 200
    found = BANNER.search(page.get_data(as_text=True))
    return found.group(0) if found else None


def _resident(app, email=SWEDISH_RESIDENT, language="en"):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, language)
    return client


def test_scheduled_works_show_from_three_days_before_their_start(app):
    now = _freeze()
    client = _resident(app)
    _incident(now + 3 * DAY + datetime.timedelta(seconds=1), now + 3 * DAY + 4 * HOUR)
    assert _banner(client) is None
    _incident(now + 3 * DAY, now + 3 * DAY + 4 * HOUR)
    banner = _banner(client)
    assert "<strong>Water</strong> · " in banner
    assert "until" not in banner
    assert '<a href="/#incidents">' in banner


def test_works_in_force_show_until_their_end_and_not_at_it(app):
    now = _freeze()
    client = _resident(app)
    _incident(now - HOUR, now)
    assert _banner(client) is None
    _incident(now - HOUR, now + datetime.timedelta(seconds=1))
    banner = _banner(client)
    # Once begun, the start goes without saying.
    assert "<strong>Water</strong> · until " in banner
    assert " – " not in banner


def test_the_kept_rows_still_meet_the_edges_to_the_second(app):
    now = _freeze()
    client = _resident(app)
    _incident(now + 3 * DAY + 10 * SECOND, now + 3 * DAY + HOUR)
    ending = _incident(now - HOUR, now + 10 * SECOND)
    assert "until" in _banner(client)
    # Ten seconds on, with the rows read before: the one ends, the other starts to show.
    clock.set_to((now + 10 * SECOND).replace(tzinfo=datetime.UTC), running=False)
    banner = _banner(client)
    assert "until" not in banner and " – " in banner
    assert ending.id not in [shown.incident_id for shown in _shown(now + 10 * SECOND)]


def _shown(moment):
    street = Building.get(Building.street_address == HOME)
    return incidents.shown_to_home(street.id, "B", moment)


def test_resolved_works_leave_the_banner_at_once(app):
    now = _freeze()
    client = _resident(app)
    incident = _incident(now - HOUR, now + 2 * HOUR)
    assert _banner(client) is not None
    with app.app_context():
        incidents.resolve(Person.get(Person.email == ADMIN), incident, public_url="")
    assert _banner(client) is None


def test_only_the_stairwell_named_sees_it(app):
    now = _freeze()
    client = _resident(app)
    _incident(now - HOUR, now + HOUR, stairwell="C")
    _incident(now - HOUR, now + HOUR, street="Sturenkatu 21")
    assert _banner(client) is None
    _incident(now - HOUR, now + HOUR, stairwell="B")
    assert _banner(client) is not None


def test_the_banner_is_on_every_page_in_the_residents_language(app):
    now = _freeze()
    _incident(now - HOUR, now + 2 * HOUR)
    _incident(now + HOUR, now + 5 * HOUR)
    client = _resident(app, language="sv")
    for path in ("/", "/profile", "/defects/", "/mandates/", "/payments/"):
        banner = _banner(client, path)
        assert banner is not None, path
        assert "Störning i ditt hus:" in banner
        assert "<strong>Vatten</strong> · till " in banner
        assert "Och 1 till." in banner
    use_language(client, "fi")
    banner = _banner(client)
    assert "Häiriö talossasi:" in banner and " asti" in banner


def test_an_emergency_says_so(app):
    # The demo's broken lock in Kalliolanrinne 4, where Hanna lives, since an hour ago.
    client = _resident(app, ASOY_RESIDENT)
    banner = _banner(client)
    assert 'class="incident-banner emergency"' in banner
    assert "<strong>Emergency: Door or lock</strong>" in banner


def test_visitors_and_staff_see_no_banner(app):
    now = _freeze()
    _incident(now - HOUR, now + HOUR)
    visitor = app.test_client()
    assert _banner(visitor, "/") is None
    assert _banner(visitor, "/defects/report") is None
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    assert _banner(staff, "/staff/") is None


def test_the_banner_adds_at_most_300_bytes_to_a_compressed_page(app):
    now = _freeze()
    client = _resident(app)
    headers = {"Accept-Encoding": "br"}
    before = client.get("/profile", headers=headers)
    # The longest line: an emergency whose end is on another day, with others beside it.
    _incident(now - HOUR, now + 2 * DAY, emergency=True)
    _incident(now + HOUR, now + 5 * HOUR)
    after = client.get("/profile", headers=headers)
    assert after.headers["Content-Encoding"] == "br"
    banner = BANNER.search(brotli.decompress(after.data).decode()).group(0)
    assert "Emergency" in banner and "And 1 more." in banner
    assert len(after.data) - len(before.data) <= 300


def test_most_pages_read_the_banner_without_a_query_of_their_own(app, queries):
    now = _freeze()
    client = _resident(app, RESIDENT)
    assert _banner(client) is not None  # the demo's water cut in Sturenkatu 21
    queries.clear()
    assert _banner(client) is not None
    assert not [sql for sql in queries if "incident" in sql], queries
    # A change made here is seen at the next page.
    _incident(now - HOUR, now + HOUR, street="Sturenkatu 21", emergency=True)
    assert "Emergency" in _banner(client)


def test_an_agent_acting_for_a_resident_sees_the_banner_of_the_grantors_building(app):
    # Kaisa acts for Aino (parking, sauna and payments), whose building has the demo's water
    # cut; Kaisa has no home of her own in the register.
    client = _resident(app, AGENT)
    assert _banner(client, "/mandates/") is None
    aino = (
        Mandate.select()
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .where((Residency.first_name == "Aino") & (Mandate.agent_email == AGENT))
        .get()
    )
    token = csrf_token(client, "/mandates/")
    assert client.post(f"/mandates/{aino.id}/act", data={"csrf_token": token}).status_code == 303
    banner = _banner(client, "/payments/")
    assert banner is not None and "<strong>Water</strong>" in banner
