"""Service requests of every catalog type, their timelines, attachments and consents, and
read marks (when a person last opened something that can have news).

The models are frozen copies, independent of portal.models.
"""

from peewee import *


def up(migrator, db):
    class Stub(Model):
        class Meta:
            database = db

    class Building(Stub):
        class Meta:
            table_name = "building"

    class Apartment(Stub):
        class Meta:
            table_name = "apartment"

    class Lease(Stub):
        class Meta:
            table_name = "lease"

    class Person(Stub):
        class Meta:
            table_name = "person"

    class ServiceTeam(Stub):
        class Meta:
            table_name = "service_team"

    class Residency(Stub):
        class Meta:
            table_name = "residency"

    class ServiceRequest(Model):
        type_key = CharField(max_length=40)
        catalog_version = IntegerField(default=1)
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        building = ForeignKeyField(Building, on_delete="CASCADE")
        apartment = ForeignKeyField(Apartment, on_delete="CASCADE")
        team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
        handler = CharField(max_length=20, default="customer_service")
        submitted_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        answers = TextField(default="{}")
        status = CharField(
            max_length=12,
            default="received",
            constraints=[
                Check(
                    "status IN ('received', 'in_progress', 'waiting', 'approved', 'rejected', "
                    "'done', 'withdrawn')"
                )
            ],
        )
        created_at = DateTimeField()
        updated_at = DateTimeField()
        resident_updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "service_request"
            indexes = (
                (("lease", "created_at"), False),
                (("status", "created_at"), False),
                (("building", "status", "created_at"), False),
                (("type_key", "status", "created_at"), False),
                (("team", "status", "created_at"), False),
                (("handler", "status", "created_at"), False),
            )

    class RequestEvent(Model):
        request = ForeignKeyField(ServiceRequest, on_delete="CASCADE")
        author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        status = CharField(max_length=12, null=True)
        note = TextField(default="")
        visible_to_resident = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "request_event"
            indexes = ((("request", "created_at"), False),)

    class RequestAttachment(Model):
        request = ForeignKeyField(ServiceRequest, on_delete="CASCADE")
        stored_name = CharField(max_length=64, unique=True)
        thumb_name = CharField(max_length=64, null=True)
        original_name = CharField(max_length=200, default="")
        content_type = CharField(max_length=40)
        size = IntegerField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "request_attachment"

    class RequestConsent(Model):
        request = ForeignKeyField(ServiceRequest, on_delete="CASCADE")
        residency = ForeignKeyField(Residency, on_delete="CASCADE")
        confirmed_at = DateTimeField(null=True)
        method = CharField(max_length=10, null=True)
        recorded_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "request_consent"
            indexes = ((("request", "residency"), True),)

    class ReadMark(Model):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        subject = CharField(max_length=20)
        object_id = IntegerField()
        seen_at = DateTimeField()

        class Meta:
            database = db
            table_name = "read_mark"
            indexes = ((("person", "subject", "object_id"), True),)

    db.create_tables([ServiceRequest, RequestEvent, RequestAttachment, RequestConsent, ReadMark])


def down(migrator, db):
    for table in (
        "read_mark",
        "request_consent",
        "request_attachment",
        "request_event",
        "service_request",
    ):
        migrator.migrate(migrator.drop_table(table))
