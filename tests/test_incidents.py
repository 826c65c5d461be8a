"""Incidents: announced once by staff for buildings or stairwells, seen by the homes there,
emailed in each resident's language, shown on the defect forms as already known, linked to
the reports that came anyway, and looked up by address without signing in."""

import datetime

import pytest

from portal import clock
from portal.models import (
    Apartment,
    AuditEntry,
    Building,
    DefectEvent,
    DefectReport,
    Incident,
    IncidentArea,
    OutboxEmail,
    Person,
    Residency,
    db,
)
from portal.services import incidents
from tests.conftest import (
    ADMIN,
    ASOY_RESIDENT,
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    MAINTENANCE,
    OTHER_RESIDENT,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    sign_in,
    sqlite_only,
    use_language,
)

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def building(street: str) -> Building:
    return Building.get(Building.street_address == street)


def typed(moment: datetime.datetime) -> str:
    """A stored (UTC) moment as staff type it: Helsinki time, to the minute."""
    local = moment.replace(tzinfo=datetime.UTC).astimezone(clock.HELSINKI)
    return local.strftime("%Y-%m-%dT%H:%M")


def now() -> datetime.datetime:
    """The portal's clock as the database stores moments, to the minute."""
    return clock.utcnow().replace(second=0, microsecond=0)


def staff_client(app, email=CUSTOMER_SERVICE):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, "en")
    return client


def announce(client, **data):
    """Send the announcing form as staff would: water cut tomorrow, in Finnish only."""
    start = now() + DAY
    fields = {
        "kind": "water",
        "urgency": "scheduled",
        "starts_at": typed(start),
        "ends_at": typed(start + 4 * HOUR),
        "text_fi": "Vesi on poikki.",
        "areas": [str(building("Vääksyntie 6").id)],
        **data,
    }
    token = csrf_token(client, "/staff/incidents/")
    return client.post("/staff/incidents/", data={**fields, "csrf_token": token})


def emails_to(address: str) -> list[OutboxEmail]:
    return list(OutboxEmail.select().where(OutboxEmail.to_address == address))


def make_incident(street="Vääksyntie 6", stairwell="", *, emergency=False, start, end):
    """Store an incident directly, as announcing would, for the edges of what homes see."""
    announced = now()
    incident = Incident.create(
        kind="water",
        emergency=emergency,
        starts_at=start,
        ends_at=end,
        text_fi="Vesi on poikki.",
        created_at=announced,
        updated_at=announced,
    )
    IncidentArea.create(
        incident=incident,
        building=building(street),
        stairwell=stairwell,
        shown_from=incidents.shown_from(emergency, start, announced),
        shown_until=end,
    )
    # Announcing has the pages read what is shown anew.
    incidents.forget_shown()
    return incident


# Announcing


def test_announcing_stores_audits_and_emails_the_residents_there(app):
    client = staff_client(app)
    before = OutboxEmail.select().count()
    response = announce(
        client,
        text_sv="Vattnet är avstängt.",
        text_en="The water is cut.",
        areas=[str(building("Sturenkatu 21").id), str(building("Vääksyntie 6").id)],
    )
    assert response.status_code == 303
    incident = Incident.select().order_by(Incident.id.desc()).get()
    assert response.headers["Location"] == f"/staff/incidents/{incident.id}"
    assert incident.kind == "water" and not incident.emergency and incident.resolved_at is None
    assert {a.building.street_address for a in incident.areas} == {"Sturenkatu 21", "Vääksyntie 6"}
    assert AuditEntry.get(AuditEntry.action == "incident_announced").actor.email == CUSTOMER_SERVICE
    # Aino and Elias (Finnish), Sofia (Swedish) and Matti (Finnish) live there; Hanna
    # (English, Kalliolanrinne 4) does not.
    [aino] = emails_to(RESIDENT)
    [sofia] = emails_to(SWEDISH_RESIDENT)
    assert aino.language == "fi" and "Vesi on poikki." in aino.body_text
    assert sofia.language == "sv" and "Vattnet är avstängt." in sofia.body_text
    assert "Vesi on poikki." not in sofia.body_text
    assert emails_to(OTHER_RESIDENT)
    assert not emails_to(ASOY_RESIDENT)
    assert OutboxEmail.select().count() - before == 4


def test_only_current_residents_who_want_email_are_emailed(app):
    Person.update(notify_by_email=False).where(Person.email == OTHER_RESIDENT).execute()
    matti = Residency.get(Residency.first_name == "Matti")
    moved_out = clock.today() - DAY
    Residency.update(moved_out=moved_out).where(Residency.id == matti.id).execute()
    client = staff_client(app)
    street = [str(building("Sturenkatu 21").id), str(building("Vääksyntie 6").id)]
    assert announce(client, areas=street).status_code == 303
    assert emails_to(RESIDENT) and emails_to(SWEDISH_RESIDENT)
    assert not emails_to(OTHER_RESIDENT)
    assert not emails_to("matti.koskinen@example.fi")


def test_an_english_resident_gets_english_or_finnish_with_a_word_that_it_is_finnish(app):
    client = staff_client(app, ADMIN)
    where = [str(building("Kalliolanrinne 4").id)]
    assert announce(client, areas=where, text_en="The water is cut.").status_code == 303
    [english] = emails_to(ASOY_RESIDENT)
    assert english.language == "en" and "The water is cut." in english.body_text
    assert "only in Finnish" not in english.body_text
    OutboxEmail.delete().execute()
    assert announce(client, areas=where).status_code == 303
    [finnish] = emails_to(ASOY_RESIDENT)
    assert "This notice is only in Finnish." in finnish.body_text
    assert "Vesi on poikki." in finnish.body_text


def test_a_stairwell_reaches_only_its_own_homes(app):
    street = building("Vääksyntie 6")
    # A second stairwell: Matti's home moves to C 1 for this test.
    matti = Residency.get(Residency.first_name == "Matti")
    Apartment.update(number="C 1").where(Apartment.id == matti.lease.apartment_id).execute()
    client = staff_client(app)
    assert f'value="{street.id}:B"' in client.get("/staff/incidents/").text
    assert announce(client, areas=[f"{street.id}:B"]).status_code == 303
    assert emails_to(SWEDISH_RESIDENT)  # B 12
    assert not emails_to("matti.koskinen@example.fi")  # C 1
    incident = Incident.select().order_by(Incident.id.desc()).get()
    assert [(a.building_id, a.stairwell) for a in incident.areas] == [(street.id, "B")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text_fi": ""}, "Write the text for residents in Finnish."),
        ({"text_fi": "x" * 4001}, "At most 4000 characters."),
        ({"areas": []}, "Choose at least one building or stairwell."),
        ({"kind": "flood"}, "Not a valid choice"),
        ({"urgency": ""}, "Choose whether the work is scheduled or an emergency."),
        ({"starts_at": "31.2.2027 10:00"}, "Write the day and time as"),
    ],
)
def test_a_wrong_answer_is_told_and_nothing_is_saved(app, change, message):
    client = staff_client(app)
    before = Incident.select().count(), OutboxEmail.select().count()
    response = announce(client, **change)
    assert response.status_code == 422
    assert message in response.text
    assert (Incident.select().count(), OutboxEmail.select().count()) == before


def test_an_end_before_the_start_or_already_past_is_refused(app):
    client = staff_client(app)
    start = now() + DAY
    response = announce(client, starts_at=typed(start), ends_at=typed(start - HOUR))
    assert response.status_code == 422
    assert "The expected end must come after the start." in response.text
    response = announce(client, starts_at=typed(now() - DAY), ends_at=typed(now() - HOUR))
    assert response.status_code == 422
    assert "The expected end has already passed." in response.text
    assert Incident.select().count() == 2  # the demo's


def test_as_oy_staff_announce_only_for_their_own_buildings(app):
    client = staff_client(app, ASOY_STAFF)
    before = typed(now())
    page = client.get("/staff/incidents/").text
    assert "Kalliolanrinne 4" in page and "Sturenkatu 21" not in page
    # The start is now until changed (the minute may turn during the request).
    assert f'value="{before}"' in page or f'value="{typed(now())}"' in page
    before = Incident.select().count(), AuditEntry.select().count(), OutboxEmail.select().count()
    foreign = str(building("Sturenkatu 21").id)
    response = announce(client, areas=[str(building("Kalliolanrinne 4").id), foreign])
    assert response.status_code == 422
    assert "You can announce incidents only for the buildings your team serves." in response.text
    assert announce(client, areas=[f"{foreign}:A"]).status_code == 422
    after = Incident.select().count(), AuditEntry.select().count(), OutboxEmail.select().count()
    assert after == before
    assert announce(client, areas=[str(building("Kalliolanrinne 4").id)]).status_code == 303


def test_the_form_error_is_translated(app):
    client = staff_client(app, ASOY_STAFF)
    use_language(client, "fi")
    response = announce(client, areas=[str(building("Sturenkatu 21").id)])
    assert response.status_code == 422
    assert "Voit ilmoittaa häiriöstä vain tiimisi omiin taloihin." in response.text


# Updating and resolving


def test_moving_the_end_by_more_than_an_hour_emails_and_less_does_not(app):
    client = staff_client(app)
    assert announce(client).status_code == 303
    incident = Incident.select().order_by(Incident.id.desc()).get()
    OutboxEmail.delete().execute()
    page = f"/staff/incidents/{incident.id}"

    def move(end, text="Vesi on yhä poikki."):
        token = csrf_token(client, page)
        data = {"ends_at": typed(end), "text_fi": text, "csrf_token": token}
        return client.post(page, data=data)

    assert move(incident.ends_at + HOUR).status_code == 303
    assert OutboxEmail.select().count() == 0
    assert Incident.get_by_id(incident.id).text_fi == "Vesi on yhä poikki."
    assert move(incident.ends_at + 3 * HOUR).status_code == 303
    [sofia] = emails_to(SWEDISH_RESIDENT)
    assert "Vesi on yhä poikki." in sofia.body_text
    assert "Det här meddelandet finns bara på finska." in sofia.body_text
    assert AuditEntry.select().where(AuditEntry.action == "incident_updated").count() == 2
    assert move(incident.starts_at - HOUR).status_code == 422


def test_resolving_emails_residents_closes_linked_reports_and_tells_each_reporter_once(app):
    client = staff_client(app, MAINTENANCE)
    incident = make_incident("Sturenkatu 21", start=now() - HOUR, end=now() + 5 * HOUR)
    aino_lease = Residency.get(Residency.first_name == "Aino").lease
    aino = Person.get(Person.email == RESIDENT)
    reports = [
        DefectReport.create(
            reference=f"T-{index}",
            building=aino_lease.apartment.building_id,
            lease=aino_lease,
            reporter=aino,
            location="apartment",
            category="plumbing",
            description="Ei vettä.",
            incident=incident,
        )
        for index in range(2)
    ]
    visitor = DefectReport.create(
        reference="T-visitor",
        building=aino_lease.apartment.building_id,
        reporter_email="vieras@example.fi",
        language="sv",
        location="stairwell",
        category="plumbing",
        description="Inget vatten.",
        incident=incident,
    )
    OutboxEmail.delete().execute()
    page = f"/staff/incidents/{incident.id}"
    assert "T-visitor" in client.get(page).text
    response = client.post(f"{page}/resolve", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 303
    assert Incident.get_by_id(incident.id).resolved_at is not None
    # Both residents of the building who take email were told, Aino in her reports' email.
    assert "An email went to 2 residents." in client.get(response.headers["Location"]).text
    for report in [*reports, visitor]:
        assert DefectReport.get_by_id(report.id).status == DefectReport.DONE
        event = DefectEvent.get(
            (DefectEvent.report == report.id) & (DefectEvent.status == DefectReport.DONE)
        )
        # The household sees the line in the report's timeline.
        assert event.visible_to_resident and event.author.email == MAINTENANCE
    # Aino: one email, listing both of her reports (not another as a resident); Elias, who
    # lives with her and reported nothing, the residents' one; the visitor one in Swedish.
    [done] = emails_to(RESIDENT)
    assert "T-0" in done.body_text and "T-1" in done.body_text
    assert "häiriöön, joka on nyt korjattu" in done.body_text  # both write Finnish
    [elias] = emails_to("elias.virtanen@example.fi")
    assert "Talosi häiriö on korjattu." in elias.body_text
    assert "T-0" not in elias.body_text
    [visitor_mail] = emails_to("vieras@example.fi")
    assert visitor_mail.language == "sv" and "T-visitor" in visitor_mail.body_text
    assert AuditEntry.get(AuditEntry.action == "incident_resolved")
    # Resolved is resolved: no second time, no update, nothing more linked.
    token = csrf_token(client, page)
    assert client.post(f"{page}/resolve", data={"csrf_token": token}).status_code == 409
    data = {"ends_at": typed(now() + DAY), "text_fi": "Uusi", "csrf_token": token}
    assert client.post(page, data=data).status_code == 409
    with app.app_context(), pytest.raises(incidents.IncidentClosed):
        incidents.resolve(Person.get(Person.email == ADMIN), incident, public_url="")
    assert link(client, incident.id, [reports[0].id]).status_code == 422
    seen = incidents.visible_for(aino_lease.apartment.building_id, "A", clock.now())
    assert incident.id not in [i.id for i in seen]


# What a home sees, at the edges


def test_what_a_home_sees_at_the_edges_of_an_incident(app):
    street = building("Vääksyntie 6")
    start = now() + 5 * DAY
    scheduled = make_incident(start=start, end=start + 4 * HOUR)

    def seen(moment, stairwell="B"):
        aware = moment.replace(tzinfo=datetime.UTC)
        return scheduled.id in [i.id for i in incidents.visible_for(street.id, stairwell, aware)]

    assert not seen(start - 3 * DAY - datetime.timedelta(seconds=1))
    assert seen(start - 3 * DAY)
    assert seen(start)
    assert seen(start + 4 * HOUR - datetime.timedelta(seconds=1))
    assert not seen(start + 4 * HOUR)
    assert seen(start, stairwell="C") and seen(start, stairwell=None)
    clock.set_to(start.replace(tzinfo=datetime.UTC) + HOUR, running=False)
    with app.app_context():
        incidents.resolve(Person.get(Person.email == ADMIN), scheduled, public_url="")
    assert not seen(start + HOUR)
    assert seen(start + HOUR - datetime.timedelta(seconds=1))


@sqlite_only
def test_what_a_home_sees_is_one_query_from_the_index_of_its_building(app):
    street = building("Sturenkatu 21").id
    run = []
    hook = lambda event: run.append((event.sql, event.params))  # noqa: E731
    db.obj.query_hooks.append(hook)
    try:
        incidents.visible_for(street, "A", clock.now())
    finally:
        db.obj.query_hooks.remove(hook)
    [(sql, params)] = run
    assert street in params and "A" in params
    plan = " ".join(
        row[3] for row in db.obj.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    )
    assert "USING INDEX incidentarea_building_id_shown_until_shown_from" in plan, plan
    assert "SCAN" not in plan, plan


def test_an_emergency_shows_from_its_announcement_and_a_stairwell_only_there(app):
    street = building("Vääksyntie 6")
    start = now() + 5 * DAY
    emergency = make_incident(stairwell="C", emergency=True, start=start, end=start + HOUR)

    def seen(stairwell):
        return emergency.id in [i.id for i in incidents.visible_for(street.id, stairwell, now())]

    assert seen("C") and seen(None) and not seen("B")


def resident_client(app, email, language="en"):
    client = app.test_client()
    sign_in(client, email)
    use_language(client, language)
    return client


def test_the_dashboard_shows_the_incidents_of_the_home(app):
    page = resident_client(app, RESIDENT).get("/").text
    assert "Incidents in your building" in page
    assert "The water is cut for pipe work." in page
    page = resident_client(app, ASOY_RESIDENT).get("/").text
    assert "Ulko-oven lukko on rikki." in page and "This notice is only in Finnish." in page
    assert "The water is cut" not in page
    page = resident_client(app, SWEDISH_RESIDENT, "sv").get("/").text
    assert "Vattnet är avstängt" not in page  # Vääksyntie 6 has no incident


# Linking reports from the defect queue


def open_report(first_name: str, reference: str, **extra) -> DefectReport:
    lease = Residency.get(Residency.first_name == first_name).lease
    return DefectReport.create(
        reference=reference,
        building=lease.apartment.building_id,
        lease=lease,
        location="apartment",
        category="plumbing",
        description="Ei vettä.",
        **extra,
    )


def link(client, incident_id, report_ids):
    token = csrf_token(client, "/staff/defects/")
    data = {"incident": str(incident_id), "reports": [str(i) for i in report_ids]}
    return client.post("/staff/incidents/link", data={**data, "csrf_token": token})


def test_staff_link_open_reports_to_an_incident_from_the_queue(app):
    client = staff_client(app, MAINTENANCE)
    incident = make_incident("Sturenkatu 21", start=now() - HOUR, end=now() + 5 * HOUR)
    first, second = open_report("Aino", "L-1"), open_report("Aino", "L-2")
    queue = client.get("/staff/defects/").text
    assert 'action="/staff/incidents/link"' in queue
    assert f'name="reports" value="{first.id}" aria-labelledby="r{first.id}"' in queue
    assert f'<a id="r{first.id}" href="/staff/defects/{first.id}">' in queue
    assert f'<option value="{incident.id}">Water: Sturenkatu 21</option>' in queue
    response = link(client, incident.id, [first.id, second.id])
    assert response.status_code == 303 and response.headers["Location"] == "/staff/defects/"
    assert {
        r.incident_id for r in DefectReport.select().where(DefectReport.id << [first.id, second.id])
    } == {incident.id}
    queue = client.get("/staff/defects/").text
    assert f'href="/staff/incidents/{incident.id}">incident</a>' in queue
    assert AuditEntry.get(AuditEntry.action == "incident_reports_linked").detail.startswith(
        f"{incident.id}:"
    )


def test_another_teams_or_a_closed_report_is_not_linked(app):
    client = staff_client(app, ASOY_STAFF)
    incident = make_incident("Kalliolanrinne 4", start=now() - HOUR, end=now() + 5 * HOUR)
    own = open_report("Hanna", "L-own")
    foreign = open_report("Aino", "L-foreign")
    closed = open_report("Hanna", "L-closed", status=DefectReport.DONE)
    for chosen in ([own.id, foreign.id], [own.id, closed.id], [own.id, 999999]):
        response = link(client, incident.id, chosen)
        assert response.status_code == 409
        assert "Nothing was linked." in response.text
    assert DefectReport.select().where(DefectReport.incident.is_null(False)).count() == 0
    # Nor to another team's incident, or with nothing chosen.
    other = make_incident("Sturenkatu 21", start=now() - HOUR, end=now() + 5 * HOUR)
    assert link(client, other.id, [own.id]).status_code == 422
    assert link(client, incident.id, []).status_code == 422
    assert link(client, incident.id, [own.id]).status_code == 303
    assert DefectReport.get_by_id(own.id).incident_id == incident.id


# Before a duplicate report


def test_the_residents_defect_form_says_what_is_already_known(app):
    client = resident_client(app, RESIDENT)
    page = client.get("/defects/new").text
    assert "Already known" in page and "The water is cut for pipe work." in page
    assert 'hx-get="/incidents/known?building=' in page
    # The report can still be sent.
    assert 'action="/defects/new"' in page


def test_the_visitors_form_says_it_once_the_building_is_chosen(app):
    client = app.test_client()
    client.set_cookie("locale", "en")
    assert "Already known" not in client.get("/defects/report").text
    street = building("Sturenkatu 21")
    page = client.get(f"/defects/report?building={street.id}").text
    assert "Already known" in page and "The water is cut for pipe work." in page
    token = csrf_token(client, "/defects/report")
    response = client.post(
        "/defects/report",
        data={"building": str(street.id), "show_numbers": "1", "csrf_token": token},
    )
    assert response.status_code == 200 and "The water is cut for pipe work." in response.text
    other = building("Vääksyntie 6")
    assert "Already known" not in client.get(f"/defects/report?building={other.id}").text


def test_the_htmx_fragment_follows_the_building_and_the_kind_of_defect(app):
    client = app.test_client()
    client.set_cookie("locale", "en")
    street = building("Sturenkatu 21").id
    htmx = {"HX-Request": "true"}
    fragment = client.get(f"/incidents/known?building={street}&category=plumbing", headers=htmx)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Already known" in fragment.text and "The water is cut for pipe work." in fragment.text
    # A broken window is not part of a water cut; any defect before the kind is chosen may be.
    other_kind = f"/incidents/known?building={street}&category=windows_doors"
    assert "Already known" not in client.get(other_kind, headers=htmx).text
    assert "Already known" in client.get(f"/incidents/known?building={street}", headers=htmx).text
    asoy = building("Kalliolanrinne 4").id
    locks = client.get(f"/incidents/known?building={asoy}&category=locks", headers=htmx).text
    assert "Ulko-oven lukko on rikki." in locks and "This notice is only in Finnish." in locks
    # Nothing known: nothing to swap into the form.
    nothing = client.get(other_kind, headers=htmx)
    assert nothing.status_code == 200 and nothing.text.strip() == ""
    assert client.get("/incidents/known?building=abc", headers=htmx).status_code == 200
    # Without htmx it is a page of its own.
    assert "<h1>" in client.get(f"/incidents/known?building={street}").text


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("plumbing", "water"),
        ("locks", "door_lock"),
        ("heating", "heating"),
        ("electrical", "electricity"),
    ],
)
def test_defect_categories_map_to_incident_kinds(category, kind):
    assert kind in incidents.CATEGORY_KINDS[category]


def test_stairwells_are_read_from_apartment_numbers():
    assert incidents.stairwell_of("A 12") == "A"
    assert incidents.stairwell_of("b12") == "B"
    assert incidents.stairwell_of("12") == ""


# Without signing in


def main_of(page: str) -> str:
    return page.split("<main", 1)[-1].split("</main>")[0]


def test_anyone_looks_up_current_incidents_by_street_address(app):
    client = app.test_client()
    client.set_cookie("locale", "en")
    start = client.get("/").text
    assert 'action="/incidents"' in start and 'name="address"' in start
    page = main_of(client.get("/incidents?address=sturenkatu").text)
    assert "Sturenkatu 21, 00" in page and " Helsinki" in page
    assert "The water is cut for pipe work." in page
    assert "Kalliolanrinne" not in page
    # No one's personal data: no names, no email addresses.
    for word in ("Aino", "Virtanen", "@", "Mäkinen"):
        assert word not in page
    assert "No current incidents at this address." in client.get("/incidents?address=Nowhere").text
    assert client.get("/incidents?address=" + "%25" * 500).status_code == 200


def test_a_resolved_incident_is_no_longer_found(app):
    client = app.test_client()
    incident = (
        Incident.select()
        .join(IncidentArea)
        .join(Building)
        .where(Building.street_address == "Sturenkatu 21")
        .get()
    )
    with app.app_context():
        incidents.resolve(Person.get(Person.email == ADMIN), incident, public_url="")
    page = client.get("/incidents?address=Sturenkatu").text
    assert "Sturenkatu 21," not in page.split('id="results"')[1]


# Who may


@pytest.mark.parametrize("who", [None, RESIDENT, ASOY_RESIDENT])
def test_residents_and_visitors_are_refused_from_the_staff_pages(app, who):
    client = app.test_client()
    if who:
        sign_in(client, who)
    incident = Incident.select().first()
    for url in ("/staff/incidents/", f"/staff/incidents/{incident.id}"):
        assert client.get(url).status_code in (302, 403)
    token = csrf_token(client, "/")
    for url in ("/staff/incidents/", f"/staff/incidents/{incident.id}/resolve"):
        assert client.post(url, data={"csrf_token": token}).status_code in (302, 403)
    assert Incident.select().count() == 2
    assert Incident.select().where(Incident.resolved_at.is_null(False)).count() == 0


def test_as_oy_staff_cannot_open_or_resolve_another_teams_incident(app):
    client = staff_client(app, ASOY_STAFF)
    foreign = (
        Incident.select()
        .join(IncidentArea)
        .join(Building)
        .where(Building.street_address == "Sturenkatu 21")
        .get()
    )
    assert client.get(f"/staff/incidents/{foreign.id}").status_code == 404
    token = csrf_token(client, "/staff/incidents/")
    response = client.post(f"/staff/incidents/{foreign.id}/resolve", data={"csrf_token": token})
    assert response.status_code == 404
    assert Incident.get_by_id(foreign.id).resolved_at is None
    assert "Sturenkatu 21" not in client.get("/staff/incidents/").text


def test_an_incident_shared_with_another_team_is_listed_to_as_oy_staff_but_not_theirs_to_change(
    app,
):
    shared = make_incident("Kalliolanrinne 4", start=now() + DAY, end=now() + DAY + HOUR)
    IncidentArea.create(
        incident=shared,
        building=building("Sturenkatu 21"),
        shown_from=shared.areas[0].shown_from,
        shown_until=shared.ends_at,
    )
    own = Incident.get(Incident.kind == "door_lock")  # the demo's lock: Kalliolanrinne 4 only
    page = staff_client(app, ASOY_STAFF).get("/staff/incidents/").text
    assert f'href="/staff/incidents/{own.id}"' in page
    assert f'href="/staff/incidents/{shared.id}"' not in page
    assert "another team serves: that team changes and resolves it" in page
    # The main team serves both buildings: theirs to change.
    page = staff_client(app).get("/staff/incidents/").text
    assert f'href="/staff/incidents/{shared.id}"' in page
    assert "another team serves" not in page
