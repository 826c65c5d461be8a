"""The access table: every endpoint has a rule, and each rule lets in exactly its people."""

import datetime

import pytest
from flask import Blueprint

from portal import access
from portal.models import Lease, Residency
from tests.conftest import (
    ADMIN,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    FUTURE_RESIDENT,
    MAINTENANCE,
    OTHER_RESIDENT,
    RESIDENT,
)


@pytest.fixture
def probe_app(app):
    """Add views under each rule of the access table, the way a feature blueprint will."""
    bp = Blueprint("probe", __name__, url_prefix="/probe")
    bp.get("/resident", endpoint="resident")(lambda: "resident page")
    bp.get("/lease-party", endpoint="lease_party")(lambda: "lease party page")
    bp.get("/signed-in", endpoint="signed_in")(lambda: "signed-in page")
    bp.get("/maintenance", endpoint="maintenance")(lambda: "maintenance page")
    bp.get("/forgotten", endpoint="forgotten")(lambda: "nobody should see this")
    app.register_blueprint(bp)
    app.extensions["access_table"].update(
        {
            "probe.resident": access.Rule(access.RESIDENT),
            "probe.lease_party": access.Rule(access.LEASE_PARTY),
            "probe.signed_in": access.Rule(access.SIGNED_IN),
            "probe.maintenance": access.staff("maintenance", "admin"),
        }
    )
    return app


def test_every_endpoint_is_in_the_access_table(app):
    missing = sorted(set(app.view_functions) - set(access.ACCESS))
    assert not missing, f"add these endpoints to portal.access.ACCESS: {missing}"
    stale = sorted(set(access.ACCESS) - set(app.view_functions))
    assert not stale, f"these rows of the access table name no endpoint: {stale}"


@pytest.mark.parametrize("who", [None, RESIDENT, ADMIN])
def test_endpoint_missing_from_the_table_is_refused_to_everyone(probe_app, login_as, client, who):
    if who:
        login_as(who)
    response = client.get("/probe/forgotten")
    assert response.status_code == 403
    assert "nobody should see this" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        (RESIDENT, 200),
        (OTHER_RESIDENT, 200),
        (FUTURE_RESIDENT, 403),
        (CUSTOMER_SERVICE, 403),
    ],
)
def test_resident_pages_need_a_lease_that_has_begun(probe_app, login_as, client, who, status):
    if who:
        login_as(who)
    response = client.get("/probe/resident")
    assert response.status_code == status
    if status == 200:
        assert response.get_data(as_text=True) == "resident page"
    if who == FUTURE_RESIDENT:
        assert "Your Resident Portal opens on" in response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [(RESIDENT, 200), (OTHER_RESIDENT, 403)])
def test_lease_party_pages_refuse_other_residents(probe_app, login_as, client, who, status):
    login_as(who)
    assert client.get("/probe/lease-party").status_code == status


def test_resident_pages_close_when_the_resident_moves_out(probe_app, login_as, client):
    login_as(OTHER_RESIDENT)
    assert client.get("/probe/resident").status_code == 200
    Residency.update(moved_out=datetime.date(2001, 1, 1)).where(
        Residency.first_name == "Elias"
    ).execute()
    assert client.get("/probe/resident").status_code == 403


def test_resident_pages_close_when_the_lease_ends(probe_app, login_as, client):
    login_as(RESIDENT)
    lease = Lease.select().join(Residency).where(Residency.first_name == "Aino").get()
    Lease.update(end_date=lease.start_date).where(Lease.id == lease.id).execute()
    response = client.get("/probe/resident")
    assert response.status_code == 403
    assert "Your lease has ended" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (RESIDENT, 403),
        (CUSTOMER_SERVICE, 403),
        (ASOY_STAFF, 403),
        (MAINTENANCE, 200),
        (ADMIN, 200),
    ],
)
def test_staff_rules_check_the_role(probe_app, login_as, client, who, status):
    login_as(who)
    assert client.get("/probe/maintenance").status_code == status


def test_signed_in_pages_send_visitors_to_sign_in(probe_app, client):
    response = client.get("/probe/signed-in")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("who", "visible"),
    [(CUSTOMER_SERVICE, True), (ASOY_STAFF, True), (ADMIN, True), (MAINTENANCE, False)],
)
def test_staff_start_page_links_only_to_pages_the_person_may_open(login_as, who, visible):
    html = login_as(who).get("/staff/").text
    assert ('href="/staff/identification"' in html) == visible
