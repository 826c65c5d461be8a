"""Failed password and one-time-code attempts per account, for growing delays.

The model is a frozen copy, independent of portal.models."""

from peewee import *


def up(migrator, db):
    class Throttle(Model):
        key = CharField(max_length=80, primary_key=True)
        failures = IntegerField(default=0)
        last_failure_at = DateTimeField()
        notified_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "throttle"

    db.create_tables([Throttle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("throttle"))
