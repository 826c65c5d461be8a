"""The staff start page: what waits for the person and their team, each count a link."""

import datetime
import re

from portal import clock
from portal.models import DefectReport, Incident, Mandate, OutboxEmail, ServiceRequest
from tests.conftest import ASOY_STAFF, CUSTOMER_SERVICE, MAINTENANCE, sign_in, use_language


def _counts(app, email):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    page = client.get("/staff/").text
    return {
        label: int(count)
        for label, count in re.findall(r'<li><a href="[^"]+">([^<]+)</a>: <strong[^>]*>(\d+)', page)
    }


def test_customer_service_sees_each_queue_counted(app):
    counts = _counts(app, CUSTOMER_SERVICE)
    # Customer service serves every building.
    received = ServiceRequest.select().where(ServiceRequest.status == "received").count()
    assert counts["New service requests"] == received >= 2
    assert counts["Powers of attorney to verify"] == 1
    assert counts["Email that has not been delivered"] == 0
    report = DefectReport.get(DefectReport.status == "received")
    DefectReport.update(urgent=True).where(DefectReport.id == report.id).execute()
    OutboxEmail.create(
        to_address="x@example.fi",
        subject="s",
        body_text="b",
        body_html="b",
        language="fi",
        status=OutboxEmail.FAILED,
    )
    Mandate.update(status=Mandate.ACTIVE).where(Mandate.status == Mandate.PENDING).execute()
    after = _counts(app, CUSTOMER_SERVICE)
    assert after["Urgent new defect notifications"] == counts["Urgent new defect notifications"] + 1
    assert after["Other new defect notifications"] == counts["Other new defect notifications"] - 1
    assert after["Email that has not been delivered"] == 1
    assert after["Powers of attorney to verify"] == 0


def test_new_defects_are_counted_urgent_and_other_also_when_one_kind_has_none(app):
    received = DefectReport.status == DefectReport.RECEIVED
    counts = _counts(app, CUSTOMER_SERVICE)
    urgent = DefectReport.select().where(received & DefectReport.urgent).count()
    other = DefectReport.select().where(received & ~DefectReport.urgent).count()
    assert counts["Urgent new defect notifications"] == urgent
    assert counts["Other new defect notifications"] == other > 0
    DefectReport.update(urgent=False).where(received).execute()
    after = _counts(app, CUSTOMER_SERVICE)
    assert after["Urgent new defect notifications"] == 0
    assert after["Other new defect notifications"] == urgent + other
    DefectReport.update(status=DefectReport.IN_PROGRESS).where(received).execute()
    none = _counts(app, CUSTOMER_SERVICE)
    assert none["Urgent new defect notifications"] == none["Other new defect notifications"] == 0


def test_each_role_sees_only_the_queues_it_may_open(app):
    maintenance = _counts(app, MAINTENANCE)
    assert "Conversations waiting for an answer" not in maintenance
    assert "Powers of attorney to verify" not in maintenance
    assert "Urgent new defect notifications" in maintenance
    asoy = _counts(app, ASOY_STAFF)
    # The As Oy team's queue holds Hanna's request only; Sofia's pending mandate is not theirs.
    assert asoy["New service requests"] == 1
    assert asoy["Powers of attorney to verify"] == 0


def test_the_person_page_gathers_everything_about_a_resident(app, queries):
    from portal.models import Person

    aino = Person.get(Person.email == "aino.virtanen@example.fi")
    client = app.test_client()
    sign_in(client, CUSTOMER_SERVICE)
    use_language(client, "en")
    queries.clear()
    page = client.get(f"/staff/people/{aino.id}")
    assert page.status_code == 200
    assert len(queries) <= 8
    text = page.text
    assert "Sturenkatu 21 A 4" in text and "lease party" in text
    assert "Permission for a DIY renovation" in text
    assert "Given to Kaisa Lehtonen" in text
    assert "Online banking" in text
    asoy = app.test_client()
    sign_in(asoy, ASOY_STAFF)
    assert asoy.get(f"/staff/people/{aino.id}").status_code == 404
    assert client.get("/staff/people/999999").status_code == 404
    found = client.get("/staff/identification?q=aino").text
    assert f'href="/staff/people/{aino.id}"' in found


def test_an_administrator_edits_a_teams_contacts_and_residents_see_them(app):
    from portal.models import ServiceTeam
    from tests.conftest import ADMIN, RESIDENT, csrf_token

    team = ServiceTeam.get(ServiceTeam.key == "customer_service")
    admin = app.test_client()
    sign_in(admin, ADMIN)
    use_language(admin, "en")
    token = csrf_token(admin, f"/staff/teams/{team.id}")
    data = {
        "name_fi": team.name_fi,
        "name_sv": team.name_sv,
        "name_en": team.name_en,
        "phone": "09 1234 5678",
        "phone_hours": "mon-fri 08:00-16:00",
        "email": "palvelu@example.fi",
        "on_call_phone": "0800 100 200",
        "csrf_token": token,
    }
    bad = admin.post(f"/staff/teams/{team.id}", data={**data, "phone_hours": "always"})
    assert bad.status_code == 422 and "Write the hours like" in bad.text
    assert ServiceTeam.get_by_id(team.id).phone != "09 1234 5678"
    assert admin.post(f"/staff/teams/{team.id}", data=data).status_code == 303
    resident = app.test_client()
    sign_in(resident, RESIDENT)
    footer = resident.get("/").text.split('<footer class="foot">')[1]
    assert "09 1234 5678" in footer and "palvelu@example.fi" in footer
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    assert staff.get(f"/staff/teams/{team.id}").status_code == 403


def test_staff_find_requests_by_reference_address_or_name(app):
    client = app.test_client()
    sign_in(client, CUSTOMER_SERVICE)
    use_language(client, "en")
    aino = ServiceRequest.select().where(ServiceRequest.type_key == "diy_renovation").get()
    for q in (aino.reference, aino.reference.lower(), "Sturenkatu 21 A 4", "aino virtanen"):
        page = client.get("/staff/requests/", query_string={"q": q, "status": "all"}).text
        found = re.findall(r'href="/staff/requests/(\d+)"', page)
        assert str(aino.id) in found, q
        assert all(ServiceRequest.get_by_id(int(i)).lease_id == aino.lease_id for i in found), q
    nothing = client.get("/staff/requests/", query_string={"q": "Olematon", "status": "all"})
    assert "No requests match." in nothing.text


def test_an_administrator_moves_a_building_to_another_team(app):
    from portal.models import Building, Residency, ServiceTeam
    from tests.conftest import ADMIN, RESIDENT, csrf_token

    aino = Residency.get(Residency.first_name == "Aino")
    building = aino.lease.apartment.building
    asoy_team = ServiceTeam.get(ServiceTeam.key == "asoy_customer_service")
    asoy = app.test_client()
    sign_in(asoy, ASOY_STAFF)
    assert asoy.get(f"/staff/register/leases/{aino.lease_id}").status_code == 404
    admin = app.test_client()
    sign_in(admin, ADMIN)
    url = f"/staff/buildings/{building.id}"
    token = csrf_token(admin, url)
    assert (
        admin.post(f"{url}/team", data={"team": "nonsense", "csrf_token": token}).status_code == 400
    )
    response = admin.post(f"{url}/team", data={"team": asoy_team.id, "csrf_token": token})
    assert response.status_code == 303
    assert Building.get_by_id(building.id).team_id == asoy_team.id
    assert asoy.get(f"/staff/register/leases/{aino.lease_id}").status_code == 200
    resident = app.test_client()
    sign_in(resident, RESIDENT)
    footer = resident.get("/").text.split('<footer class="foot">')[1]
    assert asoy_team.phone in footer
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    assert (
        staff.post(
            f"{url}/team", data={"team": 1, "csrf_token": csrf_token(staff, "/staff/")}
        ).status_code
        == 403
    )


def test_incidents_past_their_end_wait_for_resolving_in_the_team_that_serves_them(app):
    overdue = "Incidents past their expected end, not resolved"
    assert _counts(app, CUSTOMER_SERVICE)[overdue] == 0
    assert _counts(app, MAINTENANCE)[overdue] == 0
    # The demo's broken lock in Kalliolanrinne 4 (the As Oy team's) was expected to be
    # mended by now, and the water cut in Sturenkatu 21 (the main team's) has ended too.
    now = clock.utcnow()
    minute = datetime.timedelta(minutes=1)
    Incident.update(starts_at=now - 60 * minute, ends_at=now - minute).execute()
    assert _counts(app, CUSTOMER_SERVICE)[overdue] == 2  # every building is theirs
    assert _counts(app, ASOY_STAFF)[overdue] == 1
    Incident.update(resolved_at=clock.utcnow()).where(Incident.kind == "door_lock").execute()
    assert _counts(app, ASOY_STAFF)[overdue] == 0
    assert _counts(app, MAINTENANCE)[overdue] == 1
