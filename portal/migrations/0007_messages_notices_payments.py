"""Customer service messages, resident notices, building details, invoices and bank payments;
a person's notification choice and bank account; a payload on email links.

The models are frozen copies, independent of portal.models.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("person", "notify_by_email", BooleanField(default=True)),
        migrator.add_column("person", "iban", CharField(max_length=34, default="")),
        migrator.add_column("token", "payload", TextField(default="")),
    )

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

    class ServiceTeam(Stub):
        class Meta:
            table_name = "service_team"

    class MessageThread(Model):
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        building = ForeignKeyField(Building, on_delete="CASCADE")
        team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
        topic = CharField(
            max_length=20,
            constraints=[Check("topic IN ('rent_payment', 'tenant_democracy', 'other')")],
        )
        subject = CharField(max_length=200)
        started_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        last_resident_at = DateTimeField()
        last_staff_at = DateTimeField(null=True)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "message_thread"
            indexes = (
                (("lease", "updated_at"), False),
                (("team", "updated_at"), False),
                (("building", "updated_at"), False),
            )

    class Message(Model):
        thread = ForeignKeyField(MessageThread, on_delete="CASCADE")
        author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        from_staff = BooleanField(default=False)
        body = TextField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "message"
            indexes = ((("thread", "created_at"), False),)

    class MessageAttachment(Model):
        message = ForeignKeyField(Message, on_delete="CASCADE")
        stored_name = CharField(max_length=64, unique=True)
        thumb_name = CharField(max_length=64, null=True)
        original_name = CharField(max_length=200, default="")
        content_type = CharField(max_length=40)
        size = IntegerField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "message_attachment"

    class Notice(Model):
        title_fi = CharField(max_length=200)
        body_fi = TextField()
        title_sv = CharField(max_length=200, default="")
        body_sv = TextField(default="")
        title_en = CharField(max_length=200, default="")
        body_en = TextField(default="")
        everyone = BooleanField(default=True)
        publish_on = DateField()
        expires_on = DateField(null=True)
        send_email = BooleanField(default=False)
        emailed_at = DateTimeField(null=True)
        created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "notice"
            indexes = ((("publish_on", "expires_on"), False),)

    class NoticeBuilding(Model):
        notice = ForeignKeyField(Notice, on_delete="CASCADE")
        building = ForeignKeyField(Building, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "notice_building"
            indexes = ((("notice", "building"), True), (("building", "notice"), False))

    class BuildingDetails(Model):
        building = ForeignKeyField(Building, unique=True, on_delete="CASCADE")
        heating = CharField(max_length=200, default="")
        sauna_and_laundry = TextField(default="")
        waste = TextField(default="")
        storage = TextField(default="")
        maintenance_company = CharField(max_length=200, default="")
        maintenance_phone = CharField(max_length=40, default="")
        maintenance_email = CharField(max_length=200, default="")
        rescue_plan_name = CharField(max_length=64, null=True)
        rescue_plan_size = IntegerField(null=True)
        rescue_plan_updated_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "building_details"

    class Invoice(Model):
        lease = ForeignKeyField(Lease, on_delete="CASCADE")
        kind = CharField(
            max_length=15,
            constraints=[Check("kind IN ('rent', 'sauna', 'parking', 'door_opening', 'other')")],
        )
        description = CharField(max_length=200, default="")
        period = DateField(null=True)
        amount = DecimalField(max_digits=10, decimal_places=2)
        paid_amount = DecimalField(max_digits=10, decimal_places=2, default=0)
        due_date = DateField()
        reference = CharField(max_length=25, unique=True)
        status = CharField(
            max_length=12,
            default="open",
            constraints=[Check("status IN ('open', 'partly_paid', 'paid')")],
        )
        paid_on = DateField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "invoice"
            indexes = ((("lease", "due_date"), False), (("status", "due_date"), False))

    class PaymentImport(Model):
        sha256 = CharField(max_length=64, unique=True)
        filename = CharField(max_length=200, default="")
        imported_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        imported_at = DateTimeField()
        entries = IntegerField(default=0)
        matched = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "payment_import"

    class Payment(Model):
        payment_import = ForeignKeyField(PaymentImport, null=True, on_delete="SET NULL")
        bank_id = CharField(max_length=100, unique=True)
        reference = CharField(max_length=35, default="")
        amount = DecimalField(max_digits=10, decimal_places=2)
        booked_on = DateField()
        payer = CharField(max_length=140, default="")
        invoice = ForeignKeyField(Invoice, null=True, on_delete="SET NULL")
        status = CharField(
            max_length=10,
            default="matched",
            constraints=[Check("status IN ('matched', 'unmatched', 'resolved')")],
        )
        note = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "payment"
            indexes = ((("status", "booked_on"), False),)

    db.create_tables(
        [
            MessageThread,
            Message,
            MessageAttachment,
            Notice,
            NoticeBuilding,
            BuildingDetails,
            Invoice,
            PaymentImport,
            Payment,
        ]
    )


def down(migrator, db):
    for table in (
        "payment",
        "payment_import",
        "invoice",
        "building_details",
        "notice_building",
        "notice",
        "message_attachment",
        "message",
        "message_thread",
    ):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(
        migrator.drop_column("token", "payload"),
        migrator.drop_column("person", "iban"),
        migrator.drop_column("person", "notify_by_email"),
    )
