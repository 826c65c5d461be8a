"""The housing company's own details as data: names, logo, colour, sender, service point and
payee, which were environment variables before.

An installation that already has people or teams keeps running as it did: its settings are
read from the environment once, here, with the defaults it ran on, and are ignored after
that. A new, empty database gets no profile: ``flask init-company`` (or the demo data)
creates it. The model is a frozen copy, independent of portal.models."""

import os
from email.utils import parseaddr

from peewee import *

from portal import clock

# What the settings defaulted to before they became data.
BEFORE = {
    "PORTAL_PAYEE_NAME": "Helsingin kaupungin asunnot Oy",
    "PORTAL_PAYEE_IBAN": "FI7944052020036082",
    "PORTAL_PAYEE_BIC": "HELSFIHH",
    "PORTAL_APPOINTMENT_HOURS": "wed 09:00-12:00; thu 12:00-15:00",
    "PORTAL_WALK_IN_HOURS": "tue 09:00-15:00",
    "PORTAL_SERVICE_POINT_ADDRESS": "Viipurinkatu 2, 00510 Helsinki",
    "PORTAL_MAIL_FROM": "Heka <asukasportaali@hekaoy.fi>",
    "PORTAL_MAINTENANCE_CALLER": "+358 9 5767",
}


def _setting(name: str) -> str:
    return os.environ.get(name, BEFORE[name]).strip() or BEFORE[name]


def up(migrator, db):
    class CompanyProfile(Model):
        name_fi = CharField(max_length=120)
        name_sv = CharField(max_length=120)
        name_en = CharField(max_length=120)
        short_name_fi = CharField(max_length=40)
        short_name_sv = CharField(max_length=40)
        short_name_en = CharField(max_length=40)
        logo = BlobField(null=True)
        logo_type = CharField(max_length=20, default="")
        brand_color = CharField(max_length=7)
        privacy_url = CharField(max_length=300, default="")
        mail_sender_name = CharField(max_length=120)
        mail_sender_address = CharField(max_length=200)
        service_point_address = CharField(max_length=200)
        appointment_hours = CharField(max_length=200)
        walk_in_hours = CharField(max_length=200)
        service_point_directions_fi = TextField(default="")
        service_point_directions_sv = TextField(default="")
        service_point_directions_en = TextField(default="")
        key_service_fi = TextField(default="")
        key_service_sv = TextField(default="")
        key_service_en = TextField(default="")
        maintenance_caller = CharField(max_length=40, default="")
        payee_name = CharField(max_length=120)
        payee_iban = CharField(max_length=40)
        payee_bic = CharField(max_length=11)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "company_profile"

    db.create_tables([CompanyProfile])
    in_use = db.execute_sql(
        "SELECT EXISTS (SELECT 1 FROM person) OR EXISTS (SELECT 1 FROM service_team)"
    ).fetchone()[0]
    if not in_use:
        return
    sender_name, sender_address = parseaddr(_setting("PORTAL_MAIL_FROM"))
    name = _setting("PORTAL_PAYEE_NAME")
    short = sender_name or name
    CompanyProfile.create(
        name_fi=name,
        name_sv=name,
        name_en=name,
        short_name_fi=short[:40],
        short_name_sv=short[:40],
        short_name_en=short[:40],
        brand_color="#004f8c",
        mail_sender_name=sender_name or name,
        mail_sender_address=sender_address,
        service_point_address=_setting("PORTAL_SERVICE_POINT_ADDRESS"),
        appointment_hours=_setting("PORTAL_APPOINTMENT_HOURS"),
        walk_in_hours=_setting("PORTAL_WALK_IN_HOURS"),
        maintenance_caller=_setting("PORTAL_MAINTENANCE_CALLER"),
        payee_name=name,
        payee_iban=_setting("PORTAL_PAYEE_IBAN"),
        payee_bic=_setting("PORTAL_PAYEE_BIC"),
        updated_at=clock.utcnow(),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_table("company_profile"))
