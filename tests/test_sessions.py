"""Sessions: a fresh one at sign-in, an end on every device at sign-out and at the end of a
tenancy, idle and absolute lifetimes (shorter for staff), a recent password for weighty
changes, and forms that still work after a working day open."""

import datetime
import time

from flask import request as flask_request

from portal import clock, serving
from portal.models import Lease, Person, Residency, ServiceRequest
from portal.services import housekeeping
from portal.services.dates import notice_end
from tests.conftest import (
    CUSTOMER_SERVICE,
    PASSWORD,
    RESIDENT,
    age_sign_in,
    csrf_token,
    sign_in,
)

SIGN_IN_PAGE = "/login"


def _cookie(client) -> str:
    return client.get_cookie("portal_session").value


def _signed_out(client, path="/profile") -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith(SIGN_IN_PAGE)


def _move_clock(monkeypatch, seconds):
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)


def test_signing_in_starts_a_new_session(client):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = _cookie(client)
    assert sign_in(client, RESIDENT).status_code == 303
    assert _cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["signed_in_at"] <= clock.timestamp()


def test_a_session_holds_steady_when_the_phone_changes_network_or_browser_version(client):
    sign_in(client, RESIDENT)
    client.get("/profile")
    cookie = _cookie(client)
    for address, agent in [("127.0.0.5", "Firefox 140"), ("127.1.2.3", "Firefox 141")]:
        page = client.get(
            "/profile", environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}
        )
        assert page.status_code == 200
        # Nothing in the session changed, so no cookie is signed and sent again.
        assert "Set-Cookie" not in page.headers
    assert _cookie(client) == cookie
    # What the session carries: who and since when, not a fingerprint of the browser.
    with client.session_transaction() as session:
        assert "_id" not in session
        assert session["_user_id"]


def test_signing_out_ends_the_session_on_every_device(app, client):
    sign_in(client, RESIDENT)
    copied = app.test_client()
    copied.set_cookie("portal_session", _cookie(client))
    laptop = app.test_client()
    sign_in(laptop, RESIDENT)
    assert not _signed_out(copied) and not _signed_out(laptop)

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert _signed_out(client)
    # A copy of the cookie taken before signing out, and the other computer, are out too.
    assert _signed_out(copied)
    assert _signed_out(laptop)
    assert sign_in(laptop, RESIDENT).status_code == 303
    assert not _signed_out(laptop)


def test_an_idle_session_ends_sooner_for_staff(app):
    resident, staff = app.test_client(), app.test_client()
    sign_in(resident, RESIDENT)
    sign_in(staff, CUSTOMER_SERVICE)
    for client in (resident, staff):
        with client.session_transaction() as session:
            session["seen_at"] -= 31 * 60
    # Half an hour without a click: the staff member signs in again, the resident goes on.
    assert _signed_out(staff, "/staff/")
    assert not _signed_out(resident)
    with resident.session_transaction() as session:
        session["seen_at"] -= 61 * 60
    response = resident.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    # Told in the person's own language (Aino's is Finnish).
    page = resident.get(response.headers["Location"]).text
    assert "Sinut kirjattiin ulos, koska istunto vanheni." in page


def test_a_session_ends_after_a_working_day_however_active(client):
    sign_in(client, RESIDENT)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 60
        session["seen_at"] = clock.timestamp()
    assert _signed_out(client)


def test_a_session_without_its_times_is_not_trusted(client):
    sign_in(client, RESIDENT)
    with client.session_transaction() as session:
        session["signed_in_at"] = "forever"
    assert _signed_out(client)


def test_activity_keeps_a_session_going(client):
    sign_in(client, RESIDENT)
    with client.session_transaction() as session:
        session["seen_at"] -= 50 * 60
    assert not _signed_out(client)
    with client.session_transaction() as session:
        assert clock.timestamp() - session["seen_at"] < 5
        session["seen_at"] -= 50 * 60
    assert not _signed_out(client)


def test_a_form_left_open_for_a_working_day_still_goes_through(client, monkeypatch):
    token = csrf_token(client, "/")
    _move_clock(monkeypatch, 9 * 3600)
    response = client.post("/locale", data={"language": "sv", "csrf_token": token})
    assert response.status_code == 303
    assert client.get_cookie("locale").value == "sv"


def test_a_form_from_yesterday_is_refused_politely(client, monkeypatch):
    token = csrf_token(client, "/")
    _move_clock(monkeypatch, 13 * 3600)
    response = client.post(
        "/locale",
        data={"language": "sv", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "The form had expired" in response.text


def test_the_end_of_a_tenancy_ends_the_sessions_of_its_residents(app, login_as):
    client = login_as(RESIDENT)
    aino = Person.get(Person.email == RESIDENT)
    lease = Residency.get(Residency.person == aino).lease
    housekeeping.end_sessions_of_ended_leases(clock.today())
    assert not _signed_out(client)  # a current lease: nothing ends

    Lease.update(end_date=clock.today() - datetime.timedelta(days=1)).where(
        Lease.id == lease.id
    ).execute()
    assert housekeeping.end_sessions_of_ended_leases(clock.today()) >= 1
    assert _signed_out(client)
    # Once per lease: signing in again afterwards (to read the final invoice) lasts.
    sign_in(client, RESIDENT)
    assert housekeeping.end_sessions_of_ended_leases(clock.today()) == 0
    assert not _signed_out(client)


def test_giving_notice_on_the_lease_needs_a_recent_password(login_as):
    client = login_as(RESIDENT)
    age_sign_in(client, 2 * 3600)
    form_page = client.get("/requests/new/lease_termination").text
    assert 'id="password"' in form_page and "you signed in a while ago" in form_page
    data = {
        "csrf_token": csrf_token(client, "/requests/new/lease_termination"),
        "extent": "all",
        "end_date": notice_end(clock.today(), 1).isoformat(),
        "phone": "040 123 4567",
        "password": "Wrong-password-1",
    }
    before = ServiceRequest.select().count()
    refused = client.post("/requests/new/lease_termination", data=data)
    assert refused.status_code == 422
    assert "The password was not right." in refused.text
    assert 'href="#password"' in refused.text
    assert ServiceRequest.select().count() == before
    accepted = client.post("/requests/new/lease_termination", data={**data, "password": PASSWORD})
    assert accepted.status_code == 303, accepted.text
    assert ServiceRequest.select().count() == before + 1
    # The password was just proved: the next weighty form does not ask again.
    assert 'id="password"' not in client.get("/requests/new/lease_termination").text


def _opened(app, cookie: str | None):
    """The session the app opens for a request that brings this cookie."""
    headers = {"Cookie": f"portal_session={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        return dict(app.session_interface.open_session(app, flask_request))


def test_a_checked_cookie_is_trusted_again_only_as_it_was_and_still_grows_old(app, monkeypatch):
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": "7:abc", "seen_at": 1})
    assert _opened(app, cookie) == {"_user_id": "7:abc", "seen_at": 1}
    # Remembered now; the same bytes open the same session again.
    assert _opened(app, cookie) == {"_user_id": "7:abc", "seen_at": 1}
    # Another person's id under the remembered cookie's time and signature.
    payload, signed_at, signature = cookie.rsplit(".", 2)
    other = serializer.dumps({"_user_id": "8:abc", "seen_at": 1}).rsplit(".", 2)[0]
    assert other != payload
    assert _opened(app, f"{other}.{signed_at}.{signature}") == {}
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    real = time.time
    monkeypatch.setattr(serving.time, "time", lambda: real() + lifetime + 5)
    assert _opened(app, cookie) == {}


def test_a_session_holding_a_list_is_read_anew_each_time(app):
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_flashes": [["info", "Saved."]]})
    first = _opened(app, cookie)
    first["_flashes"].append(["info", "Changed in place by the request."])
    assert _opened(app, cookie) == {"_flashes": [["info", "Saved."]]}
