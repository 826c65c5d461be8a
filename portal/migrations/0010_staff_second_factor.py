"""A second factor for staff: the TOTP secret and the last time step used (no replays)."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("person", "totp_secret", CharField(max_length=64, null=True)),
        migrator.add_column("person", "totp_last_step", IntegerField(default=0)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("person", "totp_last_step"),
        migrator.drop_column("person", "totp_secret"),
    )
