"""Parking areas and spaces, the households' applications (the queue) and contracts.

The models are frozen copies, independent of portal.models. Partial unique indexes make two
active contracts of one space, two open offers of one space and two open applications of one
household for the same kind of space in the same area impossible.
"""

from peewee import *

KIND_CHECK = "kind IN ('car', 'ev', 'motorcycle')"


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

    class ParkingArea(Model):
        name = CharField(max_length=100)
        description = TextField(default="")

        class Meta:
            database = db
            table_name = "parking_area"

    class ParkingAreaBuilding(Model):
        area = ForeignKeyField(ParkingArea, on_delete="CASCADE")
        building = ForeignKeyField(Building, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "parking_area_building"
            indexes = ((("area", "building"), True),)

    class ParkingSpace(Model):
        area = ForeignKeyField(ParkingArea, on_delete="CASCADE")
        number = CharField(max_length=20)
        kind = CharField(max_length=12, constraints=[Check(KIND_CHECK)])
        monthly_fee = DecimalField(max_digits=8, decimal_places=2, default=0)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "parking_space"
            indexes = ((("area", "number"), True), (("area", "kind"), False))

    class ParkingApplication(Model):
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        area = ForeignKeyField(ParkingArea, on_delete="CASCADE")
        kind = CharField(max_length=12, constraints=[Check(KIND_CHECK)])
        status = CharField(
            max_length=10,
            default="waiting",
            constraints=[
                Check(
                    "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', "
                    "'cancelled')"
                )
            ],
        )
        applied_at = DateTimeField()
        space = ForeignKeyField(ParkingSpace, null=True, on_delete="SET NULL")
        offered_at = DateTimeField(null=True)
        offer_deadline = DateField(null=True)
        decided_at = DateTimeField(null=True)
        created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "parking_application"
            indexes = (
                (("area", "kind", "status", "applied_at"), False),
                (("lease", "status"), False),
            )

    class ParkingContract(Model):
        space = ForeignKeyField(ParkingSpace, on_delete="CASCADE")
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        application = ForeignKeyField(ParkingApplication, null=True, on_delete="SET NULL")
        start_date = DateField()
        end_date = DateField(null=True)
        status = CharField(
            max_length=10, default="active", constraints=[Check("status IN ('active', 'ended')")]
        )
        created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "parking_contract"
            indexes = ((("lease", "status"), False),)

    db.create_tables(
        [ParkingArea, ParkingAreaBuilding, ParkingSpace, ParkingApplication, ParkingContract]
    )
    for statement in (
        "CREATE UNIQUE INDEX parking_contract_one_active_per_space "
        "ON parking_contract (space_id) WHERE status = 'active'",
        "CREATE UNIQUE INDEX parking_offer_one_per_space "
        "ON parking_application (space_id) WHERE status = 'offered'",
        "CREATE UNIQUE INDEX parking_application_one_open "
        "ON parking_application (lease_id, area_id, kind) WHERE status IN ('waiting', 'offered')",
    ):
        db.execute_sql(statement)


def down(migrator, db):
    for table in (
        "parking_contract",
        "parking_application",
        "parking_space",
        "parking_area_building",
        "parking_area",
    ):
        migrator.migrate(migrator.drop_table(table))
