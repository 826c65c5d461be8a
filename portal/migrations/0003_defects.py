"""Defect notifications, their timelines and photos.

The models are frozen copies, independent of portal.models.
"""

from peewee import *


def up(migrator, db):
    class Stub(Model):
        class Meta:
            database = db

    class Person(Stub):
        class Meta:
            table_name = "person"

    class Building(Stub):
        class Meta:
            table_name = "building"

    class Apartment(Stub):
        class Meta:
            table_name = "apartment"

    class Lease(Stub):
        class Meta:
            table_name = "lease"

    class DefectReport(Model):
        reference = CharField(max_length=20, unique=True)
        building = ForeignKeyField(Building, on_delete="RESTRICT")
        apartment = ForeignKeyField(Apartment, null=True, on_delete="RESTRICT")
        lease = ForeignKeyField(Lease, null=True, on_delete="RESTRICT")
        reporter = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        reporter_name = CharField(max_length=200, default="")
        reporter_email = CharField(max_length=254, default="")
        reporter_phone = CharField(max_length=40, default="")
        language = CharField(max_length=5, default="fi")
        location = CharField(max_length=20)
        category = CharField(max_length=20)
        description = TextField()
        urgent = BooleanField(default=False)
        master_key_allowed = BooleanField(default=False)
        pets = BooleanField(default=False)
        status = CharField(
            max_length=20,
            default="received",
            constraints=[
                Check("status IN ('received', 'in_progress', 'waiting', 'done', 'rejected')")
            ],
        )
        assigned_to = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        planned_visit_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "defect_report"
            indexes = (
                (("lease", "created_at"), False),
                (("building", "status", "created_at"), False),
                (("status", "urgent", "created_at"), False),
            )

    class DefectEvent(Model):
        report = ForeignKeyField(DefectReport, on_delete="CASCADE")
        author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        status = CharField(max_length=20, null=True)
        note = TextField(default="")
        visible_to_resident = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "defect_event"
            indexes = ((("report", "created_at"), False),)

    class Attachment(Model):
        report = ForeignKeyField(DefectReport, on_delete="CASCADE")
        event = ForeignKeyField(DefectEvent, null=True, on_delete="SET NULL")
        stored_name = CharField(max_length=64, unique=True)
        thumb_name = CharField(max_length=64, unique=True)
        width = IntegerField()
        height = IntegerField()
        size = IntegerField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "attachment"

    db.create_tables([DefectReport, DefectEvent, Attachment])


def down(migrator, db):
    for table in ("attachment", "defect_event", "defect_report"):
        migrator.migrate(migrator.drop_table(table))
