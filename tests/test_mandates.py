"""Powers of attorney: giving, revoking, paper ones registered by staff, and acting under them."""

import datetime
import io

import pytest

from portal import access, catalog, clock
from portal.models import (
    AuditEntry,
    Lease,
    Mandate,
    OutboxEmail,
    ParkingContract,
    Residency,
    ServiceRequest,
)
from portal.services.dates import notice_end
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    OTHER_RESIDENT,
    RESIDENT,
    SWEDISH_RESIDENT,
    age_sign_in,
    csrf_token,
    sign_in,
    use_language,
)

AGENT = "kaisa.lehtonen@example.fi"
NEW_AGENT = "outi.ulkopuolinen@example.fi"


def mandate_of(first_name: str) -> Mandate:
    return (
        Mandate.select()
        .join(Residency, on=(Mandate.grantor == Residency.id))
        .where(Residency.first_name == first_name)
        .order_by(Mandate.id)
        .first()
    )


def signed_in(app, email, language="en"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    use_language(client, language)
    return client


def act_for(client, mandate: Mandate):
    token = csrf_token(client, "/mandates/")
    return client.post(f"/mandates/{mandate.id}/act", data={"csrf_token": token})


def give(client, **overrides):
    data = {
        "agent_first_name": "Outi",
        "agent_last_name": "Ulkopuolinen",
        "agent_email": NEW_AGENT,
        "kind": "specific",
        "scopes": ["terminate_parking_sauna"],
        "valid_from": clock.today().isoformat(),
        "valid_until": "",
        "other_matters": "",
        "csrf_token": csrf_token(client, "/mandates/new"),
        **overrides,
    }
    return client.post("/mandates/new", data=data)


def aino_contract() -> ParkingContract:
    lease = Residency.get(Residency.first_name == "Aino").lease_id
    return ParkingContract.get(
        (ParkingContract.lease == lease) & ParkingContract.end_date.is_null()
    )


def test_a_resident_gives_a_power_of_attorney_and_both_are_told(login_as):
    client = login_as(RESIDENT)
    page = client.get("/mandates/new")
    assert page.status_code == 200
    assert "Sturenkatu 21 A 4" in page.text
    response = give(client, other_matters="Saunavuoron vaihto")
    assert response.status_code == 303
    mandate = Mandate.get(Mandate.agent_email == NEW_AGENT)
    assert (mandate.status, mandate.method, mandate.scopes) == (
        Mandate.ACTIVE,
        Mandate.PORTAL,
        "terminate_parking_sauna",
    )
    assert mandate.given_by.email == RESIDENT
    shown = client.get(response.headers["Location"]).text
    assert "Terminate a parking space or a sauna turn" in shown
    assert "Saunavuoron vaihto" in shown
    assert "Power of attorney given in the portal" in shown
    # The agent has no username yet: told how to make one; Aino in Finnish.
    to_agent = OutboxEmail.get(OutboxEmail.to_address == NEW_AGENT)
    assert to_agent.subject == "Aino Virtanen on antanut sinulle valtakirjan"
    assert "/register" in to_agent.body_text
    to_grantor = OutboxEmail.get(OutboxEmail.to_address == RESIDENT)
    assert "Outi Ulkopuolinen" in to_grantor.subject
    assert f"/mandates/{mandate.id}" in to_grantor.body_text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"agent_email": RESIDENT}, "You cannot give a power of attorney to yourself."),
        ({"scopes": []}, "Choose at least one matter."),
        ({"kind": ""}, "Choose what the power of attorney covers."),
        ({"agent_email": "not an address"}, "Enter an email address"),
        ({"agent_first_name": ""}, "Write the first name."),
        ({"valid_from": "2020-01-01"}, "The first day cannot be in the past."),
        ({"valid_until": "1.1.2021"}, "The last day cannot be before the first day."),
        ({"valid_from": "31.2.2027"}, "Write the date as dd.mm.yyyy"),
    ],
)
def test_bad_input_gives_a_message_and_stores_nothing(login_as, overrides, message):
    client = login_as(RESIDENT)
    before = Mandate.select().count()
    response = give(client, **overrides)
    assert response.status_code == 422
    assert message in response.text
    assert Mandate.select().count() == before


def test_giving_after_a_while_needs_the_password(login_as):
    client = login_as(RESIDENT)
    age_sign_in(client, 2 * 3600)
    assert "Your password" in client.get("/mandates/new").text
    response = give(client, password="wrong")
    assert response.status_code == 422
    assert "The password was not right." in response.text
    assert not Mandate.select().where(Mandate.agent_email == NEW_AGENT).exists()
    assert give(client, password="Kotiportaali-2026").status_code == 303
    assert Mandate.select().where(Mandate.agent_email == NEW_AGENT).exists()


def test_an_agent_with_a_parking_scope_can_terminate_parking_but_not_the_lease(app):
    mandate = mandate_of("Aino")
    agent = signed_in(app, AGENT)
    # The header offers the switch; acting starts from the list of received mandates.
    assert "Act for someone" in agent.get("/mandates/").text
    assert act_for(agent, mandate).status_code == 303
    home = agent.get("/").text
    assert "You are handling the matters of Aino Virtanen, Sturenkatu 21 A 4" in home
    assert "Terminate a parking space or a sauna turn" in home

    contract = aino_contract()
    page = agent.get(f"/bookings/parking/contracts/{contract.id}/terminate")
    assert page.status_code == 200
    token = csrf_token(agent, "/bookings/parking")
    response = agent.post(
        f"/bookings/parking/contracts/{contract.id}/terminate", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert ParkingContract.get_by_id(contract.id).end_date is not None

    # The lease is out of reach: the form, the submission, and other matters.
    refused = agent.get("/requests/new/lease_termination")
    assert refused.status_code == 403
    assert "does not cover this matter" in refused.text
    before = ServiceRequest.select().count()
    posted = agent.post(
        "/requests/new/lease_termination",
        data={"csrf_token": token, "extent": "all", "end_date": "2027-03-31"},
    )
    assert posted.status_code == 403
    assert ServiceRequest.select().count() == before
    lease_id = Residency.get(Residency.first_name == "Aino").lease_id
    assert Lease.get_by_id(lease_id).end_date is None
    assert agent.get("/defects/").status_code == 403
    assert agent.get("/messages/").status_code == 403
    # Information on the agreement and payments is in the mandate.
    assert agent.get("/lease").status_code == 200
    assert agent.get("/payments/").status_code == 200
    # The household's other requests stay hidden: Aino's DIY permit application.
    diy = ServiceRequest.get(
        (ServiceRequest.lease == lease_id) & (ServiceRequest.type_key == "diy_renovation")
    )
    assert agent.get(f"/requests/{diy.id}").status_code == 404
    listed = agent.get("/requests/").text
    assert "Apply for a DIY" not in listed

    entry = AuditEntry.get(AuditEntry.action == "acted:parking.terminate")
    assert entry.actor.email == AGENT
    assert entry.subject.email == RESIDENT
    assert entry.mandate_id == mandate.id
    assert not AuditEntry.select().where(AuditEntry.action.contains("lease_termination")).exists()

    # Aino sees what was done, and by whom.
    aino = signed_in(app, RESIDENT)
    history = aino.get(f"/mandates/{mandate.id}").text
    assert "Gave notice on a parking space" in history
    assert "Began handling the matters" in history
    assert "Kaisa Lehtonen" in history


def test_an_estate_agent_with_a_general_mandate_terminates_the_lease(app):
    """Pirjo has no username: her daughter acts with a paper mandate staff verified."""
    mandate = mandate_of("Pirjo")
    agent = signed_in(app, AGENT, "fi")
    act_for(agent, mandate)
    form = agent.get("/requests/new/lease_termination")
    assert form.status_code == 200
    token = csrf_token(agent, "/requests/new/lease_termination")
    response = agent.post(
        "/requests/new/lease_termination",
        data={
            "csrf_token": token,
            "extent": "all",
            "end_date": notice_end(clock.today(), 1).isoformat(),
            "new_address": "Hoivakoti, Helsinki",
            "phone": "040 765 4321",
        },
    )
    assert response.status_code == 303, response.text
    created = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    assert created.submitted_by.email == AGENT
    assert created.on_behalf_of.first_name == "Pirjo"
    assert created.mandate_id == mandate.id
    # Nobody else's consent is asked: Pirjo is the only party to the lease.
    assert not created.consents.exists()
    staff = signed_in(app, CUSTOMER_SERVICE)
    page = staff.get(f"/staff/requests/{created.id}").text
    assert "Sent with a power of attorney on behalf of Pirjo Lehtonen." in page
    assert AuditEntry.get(AuditEntry.action == "acted:requests.new").detail == (
        f"/requests/{created.id}"
    )


def test_a_revoked_mandate_stops_at_once(app):
    mandate = mandate_of("Aino")
    agent = signed_in(app, AGENT)
    act_for(agent, mandate)
    assert agent.get("/bookings/parking").status_code == 200
    aino = signed_in(app, RESIDENT)
    token = csrf_token(aino, f"/mandates/{mandate.id}")
    assert (
        aino.post(f"/mandates/{mandate.id}/revoke", data={"csrf_token": token}).status_code == 303
    )
    assert Mandate.get_by_id(mandate.id).status == Mandate.REVOKED
    after = agent.get("/bookings/parking")
    # Kaisa has no home of her own: the resident pages close and Aino's data is gone.
    assert after.status_code == 403
    assert "Sturenkatu 21 A 4" not in after.text
    assert "is no longer in force" in after.text
    assert act_for(agent, mandate).status_code == 303
    assert agent.get("/lease").status_code == 403
    ended = OutboxEmail.select().where(OutboxEmail.to_address == AGENT).order_by(OutboxEmail.id)
    assert "has ended" in list(ended)[-1].subject or "päättynyt" in list(ended)[-1].subject


def test_an_expired_or_future_mandate_gives_no_access(app):
    mandate = mandate_of("Aino")
    agent = signed_in(app, AGENT)
    act_for(agent, mandate)
    assert agent.get("/lease").status_code == 200
    yesterday = clock.today() - datetime.timedelta(days=1)
    Mandate.update(valid_until=yesterday).where(Mandate.id == mandate.id).execute()
    assert agent.get("/lease").status_code == 403
    assert act_for(agent, mandate).status_code == 303
    assert agent.get("/lease").status_code == 403
    assert "Expired" in agent.get("/mandates/").text
    Mandate.update(
        valid_from=clock.today() + datetime.timedelta(days=5),
        valid_until=clock.today() + datetime.timedelta(days=9),
    ).where(Mandate.id == mandate.id).execute()
    act_for(agent, mandate)
    assert agent.get("/lease").status_code == 403


def test_only_the_agent_can_use_a_mandate(app):
    mandate = mandate_of("Aino")
    # Elias lives with Aino but was not given it: he cannot even read it.
    elias = signed_in(app, OTHER_RESIDENT)
    assert elias.get(f"/mandates/{mandate.id}").status_code == 404
    assert act_for(elias, mandate).status_code == 404
    # Aino gave it; she reads it but acting is for Kaisa.
    aino = signed_in(app, RESIDENT)
    response = act_for(aino, mandate)
    assert response.status_code == 303
    assert access.ACTING_KEY not in _session(aino)
    # Staff never act, and a session naming someone else's mandate is forgotten.
    with elias.session_transaction() as session:
        session[access.ACTING_KEY] = mandate.id
    page = elias.get("/lease")
    assert page.status_code == 200
    assert "is no longer in force" in page.text
    assert access.ACTING_KEY not in _session(elias)


def _session(client):
    with client.session_transaction() as session:
        return dict(session)


def test_staff_register_verify_and_end_a_paper_mandate(app):
    from portal.demo import rescue_plan_pdf

    staff = signed_in(app, CUSTOMER_SERVICE)
    veikko = Residency.get(Residency.first_name == "Veikko")
    number = veikko.lease.number
    page = staff.get(f"/staff/mandates/register?lease={number}")
    assert "Veikko Heinonen" in page.text
    token = csrf_token(staff, f"/staff/mandates/register?lease={number}")
    data = {
        "csrf_token": token,
        "grantor": str(veikko.id),
        "agent_first_name": "Outi",
        "agent_last_name": "Ulkopuolinen",
        "agent_email": NEW_AGENT,
        "kind": "specific",
        "scopes": ["keys", "information"],
        "valid_from": clock.today().isoformat(),
    }
    missing = staff.post(f"/staff/mandates/register?lease={number}", data=data)
    assert missing.status_code == 422
    assert "Attach the scanned power of attorney." in missing.text
    bad = staff.post(
        f"/staff/mandates/register?lease={number}",
        data={**data, "document": (io.BytesIO(b"not a pdf"), "valtakirja.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert not Mandate.select().where(Mandate.agent_email == NEW_AGENT).exists()
    response = staff.post(
        f"/staff/mandates/register?lease={number}",
        data={**data, "document": (io.BytesIO(rescue_plan_pdf("Veikko")), "valtakirja.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    mandate = Mandate.get(Mandate.agent_email == NEW_AGENT)
    assert (mandate.status, mandate.method, mandate.scopes) == (
        "pending",
        "paper",
        "keys,information",
    )
    assert mandate.registered_by.email == CUSTOMER_SERVICE
    document = staff.get(f"/staff/mandates/{mandate.id}/document")
    assert document.status_code == 200 and document.data.startswith(b"%PDF-")
    assert (
        "Veikko Heinonen → Outi Ulkopuolinen" in staff.get("/staff/mandates/?status=pending").text
    )

    token = csrf_token(staff, f"/staff/mandates/{mandate.id}")
    assert (
        staff.post(f"/staff/mandates/{mandate.id}/verify", data={"csrf_token": token}).status_code
        == 303
    )
    mandate = Mandate.get_by_id(mandate.id)
    assert mandate.status == Mandate.ACTIVE and mandate.verified_by.email == CUSTOMER_SERVICE
    assert OutboxEmail.select().where(OutboxEmail.to_address == NEW_AGENT).count() == 1
    # Verifying twice changes nothing.
    staff.post(f"/staff/mandates/{mandate.id}/verify", data={"csrf_token": token})
    assert OutboxEmail.select().where(OutboxEmail.to_address == NEW_AGENT).count() == 1

    response = staff.post(
        f"/staff/mandates/{mandate.id}/end",
        data={"csrf_token": token, "note": "Päämies peruutti puhelimessa."},
    )
    assert response.status_code == 303
    mandate = Mandate.get_by_id(mandate.id)
    assert mandate.status == Mandate.ENDED and mandate.ended_by.email == CUSTOMER_SERVICE
    last = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == NEW_AGENT)
        .order_by(OutboxEmail.id.desc())
        .get()
    )
    assert "Päämies peruutti puhelimessa." in last.body_text
    history = staff.get(f"/staff/mandates/{mandate.id}").text
    for line in ("Registered by customer service", "Verified by customer service", "Ended by"):
        assert line in history


def test_the_as_oy_team_sees_only_its_own_buildings_mandates(app):
    staff = signed_in(app, ASOY_STAFF)
    pirjo = mandate_of("Pirjo")
    assert staff.get(f"/staff/mandates/{pirjo.id}").status_code == 404
    assert "Pirjo" not in staff.get("/staff/mandates/?status=all").text
    number = Residency.get(Residency.first_name == "Pirjo").lease.number
    assert staff.get(f"/staff/mandates/register?lease={number}").status_code == 404


def test_the_paper_form_is_filled_in_for_a_resident_and_blank_for_others(app, client):
    aino = signed_in(app, RESIDENT, "sv")
    page = aino.get("/mandates/form").text
    assert "Fullmakt som gäller hyresförhållandet" in page
    lease = Residency.get(Residency.first_name == "Aino").lease
    assert "Aino Virtanen" in page and lease.number in page
    client.set_cookie("locale", "fi")
    blank = client.get("/mandates/form")
    assert blank.status_code == 200
    assert "Vuokrasuhdetta koskeva valtakirja" in blank.text
    assert "Aino" not in blank.text


def test_every_change_an_agent_can_make_has_a_line_in_the_grantors_history(app):
    from portal.services.mandates import HISTORY_LABELS

    table = app.extensions["access_table"]
    unlabelled = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if table[rule.endpoint].kind in (access.RESIDENT, access.LEASE_PARTY)
        and rule.methods - {"GET", "HEAD", "OPTIONS"}
        and rule.endpoint not in access.NOT_ACTIONS
        and f"acted:{rule.endpoint}" not in HISTORY_LABELS
    ]
    assert not unlabelled


def test_request_scopes_of_the_catalog_are_mandate_scopes():
    for entry in catalog.CATALOG.values():
        assert entry.mandate_scope is None or entry.mandate_scope in catalog.MANDATE_SCOPES


def test_the_swedish_resident_sees_her_pending_paper_mandate(app):
    sofia = signed_in(app, SWEDISH_RESIDENT, "sv")
    page = sofia.get("/mandates/").text
    assert "Erik Lindqvist" in page
    assert mandate_of("Sofia").status == Mandate.PENDING
