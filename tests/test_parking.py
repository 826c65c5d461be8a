"""Parking spaces: free spaces offered at once, the queue in order of applying, offers that
expire to the next in line, one month's notice, and no double letting under load."""

import datetime
import multiprocessing
from decimal import Decimal

import pytest
from babel.dates import format_date
from peewee import IntegrityError

from portal import clock
from portal.models import (
    Apartment,
    Lease,
    OutboxEmail,
    ParkingApplication,
    ParkingContract,
    ParkingSpace,
    Person,
    Residency,
    db,
)
from portal.services import housekeeping, parking
from portal.services.dates import notice_end
from portal.services.parking import ParkingRefused
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    OTHER_RESIDENT,
    RESIDENT,
    START_DAY,
    SWEDISH_RESIDENT,
    csrf_token,
    sign_in,
    use_language,
)

TODAY = START_DAY
RULES = {"today": TODAY, "limit": 2, "offer_days": 7}


@pytest.fixture
def in_app(app):
    """Services send email, which renders templates: they run inside the app."""
    with app.app_context():
        yield app


def lease_of(first_name):
    return Residency.get(Residency.first_name == first_name).lease


def space(number):
    return ParkingSpace.get(ParkingSpace.number == number)


def application_of(first_name, kind=ParkingSpace.CAR):
    return ParkingApplication.get(
        (ParkingApplication.lease == lease_of(first_name)) & (ParkingApplication.kind == kind)
    )


def apply(first_name, kind, **rules):
    lease = lease_of(first_name)
    return parking.apply(
        lease,
        None,
        area_id=space("P1").area_id,
        kind=kind,
        is_lease_party=True,
        **{**RULES, **rules},
    )


def new_household(index):
    """A household of its own in the yard's building, for tests that need many."""
    building = lease_of("Aino").apartment.building
    apartment = Apartment.create(building=building, number=f"K {index}", rooms="1h", area=30)
    return Lease.create(
        number=f"K-{index}",
        apartment=apartment,
        start_date=datetime.date(2020, 1, 1),
        rent=500,
        payment_reference=f"7{index:04d}",
    )


def test_availability_counts_free_spaces_and_the_queue(in_app):
    rows = {
        row.kind: row
        for row in parking.availability(lease_of("Aino").apartment.building_id)
        if row.area.name == "Sturenkadun piha"
    }
    assert (rows["car"].spaces, rows["car"].free, rows["car"].waiting) == (4, 0, 2)
    # P5 has a contract and P6 is offered to Aino's household: neither is free.
    assert (rows["ev"].spaces, rows["ev"].free, rows["ev"].waiting) == (2, 0, 0)
    assert (rows["motorcycle"].free, rows["motorcycle"].lowest_fee) == (1, Decimal("12.00"))
    # The Kontula area does not serve Sturenkatu.
    assert {row.area.name for row in parking.availability(lease_of("Aino").apartment.building_id)}
    assert "Kontulankaaren pysäköintialue" not in {
        row.area.name for row in parking.availability(lease_of("Aino").apartment.building_id)
    }


def test_a_free_space_is_offered_at_once_and_accepting_makes_a_contract(in_app):
    application = apply("Amina", ParkingSpace.MOTORCYCLE)
    assert application.status == "offered"
    assert application.space.number == "M1"
    assert application.offer_deadline == TODAY + datetime.timedelta(days=7)
    contract = parking.accept(application.id, None, is_lease_party=True, today=TODAY, offer_days=7)
    assert (contract.space.number, contract.start_date, contract.end_date) == ("M1", TODAY, None)
    assert ParkingApplication.get_by_id(application.id).status == "accepted"
    assert not [
        r
        for r in parking.availability(contract.space.area.served[0].building_id)
        if r.kind == "motorcycle" and r.free
    ]


def test_without_a_free_space_the_application_queues_in_order_of_applying(in_app):
    household = new_household(1)
    application = parking.apply(
        household, None, area_id=space("P1").area_id, kind="car", is_lease_party=True, **RULES
    )
    assert application.status == "waiting"
    # Amina's household applied 60 days ago, Sofia's 20: the new one is third.
    positions = [parking.queue_position(application_of(name)) for name in ("Amina", "Sofia")]
    assert positions == [1, 2]
    assert parking.queue_position(application) == 3
    listed = parking.household_applications(household.id)
    assert [(item.application.id, item.position) for item in listed] == [(application.id, 3)]


def test_a_declined_or_expired_offer_goes_to_the_next_in_line(in_app):
    # Veikko's household gives up P1; staff offer it to the queue.
    p1 = ParkingContract.get(ParkingContract.space == space("P1"))
    staff = Person.get(Person.email == CUSTOMER_SERVICE)
    parking.end_contract(p1, staff, end_date=TODAY, today=TODAY)
    with pytest.raises(ParkingRefused) as refused:
        parking.offer(space("P1").id, staff, today=TODAY, offer_days=7)
    assert refused.value.reason == ParkingRefused.TAKEN  # still Veikko's today
    tomorrow = TODAY + datetime.timedelta(days=1)
    offered = parking.offer(space("P1").id, staff, today=tomorrow, offer_days=7)
    assert offered.lease_id == lease_of("Amina").id
    # Amina declines: Sofia's household is next, and Sofia is told in Swedish.
    parking.withdraw(offered.id, None, is_lease_party=True, today=tomorrow, offer_days=7)
    sofia = application_of("Sofia")
    assert (sofia.status, sofia.space.number) == ("offered", "P1")
    email = OutboxEmail.get(OutboxEmail.to_address == SWEDISH_RESIDENT)
    assert "P1" in email.subject
    assert "erbjuds" in email.subject or "erbjud" in email.body_text
    assert format_date(sofia.offer_deadline, "long", locale="sv_FI") in email.body_text
    # Sofia does not answer in time: the offer expires; nobody else waits, so P1 is free.
    with db.atomic():
        parking.expire(sofia.offer_deadline, offer_days=7)
    assert application_of("Sofia").status == "offered"  # the deadline day is still hers
    with db.atomic():
        parking.expire(sofia.offer_deadline + datetime.timedelta(days=1), offer_days=7)
    assert application_of("Sofia").status == "expired"
    assert parking.held_space_ids([space("P1").id]) == set()


def test_housekeeping_expires_offers_and_offers_the_next(in_app):
    # Aino's household lets the EV offer lapse while another household waits for an EV space.
    waiting = parking.apply(
        new_household(2),
        None,
        area_id=space("P1").area_id,
        kind="ev",
        is_lease_party=True,
        **RULES,
    )
    assert waiting.status == "waiting"
    ParkingApplication.update(offer_deadline=clock.today() - datetime.timedelta(days=1)).where(
        ParkingApplication.space == space("P6")
    ).execute()
    assert housekeeping.run() == 1
    assert application_of("Aino", "ev").status == "expired"
    assert ParkingApplication.get_by_id(waiting.id).status == "offered"


@pytest.mark.parametrize(
    ("given_on", "last_day"),
    [
        (datetime.date(2027, 1, 15), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 3), datetime.date(2027, 1, 31)),
        (datetime.date(2026, 11, 30), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 2, 28), datetime.date(2027, 3, 31)),
    ],
    ids=["january-to-february", "leap-february", "december-to-january", "month-end", "february"],
)
def test_one_months_notice_counts_from_the_end_of_the_month(in_app, given_on, last_day):
    contract = ParkingContract.get(ParkingContract.space == space("P2"))
    ends = parking.terminate(contract, None, is_lease_party=True, today=given_on, notice_months=1)
    assert ends == last_day == notice_end(given_on, 1)
    # Notice again later never moves the end further away.
    later = parking.terminate(
        contract,
        None,
        is_lease_party=True,
        today=given_on + datetime.timedelta(days=40),
        notice_months=1,
    )
    assert later == last_day


@pytest.mark.parametrize(
    ("who", "kind", "reason"),
    [
        ("Aino", ParkingSpace.MOTORCYCLE, ParkingRefused.LIMIT),  # P2 and the P6 offer
        ("Sofia", ParkingSpace.CAR, ParkingRefused.ALREADY_APPLIED),
        ("Pirjo", ParkingSpace.CAR, ParkingRefused.NOT_AVAILABLE),  # the yard is not hers
    ],
    ids=["limit", "already-applied", "area-not-serving-the-building"],
)
def test_refusals_say_which_rule(in_app, who, kind, reason):
    before = ParkingApplication.select().count()
    with pytest.raises(ParkingRefused) as refused:
        apply(who, kind)
    assert refused.value.reason == reason
    assert ParkingApplication.select().count() == before


def test_only_lease_parties_apply_accept_and_give_notice(in_app):
    lease = lease_of("Aino")
    with pytest.raises(ParkingRefused):
        parking.apply(
            lease,
            None,
            area_id=space("P1").area_id,
            kind="motorcycle",
            is_lease_party=False,
            **RULES,
        )
    offer = application_of("Aino", "ev")
    with pytest.raises(ParkingRefused):
        parking.accept(offer.id, None, is_lease_party=False, today=TODAY, offer_days=7)
    contract = ParkingContract.get(ParkingContract.space == space("P2"))
    with pytest.raises(ParkingRefused):
        parking.terminate(contract, None, is_lease_party=False, today=TODAY, notice_months=1)
    assert ParkingContract.get_by_id(contract.id).end_date is None


def test_a_lease_that_ends_ends_its_contracts_and_passes_its_offer_on(in_app):
    waiting = parking.apply(
        new_household(3),
        None,
        area_id=space("P1").area_id,
        kind="ev",
        is_lease_party=True,
        **RULES,
    )
    lease = lease_of("Aino")
    Lease.update(end_date=TODAY).where(Lease.id == lease.id).execute()
    with db.atomic():
        parking.expire(TODAY + datetime.timedelta(days=1), offer_days=7)
    assert ParkingContract.get(ParkingContract.space == space("P2")).status == "ended"
    assert application_of("Aino", "ev").status == "expired"
    assert ParkingApplication.get_by_id(waiting.id).status == "offered"


def test_the_database_refuses_two_active_contracts_or_offers_of_one_space(in_app):
    with pytest.raises(IntegrityError), db.atomic():
        ParkingContract.create(space=space("P2"), lease=lease_of("Amina"), start_date=TODAY)
    with pytest.raises(IntegrityError), db.atomic():
        ParkingApplication.update(status="offered", space=space("P6")).where(
            ParkingApplication.id == application_of("Amina").id
        ).execute()


def _apply_in_another_process(settings, area_id, lease_id, barrier, results):
    from portal import create_app
    from portal.models import Lease
    from portal.services import parking

    app = create_app(settings)
    with app.app_context():
        lease = Lease.get_by_id(lease_id)
        barrier.wait()
        try:
            application = parking.apply(
                lease, None, area_id=area_id, kind="motorcycle", is_lease_party=True, **RULES
            )
            results.put(application.status)
        except Exception as error:  # anything else is a failure the test must show
            results.put(repr(error))


def test_many_households_applying_for_the_last_free_space_at_once_get_it_once(app, tmp_path):
    from tests.conftest import test_settings

    leases = [new_household(10 + index) for index in range(6)]
    area_id = space("M1").area_id
    db.close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(leases))
    results = context.Queue()
    workers = [
        context.Process(
            target=_apply_in_another_process,
            args=(test_settings(tmp_path), area_id, lease.id, barrier, results),
        )
        for lease in leases
    ]
    for worker in workers:
        worker.start()
    answers = sorted(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    assert answers == ["offered"] + ["waiting"] * (len(leases) - 1)
    offered = ParkingApplication.select().where(ParkingApplication.space == space("M1"))
    assert offered.count() == 1
    waiting = ParkingApplication.select().where(
        (ParkingApplication.kind == "motorcycle") & (ParkingApplication.status == "waiting")
    )
    assert sorted(parking.queue_position(a) for a in waiting) == [1, 2, 3, 4, 5]


# The pages


def test_parking_page_shows_contracts_offer_queue_and_what_is_free(login_as):
    client = login_as(SWEDISH_RESIDENT)
    page = client.get("/bookings/parking").text
    assert "Car space P3" in page
    assert "In the queue: number 2" in page
    assert "Amina" not in page and "Hassan" not in page  # never who else waits
    assert "None free · 2 in the queue" in page  # the car spaces
    assert "1 free" in page  # the motorcycle space


def test_an_offer_shows_on_the_dashboard_and_the_parking_page(login_as):
    client = login_as(RESIDENT)
    assert "Space P6 is offered to you" in client.get("/").text
    assert "Space P6 is offered to you" in client.get("/bookings/parking").text


def test_applying_from_the_page_offers_the_free_space(app, login_as):
    client = login_as(SWEDISH_RESIDENT)
    token = csrf_token(client, "/bookings/parking")
    # Sofia's household has a space and an application, the most allowed: it cancels one.
    queued = f"/bookings/parking/applications/{application_of('Sofia').id}"
    assert "number 2 in the queue" in client.get(queued).text
    client.post(queued, data={"action": "cancel", "csrf_token": token})
    assert application_of("Sofia").status == "cancelled"
    area_id = space("M1").area_id
    response = client.post(
        "/bookings/parking/apply", data={"area": area_id, "kind": "motorcycle", "csrf_token": token}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "Space M1 is offered to you" in page
    application = ParkingApplication.get(ParkingApplication.space == space("M1"))
    response = client.post(
        response.headers["Location"], data={"action": "accept", "csrf_token": token}
    )
    assert response.status_code == 303
    assert (
        ParkingContract.get(ParkingContract.space == space("M1")).lease_id == application.lease_id
    )
    # A malformed application answers with a message, not an error, and stores nothing.
    for data in ({"area": "x", "kind": "car"}, {"area": area_id, "kind": "boat"}, {}):
        response = client.post("/bookings/parking/apply", data={**data, "csrf_token": token})
        assert response.status_code == 303
        assert "cannot be applied for" in client.get("/bookings/parking").text


def test_other_residents_see_but_may_not_apply(login_as):
    client = login_as(OTHER_RESIDENT)
    page = client.get("/bookings/parking").text
    assert "Car space P2" in page
    assert "Only a party to the lease can apply" in page
    token = csrf_token(client, "/bookings/parking")
    response = client.post(
        "/bookings/parking/apply",
        data={"area": space("M1").area_id, "kind": "motorcycle", "csrf_token": token},
    )
    assert response.status_code == 403
    assert not ParkingApplication.select().where(ParkingApplication.kind == "motorcycle").exists()


def test_another_households_application_or_contract_is_not_found(login_as):
    client = login_as(RESIDENT)
    assert (
        client.get(f"/bookings/parking/applications/{application_of('Amina').id}").status_code
        == 404
    )
    veikko = ParkingContract.get(ParkingContract.space == space("P1"))
    assert client.get(f"/bookings/parking/contracts/{veikko.id}/terminate").status_code == 404


def test_notice_shows_the_last_day_before_confirming(login_as):
    client = login_as(RESIDENT)
    contract = ParkingContract.get(ParkingContract.space == space("P2"))
    url = f"/bookings/parking/contracts/{contract.id}/terminate"
    last_day = notice_end(clock.today(), 1)
    page = client.get(url).text
    assert f"until {format_date(last_day, 'long', locale='en_FI')}" in page
    assert ParkingContract.get_by_id(contract.id).end_date is None
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert ParkingContract.get_by_id(contract.id).end_date == last_day
    assert "Notice given" in client.get("/bookings/").text


def test_declining_from_the_page_and_a_stale_offer(login_as):
    client = login_as(RESIDENT)
    offer = application_of("Aino", "ev")
    url = f"/bookings/parking/applications/{offer.id}"
    token = csrf_token(client, url)
    client.post(url, data={"action": "decline", "csrf_token": token})
    assert ParkingApplication.get_by_id(offer.id).status == "declined"
    # Accepting the same offer afterwards (another tab) explains instead of failing.
    response = client.post(url, data={"action": "accept", "csrf_token": token})
    assert response.status_code == 303
    assert "no longer open" in client.get(url).text
    assert not ParkingContract.select().where(ParkingContract.space == space("P6")).exists()


def test_staff_add_an_area_and_a_space_and_end_a_contract(app):
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    token = csrf_token(staff, "/staff/parking/")
    kontula = lease_of("Pirjo").apartment.building_id
    response = staff.post(
        "/staff/parking/areas",
        data={"area-name": "Kontulan halli", "area-buildings": [str(kontula)], "csrf_token": token},
    )
    assert response.status_code == 303
    page = staff.get("/staff/parking/").text
    assert "Kontulan halli" in page
    assert "Offered to Sturenkatu 21 A 4" in page
    assert "Queue: Car space" in page
    area = parking.areas_for(kontula).where(parking.ParkingArea.name == "Kontulan halli").get()
    data = {
        "space-area": str(area.id),
        "space-number": "H1",
        "space-kind": "ev",
        "space-monthly_fee": "49.90",
        "csrf_token": token,
    }
    assert staff.post("/staff/parking/spaces", data=data).status_code == 303
    assert space("H1").monthly_fee == Decimal("49.90")
    duplicate = staff.post("/staff/parking/spaces", data=data)
    assert duplicate.status_code == 422
    assert "already has a space with this number" in duplicate.text
    contract = ParkingContract.get(ParkingContract.space == space("P2"))
    url = f"/staff/parking/contracts/{contract.id}/end"
    past = staff.post(url, data={"end_date": "2020-01-01", "csrf_token": token})
    assert past.status_code == 422 and "cannot be in the past" in past.text
    bad = staff.post(url, data={"end_date": "31.13.2027", "csrf_token": token})
    assert bad.status_code == 422
    last_day = clock.today() + datetime.timedelta(days=14)
    response = staff.post(url, data={"end_date": last_day.isoformat(), "csrf_token": token})
    assert response.status_code == 303
    assert ParkingContract.get_by_id(contract.id).end_date == last_day
    assert OutboxEmail.select().where(OutboxEmail.to_address == RESIDENT).exists()


def test_asoy_staff_do_not_see_the_yard(app):
    staff = app.test_client()
    sign_in(staff, ASOY_STAFF)
    use_language(staff, "en")
    page = staff.get("/staff/parking/").text
    assert "Sturenkadun piha" not in page
    contract = ParkingContract.get(ParkingContract.space == space("P2"))
    assert staff.get(f"/staff/parking/contracts/{contract.id}/end").status_code == 404


def test_housekeeping_command_reports_the_offers_it_made(app):
    with app.app_context():
        ParkingApplication.update(offer_deadline=clock.today() - datetime.timedelta(days=1)).where(
            ParkingApplication.space == space("P6")
        ).execute()
    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "0 parking offer(s) made" in result.output  # nobody else waits for an EV space
    assert application_of("Aino", "ev").status == "expired"
