"""Another housing company runs the portal: its emails, calendar files, authenticator app
entry and password rules name that company and never the demo company."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import icalendar
import jinja2
import pytest

from portal import clock
from portal.models import CompanyProfile, OutboxEmail, ParkingSpace
from portal.services import company, mail
from tests.conftest import CUSTOMER_SERVICE, PASSWORD, RESIDENT, csrf_token, use_language

KOTIKATU = dict(
    name_fi="Kotikatu Oy",
    name_sv="Kotikatu Ab",
    name_en="Kotikatu Ltd",
    short_name_fi="Kotikatu",
    short_name_sv="Kotigatan",
    short_name_en="Kotikatu",
    brand_color="#7a1f5c",
    privacy_url="https://kotikatu.example/tietosuoja",
    mail_sender_name="Kotikatu",
    mail_sender_address="portaali@kotikatu.example",
    service_point_address="Kauppakatu 5, 40100 Jyväskylä",
    appointment_hours="wed 09:00-12:00; thu 12:00-15:00",
    walk_in_hours="tue 09:00-15:00",
    maintenance_caller="+358 14 266",
    payee_name="Kotikatu Oy",
    payee_iban="FI37 1590 3000 0007 76",
    payee_bic="NDEAFIHH",
)
NAMES = {"fi": "Kotikatu Oy", "sv": "Kotikatu Ab", "en": "Kotikatu Ltd"}
SHORT_NAMES = {"fi": "Kotikatu", "sv": "Kotigatan", "en": "Kotikatu"}
# What must never show once another company runs the portal: the demo company's name, its
# web and email domain, and the start of its phone numbers.
DEMO_COMPANY = re.compile(r"heka|5767", re.IGNORECASE)
LANGUAGES = ("fi", "sv", "en")

EMAIL_DIR = Path(__file__).parent.parent / "portal" / "templates" / "emails"
LINK = "https://portaali.kotikatu.example/x"
WHEN = datetime.datetime(2026, 12, 16, 9, 30)
TEAM = SimpleNamespace(
    phone="014 266 1000", phone_hours="mon-fri 09:00-12:00", on_call_phone="014 266 1100"
)
REPORT = SimpleNamespace(
    reference="V-2026-0042",
    description="The kitchen tap drips.",
    planned_visit_at=WHEN,
    status="planned",
)
MANDATE = SimpleNamespace(
    valid_from=datetime.date(2026, 12, 1), valid_until=datetime.date(2027, 12, 1)
)
SPACE = SimpleNamespace(number="P 12", kind=ParkingSpace.CAR, monthly_fee=Decimal("25.00"))
AREA = SimpleNamespace(name="Kauppakadun piha")
APPOINTMENT = dict(when=WHEN, address="Kauppakatu 5", reason="Identification", link=LINK)
MANDATE_PARTIES = dict(grantor="Aino Virtanen", agent="Olli Virtanen", note="", link=LINK)
INCIDENT = dict(
    incident=SimpleNamespace(
        emergency=False, starts_at=WHEN, ends_at=WHEN + datetime.timedelta(hours=4)
    ),
    kind="Water",
    text="The water is cut on Tuesday.",
    only_finnish=False,
    addresses="Kauppakatu 7 A",
    link=LINK,
)
# Every email the portal sends, with what its callers give it: a new template fails here
# until it has its sample (and so is checked too).
SAMPLES = {
    "already_registered": dict(sign_in_link=LINK, reset_link=LINK),
    "appointment_booked": APPOINTMENT,
    "appointment_cancelled": dict(when=WHEN, message="The desk is closed.", link=LINK),
    "appointment_cancelled_by_visitor": dict(when=WHEN, link=LINK),
    "appointment_moved": APPOINTMENT,
    "bank_account_changed": dict(account="FI49 5000 9420 0287 30"),
    "confirm_bank_account": dict(account="FI49 5000 9420 0287 30", hours=24, link=LINK),
    "confirm_email": dict(link=LINK, hours=24),
    "defect_received": dict(
        report=REPORT, category="Plumbing", caller="+358 14 266", link=LINK, team=TEAM
    ),
    "defect_status": dict(
        report=REPORT, status="Visit planned", note="", caller="+358 14 266", link=LINK
    ),
    "failed_attempts": dict(name="Aino", kind="code", count=5, phone=TEAM.phone),
    "mandate_ended_agent": MANDATE_PARTIES,
    "mandate_ended_grantor": MANDATE_PARTIES,
    "mandate_given_agent": dict(
        MANDATE_PARTIES,
        scopes=["Rent and payments"],
        mandate=MANDATE,
        has_account=False,
        register_link=LINK,
    ),
    "mandate_given_grantor": dict(MANDATE_PARTIES, scopes=["Rent and payments"], mandate=MANDATE),
    "message_reply": dict(
        thread=SimpleNamespace(subject="Balcony door"), topic="Apartment", link=LINK
    ),
    "incident_announced": INCIDENT,
    "incident_changed": dict(INCIDENT, previous_end=WHEN),
    "incident_resolved": INCIDENT,
    "incident_reports_done": dict(
        INCIDENT, only_finnish=True, reports=[("V-2026-0042", LINK), ("V-2026-0043", "")]
    ),
    "notice": dict(title="Water cut", body="On Tuesday from 9 to 12.", link=LINK),
    "parking_contract_ended": dict(
        space=SPACE,
        area=AREA,
        contract=SimpleNamespace(end_date=datetime.date(2027, 1, 31)),
        link=LINK,
    ),
    "parking_offer": dict(
        space=SPACE,
        area=AREA,
        application=SimpleNamespace(offer_deadline=datetime.date(2026, 12, 20)),
        link=LINK,
    ),
    "password_changed": dict(name="Aino", when="16.12.2026 9.30", phone=TEAM.phone),
    "request_received": dict(
        request=SimpleNamespace(reference="P-2026-0007"),
        title="Sauna turn",
        next_steps="We answer within a week.",
        link=LINK,
    ),
    "request_status": dict(
        request=SimpleNamespace(reference="P-2026-0007"),
        title="Sauna turn",
        status="Done",
        note="",
        link=LINK,
    ),
    "reset_password": dict(link=LINK, hours=2),
    "staff_welcome": dict(name="Kaisa", hours=72, link=LINK),
}


@pytest.fixture
def app_settings():
    """Staff set up an authenticator app, as in production."""
    return {"STAFF_TOTP_REQUIRED": True}


@pytest.fixture
def kotikatu(app):
    """The portal as Kotikatu Oy runs it, in place of the demo company."""
    with app.app_context():
        company.save(KOTIKATU)
    return app


def test_every_email_template_has_a_sample():
    templates = {p.stem for p in EMAIL_DIR.glob("*.txt") if not p.name.startswith("_")}
    assert templates == set(SAMPLES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_every_email_names_the_company_running_the_portal(kotikatu, template, language):
    # A variable missing from a sample would hide a sentence: let it fail instead.
    kotikatu.jinja_env.undefined = jinja2.StrictUndefined
    with kotikatu.app_context():
        subject, body = mail.render(template, language, **SAMPLES[template])
    assert not DEMO_COMPANY.search(subject + body), body
    # The footer: the company's name in the recipient's language on a line of its own.
    footer = body.rpartition("\n--\n")[2].splitlines()
    assert footer[0] == NAMES[language], body


def test_the_footer_leaves_the_name_out_before_the_company_is_set_up(app):
    with app.app_context():
        CompanyProfile.delete().execute()
        _subject, body = mail.render("reset_password", "en", link=LINK, hours=2)
    footer = body.rpartition("\n--\n")[2].splitlines()
    assert footer[0] == "Resident Portal"


def test_an_email_sent_in_a_real_journey_names_the_company(kotikatu):
    client = kotikatu.test_client()
    client.set_cookie("locale", "en")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": RESIDENT, "csrf_token": token})
    email = (
        OutboxEmail.select()
        .where(OutboxEmail.to_address == RESIDENT)
        .order_by(OutboxEmail.id.desc())
        .first()
    )
    # The resident's profile language is Finnish, whatever the visitor's page was.
    assert "Kotikatu Oy\nAsukasportaali" in email.body_text
    assert "Kotikatu Oy" in email.body_html
    assert not DEMO_COMPANY.search(email.subject + email.body_text + email.body_html)


def _first_free(client):
    """The first free time on the booking page, this week or the next."""
    page = client.get("/appointments/").text
    slots = re.findall(r"/appointments/book\?slot=([0-9T:-]+)", page)
    if not slots:
        monday = clock.today() + datetime.timedelta(days=7 - clock.today().weekday())
        year, week, _ = monday.isocalendar()
        page = client.get(f"/appointments/?week={year}-W{week:02d}").text
        slots = re.findall(r"/appointments/book\?slot=([0-9T:-]+)", page)
    return slots[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_visits_calendar_file_names_the_company_in_the_visitors_language(kotikatu, language):
    client = kotikatu.test_client()
    use_language(client, language)
    url = f"/appointments/book?slot={_first_free(client)}"
    response = client.post(
        url,
        data={
            "name": "Veera Vieras",
            "phone": "040 765 4321",
            "email": "veera@example.fi",
            "reason": "identification",
            "details": "",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 303
    email = OutboxEmail.get(OutboxEmail.to_address == "veera@example.fi")
    assert not DEMO_COMPANY.search(email.calendar + email.body_text)
    event = icalendar.Calendar.from_ical(email.calendar).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).endswith(" – " + SHORT_NAMES[language])
    assert str(event["LOCATION"]) == KOTIKATU["service_point_address"]
    assert f"\n--\n{NAMES[language]}\n" in email.body_text


def test_the_sauna_calendar_file_names_no_company(kotikatu, login_as):
    client = login_as(RESIDENT)
    text = client.get("/bookings/sauna.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in text
    assert "PRODID:-//Resident Portal//EN" in text
    assert not DEMO_COMPANY.search(text)


@pytest.mark.parametrize("language", ("fi", "sv"))
def test_the_authenticator_app_lists_the_code_under_the_company(kotikatu, monkeypatch, language):
    from portal.views import auth

    scanned = []
    draw = auth.totp_qr_svg
    monkeypatch.setattr(
        auth, "totp_qr_svg", lambda uri, title: scanned.append(uri) or draw(uri, title)
    )
    client = kotikatu.test_client()
    client.set_cookie("locale", language)
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": CUSTOMER_SERVICE, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/login/code"
    page = client.get("/login/code").text
    assert "<svg" in page
    issuer = SHORT_NAMES[language]
    assert scanned[0].startswith(f"otpauth://totp/{issuer}:")
    assert f"&issuer={issuer}&" in scanned[0]
    assert not DEMO_COMPANY.search(scanned[0])


@pytest.mark.parametrize(
    ("password", "common"),
    [("Kotikatu-2026!", True), ("kotigatan2026!", True), ("Heka-2026!", False)],
)
def test_the_companys_own_name_is_too_easy_a_password(kotikatu, password, common):
    client = kotikatu.test_client()
    client.set_cookie("locale", "en")
    token = csrf_token(client, "/password/forgot")
    fragment = client.post(
        "/password/check",
        data={"password": password, "csrf_token": token},
        headers={"HX-Request": "true"},
    ).text
    rule = next(line for line in fragment.split("<li") if "Not a common or easily" in line)
    assert rule.startswith(' class="no"' if common else ' class="ok"'), rule
