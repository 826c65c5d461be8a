"""Every staff page, count and search stays within the buildings the staff member serves.

The As Oy team serves only the As Oy buildings; rental customer service serves every
building, but a conversation is answered only by the team it was routed to. The data below
gives a resident, Hanna, a home in both kinds of building, and puts rows of both kinds in
every queue, so that each list, count and page has something it must leave out.
"""

import datetime
import re
from decimal import Decimal

import pytest

from portal import clock
from portal.models import (
    Apartment,
    Building,
    DefectReport,
    Incident,
    IncidentArea,
    Lease,
    Mandate,
    MessageThread,
    Notice,
    NoticeBuilding,
    ParkingApplication,
    ParkingArea,
    ParkingAreaBuilding,
    ParkingContract,
    ParkingSpace,
    Person,
    Residency,
    ServiceRequest,
    ServiceTeam,
)
from tests.conftest import (
    ASOY_RESIDENT,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    csrf_token,
    sign_in,
    use_language,
)

# What only a page about the rental buildings shows: their addresses and residents.
RENTAL_MARKERS = ("Sturenkatu", "Vääksyntie", "Kontulankaari 9 C", "Virtanen", "Hassan", "V-7001")


def _staff(app, email):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    return client


def _line(first_name: str) -> Residency:
    return Residency.get(Residency.first_name == first_name)


def _defect(reference, building, lease, reporter, *, urgent=False):
    now = clock.utcnow()
    return DefectReport.create(
        reference=reference,
        building=building,
        lease=lease,
        reporter=reporter,
        reporter_name="x",
        location="stairwell",
        category="locks",
        description="x",
        urgent=urgent,
        created_at=now,
        updated_at=now,
    )


def _request(lease, apartment, submitter, *, on_behalf_of=None):
    return ServiceRequest.create(
        type_key="keys",
        lease=lease,
        building=apartment.building_id,
        apartment=apartment,
        team=apartment.building.team_id,
        submitted_by=submitter,
        on_behalf_of=on_behalf_of,
        answers='{"action": "collect"}',
    )


def _mandate(grantor, agent_email, status):
    return Mandate.create(
        grantor=grantor,
        agent_email=agent_email,
        agent_first_name="Agentti",
        agent_last_name="Asiamies",
        scopes="general",
        valid_from=clock.today(),
        method=Mandate.PAPER,
        status=status,
    )


@pytest.fixture
def both_kinds(app):
    """Hanna, who lives in an As Oy apartment, once rented Kontulankaari 9 C 30 and acts for
    Aino; every queue gets rows of both kinds; a yard and a notice serve both kinds."""
    hanna = Person.get(Person.email == ASOY_RESIDENT)
    own = _line("Hanna")
    own_flat = own.lease.apartment
    flat = Apartment.select().join(Building).where(Apartment.number == "C 30").get()
    old_lease = Lease.create(
        number="V-7001-001",
        apartment=flat,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2015, 12, 31),
        rent=Decimal("600.00"),
        payment_reference="70010016",
    )
    old_line = Residency.create(
        lease=old_lease,
        person=hanna,
        first_name="Hanna",
        last_name="Korhonen",
        role=Residency.LEASE_PARTY,
        moved_in=old_lease.start_date,
        moved_out=old_lease.end_date,
    )
    aino = _line("Aino")
    rows = {
        "own": {
            "request": ServiceRequest.get(ServiceRequest.submitted_by == hanna),
            "defect": _defect("T-000001", own_flat.building_id, own.lease, hanna, urgent=True),
            "defect_later": _defect("T-000002", own_flat.building_id, own.lease, hanna),
            "thread": MessageThread.get(MessageThread.lease == own.lease),
            "mandate": _mandate(own, "someone@example.fi", Mandate.PENDING),
        },
        "rental": {
            "request": _request(old_lease, flat, hanna),
            "request_for_aino": _request(
                aino.lease, aino.lease.apartment, hanna, on_behalf_of=aino
            ),
            "defect": _defect("T-000003", flat.building_id, old_lease, hanna, urgent=True),
            "defect_later": _defect("T-000004", flat.building_id, old_lease, hanna),
            "thread": MessageThread.create(
                lease=old_lease,
                building=flat.building_id,
                team=flat.building.team_id,
                topic=MessageThread.OTHER,
                subject="Old sauna key",
                started_by=hanna,
            ),
            "mandate": _mandate(old_line, "someone@example.fi", Mandate.PENDING),
            "mandate_for_aino": _mandate(aino, hanna.email, Mandate.ACTIVE),
        },
    }
    # A yard shared by Sturenkatu 21 and the As Oy building: Aino holds a space, Amina and
    # Hanna have offers that end tomorrow, Veikko and Hanna queue.
    yard = ParkingArea.create(name="Yhteispiha")
    for building in (aino.lease.apartment.building_id, own_flat.building_id):
        ParkingAreaBuilding.create(area=yard, building=building)
    spaces = {
        number: ParkingSpace.create(area=yard, number=number, kind=kind)
        for number, kind in (("Y1", "car"), ("Y2", "car"), ("Y3", "car"), ("Y4", "ev"))
    }
    tomorrow = clock.today() + datetime.timedelta(days=1)
    rows["rental"]["contract"] = ParkingContract.create(
        space=spaces["Y1"], lease=aino.lease, start_date=clock.today()
    )
    for first_name, number in (("Amina", "Y2"), ("Hanna", "Y3")):
        ParkingApplication.create(
            lease=_line(first_name).lease,
            area=yard,
            kind="car",
            status=ParkingApplication.OFFERED,
            space=spaces[number],
            offered_at=clock.utcnow(),
            offer_deadline=tomorrow,
        )
    ParkingApplication.create(lease=_line("Veikko").lease, area=yard, kind="ev")
    ParkingApplication.create(lease=own.lease, area=yard, kind="ev")
    shared = Notice.create(
        title_fi="Pihan lumityöt", body_fi="Lunta.", everyone=False, publish_on=clock.today()
    )
    for building in (aino.lease.apartment.building_id, own_flat.building_id):
        NoticeBuilding.create(notice=shared, building=building)
    rows["rental"]["notice"] = shared
    # The demo's two incidents, the broken lock in Hanna's As Oy building and the water cut
    # in Sturenkatu 21, both past their expected end and not resolved.
    now = clock.utcnow()
    Incident.update(
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1)
    ).execute()
    rows["hanna"] = hanna
    return rows


def _ids(page: str, path: str) -> set[int]:
    return {int(found) for found in re.findall(rf'href="/staff/{path}/(\d+)', page)}


def test_the_person_page_shows_the_as_oy_team_only_its_own_buildings(app, both_kinds, queries):
    own = both_kinds["own"]
    asoy = _staff(app, ASOY_STAFF)
    queries.clear()
    page = asoy.get(f"/staff/people/{both_kinds['hanna'].id}")
    assert page.status_code == 200
    assert len(queries) <= 8
    text = page.text
    assert "Kalliolanrinne 4 A 2" in text
    for marker in RENTAL_MARKERS:
        assert marker not in text, marker
    assert _ids(text, "requests") == {own["request"].id}
    as_oy = DefectReport.select().where(
        DefectReport.building == _line("Hanna").lease.apartment.building_id
    )
    assert {own["defect"].id, own["defect_later"].id} <= {report.id for report in as_oy}
    assert _ids(text, "defects") == {report.id for report in as_oy}
    assert _ids(text, "messages") == {own["thread"].id}
    assert _ids(text, "mandates") == {own["mandate"].id}


def test_customer_service_sees_every_building_but_only_its_own_teams_conversations(app, both_kinds):
    own, rental = both_kinds["own"], both_kinds["rental"]
    main = _staff(app, CUSTOMER_SERVICE)
    text = main.get(f"/staff/people/{both_kinds['hanna'].id}").text
    assert "Kalliolanrinne 4 A 2" in text and "Kontulankaari 9 C 30" in text
    assert _ids(text, "requests") == {
        own["request"].id,
        rental["request"].id,
        rental["request_for_aino"].id,
    }
    assert _ids(text, "mandates") == {
        own["mandate"].id,
        rental["mandate"].id,
        rental["mandate_for_aino"].id,
    }
    # The As Oy conversation is the As Oy team's to answer: not listed, not opened, not
    # counted; every other queue counts every building's rows.
    assert _ids(text, "messages") == {rental["thread"].id}
    assert main.get(f"/staff/messages/{own['thread'].id}").status_code == 404
    counts = _counts(main)
    everywhere = _expected(None)
    for key in ("urgent_defects", "new_defects", "new_requests", "mandates", "offers"):
        assert counts[key] == everywhere[key], key
    assert counts["messages"] == _expected("customer_service")["messages"]
    assert counts["messages"] < everywhere["messages"]


LABELS = {
    "Urgent new defect notifications": "urgent_defects",
    "Other new defect notifications": "new_defects",
    "Incidents past their expected end, not resolved": "incidents",
    "New service requests": "new_requests",
    "Conversations waiting for an answer": "messages",
    "Powers of attorney to verify": "mandates",
    "Today's customer service visits": "appointments",
    "Parking space offers ending within two days": "offers",
    "Email that has not been delivered": "emails",
}


def _counts(client) -> dict[str, int]:
    page = client.get("/staff/").text
    found = re.findall(r'<li><a href="[^"]+">([^<]+)</a>: <strong[^>]*>(\d+)', page)
    return {LABELS[label]: int(count) for label, count in found}


def _expected(team_key: str | None) -> dict[str, int]:
    """Count each start-page queue from the stored rows, for a team's buildings (None: all)."""
    buildings = Building.select(Building.id)
    leases = Lease.select(Lease.id).join(Apartment)
    threads = MessageThread.select()
    if team_key:
        team = ServiceTeam.get(ServiceTeam.key == team_key)
        buildings = buildings.where(Building.team == team)
        leases = leases.where(Apartment.building.in_(buildings))
        threads = threads.where(MessageThread.team == team)
    received = DefectReport.select().where(
        (DefectReport.status == DefectReport.RECEIVED) & DefectReport.building.in_(buildings)
    )
    deadline = clock.today() + datetime.timedelta(days=2)
    return {
        "urgent_defects": received.where(DefectReport.urgent).count(),
        "new_defects": received.where(~DefectReport.urgent).count(),
        "incidents": Incident.select()
        .where(
            Incident.resolved_at.is_null()
            & (Incident.ends_at <= clock.utcnow())
            & Incident.id.in_(
                IncidentArea.select(IncidentArea.incident).where(
                    IncidentArea.building.in_(buildings)
                )
            )
        )
        .count(),
        "new_requests": ServiceRequest.select()
        .where((ServiceRequest.status == "received") & ServiceRequest.building.in_(buildings))
        .count(),
        "messages": threads.where(
            MessageThread.building.in_(buildings)
            & (
                MessageThread.last_staff_at.is_null()
                | (MessageThread.last_resident_at > MessageThread.last_staff_at)
            )
        ).count(),
        "mandates": Mandate.select()
        .where(
            (Mandate.status == Mandate.PENDING)
            & Mandate.grantor.in_(Residency.select(Residency.id).where(Residency.lease.in_(leases)))
        )
        .count(),
        "offers": ParkingApplication.select()
        .where(
            (ParkingApplication.status == ParkingApplication.OFFERED)
            & (ParkingApplication.offer_deadline <= deadline)
            & ParkingApplication.lease.in_(leases)
        )
        .count(),
    }


def test_every_start_page_count_of_the_as_oy_team_counts_only_its_buildings(app, both_kinds):
    counts = _counts(_staff(app, ASOY_STAFF))
    expected = _expected("asoy_customer_service")
    everywhere = _expected(None)
    assert set(counts) == set(expected)
    for key, value in expected.items():
        # Each queue has rows outside the As Oy buildings, so a company-wide count differs.
        assert value < everywhere[key], key
        assert counts[key] == value, key
    assert counts["offers"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/staff/",
        "/staff/defects/?status=all",
        "/staff/defects/?status=all&q=a",
        "/staff/requests/?status=all",
        "/staff/requests/?status=all&q=a",
        "/staff/messages/?show=all",
        "/staff/mandates/?status=all",
        "/staff/mandates/?status=all&q=a",
        "/staff/register/",
        "/staff/register/?q=a",
        "/staff/identification?q=an",
        "/staff/saunas/",
        "/staff/parking/",
        "/staff/buildings/",
        "/staff/notices/",
    ],
)
def test_no_list_of_the_as_oy_team_shows_a_rental_building(app, both_kinds, url):
    page = _staff(app, ASOY_STAFF).get(url)
    assert page.status_code == 200
    for marker in RENTAL_MARKERS:
        assert marker not in page.text, marker


def test_the_shared_yard_shows_the_as_oy_team_its_households_and_others_only_as_taken(
    app, both_kinds
):
    page = _staff(app, ASOY_STAFF).get("/staff/parking/").text
    yard = page.split("Yhteispiha", 1)[1]
    assert "For the residents of: Kalliolanrinne 4<" in yard
    assert "Offered to Kalliolanrinne 4 A 2" in yard
    # Aino's space and Amina's offer are taken, by whom is not the team's business.
    assert yard.count("Taken") == 2
    # Hanna is second in the EV queue, after Veikko, and the list says so.
    assert '<li value="2">Kalliolanrinne 4 A 2' in yard
    main = _staff(app, CUSTOMER_SERVICE).get("/staff/parking/").text
    assert "Sturenkatu 21 A 4" in main.split("Yhteispiha", 1)[1]


def _rental_detail_pages(rows) -> list[str]:
    rental = rows["rental"]
    aino = _line("Aino")
    sturenkatu = aino.lease.apartment.building_id
    return [
        f"/staff/people/{aino.person_id}",
        f"/staff/identification/{aino.id}",
        f"/staff/requests/{rental['request'].id}",
        f"/staff/requests/{rental['request_for_aino'].id}",
        f"/staff/defects/{rental['defect'].id}",
        f"/staff/messages/{rental['thread'].id}",
        f"/staff/mandates/{rental['mandate'].id}",
        f"/staff/mandates/{rental['mandate_for_aino'].id}",
        f"/staff/register/leases/{rental['request'].lease_id}",
        f"/staff/register/residents/{aino.id}",
        f"/staff/buildings/{sturenkatu}",
        f"/staff/buildings/{sturenkatu}/rescue-plan",
        f"/staff/parking/contracts/{rental['contract'].id}/end",
    ]


def test_rental_objects_are_not_found_for_the_as_oy_team(app, both_kinds):
    asoy = _staff(app, ASOY_STAFF)
    for url in _rental_detail_pages(both_kinds):
        assert asoy.get(url).status_code == 404, url
    main = _staff(app, CUSTOMER_SERVICE)
    for url in _rental_detail_pages(both_kinds):
        assert main.get(url).status_code == 200, url


def test_the_as_oy_team_changes_nothing_of_a_rental_household(app, both_kinds):
    asoy = _staff(app, ASOY_STAFF)
    token = csrf_token(asoy, "/staff/")
    contract = both_kinds["rental"]["contract"]
    ended = asoy.post(
        f"/staff/parking/contracts/{contract.id}/end",
        data={"end_date": clock.today().isoformat(), "csrf_token": token},
    )
    assert ended.status_code == 404
    assert ParkingContract.get_by_id(contract.id).end_date is None
    # A notice that reaches Sturenkatu 21 too is not the As Oy team's to stop.
    shared = both_kinds["rental"]["notice"]
    stopped = asoy.post(f"/staff/notices/{shared.id}/end", data={"csrf_token": token})
    assert stopped.status_code == 404
    assert Notice.get_by_id(shared.id).expires_on is None
    assert f"/staff/notices/{shared.id}/end" not in asoy.get("/staff/notices/").text
