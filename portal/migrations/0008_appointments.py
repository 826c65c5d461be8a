"""Customer service point appointments and closed days; a calendar file on queued email.

The models are frozen copies, independent of portal.models. A partial unique index makes two
booked appointments at one desk in one slot impossible.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("outbox_email", "calendar", TextField(default="")))

    class Person(Model):
        class Meta:
            database = db
            table_name = "person"

    class Appointment(Model):
        starts_at = DateTimeField()
        minutes = IntegerField()
        desk = IntegerField()
        name = CharField(max_length=200)
        email = CharField(max_length=254, default="")
        phone = CharField(max_length=40, default="")
        reason = CharField(
            max_length=20,
            constraints=[
                Check("reason IN ('identification', 'keys', 'agreement', 'payments', 'other')")
            ],
        )
        details = TextField(default="")
        language = CharField(max_length=5, default="fi")
        person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        status = CharField(
            max_length=10,
            default="booked",
            constraints=[Check("status IN ('booked', 'cancelled')")],
        )
        token_hash = CharField(max_length=64, unique=True)
        cancel_message = TextField(default="")
        created_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "appointment"
            indexes = ((("starts_at", "status"), False),)

    class ServicePointClosure(Model):
        day = DateField(unique=True)
        reason = CharField(max_length=200, default="")
        created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "service_point_closure"

    db.create_tables([Appointment, ServicePointClosure])
    db.execute_sql(
        "CREATE UNIQUE INDEX appointment_one_per_desk_and_slot "
        "ON appointment (starts_at, desk) WHERE status = 'booked'"
    )


def down(migrator, db):
    for table in ("service_point_closure", "appointment"):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(migrator.drop_column("outbox_email", "calendar"))
