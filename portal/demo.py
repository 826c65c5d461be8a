"""A small, realistic demo housing company for local runs and tests.

Dates are relative to today (Helsinki time), so one lease always begins next month and
the demo keeps showing the "access opens when your lease begins" page.
"""

import datetime
import json
from decimal import Decimal

from portal import clock
from portal.config import DEMO_PAYEE_IBAN
from portal.models import (
    Apartment,
    Appointment,
    Building,
    BuildingDetails,
    DefectEvent,
    DefectReport,
    Incident,
    IncidentArea,
    Invoice,
    Lease,
    Mandate,
    Message,
    MessageThread,
    Notice,
    NoticeBuilding,
    ParkingApplication,
    ParkingArea,
    ParkingAreaBuilding,
    ParkingContract,
    ParkingSpace,
    Person,
    RequestConsent,
    RequestEvent,
    Residency,
    Sauna,
    SaunaBooking,
    SaunaTurn,
    ServiceRequest,
    ServiceTeam,
    db,
)
from portal.services import company
from portal.services.accounts import hash_password
from portal.services.identity import identity_hash
from portal.services.references import finnish_reference

# The published demo sign-in, printed by `make run`.
DEMO_PASSWORD = "Kotiportaali-2026"  # noqa: S105  # nosec B105

# (email, who they are) in the order the sign-in table lists them.
DEMO_SIGN_INS = [
    ("aino.virtanen@example.fi", "resident, lease party, Sturenkatu 21 A 4 (Finnish)"),
    ("elias.virtanen@example.fi", "resident, other resident in the same apartment"),
    ("sofia.lindqvist@example.fi", "resident, lease party, Vääksyntie 6 B 12 (Swedish)"),
    ("hanna.korhonen@example.fi", "resident of an As Oy apartment (English)"),
    ("oskari.nieminen@example.fi", "lease begins next month: sees when access opens"),
    (
        "matti.koskinen@example.fi",
        "username from the apartment search: identifies at first sign-in",
    ),
    (
        "kaisa.lehtonen@example.fi",
        "agent: all matters of Pirjo Lehtonen; parking, sauna and payments of Aino Virtanen",
    ),
    ("leena.makinen@example.fi", "staff: customer service"),
    ("jari.laine@example.fi", "staff: maintenance"),
    ("riikka.heikkinen@example.fi", "staff: As Oy customer service"),
    ("admin@example.fi", "staff: administrator"),
]

# The demo company's own details: what an administrator keeps at /staff/settings.
HEKA_PROFILE = dict(
    name_fi="Helsingin kaupungin asunnot Oy",
    name_sv="Helsingfors stads bostäder Ab",
    name_en="City of Helsinki Housing Company",
    short_name_fi="Heka",
    short_name_sv="Heka",
    short_name_en="Heka",
    brand_color="#004f8c",
    privacy_url="https://www.hekaoy.fi/fi/tietosuoja",
    mail_sender_name="Heka",
    mail_sender_address="asukasportaali@hekaoy.fi",
    service_point_address="Viipurinkatu 2, 00510 Helsinki",
    appointment_hours="wed 09:00-12:00; thu 12:00-15:00",
    walk_in_hours="tue 09:00-15:00",
    service_point_directions_fi=(
        "Alppilassa, katutasossa. Kun kuljet hissien ohi, löydät asiakaspalvelupisteen oven. "
        "Ilmoittaudu saapuessasi vastaanottoon.\n\n"
        "Bussit 500 ja 510 (pysäkki Sturenkatu), raitiovaunut 3 (pysäkki Alppila) ja 9 "
        "(pysäkki Sturenkatu). Kauppakeskus Mall of Triplasta ja Sörnäisten metroasemalta on "
        "noin 10–15 minuutin kävelymatka.\n\n"
        "Viipurinkadulla ei ole asiakaspysäköintiä. Lähin suuri pysäköintialue on Linnanmäen "
        "parkkipaikka."
    ),
    service_point_directions_sv=(
        "I Alphyddan, i bottenvåningen. Dörren till kundtjänstens serviceställe finns när du "
        "har gått förbi hissarna. Anmäl dig i receptionen när du kommer.\n\n"
        "Bussarna 500 och 510 (hållplats Sturegatan), spårvagnarna 3 (hållplats Alphyddan) "
        "och 9 (hållplats Sturegatan). Det är ungefär 10–15 minuters promenad från köpcentret "
        "Mall of Tripla och Sörnäs metrostation.\n\n"
        "Det finns ingen kundparkering på Viborgsgatan. Den närmaste stora parkeringen är "
        "Borgbackens parkering."
    ),
    service_point_directions_en=(
        "In Alppila, on the ground floor. The door to customer service is past the lifts; "
        "please register at the reception desk when you arrive.\n\n"
        "Buses 500 and 510 (stop Sturenkatu), trams 3 (stop Alppila) and 9 (stop Sturenkatu). "
        "About a 10–15 minute walk from the Mall of Tripla and Sörnäinen metro station.\n\n"
        "There is no customer parking on Viipurinkatu. The closest large car park is the "
        "Linnanmäki car park."
    ),
    key_service_fi=(
        "BLC Turvan palvelupiste, Mäkelänkatu 2 (sisäänkäynti Vääksyntien ja Teollisuuskadun "
        "risteyksestä). Avaimet voi palauttaa myös silloin, kun palvelupiste on suljettu."
    ),
    key_service_sv=(
        "BLC Turvas serviceställe, Tavastvägen 2 (ingång från korsningen av Vääksyntie och "
        "Industrigatan). Nycklar kan återlämnas också när servicestället är stängt."
    ),
    key_service_en=(
        "the BLC Turva service point, Mäkelänkatu 2 (entry from the Vääksyntie and "
        "Teollisuuskatu intersection). Keys can also be returned when it is closed."
    ),
    maintenance_caller="+358 9 5767",
    payee_name="Helsingin kaupungin asunnot Oy",
    payee_iban=DEMO_PAYEE_IBAN,
    payee_bic="HELSFIHH",
)
# A house on the brand colour: the demo's logo.
HEKA_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">'
    b'<rect width="32" height="32" rx="6" fill="#004f8c"/>'
    b'<path fill="#fff" d="M16 5 4 16h3v11h7v-7h4v7h7V16h3z"/></svg>'
)

_TEAMS = [
    dict(
        key="customer_service",
        name_fi="Hekan asiakaspalvelu",
        name_sv="Hekas kundtjänst",
        name_en="Heka customer service",
        phone="09 5767 3000",
        phone_hours="mon-fri 09:00-12:00",
        email="asiakaspalvelu@hekaoy.fi",
        on_call_phone="09 5767 3100",
        is_default=True,
    ),
    dict(
        key="asoy_customer_service",
        name_fi="As Oy -asuntojen asiakaspalvelu",
        name_sv="Kundtjänsten för As Oy-bostäderna",
        name_en="Customer service for As Oy apartments",
        phone="09 5767 4000",
        phone_hours="mon-fri 09:00-12:00",
        email="asiakaspalvelu.asoyasunnot@hekaoy.fi",
        on_call_phone="09 5767 3100",
    ),
]

# (team key, name, street address, postal code, year built, ownership, apartments)
_BUILDINGS = [
    (
        "customer_service",
        "Sturenkatu 21",
        "Sturenkatu 21",
        "00510",
        1962,
        Apartment.RENTAL,
        [
            ("A 1", 1, "1h+kk", "31.5"),
            ("A 2", 1, "2h+k", "48.0"),
            ("A 3", 2, "1h+kk", "31.5"),
            ("A 4", 2, "3h+k", "72.5"),
            ("A 5", 3, "2h+k", "48.0"),
            ("A 6", 3, "1h+kk", "31.5"),
        ],
    ),
    (
        "customer_service",
        "Vääksyntie 6",
        "Vääksyntie 6",
        "00510",
        1975,
        Apartment.RENTAL,
        [
            ("B 9", 1, "2h+k", "52.0"),
            ("B 10", 2, "2h+k", "52.0"),
            ("B 11", 3, "3h+k", "69.0"),
            ("B 12", 4, "2h+k+s", "58.5"),
        ],
    ),
    (
        "customer_service",
        "Kontulankaari 9",
        "Kontulankaari 9",
        "00940",
        1968,
        Apartment.RENTAL,
        [("C 29", 5, "1h+k", "36.0"), ("C 30", 5, "2h+k", "50.5"), ("C 31", 6, "3h+k", "74.0")],
    ),
    (
        "asoy_customer_service",
        "As Oy Helsingin Kalliolanrinne",
        "Kalliolanrinne 4",
        "00510",
        1938,
        Apartment.ASOY,
        [("A 2", 1, "1h+kk", "27.0"), ("A 7", 3, "2h", "41.5")],
    ),
]

# Leases: (building, apartment, months since start (negative: starts later), rent, residents)
# residents: (first, last, role, email or None, language)
_LEASES = [
    (
        "Sturenkatu 21",
        "A 4",
        80,
        "1043.60",
        [
            ("Aino", "Virtanen", Residency.LEASE_PARTY, "aino.virtanen@example.fi", "fi"),
            ("Mikko", "Virtanen", Residency.LEASE_PARTY, None, "fi"),
            ("Elias", "Virtanen", Residency.OTHER_RESIDENT, "elias.virtanen@example.fi", "fi"),
        ],
    ),
    (
        "Sturenkatu 21",
        "A 1",
        30,
        "598.20",
        [
            ("Veikko", "Heinonen", Residency.LEASE_PARTY, None, "fi"),
        ],
    ),
    (
        "Sturenkatu 21",
        "A 5",
        14,
        "781.90",
        [
            ("Amina", "Hassan", Residency.LEASE_PARTY, None, "fi"),
            ("Yusuf", "Hassan", Residency.OTHER_RESIDENT, None, "fi"),
        ],
    ),
    (
        "Vääksyntie 6",
        "B 12",
        52,
        "912.40",
        [
            ("Sofia", "Lindqvist", Residency.LEASE_PARTY, "sofia.lindqvist@example.fi", "sv"),
        ],
    ),
    (
        "Vääksyntie 6",
        "B 9",
        9,
        "845.00",
        [
            ("Matti", "Koskinen", Residency.LEASE_PARTY, "matti.koskinen@example.fi", "fi"),
            ("Laura", "Koskinen", Residency.LEASE_PARTY, None, "fi"),
        ],
    ),
    (
        "Kontulankaari 9",
        "C 31",
        -1,
        "1120.30",
        [
            ("Oskari", "Nieminen", Residency.LEASE_PARTY, "oskari.nieminen@example.fi", "fi"),
        ],
    ),
    (
        "Kontulankaari 9",
        "C 29",
        120,
        "655.70",
        [
            ("Pirjo", "Lehtonen", Residency.LEASE_PARTY, None, "fi"),
        ],
    ),
    (
        "Kalliolanrinne 4",
        "A 2",
        22,
        "702.00",
        [
            ("Hanna", "Korhonen", Residency.LEASE_PARTY, "hanna.korhonen@example.fi", "en"),
        ],
    ),
]

# (email, first, last, role, team key, language)
_STAFF = [
    ("leena.makinen@example.fi", "Leena", "Mäkinen", Person.CUSTOMER_SERVICE, "customer_service"),
    ("jari.laine@example.fi", "Jari", "Laine", Person.MAINTENANCE, "customer_service"),
    (
        "riikka.heikkinen@example.fi",
        "Riikka",
        "Heikkinen",
        Person.ASOY_CUSTOMER_SERVICE,
        "asoy_customer_service",
    ),
    ("admin@example.fi", "Antti", "Ylläpitäjä", Person.ADMIN, None),
]


# Residents who have not identified for the portal yet, as the demo bank-ID provider knows
# them; the codes are fictional ones from the temporary range (individual number 900-999).
UNIDENTIFIED = {"matti.koskinen@example.fi"}


def demo_identity_code(index: int) -> str:
    """Return a fictional, well-formed personal identity code for the index-th demo resident."""
    digits = f"0101{70 + index % 30:02d}" + f"{900 + index:03d}"
    return f"{digits[:6]}-{digits[6:]}" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(digits) % 31]


def demo_identities() -> list[dict]:
    """Return the demo residents as the demo identification provider presents them."""
    people, index = [], 0
    for *_, residents in _LEASES:
        for first, last, *_ in residents:
            index += 1
            people.append(
                {
                    "sub": f"{first}.{last}".lower(),
                    "given_name": first,
                    "family_name": last,
                    "name": f"{first} {last}",
                    "hetu": demo_identity_code(index),
                }
            )
    return people


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """Return the first day of the month ``months`` before the month of ``day``."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def is_empty() -> bool:
    """Tell whether no company has been set up in the database yet."""
    return not ServiceTeam.select().exists() and company.current() is None


def is_loaded() -> bool:
    """Tell whether the database holds the demo company, whose sign-ins the table lists (and
    not another company's data)."""
    demo_admin = DEMO_SIGN_INS[-1][0]
    return Person.select().where(Person.email == demo_admin).exists()


def load(identity_key: str, today: datetime.date | None = None) -> None:
    """Write the demo housing company into an empty, migrated database."""
    today = today or clock.today()
    codes = iter(person["hetu"] for person in demo_identities())
    password_hash = hash_password(DEMO_PASSWORD)
    now = datetime.datetime(today.year, today.month, today.day, 8, 0)
    with db.atomic():
        company.save(HEKA_PROFILE, logo=(HEKA_LOGO, "image/svg+xml"))
        teams = {spec["key"]: ServiceTeam.create(**spec) for spec in _TEAMS}
        apartments = {}
        for team_key, name, street, postal, year, ownership, flats in _BUILDINGS:
            building = Building.create(
                name=name,
                street_address=street,
                postal_code=postal,
                city="Helsinki",
                year_built=year,
                team=teams[team_key],
            )
            for number, floor, rooms, area in flats:
                apartments[(street, number)] = Apartment.create(
                    building=building,
                    number=number,
                    floor=floor,
                    rooms=rooms,
                    area=Decimal(area),
                    ownership=ownership,
                )
        for index, (street, number, months, rent, residents) in enumerate(_LEASES, start=1):
            start = _months_before(today, months)
            lease = Lease.create(
                number=f"V-{2000 + index}-{index:03d}",
                apartment=apartments[(street, number)],
                start_date=start,
                rent=Decimal(rent),
                deposit=(Decimal(rent) * 2).quantize(Decimal("1")),
                payment_reference=finnish_reference(f"{2000 + index}{index:04d}"),
            )
            for first, last, role, email, language in residents:
                hashed = identity_hash(next(codes), identity_key)
                person = None
                if email:
                    identified = email not in UNIDENTIFIED
                    person = Person.create(
                        email=email,
                        first_name=first,
                        last_name=last,
                        language=language,
                        phone="040 123 4567",
                        password_hash=password_hash,
                        identification_method=Person.BANK if identified else None,
                        identified_at=now if identified else None,
                        identity_hash=hashed if identified else None,
                    )
                Residency.create(
                    lease=lease,
                    person=person,
                    first_name=first,
                    last_name=last,
                    role=role,
                    moved_in=start,
                    identity_hash=hashed,
                )
        for email, first, last, role, team_key in _STAFF:
            Person.create(
                email=email,
                first_name=first,
                last_name=last,
                language="fi",
                password_hash=password_hash,
                staff_role=role,
                staff_team=teams[team_key] if team_key else None,
                identification_method=Person.OFFICE,
                identified_at=now,
            )
        _load_defects(now)
        _load_saunas(today)
        _load_parking(today, now)
        _load_requests(today, now)
        _load_messages(now)
        _load_notices(today)
        _load_incidents(today)
        _load_invoices(today)
        _load_building_details()
        _load_appointments(today)
        _load_mandates(today, now, password_hash)


# Defect reports of the demo households: (reporter email, location, category, text, status,
# days ago, staff note shown to the resident).
_DEFECTS = [
    (
        "aino.virtanen@example.fi",
        "apartment",
        "plumbing",
        "Keittiön hana tippuu koko ajan, myös kun se on kiinni.",
        DefectReport.RECEIVED,
        2,
        "",
    ),
    (
        "aino.virtanen@example.fi",
        "apartment",
        "windows_doors",
        "Olohuoneen ikkuna ei mene kunnolla kiinni ja vetää.",
        DefectReport.DONE,
        40,
        "Ikkunan saranat säädetty ja tiiviste vaihdettu.",
    ),
    (
        "sofia.lindqvist@example.fi",
        "apartment",
        "ventilation",
        "Ventilen i badrummet drar inte alls.",
        DefectReport.IN_PROGRESS,
        6,
        "Fastighetsskötaren kommer och kontrollerar ventilationen.",
    ),
    (
        "hanna.korhonen@example.fi",
        "stairwell",
        "locks",
        "The lock of the front door is stiff and the key is hard to turn.",
        DefectReport.WAITING,
        9,
        "Waiting for a new lock cylinder from the supplier.",
    ),
]


def _load_defects(now: datetime.datetime) -> None:
    maintenance = Person.get(Person.staff_role == Person.MAINTENANCE)
    for index, (email, location, category, text, status, days, note) in enumerate(_DEFECTS):
        reporter = Person.get(Person.email == email)
        residency = Residency.get(Residency.person == reporter)
        apartment = residency.lease.apartment
        created = now - datetime.timedelta(days=days)
        report = DefectReport.create(
            reference=f"{created:%y}-{100001 + index:06d}",
            building=apartment.building,
            apartment=apartment if location == "apartment" else None,
            lease=residency.lease,
            reporter=reporter,
            reporter_name=reporter.display_name,
            reporter_phone=reporter.phone,
            language=reporter.language,
            location=location,
            category=category,
            description=text,
            status=status,
            created_at=created,
            updated_at=created,
        )
        DefectEvent.create(
            report=report, author=reporter, status=DefectReport.RECEIVED, created_at=created
        )
        if status != DefectReport.RECEIVED:
            DefectEvent.create(
                report=report,
                author=maintenance,
                status=status,
                note=note,
                created_at=created + datetime.timedelta(days=1),
            )


def _load_saunas(today: datetime.date) -> None:
    """A sauna in two buildings: evening turns for households, a common turn on Saturdays."""
    for street in ("Sturenkatu 21", "Vääksyntie 6"):
        building = Building.get(Building.street_address == street)
        sauna = Sauna.create(building=building, name="Talosauna")
        for weekday in range(5):
            for start in ("18:00", "19:00", "20:00"):
                SaunaTurn.create(
                    sauna=sauna,
                    weekday=weekday,
                    start_time=start,
                    minutes=60,
                    monthly_fee=Decimal("15.00"),
                )
        SaunaTurn.create(
            sauna=sauna, weekday=5, start_time="17:00", minutes=120, kind=SaunaTurn.COMMON
        )
    # Aino's household holds Tuesday 19:00; Veikko Heinonen's (no username) Thursday 18:00.
    for first_name, weekday, start, months in (("Aino", 1, "19:00", 12), ("Veikko", 3, "18:00", 3)):
        residency = Residency.get(Residency.first_name == first_name)
        turn = (
            SaunaTurn.select()
            .join(Sauna)
            .where(
                (Sauna.building == residency.lease.apartment.building_id)
                & (SaunaTurn.weekday == weekday)
                & (SaunaTurn.start_time == start)
            )
            .get()
        )
        SaunaBooking.create(
            turn=turn,
            lease=residency.lease,
            start_date=_months_before(today, months),
            created_by=residency.person,
        )


# Parking: (area, buildings served, [(space, kind, fee)]).
_PARKING = [
    (
        "Sturenkadun piha",
        "Pihan puolelle pääsee Sturenkadun portista; paikat on numeroitu maalaamalla.",
        ("Sturenkatu 21", "Vääksyntie 6"),
        [
            ("P1", ParkingSpace.CAR, "32.00"),
            ("P2", ParkingSpace.CAR, "32.00"),
            ("P3", ParkingSpace.CAR, "32.00"),
            ("P4", ParkingSpace.CAR, "32.00"),
            ("P5", ParkingSpace.EV, "45.00"),
            ("P6", ParkingSpace.EV, "45.00"),
            ("M1", ParkingSpace.MOTORCYCLE, "12.00"),
        ],
    ),
    (
        "Kontulankaaren pysäköintialue",
        "",
        ("Kontulankaari 9",),
        [
            ("K1", ParkingSpace.CAR, "28.00"),
            ("K2", ParkingSpace.CAR, "28.00"),
            ("K3", ParkingSpace.CAR, "28.00"),
        ],
    ),
]

# Contracts (first name of a lease party, space, months ago); the car spaces of the yard are
# all taken, so Amina's and Sofia's households queue for one; P6 is offered to Aino's.
_PARKING_CONTRACTS = [
    ("Veikko", "P1", 30),
    ("Aino", "P2", 70),
    ("Sofia", "P3", 40),
    ("Matti", "P4", 8),
    ("Matti", "P5", 2),
    ("Pirjo", "K1", 100),
]


def _load_parking(today: datetime.date, now: datetime.datetime) -> None:
    spaces = {}
    for name, description, streets, rows in _PARKING:
        area = ParkingArea.create(name=name, description=description)
        for street in streets:
            building = Building.get(Building.street_address == street)
            ParkingAreaBuilding.create(area=area, building=building)
        for number, kind, fee in rows:
            spaces[number] = ParkingSpace.create(
                area=area, number=number, kind=kind, monthly_fee=Decimal(fee)
            )

    def lease_of(first_name: str) -> Lease:
        return Residency.get(Residency.first_name == first_name).lease

    for first_name, number, months in _PARKING_CONTRACTS:
        ParkingContract.create(
            space=spaces[number],
            lease=lease_of(first_name),
            start_date=_months_before(today, months),
        )
    area = spaces["P1"].area
    for first_name, days_ago in (("Amina", 60), ("Sofia", 20)):
        ParkingApplication.create(
            lease=lease_of(first_name),
            area=area,
            kind=ParkingSpace.CAR,
            applied_at=now - datetime.timedelta(days=days_ago),
        )
    ParkingApplication.create(
        lease=lease_of("Aino"),
        area=area,
        kind=ParkingSpace.EV,
        applied_at=now - datetime.timedelta(days=10),
        status=ParkingApplication.OFFERED,
        space=spaces["P6"],
        offered_at=now - datetime.timedelta(days=2),
        offer_deadline=today + datetime.timedelta(days=5),
    )


# Service requests: (email of the submitter, type, answers, status, days ago, staff note).
_REQUESTS = [
    (
        "aino.virtanen@example.fi",
        "diy_renovation",
        {
            "work": "painting",
            "rooms": "Olohuone ja makuuhuone",
            "materials": "Tikkurila Harmony, sävy G497 (vaalea harmaa), himmeä.",
            "doer": "self",
            "start": 14,
            "end": 21,
        },
        "in_progress",
        3,
        "Kiitos hakemuksesta. Tarkistamme sävyn ja vastaamme tällä viikolla.",
    ),
    (
        "sofia.lindqvist@example.fi",
        "disturbance",
        {
            "source": "apartment",
            "apartment": "B 11",
            "time_of_day": "night",
            "since": -20,
            "description": "Hög musik nästan varje natt efter midnatt, senast i natt.",
            "talked": "no",
        },
        "received",
        1,
        "",
    ),
    (
        "hanna.korhonen@example.fi",
        "keys",
        {"action": "collect", "date": 5, "note": "A spare key for my partner."},
        "received",
        0,
        "",
    ),
    (
        "matti.koskinen@example.fi",
        "lease_termination",
        {"extent": "all", "end_date": 64, "phone": "040 765 4321"},
        "received",
        2,
        "",
    ),
]


def _load_requests(today: datetime.date, now: datetime.datetime) -> None:
    """Requests in several states; Matti's termination waits for Laura's agreement."""
    staff = Person.get(Person.staff_role == Person.CUSTOMER_SERVICE)
    for email, key, answers, status, days, note in _REQUESTS:
        person = Person.get(Person.email == email)
        residency = Residency.get(Residency.person == person)
        apartment = residency.lease.apartment
        stored = {
            name: (today + datetime.timedelta(days=value)).isoformat()
            if isinstance(value, int)
            else value
            for name, value in answers.items()
        }
        created = now - datetime.timedelta(days=days)
        request = ServiceRequest.create(
            type_key=key,
            lease=residency.lease,
            building=apartment.building,
            apartment=apartment,
            team=apartment.building.team,
            handler="maintenance"
            if key in ("apartment_inspection", "door_opening")
            else ("customer_service"),
            submitted_by=person,
            answers=json.dumps(stored, ensure_ascii=False),
            status=status,
            created_at=created,
            updated_at=created,
            resident_updated_at=created,
        )
        RequestEvent.create(request=request, author=person, status="received", created_at=created)
        if status != "received":
            RequestEvent.create(
                request=request,
                author=staff,
                status=status,
                note=note,
                created_at=created + datetime.timedelta(hours=20),
            )
        if key == "lease_termination":
            for other in Residency.select().where(
                (Residency.lease == residency.lease)
                & (Residency.role == Residency.LEASE_PARTY)
                & (Residency.id != residency.id)
            ):
                RequestConsent.create(request=request, residency=other)


# Conversations: (email, topic, subject, [(from staff, text, hours ago)]).
_MESSAGES = [
    (
        "aino.virtanen@example.fi",
        MessageThread.RENT_PAYMENT,
        "Vuokran eräpäivän siirto",
        [
            (False, "Voisinko maksaa joulukuun vuokran viikon myöhemmin, 12. päivä?", 50),
            (True, "Hei! Voit maksaa vuokran 12.12. Merkitsimme siirron tietoihimme.", 30),
        ],
    ),
    (
        "sofia.lindqvist@example.fi",
        MessageThread.TENANT_DEMOCRACY,
        "Husmöte i januari",
        [(False, "När hålls nästa husmöte, och kan jag ställa upp i husstyrelsen?", 5)],
    ),
    (
        "hanna.korhonen@example.fi",
        MessageThread.OTHER,
        "Storage room",
        [(False, "Which storage room belongs to my apartment?", 3)],
    ),
]


def _load_messages(now: datetime.datetime) -> None:
    staff = Person.get(Person.staff_role == Person.CUSTOMER_SERVICE)
    for email, topic, subject, lines in _MESSAGES:
        person = Person.get(Person.email == email)
        lease = Residency.get(Residency.person == person).lease
        building = lease.apartment.building
        first = now - datetime.timedelta(hours=lines[0][2])
        thread = MessageThread.create(
            lease=lease,
            building=building,
            team=building.team,
            topic=topic,
            subject=subject,
            started_by=person,
            created_at=first,
            last_resident_at=first,
            updated_at=first,
        )
        for from_staff, text, hours in lines:
            at = now - datetime.timedelta(hours=hours)
            Message.create(
                thread=thread,
                author=staff if from_staff else person,
                from_staff=from_staff,
                body=text,
                created_at=at,
            )
            field = "last_staff_at" if from_staff else "last_resident_at"
            MessageThread.update({field: at, "updated_at": at}).where(
                MessageThread.id == thread.id
            ).execute()


def _load_notices(today: datetime.date) -> None:
    """A notice to everyone (in three languages), one per building group, one not yet out."""
    day = datetime.timedelta(days=1)
    Notice.create(
        title_fi="Asiakaspalvelu joulun aikaan",
        body_fi="Asiakaspalvelu on suljettu 24.–26.12. Kiireellisissä vioissa soita "
        "päivystykseen 09 5767 3100.\n\nHyvää joulua!",
        title_sv="Kundtjänsten under julen",
        body_sv="Kundtjänsten är stängd 24–26.12. Ring jouren 09 5767 3100 vid brådskande "
        "fel.\n\nGod jul!",
        title_en="Customer service at Christmas",
        body_en="Customer service is closed on 24–26 December. For urgent defects call the "
        "on-call service at 09 5767 3100.\n\nMerry Christmas!",
        everyone=True,
        publish_on=today - 3 * day,
    )
    for streets, title, body, days in (
        (
            ("Sturenkatu 21", "Vääksyntie 6"),
            "Porraskäytävien maalaus",
            "Porraskäytävät maalataan ensi kuussa. Maalarit aloittavat A-rapusta.",
            1,
        ),
        (
            ("Kalliolanrinne 4",),
            "Pihatalkoot",
            "Pihatalkoot lauantaina kello 10. Tervetuloa!",
            2,
        ),
    ):
        notice = Notice.create(
            title_fi=title,
            body_fi=body,
            everyone=False,
            publish_on=today - days * day,
            expires_on=today + 30 * day,
        )
        for street in streets:
            NoticeBuilding.create(
                notice=notice, building=Building.get(Building.street_address == street)
            )
    Notice.create(
        title_fi="Vesikatko Kontulankaari 9:ssä",
        body_fi="Vesi on poikki kello 9–12 putkiremontin vuoksi.",
        everyone=True,
        publish_on=today + 10 * day,
    )


def _load_incidents(today: datetime.date) -> None:
    """A water cut the day after tomorrow in Sturenkatu 21 (in three languages), and a broken
    front door lock in Kalliolanrinne 4 since an hour ago (in Finnish only)."""
    from portal.services.incidents import shown_from

    def stored(day: datetime.date, hour: int) -> datetime.datetime:
        local = datetime.datetime.combine(day, datetime.time(hour), tzinfo=clock.HELSINKI)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)

    # An hour ago: the tests' clock starts every test at the moment the demo was built
    # from, and the lock has been broken since before that.
    announced = clock.utcnow().replace(microsecond=0) - datetime.timedelta(hours=1)
    day = datetime.timedelta(days=1)
    for street, kind, emergency, start, end, texts in (
        (
            "Sturenkatu 21",
            Incident.WATER,
            False,
            stored(today + 2 * day, 8),
            stored(today + 2 * day, 14),
            {
                "text_fi": "Vesi on poikki putkitöiden vuoksi. Laskekaa vettä valmiiksi.",
                "text_sv": "Vattnet är avstängt på grund av rörarbeten. Tappa upp vatten i förväg.",
                "text_en": "The water is cut for pipe work. Please draw some water beforehand.",
            },
        ),
        (
            "Kalliolanrinne 4",
            Incident.DOOR_LOCK,
            True,
            announced,
            stored(today + day, 16),
            {"text_fi": "Ulko-oven lukko on rikki. Uusi lukko on tilattu."},
        ),
    ):
        incident = Incident.create(
            kind=kind,
            emergency=emergency,
            starts_at=start,
            ends_at=end,
            created_at=announced,
            updated_at=announced,
            **texts,
        )
        IncidentArea.create(
            incident=incident,
            building=Building.get(Building.street_address == street),
            shown_from=shown_from(emergency, start, announced),
            shown_until=end,
        )


def _load_invoices(today: datetime.date) -> None:
    """Rent from three months back to next month for every household whose lease has begun,
    due on the 5th: paid up to this month, except that Sofia paid last month's only in part
    (so on any day of the month it is overdue) and Matti has not paid this month's; next
    month's is open. Aino also pays her sauna turn and parking space, and once
    paid for a door opening."""
    first_of_month = today.replace(day=1)
    for lease in Lease.select().where(Lease.start_date <= today).order_by(Lease.id):
        for back in range(3, -2, -1):
            period = _months_before(first_of_month, back)
            if period < lease.start_date.replace(day=1):
                continue
            due = period.replace(day=5)
            status, paid = Invoice.PAID, lease.rent
            tenant = lease.residencies.order_by(Residency.id).first().first_name
            if back == -1:
                status, paid = Invoice.OPEN, Decimal(0)
            elif back == 1 and tenant == "Sofia":
                status, paid = Invoice.PARTLY_PAID, Decimal("400.00")
            elif back == 0 and tenant == "Matti":
                status, paid = Invoice.OPEN, Decimal(0)
            lines = [(Invoice.RENT, lease.rent)]
            if tenant == "Aino":
                lines += [(Invoice.SAUNA, Decimal("15.00")), (Invoice.PARKING, Decimal("32.00"))]
            for kind, amount in lines:
                sequence = Invoice.select().count() + 1
                Invoice.create(
                    lease=lease,
                    kind=kind,
                    period=period,
                    amount=amount,
                    paid_amount=amount if status == Invoice.PAID else min(paid, amount),
                    due_date=due,
                    reference=finnish_reference(f"1{lease.id:04d}{sequence:05d}"),
                    status=status,
                    paid_on=due - datetime.timedelta(days=2) if status == Invoice.PAID else None,
                )
    aino = Residency.get(Residency.first_name == "Aino").lease
    Invoice.create(
        lease=aino,
        kind=Invoice.DOOR_OPENING,
        description="Oven avaus 14.9.",
        amount=Decimal("65.00"),
        paid_amount=Decimal("65.00"),
        due_date=_months_before(today, 2),
        reference=finnish_reference(f"2{aino.id:04d}00001"),
        status=Invoice.PAID,
        paid_on=_months_before(today, 2),
    )


def _load_building_details() -> None:
    for building in Building.select():
        asoy = building.street_address.startswith("Kalliolanrinne")
        BuildingDetails.create(
            building=building,
            heating="Kaukolämpö",
            sauna_and_laundry="Talosauna kellarissa; pesutupa varataan listalta ovensuussa."
            if not asoy
            else "Taloyhtiön pesutupa kellarissa.",
            waste="Jätekatos pihalla: seka-, bio-, kartonki-, lasi- ja metallijäte.",
            storage="Irtaimistovarasto kellarissa, asunnon numerolla merkitty koppi.",
            maintenance_company="Kiinteistöhuolto Esimerkki Oy"
            if not asoy
            else "Isännöinti Kallio Oy",
            maintenance_phone="09 5767 3000" if not asoy else "09 5767 4000",
        )


def _load_appointments(today: datetime.date) -> None:
    """Two visits next Wednesday morning; their manage links were never sent anywhere."""
    import hashlib
    import secrets

    wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 + 7)
    for hour, minute, name, reason, details in (
        (9, 0, "Pirjo Lehtonen", "keys", "Lisäavain tyttärelle."),
        (9, 30, "Matti Koskinen", "identification", "Tunnistautuminen Asukasportaaliin."),
    ):
        Appointment.create(
            starts_at=datetime.datetime.combine(wednesday, datetime.time(hour, minute)),
            minutes=30,
            desk=1,
            name=name,
            phone="040 555 0100",
            reason=reason,
            details=details,
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        )


def _load_mandates(today: datetime.date, now: datetime.datetime, password_hash: str) -> None:
    """Kaisa, who has no home of ours, acts for her mother Pirjo (paper, verified) and for
    Aino (given in the portal, parking and sauna and information); a paper one from Sofia
    waits for verification."""
    staff = Person.get(Person.staff_role == Person.CUSTOMER_SERVICE)
    Person.create(
        email="kaisa.lehtonen@example.fi",
        first_name="Kaisa",
        last_name="Lehtonen",
        language="fi",
        phone="040 765 4321",
        password_hash=password_hash,
        identification_method=Person.OFFICE,
        identified_at=now,
    )

    def line_of(first: str, last: str) -> Residency:
        return Residency.get((Residency.first_name == first) & (Residency.last_name == last))

    common = dict(created_at=now - datetime.timedelta(days=20))
    Mandate.create(
        grantor=line_of("Pirjo", "Lehtonen"),
        agent_email="kaisa.lehtonen@example.fi",
        agent_first_name="Kaisa",
        agent_last_name="Lehtonen",
        scopes="general",
        other_matters="Asunnon vaihtoon liittyvät asiat.",
        valid_from=today - datetime.timedelta(days=20),
        method=Mandate.PAPER,
        status=Mandate.ACTIVE,
        registered_by=staff,
        verified_by=staff,
        verified_at=now - datetime.timedelta(days=19),
        document_original="valtakirja-lehtonen.pdf",
        document_type="application/pdf",
        **common,
    )
    aino = line_of("Aino", "Virtanen")
    Mandate.create(
        grantor=aino,
        given_by=aino.person,
        agent_email="kaisa.lehtonen@example.fi",
        agent_first_name="Kaisa",
        agent_last_name="Lehtonen",
        scopes="terminate_parking_sauna,information",
        valid_from=today - datetime.timedelta(days=3),
        valid_until=today + datetime.timedelta(days=90),
        method=Mandate.PORTAL,
        status=Mandate.ACTIVE,
        created_at=now - datetime.timedelta(days=3),
    )
    Mandate.create(
        grantor=line_of("Sofia", "Lindqvist"),
        agent_email="erik.lindqvist@example.fi",
        agent_first_name="Erik",
        agent_last_name="Lindqvist",
        scopes="keys,manager_statement",
        valid_from=today,
        method=Mandate.PAPER,
        status=Mandate.PENDING,
        registered_by=staff,
        document_original="fullmakt.pdf",
        document_type="application/pdf",
        created_at=now,
    )


def store_mandate_documents(directory) -> None:
    """Give the demo's paper powers of attorney a scanned document each."""
    import secrets

    directory.mkdir(parents=True, exist_ok=True)
    for mandate in Mandate.select().where(Mandate.method == Mandate.PAPER):
        name = f"{secrets.token_hex(16)}.pdf"
        (directory / name).write_bytes(rescue_plan_pdf(mandate.agent_name, title="Valtakirja"))
        mandate.document_name = name
        mandate.save(only=[Mandate.document_name])


def rescue_plan_pdf(street: str, title: str = "Pelastussuunnitelma") -> bytes:
    """A one-page PDF standing in for a building's rescue plan (or another document) in the
    demo and the tests."""
    text = f"{title} - {street}".encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 50 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def store_rescue_plans(directory) -> None:
    """Give every building a rescue plan file (the demo-data command and the tests)."""
    import secrets

    directory.mkdir(parents=True, exist_ok=True)
    for details in BuildingDetails.select(BuildingDetails, Building).join(Building):
        data = rescue_plan_pdf(details.building.street_address)
        name = f"{secrets.token_hex(16)}.pdf"
        (directory / name).write_bytes(data)
        details.rescue_plan_name = name
        details.rescue_plan_size = len(data)
        details.rescue_plan_updated_at = clock.utcnow()
        details.save()


def load_if_empty(identity_key: str, today: datetime.date | None = None) -> bool:
    """Load the demo data when the database has none; tell whether it was loaded."""
    if not is_empty():
        return False
    load(identity_key, today)
    return True


def sign_in_table() -> str:
    """Return the demo sign-ins as a small text table for the terminal."""
    width = max(len(email) for email, _ in DEMO_SIGN_INS)
    lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD})"]
    lines += [f"  {email.ljust(width)}  {who}" for email, who in DEMO_SIGN_INS]
    lines += [
        "To try registering: create a username with any email address, then identify at the",
        "demo bank-ID provider as a resident without an account, e.g. veikko.heinonen.",
    ]
    return "\n".join(lines)
