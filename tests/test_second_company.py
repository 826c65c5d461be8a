"""Another housing company runs the portal: no page, file or email shows Heka.

The demo database is made into "Kotikatu Oy" the way an administrator would do it: the
company's details through the company service, the teams' contacts through the teams
service. What the demo itself wrote about Heka (a notice, the buildings' maintenance phone,
the emails already rendered) is Heka's own data, so it is replaced as Kotikatu's would be;
the database is then checked to hold nothing of Heka's, and anything of Heka's a page or an
email still shows comes from the code.

Then every address of the app is opened as every kind of person in Finnish, Swedish and
English, every request form of the catalog is opened, and every email template is sent
through the code that sends it, in each language. One app and one database serve the whole
module: the checks change nothing the pages show, except the emails, which come last and add
requests, reports, visits and more of their own.
"""

import datetime
import io
import re
import shutil
from pathlib import Path

import pytest

from portal import clock, create_app
from portal.catalog import CATALOG
from portal.database import close_all
from portal.i18n import BABEL_LOCALES
from portal.models import (
    Appointment,
    Building,
    BuildingDetails,
    DefectReport,
    Invoice,
    Lease,
    MessageThread,
    Notice,
    OutboxEmail,
    ParkingContract,
    ParkingSpace,
    Person,
    Residency,
    Token,
    db,
)
from portal.services import (
    appointments,
    company,
    defects,
    hours,
    incidents,
    mail,
    mandates,
    messages,
    notices,
    parking,
    profile,
    registration,
    requests,
    staff_accounts,
    teams,
    throttle,
)
from tests import conftest, harness, postgres
from tests.conftest import logo_bytes, theme_of
from tests.harness import KIND_IDS, KINDS, LANGUAGES

EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates" / "emails"

KOTIKATU_IBAN = "FI2112345600000785"
KOTIKATU_COLOR = "#2d5a27"
KOTIKATU = dict(
    name_fi="Kotikatu Oy",
    name_sv="Kotikatu Ab",
    name_en="Kotikatu Ltd",
    short_name_fi="Kotikatu",
    short_name_sv="Kotikatu",
    short_name_en="Kotikatu",
    brand_color=KOTIKATU_COLOR,
    privacy_url="https://www.kotikatu.example/tietosuoja",
    mail_sender_name="Kotikatu",
    mail_sender_address="portaali@kotikatu.example",
    service_point_address="Kotikatu 1, 33100 Tampere",
    # Other days and times than Heka's (Wednesday and Thursday, walk-in on Tuesday).
    appointment_hours="mon 15:00-17:00; tue 08:00-10:00",
    walk_in_hours="thu 10:00-14:00",
    service_point_directions_fi="Toisessa kerroksessa.\n\nBussi 1 pysähtyy oven edessä.",
    service_point_directions_sv="I andra våningen.\n\nBuss 1 stannar vid dörren.",
    service_point_directions_en="On the first floor.\n\nBus 1 stops at the door.",
    key_service_fi="Kotikadun vartiointi, Kotikatu 3, arkisin klo 8–20.",
    key_service_sv="Kotikatu bevakning, Kotikatu 3, vardagar kl. 8–20.",
    key_service_en="Kotikatu security, Kotikatu 3, on weekdays 8–20.",
    maintenance_caller="+358 3 1234",
    payee_name="Kotikatu Oy",
    payee_iban=KOTIKATU_IBAN,
    payee_bic="NDEAFIHH",
)
# The two teams of the demo, by key, with Kotikatu's names and numbers.
KOTIKATU_TEAMS = {
    "customer_service": dict(
        name_fi="Asiakaspalvelu",
        name_sv="Kundtjänst",
        name_en="Customer service",
        phone="03 1234 5000",
        phone_hours="mon-fri 08:00-11:00",
        email="asiakaspalvelu@kotikatu.example",
        on_call_phone="03 1234 5900",
    ),
    "asoy_customer_service": dict(
        name_fi="Osakeasuntojen asiakaspalvelu",
        name_sv="Kundtjänsten för aktiebostäderna",
        name_en="Customer service for owner-occupied flats",
        phone="03 1234 5100",
        phone_hours="mon-fri 08:00-11:00",
        email="osakeasunnot@kotikatu.example",
        on_call_phone="03 1234 5900",
    ),
}
# Heka's numbers as the demo's own texts write them, and Kotikatu's in their place.
NUMBERS = {
    "09 5767 3000": "03 1234 5000",
    "09 5767 4000": "03 1234 5100",
    "09 5767 3100": "03 1234 5900",
}

# Anything of Heka's: the name (and its inflections, and the hekaoy.fi addresses), the full
# names in three languages, the phone numbers as written and in tel: links, the service
# point's street and neighbourhood (inflected, and in Swedish), the account and the bank.
# Phone numbers need their area code: "5767" alone turns up in random file names.
HEKA = re.compile(
    r"heka"
    r"|helsingin kaupungin asun|helsingfors stads bost|city of helsinki housing"
    r"|(?:\+358|\b0)[\s-]*9[\s-]*5767"
    r"|viipurinka|viborgsgatan|alppila|alphyddan|linnanm|borgback|tripla"
    r"|FI79\s*4405|helsfihh",
    re.IGNORECASE,
)
# Random values a page or an email carries (form tokens, link tokens): scrubbed before the
# search, since one of them may spell anything.
RANDOM = [
    re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'),
    re.compile(r"([?&]t=)[\w.~-]+"),
    re.compile(r"(/manage/)[\w.~-]+"),
]
TEXT_TYPES = ("application/json", "image/svg+xml", "application/xml")
KIND = {kind.name: kind for kind in KINDS}


def heka_in(text: str) -> list[str]:
    """Return each place the text shows something of Heka's, with a little of its context."""
    for pattern in RANDOM:
        text = pattern.sub(r"\1", text)
    return [
        repr(text[max(0, m.start() - 50) : m.end() + 50].replace("\n", " "))
        for m in HEKA.finditer(text)
    ]


def kotikatu_logo() -> bytes:
    """A small PNG: a light house on Kotikatu's green."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (64, 64), (45, 90, 39))
    ImageDraw.Draw(image).polygon([(32, 8), (6, 32), (58, 32)], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


LOGO = kotikatu_logo()


def _replace_numbers(text: str) -> str:
    for heka, kotikatu in NUMBERS.items():
        text = text.replace(heka, kotikatu)
    return text


def become_kotikatu() -> None:
    """Make the demo company into Kotikatu Oy, as its administrator and its data would."""
    admin = Person.get(Person.email == conftest.ADMIN)
    company.save(KOTIKATU, logo=(LOGO, "image/png"))
    for team in teams.service_teams():
        teams.change_contacts(team, KOTIKATU_TEAMS[team.key], admin)
    # The demo's texts are Heka's: a notice about the Christmas on-call number, the
    # buildings' maintenance phone. Kotikatu's would give its own numbers.
    for notice in Notice.select():
        for language in LANGUAGES:
            body = f"body_{language}"
            setattr(notice, body, _replace_numbers(getattr(notice, body)))
        notice.save()
    for details in BuildingDetails.select():
        details.maintenance_phone = _replace_numbers(details.maintenance_phone)
        details.save()
    # Emails the demo queued were rendered for Heka; Kotikatu's outbox starts empty.
    OutboxEmail.delete().execute()


def heka_in_database(database) -> list[str]:
    """Return every stored text that still shows something of Heka's. Hashes, secrets and
    tokens are left out: they are random, and one of them may spell anything."""
    found = []
    for table in database.get_tables():
        columns = [
            column.name
            for column in database.get_columns(table)
            if re.search(r"char|text", column.data_type, re.IGNORECASE)
            and not re.search(r"hash|secret|token|stored_name|thumb_name", column.name)
        ]
        if not columns:
            continue
        names = ", ".join(f'"{name}"' for name in columns)
        for row in database.execute_sql(f'SELECT {names} FROM "{table}"'):  # noqa: S608
            for name, value in zip(columns, row, strict=True):
                found += [f"{table}.{name}: {where}" for where in heka_in(str(value or ""))]
    return found


@pytest.fixture(scope="module")
def kotikatu(tmp_path_factory, template_database, postgres_server):
    """An app on a copy of the demo database made into Kotikatu Oy, for the whole module."""
    folder = tmp_path_factory.mktemp("kotikatu")
    shutil.copytree(template_database / "uploads", folder / "uploads")
    if postgres_server is None:
        shutil.copy(template_database / "portal.db", folder / "portal.db")
        url = f"sqlite:///{folder / 'portal.db'}"
    else:
        name = postgres_server.next_name()
        url = postgres_server.create(name, template=postgres.TEMPLATE)
    clock.set_to(conftest.START)
    app = create_app(conftest.test_settings(folder, DATABASE_URL=url))
    app.jinja_env.bytecode_cache = conftest.COMPILED_TEMPLATES
    with app.app_context():
        become_kotikatu()
        left = heka_in_database(db.obj)
    clock.reset()
    assert not left, "the test data still holds Heka's:\n" + "\n".join(left)
    yield app
    close_all(db.obj)
    if postgres_server is not None:
        postgres_server.drop(name)


def _addresses(app, kind) -> list[tuple[str, str]]:
    """Every GET address of the app, with the harness's sample arguments for the kind: the
    ones they may open and the ones they are refused (the refusal is a page too), files and
    calendars included."""
    found = [
        (route.endpoint, url)
        for route in harness.routes(app)
        if route.method == "GET"
        and (url := route.url(app, kind) or route.url(app, kind, "foreign"))
    ]
    return [*found, ("not found", "/no-such-page")]


def _speak(client, kind, language) -> None:
    """Switch the client's language the way the person would."""
    if kind.email:
        conftest.use_language(client, language)
    else:
        client.set_cookie("locale", language)


def _shown(response) -> str:
    """What a response shows a person: its text, and the name a download is saved under."""
    shown = response.headers.get("Content-Disposition", "")
    if response.mimetype.startswith("text/") or response.mimetype in TEXT_TYPES:
        shown += "\n" + response.get_data(as_text=True)
    return shown


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_no_address_shows_heka_to_anyone_in_any_language(kotikatu, kind):
    """Every page, file and calendar, as each kind of person, in fi, sv and en."""
    app = kotikatu
    client = harness.sign_in(app, kind)
    addresses = _addresses(app, kind)
    problems = []
    for language in LANGUAGES:
        _speak(client, kind, language)
        start = client.get("/staff/" if kind.staff_role else "/")
        # The tour is in the language: the start page says so.
        assert start.status_code == 200 and f'<html lang="{language}">' in start.text
        for _endpoint, url in addresses:
            # A step of a journey the person has not begun leads to where it begins: the
            # page they would see is the one looked at.
            response = client.get(url, follow_redirects=True)
            if response.status_code >= 500:
                problems.append(f"{url} ({language}): {response.status_code}")
            problems += [f"{url} ({language}): {where}" for where in heka_in(_shown(response))]
    assert not problems, "\n".join(problems)


def test_no_request_form_of_the_catalog_shows_heka(kotikatu):
    """Each request type's form and instructions, in each language, as a lease party."""
    kind = KIND["lease_party"]
    client = harness.sign_in(kotikatu, kind)
    problems = []
    for language in LANGUAGES:
        _speak(client, kind, language)
        for key in CATALOG:
            response = client.get(f"/requests/new/{key}")
            assert response.status_code == 200, f"/requests/new/{key} ({language})"
            problems += [f"{key} ({language}): {where}" for where in heka_in(response.text)]
    assert not problems, "\n".join(problems)


def _open_invoice_of(email: str) -> int:
    """An invoice of the person's household that is still to be paid (its page shows the
    payee)."""
    lease = Residency.select().join(Person).where(Person.email == email).get().lease
    return (
        Invoice.select(Invoice.id)
        .where((Invoice.lease == lease) & (Invoice.status != Invoice.PAID))
        .order_by(Invoice.due_date)
        .first()
        .id
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_names_kotikatu_and_gives_its_team(kotikatu, language):
    """The title and the logo name Kotikatu; the footer gives the team's numbers."""
    home = harness.sign_in(kotikatu, KIND["visitor"], language).get("/").text
    assert "– Kotikatu</title>" in home
    assert 'alt="Kotikatu"' in home
    footer = home.split("<footer", 1)[1]
    for contact in ("03 1234 5000", "03 1234 5900", "asiakaspalvelu@kotikatu.example"):
        assert contact in footer
    assert 'href="tel:+358312345000"' in footer
    # The As Oy team answers its own residents.
    asoy = harness.sign_in(kotikatu, KIND["asoy_resident"], language).get("/").text
    footer = asoy.split("<footer", 1)[1]
    assert "03 1234 5100" in footer and "osakeasunnot@kotikatu.example" in footer


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_service_point_is_kotikatus(kotikatu, language):
    """The booking page gives Kotikatu's address and hours, and offers times within them."""
    page = harness.sign_in(kotikatu, KIND["visitor"], language).get("/appointments/").text
    assert "Kotikatu 1, 33100 Tampere" in page
    # The free times are Kotikatu's: Monday afternoons and Tuesday mornings.
    slots = re.findall(r"slot=(\d{4}-\d\d-\d\dT\d\d:\d\d)", page)
    assert slots, "no free times on the booking page"
    for slot in slots:
        start = datetime.datetime.fromisoformat(slot)
        assert (start.weekday(), start.hour) in {(0, 15), (0, 16), (1, 8), (1, 9)}, slot
    # The hours the page tells are Kotikatu's, not Heka's (Tuesdays 9–15 without an
    # appointment, Wednesdays 9–12 and Thursdays 12–15 with one).
    heka_hours = re.findall(r"(?<![\d.:])(?:9–15|9–12|12–15)(?![\d]|[.:]\d)", page)
    assert not heka_hours, f"Heka's hours on the booking page: {heka_hours}"
    locale = BABEL_LOCALES[language]
    for spec in (KOTIKATU["appointment_hours"], KOTIKATU["walk_in_hours"]):
        assert hours.describe_hours(spec, locale) in page
    # How to find it is Kotikatu's own text, in the page's language, paragraph by paragraph.
    for paragraph in KOTIKATU[f"service_point_directions_{language}"].split("\n\n"):
        assert f"<p>{paragraph}</p>" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_keys_go_where_kotikatu_says(kotikatu, language):
    """The key request says where Kotikatu's keys are returned and collected."""
    resident = harness.sign_in(kotikatu, KIND["lease_party"], language)
    page = resident.get("/requests/new/keys").text
    assert KOTIKATU[f"key_service_{language}"] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_rent_is_paid_to_kotikatu_and_maintenance_calls_from_its_number(kotikatu, language):
    resident = harness.sign_in(kotikatu, KIND["lease_party"], language)
    invoice = resident.get(f"/payments/{_open_invoice_of(conftest.RESIDENT)}").text
    assert "<dd>Kotikatu Oy</dd>" in invoice and "<dd>NDEAFIHH</dd>" in invoice
    assert KOTIKATU_IBAN in re.sub(r"\s", "", invoice)
    assert "+358 3 1234" in resident.get("/defects/new").text


def test_the_theme_and_logo_are_kotikatus(kotikatu):
    client = kotikatu.test_client()
    response = client.get("/")
    page = response.text
    theme = theme_of(response)
    assert KOTIKATU_COLOR in theme and "#004f8c" not in theme
    logo_url = re.search(r'<img class="logo" src="([^"]+)"', page).group(1)
    assert logo_url.startswith(("data:image/png;", "/company/logo"))
    assert logo_bytes(client, logo_url) == LOGO
    # Heka's blue is nowhere on the page either (not even in the tab's icon).
    assert "004f8c" not in page.lower(), "Heka's blue (#004f8c) is on the page"
    # The footer links to Kotikatu's own privacy notice.
    assert f'<a href="{KOTIKATU["privacy_url"]}">' in page


def test_the_authenticator_app_names_kotikatu(kotikatu, monkeypatch):
    """A staff member setting up the one-time code sees Kotikatu in the app, not Heka."""
    import segno

    encoded = []
    make = segno.make
    monkeypatch.setattr(
        segno, "make", lambda content, *a, **k: encoded.append(content) or make(content, *a, **k)
    )
    monkeypatch.setitem(kotikatu.config, "STAFF_TOTP_REQUIRED", True)
    client = kotikatu.test_client()
    client.set_cookie("locale", "fi")
    assert conftest.sign_in(client, conftest.MAINTENANCE).headers["Location"] == "/login/code"
    page = client.get("/login/code").text
    assert not heka_in(page)
    (uri,) = [text for text in encoded if text.startswith("otpauth://")]
    assert not heka_in(uri), uri
    assert "Kotikatu" in uri


# The emails come last: sending them adds requests, reports, visits and more to the data.


def _book_and_move_a_visit(client, email="veera@example.fi") -> Appointment:
    """Book a visit as a visitor would, then move it: the two emails only a page sends."""
    client.set_cookie("locale", "fi")
    first = re.search(r"slot=([0-9T:-]+)", client.get("/appointments/").text).group(1)
    url = f"/appointments/book?slot={first}"
    response = client.post(
        url,
        data={
            "name": "Veera Vieras",
            "phone": "040 765 4321",
            "email": email,
            "reason": "identification",
            "details": "Tunnistautuminen portaalia varten.",
            "csrf_token": conftest.csrf_token(client, url),
        },
    )
    assert response.status_code == 303, response.text
    moving = client.get("/appointments/manage?move=1").text
    target = re.findall(r'name="slot" value="([0-9T:-]+)"', moving)[-1]
    token = conftest.csrf_token(client, "/appointments/manage")
    response = client.post("/appointments/manage/move", data={"slot": target, "csrf_token": token})
    assert response.status_code == 303, response.text
    return Appointment.get(Appointment.email == email)


def _send_every_email(app) -> list[str]:
    """Make the portal send each of its emails through the code that sends it; return the
    steps that could not be taken."""
    public_url = app.config["PUBLIC_URL"].rstrip("/")
    uploads = Path(app.config["UPLOAD_DIR"])
    lifetime = datetime.timedelta(hours=24)
    today = clock.today()
    aino = Person.get(Person.email == conftest.RESIDENT)
    residency = Residency.select().where(Residency.person == aino).get()
    lease = Lease.get_by_id(residency.lease_id)
    staff = Person.get(Person.email == conftest.CUSTOMER_SERVICE)
    maintenance = Person.get(Person.email == conftest.MAINTENANCE)
    admin = Person.get(Person.email == conftest.ADMIN)
    # Someone none of the other checks signs in as: their password is set again below.
    matti = Person.get(Person.email == "matti.koskinen@example.fi")

    def accounts():
        registration.start_registration(conftest.RESIDENT, "fi", public_url, lifetime)
        registration.start_registration("uusi.asukas@kotikatu.example", "fi", public_url, lifetime)
        registration.start_password_reset(conftest.RESIDENT, public_url, lifetime)
        registration.reset_password(matti, conftest.PASSWORD, "1.2.2027 klo 10.00")
        staff_accounts.create(
            "uusi.tyontekija@kotikatu.example",
            "Uusi",
            "Työntekijä",
            Person.CUSTOMER_SERVICE,
            "customer_service",
            admin,
            public_url,
            lifetime,
        )
        for _attempt in range(throttle.BURST):
            failures = throttle.failed("kotikatu-check")
        throttle.tell_after_burst("kotikatu-check", failures, matti, throttle.CODE)

    def bank_account():
        profile.ask_to_change_bank_account(aino, KOTIKATU_IBAN, public_url, lifetime)
        token = (
            Token.select()
            .where((Token.person == aino) & (Token.purpose == Token.BANK_ACCOUNT))
            .order_by(Token.id.desc())
            .get()
        )
        profile.change_bank_account(aino, token)

    def notice():
        texts = {f"title_{language}": "Vesikatko" for language in LANGUAGES}
        texts |= {f"body_{language}": "Vesi on poikki tiistaina." for language in LANGUAGES}
        notices.publish(
            staff,
            texts,
            everyone=False,
            buildings=[str(lease.apartment.building_id)],
            publish_on=today,
            expires_on=None,
            send_email=True,
        )
        notices.send_due(today)

    def message():
        thread = MessageThread.select().where(MessageThread.lease == lease).first()
        messages.reply(
            thread,
            staff,
            body="Kiitos viestistä, asia on hoidossa.",
            from_staff=True,
            uploads=[],
            upload_dir=uploads / "messages",
        )

    def service_requests():
        sent = []
        for entry in CATALOG.values():
            sent.append(
                requests.submit(
                    entry,
                    {},
                    lease=lease,
                    person=aino,
                    residency=residency,
                    residents=[residency],
                    uploads=[],
                    upload_dir=uploads / "requests",
                )
            )
        request = sent[0]
        entry = CATALOG[request.type_key]
        status = next(s for s in entry.states if s not in (request.status, "approved"))
        requests.change_status(
            request, staff, status=status, note="Käsittelemme pyyntöä.", visible=True
        )

    def mandate():
        # To someone without a username (told to register) and to a resident with one.
        stranger = mandates.Agent("valtuutettu@kotikatu.example", "Ville", "Valtuutettu")
        given = mandates.give(
            residency, aino, stranger, ["information"], "", today, None, public_url
        )
        mandates.end(given, staff, "Asukas pyysi puhelimessa.", public_url)
        elias = mandates.Agent(conftest.OTHER_RESIDENT, "Elias", "Virtanen")
        until = today + datetime.timedelta(days=90)
        given = mandates.give(residency, aino, elias, ["information"], "", today, until, public_url)
        mandates.revoke(given, aino, public_url)

    def defect():
        building = Building.get_by_id(lease.apartment.building_id)
        report = defects.submit(
            building=building,
            apartment=lease.apartment,
            lease=lease,
            reporter=aino,
            contact={},
            language="fi",
            location="apartment",
            category="heating",
            description="Makuuhuoneen patteri on kylmä.",
            urgent=False,
            master_key_allowed=True,
            pets=False,
            uploads=[],
            upload_dir=uploads / "defects",
            public_url=public_url,
            caller=company.maintenance_caller(),
        )
        # A visitor's report: confirmed by email without a link to follow it.
        defects.submit(
            building=building,
            apartment=None,
            lease=None,
            reporter=None,
            contact={"name": "Veera Vieras", "email": "veera@example.fi", "phone": "040 765 4321"},
            language="fi",
            location="stairwell",
            category="electrical",
            description="Porraskäytävän valo ei syty.",
            urgent=False,
            master_key_allowed=False,
            pets=False,
            uploads=[],
            upload_dir=uploads / "defects",
            public_url=public_url,
            caller=company.maintenance_caller(),
        )
        defects.change_status(
            report,
            staff=maintenance,
            status=DefectReport.IN_PROGRESS,
            note="Tulemme huomenna aamupäivällä.",
            visible=True,
            assigned_to=maintenance,
            planned_visit_at=None,
            public_url=public_url,
            caller=company.maintenance_caller(),
        )

    def incident():
        # Announced for Aino's building, its end moved by two hours, her household's open
        # reports linked to it, and resolved.
        start = clock.utcnow() + datetime.timedelta(hours=2)
        incident, _sent = incidents.announce(
            maintenance,
            kind="water",
            emergency=False,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=4),
            texts={"text_fi": "Vesi on poikki tiistaina."},
            areas=[(lease.apartment.building_id, "")],
            public_url=public_url,
        )
        incidents.update(
            maintenance,
            incident,
            ends_at=start + datetime.timedelta(hours=6),
            texts={"text_fi": "Vesi on poikki tiistaina kauemmin."},
            public_url=public_url,
        )
        open_reports = DefectReport.select(DefectReport.id).where(
            (DefectReport.lease == lease) & DefectReport.open_queue()
        )
        incidents.link_reports(maintenance, incident, [r.id for r in open_reports])
        incidents.resolve(maintenance, incident, public_url=public_url)

    def parking_spaces():
        area = ParkingSpace.get(ParkingSpace.number == "P1").area_id
        # Two new spaces for the two households waiting: only one of them has a username.
        for number in ("P8", "P9"):
            space = ParkingSpace.create(area=area, number=number, kind=ParkingSpace.CAR)
            parking.offer(space.id, staff, today=today, offer_days=7)
        contract = ParkingContract.select().where(ParkingContract.lease == lease).get()
        end = today + datetime.timedelta(days=60)
        parking.end_contract(contract, staff, end_date=end, today=today)

    def visit():
        appointment = _book_and_move_a_visit(app.test_client())
        now = clock.helsinki_now().replace(tzinfo=None)
        appointments.cancel_by_staff(staff, appointment, now, "Palvelupiste on suljettu.")

    def visit_cancelled_by_visitor():
        # A step of its own: a request context caches one session's CSRF token in `g`.
        client = app.test_client()
        _book_and_move_a_visit(client, "ville@example.fi")
        token = conftest.csrf_token(client, "/appointments/manage?cancel=1")
        response = client.post("/appointments/manage", data={"csrf_token": token})
        assert response.status_code == 303, response.text

    problems = []
    steps = [
        accounts,
        bank_account,
        notice,
        message,
        service_requests,
        mandate,
        defect,
        incident,
        parking_spaces,
        visit,
        visit_cancelled_by_visitor,
    ]
    for step in steps:
        try:
            with app.test_request_context():
                step()
        # Each step's failure is reported, and the other steps still send their emails.
        except Exception as error:
            problems.append(f"sending ({step.__name__}): {type(error).__name__}: {error}")
    return problems


@pytest.fixture(scope="module")
def sent_emails(kotikatu):
    """Send every email the portal sends, each rendered in fi, sv and en (the code picks
    the reader's language; here every reader reads all three). Returns the outbox rows with
    their templates, and what could not be sent."""
    rows: list[tuple[str, OutboxEmail]] = []
    queue = mail.queue

    def queue_in_every_language(to, template, language, **context):
        first = queue(to, template, language, **context)
        rows.append((template, first))
        for other in LANGUAGES:
            if other != language:
                rows.append((template, queue(to, template, other, **context)))
        return first

    clock.set_to(conftest.START)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail, "queue", queue_in_every_language)
        problems = _send_every_email(kotikatu)
    clock.reset()
    return rows, problems


def test_every_email_names_kotikatu_and_never_heka(sent_emails):
    rows, problems = sent_emails
    templates = {path.stem for path in EMAIL_TEMPLATES.glob("[!_]*.txt")}
    sent = {template for template, _row in rows}
    problems += [f"{template}: not sent" for template in sorted(templates - sent)]
    for template, row in rows:
        where = f"{template} ({row.language})"
        text = "\n".join((row.subject, row.body_text, row.body_html, row.calendar))
        problems += [f"{where}: {found}" for found in heka_in(text)]
        if "Kotikatu" not in row.subject + row.body_text:
            problems.append(f"{where}: does not name Kotikatu")
    assert not problems, "\n".join(problems)


def test_email_goes_out_from_kotikatu(kotikatu, sent_emails, smtp_server):
    """Over SMTP every email comes from Kotikatu's sender, under Kotikatu's domain."""
    rows, _problems = sent_emails
    settings = mail.SmtpSettings(host="127.0.0.1", port=smtp_server.port)
    with kotikatu.app_context():
        while mail.deliver_due(settings, now=clock.utcnow() + datetime.timedelta(hours=1))[0]:
            pass
    assert len(smtp_server.messages) == len(rows)
    for message in smtp_server.messages:
        assert message["From"] == "Kotikatu <portaali@kotikatu.example>"
        assert message["Message-ID"].endswith("@kotikatu.example>")
        assert not heka_in(message["Subject"] + conftest.Mailbox.text(message))


def test_the_pages_emails_link_to_show_no_heka(kotikatu, sent_emails):
    """Each link of each email, opened by whoever has the email, in its language: the
    journeys that begin from a link (choosing a password, identifying) show their pages."""
    rows, _problems = sent_emails
    public_url = kotikatu.config["PUBLIC_URL"].rstrip("/")
    links = {
        (row.language, link)
        for _template, row in rows
        for link in re.findall(re.escape(public_url) + r"(/\S*)", row.body_text)
    }
    assert links
    problems = []
    for language, link in sorted(links):
        client = kotikatu.test_client()
        client.set_cookie("locale", language)
        response = client.get(link, follow_redirects=True)
        if response.status_code >= 500:
            problems.append(f"{link} ({language}): {response.status_code}")
        problems += [f"{link} ({language}): {where}" for where in heka_in(_shown(response))]
    assert not problems, "\n".join(problems)
