"""Service requests: every catalog type through one mechanism, the staff queue, consents,
register changes on approval, and a type added in a test with no other code."""

import datetime
import io
import json

import pytest
from flask_babel import force_locale

from portal import catalog
from portal.catalog import Field, RequestType, RuleContext
from portal.demo import rescue_plan_pdf
from portal.models import (
    Lease,
    OutboxEmail,
    Person,
    ReadMark,
    RequestAttachment,
    RequestConsent,
    Residency,
    ServiceRequest,
)
from portal.services.dates import month_end, notice_end
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    MAINTENANCE,
    OTHER_RESIDENT,
    RESIDENT,
    START_DAY,
    csrf_token,
    make_photo,
    sign_in,
    use_language,
)

TODAY = START_DAY


def days(n: int) -> str:
    return (TODAY + datetime.timedelta(days=n)).isoformat()


def residency_id(first_name: str) -> str:
    return str(Residency.get(Residency.first_name == first_name).id)


# A valid answer for every type, as a resident of Aino Virtanen's household sends it.
SAMPLES = {
    "disturbance": lambda: {
        "source": "apartment",
        "apartment": "A 5",
        "time_of_day": "night",
        "since": days(-10),
        "description": "Loud music every night after midnight.",
        "talked": "no",
    },
    "smoking": lambda: {
        "where": "balcony",
        "apartment": "A 2",
        "since": days(-30),
        "description": "Smoke comes into the bedroom every evening.",
    },
    "diy_renovation": lambda: {
        "work": "painting",
        "rooms": "Living room",
        "materials": "Light grey wall paint, matt.",
        "doer": "self",
        "start": days(7),
        "end": days(14),
    },
    "lease_transfer": lambda: {
        "recipient": residency_id("Elias"),
        "relationship": "child",
        "transfer_date": days(30),
        "phone": "040 123 4567",
    },
    "apartment_inspection": lambda: {
        "reason": "moisture",
        "details": "A musty smell in the bathroom.",
        "times": "Weekdays after 3 pm",
        "master_key": "yes",
        "phone": "040 123 4567",
    },
    "resident_change": lambda: {
        "change": "in",
        "movers_in-0-first_name": "Onni",
        "movers_in-0-last_name": "Virtanen",
        "movers_in-0-birth_date": "2001-02-03",
        "date": days(3),
    },
    "lease_termination": lambda: {
        "extent": "all",
        "end_date": notice_end(TODAY, 1).isoformat(),
        "phone": "040 123 4567",
    },
    "keys": lambda: {"action": "return", "date": days(5), "count": "3"},
    "door_opening": lambda: {
        "person": residency_id("Aino"),
        "date": days(1),
        "time": "17:30",
        "phone": "040 123 4567",
        "fee_accepted": "yes",
    },
    "manager_statement": lambda: {
        "purpose": "For a bank",
        "delivery": "email",
        "email": "aino.virtanen@example.fi",
    },
    "parking_sauna_termination": lambda: {
        "what": "sauna",
        "identifier": "Tuesday 19:00",
        "end_date": month_end(TODAY).isoformat(),
    },
}
TYPES = sorted(catalog.CATALOG)


def post_form(client, key, data, files=None):
    url = f"/requests/new/{key}"
    payload = {**data, "csrf_token": csrf_token(client, url)}
    if files:
        payload["attachments"] = files
    return client.post(url, data=payload, content_type="multipart/form-data")


def test_every_catalog_type_has_a_test_row():
    assert set(SAMPLES) == set(catalog.CATALOG)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("key", TYPES)
def test_form_renders_in_every_language(app, login_as, key, language):
    client = login_as(RESIDENT, language)
    response = client.get(f"/requests/new/{key}")
    assert response.status_code == 200
    with (
        app.test_request_context(),
        force_locale({"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}[language]),
    ):
        title = str(catalog.CATALOG[key].title)
        first_question = str(catalog.CATALOG[key].fields[0].label)
    page = response.text
    assert f'<html lang="{language}">' in page
    assert f"<h1>{title}</h1>" in page.replace("&#39;", "'")
    assert first_question in page.replace("&#39;", "'")


@pytest.mark.parametrize("key", TYPES)
def test_a_valid_answer_is_stored_and_reaches_the_staff_queue(app, login_as, key):
    client = login_as(RESIDENT)
    before = ServiceRequest.select().count()
    response = post_form(client, key, SAMPLES[key]())
    assert response.status_code == 303, response.text[:3000]
    stored = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    assert ServiceRequest.select().count() == before + 1
    assert (stored.type_key, stored.status) == (key, "received")
    assert stored.catalog_version == catalog.CATALOG[key].version
    answers = json.loads(stored.answers)
    assert set(answers) <= {f.name for f in catalog.CATALOG[key].fields}
    page = client.get(response.headers["Location"]).text
    assert stored.reference in page
    assert (
        OutboxEmail.select()
        .where(
            (OutboxEmail.to_address == RESIDENT) & OutboxEmail.subject.contains(stored.reference)
        )
        .exists()
    )
    staff = app.test_client()
    sign_in(
        staff, CUSTOMER_SERVICE if catalog.CATALOG[key].handler != "maintenance" else MAINTENANCE
    )
    use_language(staff, "en")
    assert f"/staff/requests/{stored.id}" in staff.get(f"/staff/requests/?type={key}").text


@pytest.mark.parametrize("key", TYPES)
def test_an_empty_form_gets_field_errors_and_nothing_is_stored(login_as, key):
    client = login_as(RESIDENT)
    before = ServiceRequest.select().count()
    response = post_form(client, key, {})
    assert response.status_code == 422
    assert "Please check the answers marked below." in response.text
    assert 'class="error"' in response.text
    assert ServiceRequest.select().count() == before


@pytest.mark.parametrize("key", [k for k in TYPES if catalog.CATALOG[k].who == catalog.LEASE_PARTY])
def test_other_residents_may_not_make_lease_party_requests(login_as, key):
    client = login_as(OTHER_RESIDENT)
    response = client.get(f"/requests/new/{key}")
    assert response.status_code == 403
    assert "Only a party to the lease can make this request." in response.text
    before = ServiceRequest.select().count()
    token = csrf_token(client, "/requests/")
    response = client.post(f"/requests/new/{key}", data={**SAMPLES[key](), "csrf_token": token})
    assert response.status_code == 403
    assert ServiceRequest.select().count() == before


def test_other_residents_may_make_resident_requests(login_as):
    client = login_as(OTHER_RESIDENT)
    assert post_form(client, "disturbance", SAMPLES["disturbance"]()).status_code == 303


def test_an_unknown_type_is_not_found(login_as):
    assert login_as(RESIDENT).get("/requests/new/no_such_type").status_code == 404


def test_a_type_defined_in_a_test_works_without_any_other_code(app, login_as, monkeypatch):
    entry = RequestType(
        key="bicycle_storage",
        title="Bicycle storage key",
        description="A key to the bicycle storage.",
        instructions="Tell us how many keys you need.",
        fields=(
            Field("count", catalog.NUMBER, "How many keys?", minimum=1, maximum=4),
            Field("electric", catalog.YES_NO, "Is one of the bicycles electric?"),
            Field(
                "charger",
                catalog.YES_NO,
                "Do you need a charging point?",
                show_if=("electric", ("yes",)),
            ),
        ),
    )
    monkeypatch.setitem(catalog.CATALOG, entry.key, entry)
    client = login_as(RESIDENT)
    assert "Bicycle storage key" in client.get("/requests/").text
    page = client.get("/requests/new/bicycle_storage").text
    assert "How many keys?" in page and 'id="q-charger"' in page
    bad = post_form(client, "bicycle_storage", {"count": "9", "electric": "yes"})
    assert bad.status_code == 422
    assert "From 1 to 4." in bad.text
    assert "Please answer this." in bad.text  # the charger question applies
    good = post_form(client, "bicycle_storage", {"count": "2", "electric": "no", "charger": "yes"})
    assert good.status_code == 303
    stored = ServiceRequest.get(ServiceRequest.type_key == "bicycle_storage")
    # The charger question did not apply: its answer is not stored.
    assert json.loads(stored.answers) == {"count": 2, "electric": "no"}
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    queue = staff.get("/staff/requests/?type=bicycle_storage").text
    assert "Bicycle storage key" in queue
    assert "Bicycle storage key" in staff.get("/staff/requests/catalog").text


def test_conditional_questions_are_swapped_in_with_htmx(login_as):
    client = login_as(RESIDENT)
    token = csrf_token(client, "/requests/new/diy_renovation")
    response = client.post(
        "/requests/new/diy_renovation/fields",
        data={"doer": "company", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = response.text
    assert '<div id="q-company" class="conditional" hx-swap-oob="true">' in fragment
    assert '<div id="q-work_other" class="conditional" hidden hx-swap-oob="true">' in fragment
    assert "<html" not in fragment
    # Without htmx the same address leads back to the form.
    plain = client.post("/requests/new/diy_renovation/fields", data={"csrf_token": token})
    assert plain.status_code == 303


def test_without_javascript_every_question_shows_with_its_condition(login_as):
    page = login_as(RESIDENT).get("/requests/new/diy_renovation").text
    assert "Answer this only if you chose “A company” for “Who does the work?”." in page
    assert "css/noscript." in page


@pytest.mark.parametrize(
    ("today", "earliest"),
    [
        (datetime.date(2027, 1, 15), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 1), datetime.date(2027, 1, 31)),
        (datetime.date(2026, 11, 30), datetime.date(2026, 12, 31)),
    ],
)
def test_termination_ends_at_the_earliest_a_month_after_the_months_end(app, today, earliest):
    rule = catalog.earliest_notice_end("end_date")
    context = RuleContext(today=today, lease_parties=1)
    with app.test_request_context():
        assert rule({"end_date": earliest}, context) == {}
        too_early = rule({"end_date": earliest - datetime.timedelta(days=1)}, context)
    assert set(too_early) == {"end_date"}


def test_too_early_a_termination_date_is_explained(login_as):
    client = login_as(RESIDENT)
    earliest = notice_end(TODAY, 1)
    data = {**SAMPLES["lease_termination"](), "end_date": TODAY.isoformat()}
    response = post_form(client, "lease_termination", data)
    assert response.status_code == 422
    assert "The earliest possible last day is" in response.text
    assert str(earliest.year) in response.text


def test_a_sole_lease_party_cannot_terminate_only_their_part(app):
    client = app.test_client()
    sign_in(client, "sofia.lindqvist@example.fi")
    use_language(client, "en")
    data = {**SAMPLES["lease_termination"](), "extent": "mine"}
    response = post_form(client, "lease_termination", data)
    assert response.status_code == 422
    assert "You are the only party to the lease" in response.text


def _staff(app, email=CUSTOMER_SERVICE):
    staff = app.test_client()
    sign_in(staff, email)
    use_language(staff, "en")
    return staff


def _handle(staff, request_id, **data):
    url = f"/staff/requests/{request_id}"
    return staff.post(url, data={**data, "csrf_token": csrf_token(staff, url)})


def test_approving_a_move_in_and_a_move_out_updates_the_register(app, login_as):
    client = login_as(RESIDENT)
    data = {
        **SAMPLES["resident_change"](),
        "movers_in-1-first_name": "Kaisa",
        "movers_in-1-last_name": "Virtanen",
        "movers_in-1-birth_date": "3.4.1999",
    }
    assert post_form(client, "resident_change", data).status_code == 303
    moving_in = ServiceRequest.get(ServiceRequest.type_key == "resident_change")
    lease = Lease.get_by_id(moving_in.lease_id)
    assert not Residency.select().where(Residency.first_name == "Kaisa").exists()
    staff = _staff(app)
    assert _handle(staff, moving_in.id, status="approved", note="", visible="1").status_code == 303
    added = Residency.get(Residency.first_name == "Kaisa")
    assert (added.lease_id, added.role, added.moved_in) == (
        lease.id,
        "other_resident",
        TODAY + datetime.timedelta(days=3),
    )
    assert Residency.select().where(Residency.first_name == "Onni").exists()

    elias = Residency.get(Residency.first_name == "Elias")
    data = {"change": "out", "movers_out": [str(elias.id)], "date": days(10)}
    assert post_form(client, "resident_change", data).status_code == 303
    moving_out = (
        ServiceRequest.select()
        .where(ServiceRequest.type_key == "resident_change")
        .order_by(ServiceRequest.id.desc())
        .get()
    )
    _handle(staff, moving_out.id, status="approved", note="Updated.", visible="1")
    assert Residency.get_by_id(elias.id).moved_out == TODAY + datetime.timedelta(days=10)


def test_a_lease_party_may_not_be_moved_out_as_a_resident(login_as):
    client = login_as(RESIDENT)
    mikko = Residency.get(Residency.first_name == "Mikko")
    data = {"change": "out", "movers_out": [str(mikko.id)], "date": days(10)}
    response = post_form(client, "resident_change", data)
    assert response.status_code == 422
    assert "Choose one of the options." in response.text


def test_a_termination_of_the_whole_lease_waits_for_the_other_lease_party(app):
    matti = ServiceRequest.get(ServiceRequest.type_key == "lease_termination")
    staff = _staff(app)
    refused = _handle(staff, matti.id, status="approved", note="", visible="1")
    assert refused.status_code == 422
    assert "Every other party to the lease must agree" in refused.text
    assert Lease.get_by_id(matti.lease_id).end_date is None
    consent = RequestConsent.get(RequestConsent.request == matti.id)
    url = f"/staff/requests/{matti.id}/consents/{consent.id}"
    staff.post(url, data={"csrf_token": csrf_token(staff, f"/staff/requests/{matti.id}")})
    assert RequestConsent.get_by_id(consent.id).method == "paper"
    assert _handle(staff, matti.id, status="approved", note="", visible="1").status_code == 303
    end = datetime.date.fromisoformat(json.loads(matti.answers)["end_date"])
    assert Lease.get_by_id(matti.lease_id).end_date == end


def test_another_lease_party_agrees_in_the_portal(app, login_as):
    aino = login_as(RESIDENT)
    data = SAMPLES["lease_termination"]()
    assert post_form(aino, "lease_termination", data).status_code == 303
    request = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    mikko = Residency.get(Residency.first_name == "Mikko")
    consent = RequestConsent.get(RequestConsent.request == request.id)
    assert consent.residency_id == mikko.id
    # Mikko has no username in the demo: give him one and let him agree.
    from portal.services.accounts import hash_password
    from tests.conftest import PASSWORD

    person = Person.create(
        email="mikko.virtanen@example.fi",
        first_name="Mikko",
        last_name="Virtanen",
        language="en",
        password_hash=hash_password(PASSWORD),
        identification_method="bank",
        identified_at=Person.get().created_at,
    )
    Residency.update(person=person).where(Residency.id == mikko.id).execute()
    client = app.test_client()
    sign_in(client, "mikko.virtanen@example.fi")
    use_language(client, "en")
    page = client.get(f"/requests/{request.id}").text
    assert "I agree to this request" in page
    client.post(
        f"/requests/{request.id}/consent",
        data={"csrf_token": csrf_token(client, f"/requests/{request.id}")},
    )
    assert RequestConsent.get_by_id(consent.id).method == "portal"
    # Aino is asked nothing: her own request.
    assert "I agree to this request" not in aino.get(f"/requests/{request.id}").text


def test_staff_notes_status_emails_and_unread_marks(app, login_as):
    client = login_as(SWEDISH := "sofia.lindqvist@example.fi")
    sofia = ServiceRequest.get(ServiceRequest.type_key == "disturbance")
    page = client.get("/requests/").text
    assert "New" in page  # never opened since it was sent in the demo
    client.get(f"/requests/{sofia.id}")
    assert ReadMark.select().where(ReadMark.object_id == sofia.id).exists()
    assert '<span class="badge new">' not in client.get("/requests/").text
    staff = _staff(app)
    _handle(staff, sofia.id, status="", note="Internal: call the B 11 household.", visible="")
    assert "Internal: call" not in client.get(f"/requests/{sofia.id}").text
    assert '<span class="badge new">' not in client.get("/requests/").text
    _handle(staff, sofia.id, status="in_progress", note="We contacted the neighbour.", visible="1")
    assert '<span class="badge new">' in client.get("/requests/").text
    email = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == SWEDISH)
        .order_by(OutboxEmail.id.desc())
        .get()
    )
    # In the language of her profile (which signing in with the English buttons set).
    assert email.language == Person.get(Person.email == SWEDISH).language == "en"
    assert sofia.reference in email.subject
    assert "We contacted the neighbour." in email.body_text
    assert "We contacted the neighbour." in client.get(f"/requests/{sofia.id}").text
    # A status the type does not have is refused.
    bad = _handle(staff, sofia.id, status="approved", note="", visible="1")
    assert bad.status_code == 422


def test_each_team_sees_its_own_queue(app):
    asoy = _staff(app, ASOY_STAFF)
    queue = asoy.get("/staff/requests/?status=all").text
    hanna = ServiceRequest.get(ServiceRequest.type_key == "keys")
    aino = ServiceRequest.get(ServiceRequest.type_key == "diy_renovation")
    assert f"/staff/requests/{hanna.id}" in queue
    assert f"/staff/requests/{aino.id}" not in queue
    assert asoy.get(f"/staff/requests/{aino.id}").status_code == 404
    maintenance = _staff(app, MAINTENANCE)
    assert f"/staff/requests/{aino.id}" not in maintenance.get("/staff/requests/?status=all").text
    assert maintenance.get(f"/staff/requests/{aino.id}").status_code == 404
    everyone = _staff(app).get("/staff/requests/?status=all&building=abc&team=x&page=-3").text
    assert f"/staff/requests/{aino.id}" in everyone and f"/staff/requests/{hanna.id}" in everyone


def test_the_queue_finds_a_request_by_reference_address_and_submitter(app):
    aino = ServiceRequest.get(ServiceRequest.type_key == "diy_renovation")
    hanna = ServiceRequest.get(ServiceRequest.type_key == "keys")
    home = aino.apartment
    submitter = Person.get_by_id(aino.submitted_by_id)
    everyone = _staff(app)
    for search in (
        aino.reference,
        aino.reference.lower().removeprefix("p-").lstrip("0"),
        f"{home.building.street_address} {home.number}",
        f"{submitter.first_name} {submitter.last_name}",
    ):
        found = everyone.get("/staff/requests/", query_string={"status": "all", "q": search}).text
        assert f"/staff/requests/{aino.id}" in found, search
        assert f"/staff/requests/{hanna.id}" not in found, search
        # Each line names the apartment's address.
        line = found.split(f'/staff/requests/{aino.id}"')[1].split("</li>")[0]
        assert f"{home.building.street_address} {home.number}" in line
        assert aino.reference in line
    # Another team's staff member finds nothing of a building they do not serve.
    asoy = _staff(app, ASOY_STAFF)
    found = asoy.get("/staff/requests/", query_string={"status": "all", "q": aino.reference}).text
    assert f"/staff/requests/{aino.id}" not in found


def test_withdraw_only_before_handling_and_messages(app, login_as):
    client = login_as(RESIDENT)
    aino = ServiceRequest.get(ServiceRequest.type_key == "diy_renovation")  # in progress
    token = csrf_token(client, f"/requests/{aino.id}")
    client.post(f"/requests/{aino.id}/withdraw", data={"csrf_token": token})
    assert ServiceRequest.get_by_id(aino.id).status == "in_progress"
    client.post(f"/requests/{aino.id}/message", data={"message": "x" * 5000, "csrf_token": token})
    client.post(
        f"/requests/{aino.id}/message", data={"message": "The colour is G497.", "csrf_token": token}
    )
    page = client.get(f"/requests/{aino.id}").text
    assert "The colour is G497." in page
    assert "at most 4000 characters" in page or "x" * 5000 not in page
    assert post_form(client, "keys", SAMPLES["keys"]()).status_code == 303
    mine = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    client.post(f"/requests/{mine.id}/withdraw", data={"csrf_token": token})
    assert ServiceRequest.get_by_id(mine.id).status == "withdrawn"
    refused = client.post(
        f"/requests/{mine.id}/message", data={"message": "Hello", "csrf_token": token}
    )
    assert refused.status_code == 303
    assert "The request is closed." in client.get(f"/requests/{mine.id}").text


def test_photos_and_pdfs_are_attached_other_files_refused(app, login_as, tmp_path):
    client = login_as(RESIDENT)
    pdf = rescue_plan_pdf("A 4", title="Colour card")
    files = [(io.BytesIO(make_photo()), "wall.jpg"), (io.BytesIO(pdf), "colour card.pdf")]
    response = post_form(client, "diy_renovation", SAMPLES["diy_renovation"](), files)
    assert response.status_code == 303
    stored = ServiceRequest.select().order_by(ServiceRequest.id.desc()).get()
    attachments = list(RequestAttachment.select().where(RequestAttachment.request == stored.id))
    assert sorted(a.content_type for a in attachments) == ["application/pdf", "image/jpeg"]
    document = next(a for a in attachments if a.content_type == "application/pdf")
    download = client.get(f"/requests/{stored.id}/files/{document.id}")
    assert download.data == pdf
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    before = RequestAttachment.select().count()
    files_before = sorted((tmp_path / "uploads" / "requests").iterdir())
    bad = post_form(
        client,
        "diy_renovation",
        SAMPLES["diy_renovation"](),
        [(io.BytesIO(make_photo()), "ok.jpg"), (io.BytesIO(b"MZ\x90\x00 not a photo"), "x.exe")],
    )
    assert bad.status_code == 422
    assert "not a photo or a PDF document" in bad.text
    assert RequestAttachment.select().count() == before
    assert sorted((tmp_path / "uploads" / "requests").iterdir()) == files_before
    too_many = post_form(
        client,
        "diy_renovation",
        SAMPLES["diy_renovation"](),
        [(io.BytesIO(make_photo()), f"{i}.jpg") for i in range(6)],
    )
    assert too_many.status_code == 422
    assert "at most 5 files" in too_many.text


def test_another_households_request_is_not_found(login_as):
    client = login_as(RESIDENT)
    sofia = ServiceRequest.get(ServiceRequest.type_key == "disturbance")
    assert client.get(f"/requests/{sofia.id}").status_code == 404
    token = csrf_token(client, "/requests/")
    assert (
        client.post(f"/requests/{sofia.id}/withdraw", data={"csrf_token": token}).status_code == 404
    )
    assert ServiceRequest.get_by_id(sofia.id).status == "received"
