"""The housing register and accounts: service teams, buildings, apartments, people, leases.

The models are frozen copies, deliberately independent of portal.models, so that this
file keeps creating the same schema however the application models change later.
"""

from peewee import *


def up(migrator, db):
    class ServiceTeam(Model):
        key = CharField(unique=True, max_length=40)
        name_fi = CharField(max_length=120)
        name_sv = CharField(max_length=120)
        name_en = CharField(max_length=120)
        phone = CharField(max_length=40)
        phone_hours = CharField(max_length=200)
        email = CharField(max_length=200)
        on_call_phone = CharField(max_length=40)
        is_default = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "service_team"

    db.create_tables([ServiceTeam])

    class Building(Model):
        name = CharField(max_length=120)
        street_address = CharField(max_length=200)
        postal_code = CharField(max_length=10)
        city = CharField(max_length=80)
        year_built = IntegerField(null=True)
        team = ForeignKeyField(ServiceTeam, on_delete="RESTRICT")

        class Meta:
            database = db
            table_name = "building"
            indexes = ((("street_address", "postal_code"), True),)

    db.create_tables([Building])

    class Apartment(Model):
        building = ForeignKeyField(Building, on_delete="RESTRICT")
        number = CharField(max_length=20)
        floor = IntegerField(null=True)
        rooms = CharField(max_length=40)
        area = DecimalField(max_digits=6, decimal_places=1)
        ownership = CharField(
            max_length=10, default="rental", constraints=[Check("ownership IN ('rental', 'asoy')")]
        )

        class Meta:
            database = db
            table_name = "apartment"
            indexes = ((("building", "number"), True),)

    db.create_tables([Apartment])

    class Lease(Model):
        number = CharField(unique=True, max_length=30)
        apartment = ForeignKeyField(Apartment, on_delete="RESTRICT")
        start_date = DateField()
        end_date = DateField(null=True)
        rent = DecimalField(max_digits=10, decimal_places=2)
        deposit = DecimalField(max_digits=10, decimal_places=2, default=0)
        payment_reference = CharField(unique=True, max_length=25)

        class Meta:
            database = db
            table_name = "lease"
            constraints = [Check("end_date IS NULL OR end_date >= start_date")]

    db.create_tables([Lease])

    class Person(Model):
        email = CharField(unique=True, max_length=254)
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        phone = CharField(max_length=40, default="")
        language = CharField(max_length=5, default="fi")
        password_hash = CharField(null=True, max_length=200)
        identification_method = CharField(null=True, max_length=10)
        identified_at = DateTimeField(null=True)
        staff_role = CharField(null=True, max_length=30)
        staff_team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
        is_active = BooleanField(default=True)
        session_token = CharField(max_length=40)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "person"

    db.create_tables([Person])

    class Residency(Model):
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        role = CharField(
            max_length=20, constraints=[Check("role IN ('lease_party', 'other_resident')")]
        )
        moved_in = DateField()
        moved_out = DateField(null=True)

        class Meta:
            database = db
            table_name = "residency"

    db.create_tables([Residency])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("residency"))
    migrator.migrate(migrator.drop_table("person"))
    migrator.migrate(migrator.drop_table("lease"))
    migrator.migrate(migrator.drop_table("apartment"))
    migrator.migrate(migrator.drop_table("building"))
    migrator.migrate(migrator.drop_table("service_team"))
