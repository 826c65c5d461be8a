"""Defect notifications: the resident's form and timeline, the form without signing in, and
the maintenance side."""

import datetime
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from portal import clock
from portal.models import Attachment, DefectEvent, DefectReport, OutboxEmail, Residency
from tests.conftest import (
    ASOY_STAFF,
    CUSTOMER_SERVICE,
    MAINTENANCE,
    RESIDENT,
    SWEDISH_RESIDENT,
    csrf_token,
    make_photo,
    sign_in,
    use_language,
)

GOOD = {
    "location": "apartment",
    "category": "heating",
    "cannot_wait": "no",
    "description": "Makuuhuoneen patteri on kylmä, vaikka termostaatti on kaakossa.",
    "phone": "040 765 4321",
    "pets": "y",
}


def post_report(client, path="/defects/new", photos=(), **changes):
    data = {**GOOD, **changes, "csrf_token": csrf_token(client, path)}
    data = {key: value for key, value in data.items() if value is not None}
    if photos:
        data["photos"] = [(io.BytesIO(body), name) for name, body in photos]
    return client.post(path, data=data, content_type="multipart/form-data")


def aino_reports():
    lease = Residency.get(Residency.first_name == "Aino").lease_id
    return DefectReport.select().where(DefectReport.lease == lease)


def stored_files(app):
    return sorted(p.name for p in (Path(app.config["UPLOAD_DIR"]) / "defects").iterdir())


def test_resident_reports_a_defect_with_a_photo(app, login_as):
    client = login_as(RESIDENT)
    before = aino_reports().count()
    response = post_report(client, photos=[("patteri.jpg", make_photo(3000, 2000))])
    assert response.status_code == 303
    report = aino_reports().order_by(DefectReport.id.desc()).get()
    assert aino_reports().count() == before + 1
    assert (report.category, report.location, report.urgent, report.pets) == (
        "heating",
        "apartment",
        False,
        True,
    )
    assert report.apartment.number == "A 4"
    page = client.get(response.headers["Location"]).text
    assert "Heating" in page
    assert report.reference in page
    photo = Attachment.get(Attachment.report == report.id)
    assert f"/defects/{report.id}/photos/{photo.id}?size=thumb" in page
    image = client.get(f"/defects/{report.id}/photos/{photo.id}")
    assert image.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(image.data)) as stored:
        assert max(stored.size) == 1600
    thumb = client.get(f"/defects/{report.id}/photos/{photo.id}?size=thumb")
    assert len(thumb.data) <= 30 * 1024
    email = OutboxEmail.get(OutboxEmail.to_address == RESIDENT)
    assert report.reference in email.subject
    # In the language of the resident's profile (switched to English when signing in here).
    assert email.language == "en"
    assert email.subject.startswith("We received your defect notification")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"location": ""}, "Choose where the defect is."),
        ({"location": "roof"}, "Not a valid choice"),
        ({"category": None}, "Choose the kind of defect."),
        ({"description": "kylmä"}, "Write between 10 and 4000 characters."),
        ({"description": "x" * 4001}, "Write between 10 and 4000 characters."),
        ({"phone": "call me maybe"}, "Enter a phone number, for example 040 123 4567."),
        ({"phone": ""}, "Enter a phone number."),
    ],
)
def test_each_validation_error_keeps_the_form(login_as, changes, message):
    client = login_as(RESIDENT)
    before = DefectReport.select().count()
    response = post_report(client, **changes)
    assert response.status_code == 422
    assert message in response.text
    assert "Makuuhuoneen patteri" in response.text or "description" in changes
    assert DefectReport.select().count() == before


def test_a_file_that_is_not_a_photo_is_refused(app, login_as):
    client = login_as(RESIDENT)
    files_before = stored_files(app)
    response = post_report(client, photos=[("kuva.jpg", b"%PDF-1.4 this is not a photo")])
    assert response.status_code == 422
    assert "A file was not a photo we can read." in response.text
    assert "Makuuhuoneen patteri" in response.text
    assert stored_files(app) == files_before
    # A good photo chosen with a bad one: nothing of either is kept.
    response = post_report(client, photos=[("a.jpg", make_photo()), ("b.jpg", b"GIF89a broken")])
    assert response.status_code == 422
    assert stored_files(app) == files_before


def test_too_many_photos_are_refused(login_as):
    client = login_as(RESIDENT)
    response = post_report(client, photos=[(f"{i}.jpg", make_photo(40, 40)) for i in range(6)])
    assert response.status_code == 422
    assert "You can add at most 5 photos." in response.text


def test_location_data_and_other_metadata_are_removed(app, login_as):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x0112] = 6  # taken sideways: the stored photo must be turned upright
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (60.0, 11.0, 22.0)
    client = login_as(RESIDENT)
    response = post_report(client, photos=[("gps.jpg", make_photo(1200, 800, exif=exif))])
    assert response.status_code == 303
    photo = Attachment.select().order_by(Attachment.id.desc()).get()
    data = (Path(app.config["UPLOAD_DIR"]) / "defects" / photo.stored_name).read_bytes()
    assert b"SecretCam" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert not stored.getexif()
        assert stored.size == (800, 1200)


def test_png_is_accepted_and_stored_as_jpeg(login_as):
    client = login_as(RESIDENT)
    response = post_report(client, photos=[("shot.png", make_photo(500, 400, fmt="PNG"))])
    assert response.status_code == 303
    assert Attachment.select().order_by(Attachment.id.desc()).get().stored_name.endswith(".jpg")


@pytest.mark.parametrize(
    ("moment", "number", "outside"),
    [("2026-12-01 10:00", "09 5767 3000", False), ("2026-12-01 23:30", "09 5767 3100", True)],
    ids=["office-hours", "night"],
)
def test_urgent_defect_shows_the_number_to_call_now(login_as, moment, number, outside):
    clock.set_to(clock.parse(moment), running=False)
    client = login_as(RESIDENT)
    page = client.get("/defects/new").text
    assert f'<p class="call"><a href="tel:+35895767{number[-4:]}">{number}</a></p>' in page
    assert ("outside office hours" in page) == outside
    before = DefectReport.select().count()
    response = post_report(client, category="water_leak")
    assert response.status_code == 422
    assert "call the number above first" in response.text
    assert DefectReport.select().count() == before
    response = post_report(client, category="heating", cannot_wait="yes")
    assert response.status_code == 422
    response = post_report(client, category="water_leak", called="y")
    assert response.status_code == 303
    assert DefectReport.select().order_by(DefectReport.id.desc()).get().urgent


def test_another_households_report_and_photo_are_not_found(login_as):
    aino_report = aino_reports().where(DefectReport.status != DefectReport.DONE).get()
    photo = Attachment.get(Attachment.report == aino_report.id)
    client = login_as(SWEDISH_RESIDENT)
    assert client.get(f"/defects/{aino_report.id}").status_code == 404
    assert client.get(f"/defects/{aino_report.id}/photos/{photo.id}").status_code == 404
    own = DefectReport.get(DefectReport.reporter_name == "Sofia Lindqvist")
    assert client.get(f"/defects/{own.id}/photos/{photo.id}").status_code == 404
    assert "Aino" not in client.get("/defects/").text


def test_household_members_see_each_others_reports(login_as):
    client = login_as("elias.virtanen@example.fi")
    page = client.get("/defects/").text
    assert "Taps, pipes and water" in page
    assert "Windows and doors" in page


def test_visitor_reports_without_signing_in(app, client):
    client.set_cookie("locale", "sv")
    sturenkatu = Residency.get(Residency.first_name == "Aino").lease.apartment.building
    response = post_report(
        client,
        "/defects/report",
        name="Ville Vieras",
        email="ville@example.fi",
        building=str(sturenkatu.id),
        apartment_number="a 1",
    )
    assert response.status_code == 200
    report = DefectReport.select().order_by(DefectReport.id.desc()).get()
    assert report.reference in response.text
    assert (report.lease_id, report.reporter_id, report.apartment.number) == (None, None, "A 1")
    email = OutboxEmail.get(OutboxEmail.to_address == "ville@example.fi")
    assert email.language == "sv"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"building": "999999"}, "Not a valid choice"),
        ({"building": ""}, "Choose your building."),
        ({"apartment_number": "Z 99"}, "There is no such apartment in this building."),
        ({"name": ""}, "Enter your name."),
        ({"email": "not-an-email"}, "Enter an email address in the form name@example.fi."),
    ],
)
def test_visitor_form_refuses_phantom_buildings_and_apartments(client, changes, message):
    client.set_cookie("locale", "en")
    building = Residency.get(Residency.first_name == "Aino").lease.apartment.building
    data = {
        "name": "Ville Vieras",
        "email": "",
        "building": str(building.id),
        "apartment_number": "A 1",
        **changes,
    }
    before = DefectReport.select().count()
    response = post_report(client, "/defects/report", **data)
    assert response.status_code == 422
    assert message in response.text
    assert DefectReport.select().count() == before


def test_robots_filling_the_hidden_field_are_refused(client):
    building = Residency.get(Residency.first_name == "Aino").lease.apartment.building
    before = DefectReport.select().count()
    response = post_report(
        client,
        "/defects/report",
        name="Bot",
        building=str(building.id),
        apartment_number="A 1",
        website="http://spam.example",
    )
    assert response.status_code == 400
    assert DefectReport.select().count() == before


def test_maintenance_moves_a_report_and_the_resident_is_told_in_their_language(app, login_as):
    report = DefectReport.get(DefectReport.reporter_name == "Sofia Lindqvist")
    staff = app.test_client()
    sign_in(staff, MAINTENANCE)
    use_language(staff, "en")
    queue = staff.get("/staff/defects/").text
    assert report.reference in queue
    path = f"/staff/defects/{report.id}"
    visit = "2026-12-03T10:30"
    response = staff.post(
        path,
        data={
            "status": "done",
            "note": "Ilmanvaihtoventtiili puhdistettu.",
            "visible": "y",
            "planned_visit_at": visit,
            "assigned_to": "",
            "csrf_token": csrf_token(staff, path),
        },
    )
    assert response.status_code == 303
    report = DefectReport.get_by_id(report.id)
    assert report.status == "done"
    assert report.planned_visit_at == datetime.datetime(2026, 12, 3, 8, 30)  # stored in UTC
    email = OutboxEmail.select().where(OutboxEmail.to_address == SWEDISH_RESIDENT).get()
    assert email.language == "sv"
    assert report.reference in email.subject
    assert "Ilmanvaihtoventtiili puhdistettu." in email.body_text

    resident = login_as(SWEDISH_RESIDENT, language="en")
    page = resident.get(f"/defects/{report.id}").text
    assert "Ilmanvaihtoventtiili puhdistettu." in page
    assert "Is the defect repaired?" in page
    path = f"/defects/{report.id}/decision"
    resident.post(path, data={"choice": "confirm", "csrf_token": csrf_token(resident, "/")})
    assert "The resident confirmed the repair" in resident.get(f"/defects/{report.id}").text


def test_internal_notes_stay_internal(app, login_as):
    report = aino_reports().where(DefectReport.status == "received").get()
    staff = app.test_client()
    sign_in(staff, MAINTENANCE)
    path = f"/staff/defects/{report.id}"
    staff.post(
        path,
        data={
            "status": "received",
            "note": "Avain huoltoyhtiön kaapissa 3.",
            "csrf_token": csrf_token(staff, path),
        },
    )
    event = DefectEvent.select().order_by(DefectEvent.id.desc()).get()
    assert not event.visible_to_resident
    assert not OutboxEmail.select().where(OutboxEmail.to_address == RESIDENT).exists()
    page = login_as(RESIDENT).get(f"/defects/{report.id}").text
    assert "kaapissa 3" not in page


def test_resident_reopens_a_done_repair_and_comments(login_as):
    done = aino_reports().where(DefectReport.status == "done").get()
    client = login_as(RESIDENT)
    path = f"/defects/{done.id}/decision"
    client.post(
        path,
        data={"choice": "reopen", "note": "Vetää edelleen.", "csrf_token": csrf_token(client, "/")},
    )
    assert DefectReport.get_by_id(done.id).status == "received"
    page = client.get(f"/defects/{done.id}").text
    assert "Reopened: the defect is still there" in page
    assert "Vetää edelleen." in page
    token = csrf_token(client, f"/defects/{done.id}")
    client.post(
        f"/defects/{done.id}/comment",
        content_type="multipart/form-data",
        data={
            "note": "Lisäkuva ikkunasta.",
            "csrf_token": token,
            "photos": [(io.BytesIO(make_photo(800, 600)), "ikkuna.jpg")],
        },
    )
    assert Attachment.select().where(Attachment.report == done.id).count() == 1
    assert "Lisäkuva ikkunasta." in client.get(f"/defects/{done.id}").text


def test_asoy_staff_see_only_their_buildings(app):
    staff = app.test_client()
    sign_in(staff, ASOY_STAFF)
    queue = staff.get("/staff/defects/").text
    hanna = DefectReport.get(DefectReport.reporter_name == "Hanna Korhonen")
    aino = aino_reports().first()
    assert hanna.reference in queue
    assert aino.reference not in queue
    assert staff.get(f"/staff/defects/{aino.id}").status_code == 404


def test_urgency_is_answered_as_soon_as_the_kind_is_chosen(login_as):
    client = login_as(RESIDENT)
    fragment = client.get(
        "/defects/new?category=electrical&cannot_wait=no", headers={"HX-Request": "true"}
    ).text
    assert fragment.startswith('<div id="urgency"')
    assert "This needs immediate attention." in fragment
    calm = client.get(
        "/defects/new?category=heating&cannot_wait=no", headers={"HX-Request": "true"}
    ).text
    assert "immediate attention" not in calm
    worried = client.get(
        "/defects/new?category=heating&cannot_wait=yes", headers={"HX-Request": "true"}
    ).text
    assert "This needs immediate attention." in worried
    visitor = client.application.test_client()
    visitor.set_cookie("locale", "en")
    answer = visitor.get("/defects/report?category=water_leak", headers={"HX-Request": "true"})
    assert "This needs immediate attention." in answer.text


def test_a_long_history_comes_a_page_at_a_time(login_as):
    import datetime

    from portal.models import DefectReport, Residency

    aino = Residency.get(Residency.first_name == "Aino")
    # Newer than any demo report, so they fill the first pages.
    start = clock.utcnow() + datetime.timedelta(days=1)
    DefectReport.insert_many(
        [
            {
                "reference": f"H{index:05d}",
                "building": aino.lease.apartment.building_id,
                "apartment": aino.lease.apartment_id,
                "lease": aino.lease_id,
                "location": "apartment",
                "category": "heating",
                "description": "Vanha ilmoitus.",
                "status": "done",
                "created_at": start + datetime.timedelta(days=index),
                "updated_at": start + datetime.timedelta(days=index),
            }
            for index in range(45)
        ]
    ).execute()
    client = login_as(RESIDENT)
    first = client.get("/defects/").text
    assert "H00044" in first and "H00025" in first and "H00024" not in first
    assert 'href="/defects/?page=2"' in first
    third = client.get("/defects/?page=3").text
    second = client.get("/defects/?page=2").text
    assert "H00005" in second and "H00004" not in second
    assert "H00004" in third and "H00000" in third
    assert client.get("/defects/?page=nonsense").status_code == 200


def _add_reports(lease, prefix, count, status):
    """Add ``count`` reports newer than any demo report, the last the newest."""
    start = clock.utcnow() + datetime.timedelta(days=1)
    DefectReport.insert_many(
        [
            {
                "reference": f"{prefix}{index:05d}",
                "building": lease.apartment.building_id,
                "apartment": lease.apartment_id,
                "lease": lease.id,
                "location": "apartment",
                "category": "heating",
                "description": "Patteri on kylmä.",
                "status": status,
                "created_at": start + datetime.timedelta(days=index),
                "updated_at": start + datetime.timedelta(days=index),
            }
            for index in range(count)
        ]
    ).execute()


def _references(html):
    return re.findall(r"\b[OC]\d{5}\b", html)


def test_open_reports_come_twenty_at_a_time_newest_first(login_as):
    aino = Residency.get(Residency.first_name == "Aino")
    _add_reports(aino.lease, "O", 45, "in_progress")
    client = login_as(RESIDENT)
    first = client.get("/defects/").text
    assert _references(first) == [f"O{index:05d}" for index in range(44, 24, -1)]
    assert 'href="/defects/?open_page=2">Older open notifications</a>' in first
    assert "Newer open notifications" not in first
    second = client.get("/defects/?open_page=2").text
    assert _references(second) == [f"O{index:05d}" for index in range(24, 4, -1)]
    assert 'href="/defects/">Newer open notifications</a>' in second
    assert 'href="/defects/?open_page=3">Older open notifications</a>' in second
    third = client.get("/defects/?open_page=3").text
    # The five left, then the demo's own open reports: the last page has no older one.
    assert _references(third)[:5] == [f"O{index:05d}" for index in range(4, -1, -1)]
    assert "Older open notifications" not in third
    assert 'href="/defects/?open_page=2">Newer open notifications</a>' in third


def test_a_page_number_out_of_range_shows_the_nearest_page(login_as):
    aino = Residency.get(Residency.first_name == "Aino")
    _add_reports(aino.lease, "O", 45, "received")
    client = login_as(RESIDENT)
    last = client.get("/defects/?open_page=3").text
    for asked in ("4", "99", "100000", "99999999999999999999"):
        response = client.get(f"/defects/?open_page={asked}")
        assert response.status_code == 200
        assert _references(response.text) == _references(last)
    first = client.get("/defects/").text
    for asked in ("0", "-2", "two", ""):
        response = client.get(f"/defects/?open_page={asked}")
        assert response.status_code == 200
        assert _references(response.text) == _references(first)


def test_each_list_pages_on_its_own_and_keeps_the_other_s_page(login_as):
    aino = Residency.get(Residency.first_name == "Aino")
    _add_reports(aino.lease, "O", 45, "waiting")
    _add_reports(aino.lease, "C", 45, "done")
    client = login_as(RESIDENT)
    page = client.get("/defects/?open_page=2&page=2").text
    references = _references(page)
    assert references[:20] == [f"O{index:05d}" for index in range(24, 4, -1)]
    assert references[20:] == [f"C{index:05d}" for index in range(24, 4, -1)]
    assert 'href="/defects/?open_page=3&amp;page=2">Older open notifications' in page
    assert 'href="/defects/?open_page=2&amp;page=3">Next' in page
    assert 'href="/defects/?open_page=2&amp;page=1">Previous' in page


def test_each_line_of_the_lists_names_its_own_report(app, login_as):
    from flask_babel import force_locale

    from portal.services import defects

    aino = Residency.get(Residency.first_name == "Aino")
    report = (
        DefectReport.select()
        .where(DefectReport.lease == aino.lease_id)
        .order_by(DefectReport.created_at.desc(), DefectReport.id.desc())
        .first()
    )
    DefectReport.update(urgent=True).where(DefectReport.id == report.id).execute()
    with app.test_request_context(), force_locale("en_FI"):
        category = str(defects.CATEGORIES[report.category][0])
        location = str(defects.LOCATIONS[report.location])
        status = str(defects.STATUS_LABELS[report.status])

    def line_of(page: str, address: str) -> str:
        return page.split(f'href="{address}"')[1].split("</li>")[0]

    resident = login_as(RESIDENT)
    use_language(resident, "en")
    line = line_of(resident.get("/defects/").text, f"/defects/{report.id}")
    assert line.startswith(f">{category} – {location}</a>")
    assert f'<span class="badge {report.status}">{status}</span>' in line
    assert f"{report.reference} · " in line and line.endswith("· urgent</span>")
    staff = app.test_client()
    sign_in(staff, CUSTOMER_SERVICE)
    use_language(staff, "en")
    page = staff.get("/staff/defects/", query_string={"status": "all", "q": report.reference})
    line = line_of(page.text, f"/staff/defects/{report.id}")
    home = report.apartment
    assert line.startswith(f">{report.building.street_address} {home.number}: {category}</a>")
    assert f'<span class="badge {report.status}">{status}</span>' in line
    assert "urgent</span>" in line and f"{report.reference} · " in line
    assert line.endswith(f" · {location}</span>")
