"""A large, realistic housing company on top of the demo data, written fast with bulk inserts.

Thousands of apartments with leases and residents, tens of thousands of defects, requests,
invoices, conversations and bookings: what the staff queues and the residents' lists hold
after years of use. The demo people keep their homes, so their pages are measured with
neighbours around them; Aino's household gets years of history of its own (hundreds of
defects: the bench's heaviest household). A grown household of ordinary size, with a handful
of defects, gets a sign-in of its own (TYPICAL_EMAIL): the typical resident's pages.
"""

import datetime
import json
import random
from decimal import Decimal

from peewee import fn

from portal import clock
from portal.demo import DEMO_PASSWORD
from portal.models import (
    Apartment,
    AuditEntry,
    Building,
    DefectEvent,
    DefectReport,
    Invoice,
    Lease,
    Message,
    MessageThread,
    Person,
    Residency,
    Sauna,
    SaunaBooking,
    SaunaTurn,
    ServiceRequest,
    ServiceTeam,
    db,
)
from portal.services.accounts import hash_password
from portal.services.references import finnish_reference

STREETS = ("Mäkitorpantie", "Kivikonkaari", "Sturenkatu", "Vuorikatu", "Kontulantie", "Iiluodontie")
FIRST = ("Aada", "Eino", "Helmi", "Juho", "Kerttu", "Lauri", "Mirja", "Niilo", "Oona", "Pekka")
LAST = ("Aaltonen", "Heikkilä", "Järvinen", "Lehtinen", "Mäkelä", "Nurmi", "Salminen", "Vainio")


def _chunks(rows: list[dict], size: int = 500):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        model.insert_many(chunk).execute()


WRITER_EMAIL = "writer{}@example.fi"
# The typical household's sign-in (the demo password) and about how many defects it has.
TYPICAL_EMAIL = "tuuli.tavallinen@example.fi"
TYPICAL_DEFECTS = 4


def _add_writers(building: int, count: int, now: datetime.datetime) -> None:
    """Give the lease parties of the first flats of a building usernames (the demo
    password) and the building a sauna of four household turns: the residents who report
    defects, write to customer service and contend for the turns in the writes under load."""
    password_hash = hash_password(DEMO_PASSWORD)
    parties = list(
        Residency.select(Residency.id, Residency.first_name, Residency.last_name)
        .join(Lease)
        .join(Apartment)
        .where((Apartment.building == building) & (Residency.role == "lease_party"))
        .order_by(Residency.id)
        .limit(count)
    )
    for index, party in enumerate(parties, start=1):
        person = Person.create(
            email=WRITER_EMAIL.format(index),
            first_name=party.first_name,
            last_name=party.last_name,
            phone="040 123 4567",
            password_hash=password_hash,
            identification_method=Person.BANK,
            identified_at=now,
        )
        Residency.update(person=person).where(Residency.id == party.id).execute()
    sauna = Sauna.create(building=building, name="Kasvun sauna")
    for weekday in range(4):
        SaunaTurn.create(
            sauna=sauna,
            weekday=weekday,
            start_time="18:00",
            kind=SaunaTurn.HOUSEHOLD,
            monthly_fee=Decimal(15),
        )


def _add_typical_household(building: int, now: datetime.datetime) -> None:
    """Give a grown household of the writers' building (which has a sauna) a sign-in: the one
    whose number of defects is nearest TYPICAL_DEFECTS, among those the writers do not use.
    Its requests, conversations and invoices are as many as any grown household's."""
    parties = list(
        Residency.select(Residency.id, Residency.lease)
        .join(Lease)
        .join(Apartment)
        .where(
            (Apartment.building == building)
            & (Residency.role == "lease_party")
            & Residency.person.is_null()
        )
        .order_by(Residency.id)
    )
    defects = dict(
        DefectReport.select(DefectReport.lease, fn.COUNT(DefectReport.id))
        .where(DefectReport.lease.in_([party.lease_id for party in parties]))
        .group_by(DefectReport.lease)
        .tuples()
    )
    party = min(parties, key=lambda p: (abs(defects.get(p.lease_id, 0) - TYPICAL_DEFECTS), p.id))
    person = Person.create(
        email=TYPICAL_EMAIL,
        first_name="Tuuli",
        last_name="Tavallinen",
        phone="040 765 4321",
        password_hash=hash_password(DEMO_PASSWORD),
        identification_method=Person.BANK,
        identified_at=now,
    )
    Residency.update(person=person, first_name="Tuuli", last_name="Tavallinen").where(
        Residency.id == party.id
    ).execute()


def typical_household() -> dict[str, int]:
    """The typical household's lease, how many defects it has and the first of them."""
    lease = Residency.get(Residency.person == Person.get(Person.email == TYPICAL_EMAIL)).lease_id
    reports = DefectReport.select(DefectReport.id).where(DefectReport.lease == lease)
    return {
        "lease": lease,
        "defects": reports.count(),
        "defect": reports.order_by(DefectReport.id).first().id,
    }


def grow(
    buildings: int = 60,
    flats_per_building: int = 50,
    defects: int = 30_000,
    requests: int = 10_000,
    threads: int = 5_000,
    months: int = 12,
    writers: int = 12,
    audit_entries: int = 20_000,
    seed: int = 7,
) -> dict[str, int]:
    """Add the rows; return how many of each kind the database then holds."""
    rng = random.Random(seed)  # noqa: S311 (made-up rows, not secrets)
    today, now = clock.today(), clock.utcnow()
    teams = [team.id for team in ServiceTeam.select()]
    staff = Person.select().where(Person.staff_role == Person.CUSTOMER_SERVICE).first()
    with db.atomic():
        first_building = Building.select().count() + 1
        _insert(
            Building,
            [
                {
                    "name": f"Kasvu {index}",
                    "street_address": f"{STREETS[index % len(STREETS)]} {100 + index}",
                    "postal_code": f"00{900 + index % 90}",
                    "city": "Helsinki",
                    "year_built": 1950 + index % 70,
                    "team": teams[0] if index % 10 else teams[-1],
                }
                for index in range(buildings)
            ],
        )
        building_ids = [
            b.id for b in Building.select(Building.id).where(Building.id >= first_building)
        ]
        _insert(
            Apartment,
            [
                {
                    "building": building,
                    "number": f"{'ABC'[flat % 3]} {flat + 1}",
                    "floor": flat // 6 + 1,
                    "rooms": ("1h+kk", "2h+k", "3h+k")[flat % 3],
                    "area": Decimal(30 + flat % 50),
                    "ownership": "rental",
                }
                for building in building_ids
                for flat in range(flats_per_building)
            ],
        )
        flats = list(
            Apartment.select(Apartment.id, Apartment.building).where(
                Apartment.building.in_(building_ids)
            )
        )
        _insert(
            Lease,
            [
                {
                    "number": f"K-{flat.id:06d}",
                    "apartment": flat.id,
                    "start_date": today - datetime.timedelta(days=200 + flat.id % 3000),
                    "rent": Decimal(500 + flat.id % 700),
                    "deposit": Decimal(1000),
                    "payment_reference": finnish_reference(f"7{flat.id:07d}"),
                }
                for flat in flats
            ],
        )
        leases = list(
            Lease.select(Lease.id, Lease.apartment, Lease.start_date, Lease.rent).where(
                Lease.number.startswith("K-")
            )
        )
        building_of = {flat.id: flat.building_id for flat in flats}
        _insert(
            Residency,
            [
                {
                    "lease": lease.id,
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "role": "lease_party" if index == 0 else "other_resident",
                    "moved_in": lease.start_date,
                }
                for lease in leases
                for index in range(1 + lease.id % 2)
            ],
        )
        _add_writers(building_ids[0], writers, now)
        # Aino's household: years of history of its own, as a long-time resident has.
        aino = Residency.get(Residency.first_name == "Aino")
        home = Apartment.get_by_id(aino.lease.apartment_id)
        households = [
            (lease.id, building_of[lease.apartment_id], lease.apartment_id) for lease in leases
        ]
        households += [(aino.lease_id, home.building_id, home.id)] * (len(households) // 50)
        statuses = ("received", "in_progress", "waiting", "done", "done", "done", "rejected")
        reports = []
        for index in range(defects):
            lease_id, building, flat = rng.choice(households)
            created = now - datetime.timedelta(minutes=index * 7)
            reports.append(
                {
                    "reference": f"K{index:07d}",
                    "building": building,
                    "apartment": flat,
                    "lease": lease_id,
                    "reporter_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "location": "apartment",
                    "category": rng.choice(
                        ("heating", "water_leak", "windows_doors", "electrical")
                    ),
                    "description": "Patteri ei lämpene kunnolla makuuhuoneessa.",
                    "status": rng.choice(statuses),
                    "urgent": index % 53 == 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        _insert(DefectReport, reports)
        first_report = (
            DefectReport.select(DefectReport.id)
            .where(DefectReport.reference == "K0000000")
            .get()
            .id
        )
        _insert(
            DefectEvent,
            [
                {
                    "report": first_report + index,
                    "status": "received",
                    "note": "",
                    "visible_to_resident": True,
                    "created_at": row["created_at"],
                }
                for index, row in enumerate(reports)
            ],
        )
        kinds = ("disturbance", "keys", "apartment_inspection", "manager_statement")
        request_rows = []
        for index in range(requests):
            lease_id, building, flat = rng.choice(households)
            created = now - datetime.timedelta(minutes=index * 19)
            request_rows.append(
                {
                    "type_key": rng.choice(kinds),
                    "lease": lease_id,
                    "building": building,
                    "apartment": flat,
                    "team": teams[0],
                    "handler": "customer_service",
                    "answers": json.dumps({"details": "Kuvaus."}),
                    "status": rng.choice(("received", "in_progress", "done", "done")),
                    "created_at": created,
                    "updated_at": created,
                    "resident_updated_at": created,
                }
            )
        _insert(ServiceRequest, request_rows)
        thread_rows = []
        for index in range(threads):
            lease_id, building, _flat = rng.choice(households)
            created = now - datetime.timedelta(hours=index)
            thread_rows.append(
                {
                    "lease": lease_id,
                    "building": building,
                    "team": teams[0],
                    "topic": rng.choice(("rent_payment", "tenant_democracy", "other")),
                    "subject": "Kysymys vuokrasta",
                    "created_at": created,
                    "last_resident_at": created,
                    "last_staff_at": created if index % 3 else None,
                    "updated_at": created,
                }
            )
        _insert(MessageThread, thread_rows)
        thread_ids = [
            t.id
            for t in MessageThread.select(MessageThread.id).where(
                MessageThread.subject == "Kysymys vuokrasta"
            )
        ]
        _insert(
            Message,
            [
                {"thread": thread, "from_staff": index % 2 == 1, "body": "Hei, kiitos viestistä."}
                for thread in thread_ids
                for index in range(2)
            ],
        )
        invoices = []
        for lease in [*leases, aino.lease]:
            for month in range(months):
                due = (today.replace(day=1) - datetime.timedelta(days=31 * month)).replace(day=2)
                invoices.append(
                    {
                        "lease": lease.id,
                        "kind": "rent",
                        "description": "Vuokra",
                        "period": due.replace(day=1),
                        "amount": lease.rent,
                        "paid_amount": lease.rent if month else 0,
                        "due_date": due,
                        "reference": finnish_reference(f"9{lease.id:07d}{month:02d}"),
                        "status": "paid" if month else "open",
                        "paid_on": due if month else None,
                    }
                )
        _insert(Invoice, invoices)
        turns = list(SaunaTurn.select(SaunaTurn.id))
        _insert(
            SaunaBooking,
            [
                {
                    "turn": turns[index % len(turns)].id,
                    "lease": lease.id,
                    "start_date": lease.start_date,
                    "end_date": lease.start_date + datetime.timedelta(days=300),
                    "status": "ended",
                }
                for index, lease in enumerate(leases[: len(leases) // 2])
            ]
            if turns
            else [],
        )
        _insert(
            AuditEntry,
            [
                {"action": "signed_in", "actor": staff.id, "subject": staff.id, "detail": ""}
                for _ in range(audit_entries)
            ],
        )
        _add_typical_household(building_ids[0], now)
    return {
        model._meta.table_name: model.select().count()
        for model in (
            Building,
            Apartment,
            Lease,
            Residency,
            DefectReport,
            ServiceRequest,
            MessageThread,
            Message,
            Invoice,
            SaunaBooking,
            AuditEntry,
        )
    }
