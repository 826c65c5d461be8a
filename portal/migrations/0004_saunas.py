"""Saunas, their weekly turns and households' bookings of them.

The models are frozen copies, independent of portal.models. A partial unique index makes two
active bookings of one turn impossible, whatever the application does.
"""

from peewee import *


def up(migrator, db):
    class Stub(Model):
        class Meta:
            database = db

    class Building(Stub):
        class Meta:
            table_name = "building"

    class Lease(Stub):
        class Meta:
            table_name = "lease"

    class Person(Stub):
        class Meta:
            table_name = "person"

    class Sauna(Model):
        building = ForeignKeyField(Building, on_delete="CASCADE")
        name = CharField(max_length=100)

        class Meta:
            database = db
            table_name = "sauna"

    class SaunaTurn(Model):
        sauna = ForeignKeyField(Sauna, on_delete="CASCADE")
        weekday = IntegerField(constraints=[Check("weekday BETWEEN 0 AND 6")])
        start_time = CharField(max_length=5)
        minutes = IntegerField(default=60, constraints=[Check("minutes BETWEEN 15 AND 240")])
        kind = CharField(
            max_length=10,
            default="household",
            constraints=[Check("kind IN ('household', 'common')")],
        )
        monthly_fee = DecimalField(max_digits=8, decimal_places=2, default=0)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "sauna_turn"
            indexes = ((("sauna", "weekday", "start_time"), True),)

    class SaunaBooking(Model):
        turn = ForeignKeyField(SaunaTurn, on_delete="CASCADE")
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        start_date = DateField()
        end_date = DateField(null=True)
        status = CharField(
            max_length=10, default="active", constraints=[Check("status IN ('active', 'ended')")]
        )
        created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "sauna_booking"
            indexes = ((("lease", "status"), False),)

    db.create_tables([Sauna, SaunaTurn, SaunaBooking])
    db.execute_sql(
        "CREATE UNIQUE INDEX sauna_booking_one_active_per_turn "
        "ON sauna_booking (turn_id) WHERE status = 'active'"
    )


def down(migrator, db):
    for table in ("sauna_booking", "sauna_turn", "sauna"):
        migrator.migrate(migrator.drop_table(table))
