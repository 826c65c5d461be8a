"""Whether the end of a lease has already ended its residents' sessions: done once, by the
housekeeping that runs after the last day."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("lease", "sessions_ended", BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("lease", "sessions_ended"))
