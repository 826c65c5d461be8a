"""Scheduled jobs hold a lock row while they run, so two servers never run the same job at
once; audit entries keep the address a change came from.

The model is a frozen copy, independent of portal.models."""

from peewee import *


def up(migrator, db):
    class JobLock(Model):
        name = CharField(max_length=40, primary_key=True)
        holder = CharField(max_length=64, default="")
        held_until = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "job_lock"

    db.create_tables([JobLock])
    migrator.migrate(
        migrator.add_column("audit_entry", "address", CharField(max_length=45, default="")),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("audit_entry", "address"),
        migrator.drop_table("job_lock"),
    )
