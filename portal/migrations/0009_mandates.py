"""Powers of attorney: who may act for whom, in which matters and until when.

The models are frozen copies, independent of portal.models. Audit entries and service
requests remember the power of attorney an agent used, so a grantor sees what was done.
"""

from peewee import *


def up(migrator, db):
    class Person(Model):
        class Meta:
            database = db
            table_name = "person"

    class Residency(Model):
        class Meta:
            database = db
            table_name = "residency"

    class Mandate(Model):
        grantor = ForeignKeyField(Residency, on_delete="CASCADE")
        given_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        agent_email = CharField(max_length=254)
        agent_first_name = CharField(max_length=100)
        agent_last_name = CharField(max_length=100)
        scopes = CharField(max_length=300)
        other_matters = TextField(default="")
        valid_from = DateField()
        valid_until = DateField(null=True)
        method = CharField(max_length=10, constraints=[Check("method IN ('portal', 'paper')")])
        status = CharField(
            max_length=10,
            constraints=[Check("status IN ('pending', 'active', 'revoked', 'ended')")],
        )
        document_name = CharField(max_length=64, null=True)
        document_type = CharField(max_length=40, default="")
        document_original = CharField(max_length=200, default="")
        registered_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        verified_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        verified_at = DateTimeField(null=True)
        ended_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        ended_at = DateTimeField(null=True)
        end_note = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "mandate"
            indexes = (
                (("agent_email", "status"), False),
                (("status", "created_at"), False),
            )
            constraints = [Check("valid_until IS NULL OR valid_until >= valid_from")]

    db.create_tables([Mandate])
    migrator.migrate(
        migrator.add_column(
            "audit_entry",
            "mandate_id",
            ForeignKeyField(Mandate, null=True, on_delete="SET NULL", field=Mandate.id),
        ),
        migrator.add_column(
            "service_request",
            "on_behalf_of_id",
            ForeignKeyField(Residency, null=True, on_delete="SET NULL", field=Residency.id),
        ),
        migrator.add_column(
            "service_request",
            "mandate_id",
            ForeignKeyField(Mandate, null=True, on_delete="SET NULL", field=Mandate.id),
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("service_request", "mandate_id"),
        migrator.drop_column("service_request", "on_behalf_of_id"),
        migrator.drop_column("audit_entry", "mandate_id"),
        migrator.drop_table("mandate"),
    )
