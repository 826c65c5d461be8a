"""An agent acting under a specific power of attorney sees only what the mandate covers.

Kaisa acts for Aino under a mandate for parking spaces, sauna turns and information: she
books, applies and gives notice there, and finds no way into the lease termination.
"""

import datetime
import re

from portal import clock
from portal.models import Mandate, ParkingApplication, Residency, SaunaBooking
from portal.services import saunas
from tests.conftest import AGENT, csrf_token, sign_in, use_language

FORM_RE = re.compile(r'<form action="([^"]+)" method="post">(.*?)</form>', re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def acting_for_aino(app):
    agent = app.test_client()
    assert sign_in(agent, AGENT).status_code == 303
    use_language(agent, "fi")
    mandate = (
        Mandate.select()
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .where(Residency.first_name == "Aino")
        .first()
    )
    token = csrf_token(agent, "/mandates/")
    assert agent.post(f"/mandates/{mandate.id}/act", data={"csrf_token": token}).status_code == 303
    return agent, mandate


def forms_to(page: str, path: str) -> list[dict[str, str]]:
    """The hidden fields of each form on the page that posts to ``path``."""
    return [
        dict(HIDDEN_RE.findall(body)) for action, body in FORM_RE.findall(page) if action == path
    ]


def links(page: str) -> set[str]:
    return {
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/[^"#]*)"', page)
        if not href.startswith("/static/")
    }


def test_every_link_on_the_agents_pages_opens(app):
    agent, _mandate = acting_for_aino(app)
    for page in ("/", "/bookings/", "/bookings/sauna", "/bookings/parking", "/lease"):
        for href in links(agent.get(page).text):
            assert agent.get(href).status_code != 403, (page, href)


def test_the_lease_page_offers_the_agent_no_termination(app):
    agent, _mandate = acting_for_aino(app)
    page = agent.get("/lease")
    assert page.status_code == 200
    assert "/requests/new/lease_termination" not in page.text
    assert "Irtisano vuokrasopimus" not in page.text
    assert "/requests/new/resident_change" not in page.text


def test_the_agent_books_a_sauna_turn_for_the_household(app):
    # Aino's household already has a turn: room for a second one.
    app.config["SAUNA_TURNS_PER_HOUSEHOLD"] = 2
    agent, mandate = acting_for_aino(app)
    lease_id = Residency.get_by_id(mandate.grantor_id).lease_id
    # Next week's page: late in a week every turn of this one may be over already.
    week = saunas.week_label(saunas.monday_of(clock.today()) + datetime.timedelta(days=7))
    page = agent.get(f"/bookings/sauna?week={week}").text
    offered = forms_to(page, "/bookings/sauna/request")
    assert offered, "no free turn offered for booking"
    before = SaunaBooking.select().where(SaunaBooking.lease == lease_id).count()
    response = agent.post("/bookings/sauna/request", data=offered[0])
    assert response.status_code == 303
    assert SaunaBooking.select().where(SaunaBooking.lease == lease_id).count() == before + 1
    assert agent.get("/bookings/sauna.ics").status_code == 200


def test_the_agent_applies_for_a_parking_space_and_opens_the_application(app):
    # Aino's household has a space and an application already: room for one more.
    app.config["PARKING_PER_HOUSEHOLD"] = 3
    agent, mandate = acting_for_aino(app)
    lease_id = Residency.get_by_id(mandate.grantor_id).lease_id
    page = agent.get("/bookings/parking").text
    offered = forms_to(page, "/bookings/parking/apply")
    assert offered, "no parking space offered for applying"
    before = ParkingApplication.select().where(ParkingApplication.lease == lease_id).count()
    response = agent.post("/bookings/parking/apply", data=offered[-1])
    assert response.status_code == 303
    assert ParkingApplication.select().where(ParkingApplication.lease == lease_id).count() > before
    assert agent.get(response.headers["Location"]).status_code == 200
