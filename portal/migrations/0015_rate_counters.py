"""Rate limit counters in the database, so that the limits hold across server processes.

The model is a frozen copy, independent of portal.models."""

from peewee import *


def up(migrator, db):
    class RateCounter(Model):
        key = CharField(max_length=255, primary_key=True)
        count = IntegerField(default=0)
        expires_at = DoubleField(index=True)

        class Meta:
            database = db
            table_name = "rate_counter"

    db.create_tables([RateCounter])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("rate_counter"))
