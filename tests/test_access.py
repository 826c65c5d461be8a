"""The access decorators: who may call a view, recorded on the view for the access table."""

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
    """Add views guarded by each rule, the way a feature blueprint will."""
    bp = Blueprint("probe", __name__, url_prefix="/probe")
    bp.get("/resident")(access.resident(lambda: "resident page"))
    bp.get("/signed-in", endpoint="signed_in")(access.signed_in(lambda: "signed-in page"))
    bp.get("/maintenance", endpoint="maintenance")(
        access.staff("maintenance", "admin")(lambda: "maintenance page")
    )
    app.register_blueprint(bp)
    return app


def test_rules_are_recorded_on_every_view(app):
    rules = {
        endpoint: getattr(view, "access", None) for endpoint, view in app.view_functions.items()
    }
    assert rules["home.index"] == access.PUBLIC
    assert rules["auth.login"] == access.PUBLIC
    assert rules["auth.logout"] == access.SIGNED_IN
    assert rules["staff.index"] == access.STAFF
    assert rules["public.healthz"] == access.PUBLIC
    assert rules["static"] is None  # static files are public by nature
    assert [e for e, rule in rules.items() if rule is None] == ["static"]


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
    [(RESIDENT, 403), (CUSTOMER_SERVICE, 403), (ASOY_STAFF, 403), (MAINTENANCE, 200), (ADMIN, 200)],
)
def test_staff_views_check_the_role(probe_app, login_as, client, who, status):
    login_as(who)
    assert client.get("/probe/maintenance").status_code == status


def test_signed_in_views_send_visitors_to_sign_in(probe_app, client):
    response = client.get("/probe/signed-in")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
