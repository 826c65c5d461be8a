"""Pages run a small, fixed number of SQL queries however much data there is."""

import datetime

from portal.models import Apartment, Building, Lease, Residency, ServiceTeam
from tests.conftest import CUSTOMER_SERVICE, RESIDENT

QUERY_BUDGET = 8


def _grow_household(count):
    lease = Lease.select().join(Residency).where(Residency.first_name == "Aino").get()
    for index in range(count):
        Residency.create(
            lease=lease,
            first_name=f"Lapsi{index}",
            last_name="Virtanen",
            role=Residency.OTHER_RESIDENT,
            moved_in=datetime.date(2020, 1, 1),
        )


def _grow_register(count):
    team = ServiceTeam.default()
    for index in range(count):
        building = Building.create(
            name=f"Testitie {index}",
            street_address=f"Testitie {index}",
            postal_code="00100",
            city="Helsinki",
            team=team,
        )
        apartment = Apartment.create(building=building, number="A 1", rooms="1h", area=20)
        Lease.create(
            number=f"T-{index}",
            apartment=apartment,
            start_date=datetime.date(2020, 1, 1),
            rent=500,
            payment_reference=f"1{index:04d}",
        )


def _count(client, path, queries):
    queries.clear()
    response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_the_household(login_as, queries):
    client = login_as(RESIDENT)
    small = _count(client, "/", queries)
    _grow_household(25)
    large = _count(client, "/", queries)
    assert "Lapsi24 Virtanen" in client.get("/").get_data(as_text=True)
    assert small == large <= QUERY_BUDGET


def test_staff_start_queries_do_not_grow_with_the_register(login_as, queries):
    client = login_as(CUSTOMER_SERVICE)
    small = _count(client, "/staff/", queries)
    _grow_register(30)
    large = _count(client, "/staff/", queries)
    assert small == large <= QUERY_BUDGET


def test_public_page_queries(client, queries):
    assert _count(client, "/", queries) <= 2
