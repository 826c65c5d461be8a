"""Accounts: identity hashes, email links (tokens), the email outbox and the audit log.

The models are frozen copies, independent of portal.models.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("person", "identity_hash", CharField(max_length=64, null=True)),
        migrator.add_index("person", ("identity_hash",)),
        migrator.add_column("residency", "identity_hash", CharField(max_length=64, null=True)),
        migrator.add_index("residency", ("identity_hash",)),
    )

    class Person(Model):
        class Meta:
            database = db
            table_name = "person"

    class Token(Model):
        purpose = CharField(max_length=20)
        token_hash = CharField(max_length=64, unique=True)
        email = CharField(max_length=254)
        person = ForeignKeyField(Person, null=True, on_delete="CASCADE")
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "token"

    class OutboxEmail(Model):
        to_address = CharField(max_length=254)
        subject = CharField(max_length=300)
        body_text = TextField()
        body_html = TextField()
        language = CharField(max_length=5)
        status = CharField(
            max_length=10,
            default="queued",
            constraints=[Check("status IN ('queued', 'sent', 'failed')")],
        )
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=500, default="")
        next_attempt_at = DateTimeField()
        claimed_until = DateTimeField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "outbox_email"
            indexes = ((("status", "next_attempt_at"), False),)

    class AuditEntry(Model):
        actor = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        action = CharField(max_length=60)
        subject = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        detail = CharField(max_length=500, default="")
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "audit_entry"

    db.create_tables([Token, OutboxEmail, AuditEntry])


def down(migrator, db):
    for table in ("audit_entry", "outbox_email", "token"):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(
        migrator.drop_index("residency", "residency_identity_hash"),
        migrator.drop_column("residency", "identity_hash"),
        migrator.drop_index("person", "person_identity_hash"),
        migrator.drop_column("person", "identity_hash"),
    )
