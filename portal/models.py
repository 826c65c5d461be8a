"""Peewee models for the core of the housing register and the accounts.

The schema is owned by the numbered files in ``portal/migrations``; nothing here creates
tables. A test compares these models with the migrated schema so the two cannot drift.
"""

import datetime
import secrets

from flask_login import UserMixin
from peewee import (
    OP,
    SQL,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    DoubleField,
    Expression,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from portal import clock

db = DatabaseProxy()


def utcnow() -> datetime.datetime:
    """Return the current UTC time as a naive datetime, the form the database stores."""
    return clock.utcnow()


def new_session_token() -> str:
    """Return a fresh random token that ties sessions to one generation of a person's login."""
    return secrets.token_urlsafe(16)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class CompanyProfile(BaseModel):
    """The housing company that runs the portal: one row, set up by ``flask init-company``
    (or the demo data) and edited by an administrator at /staff/settings.

    Names are kept whole in each language: a sentence that needs the company's name is
    written so that the nominative fits (Finnish inflects names, and no sentence is glued
    together from pieces)."""

    name_fi = CharField(max_length=120)
    name_sv = CharField(max_length=120)
    name_en = CharField(max_length=120)
    short_name_fi = CharField(max_length=40)
    short_name_sv = CharField(max_length=40)
    short_name_en = CharField(max_length=40)
    # A sanitised SVG or a PNG, small enough to send inline with every page's first visit.
    logo = BlobField(null=True)
    logo_type = CharField(max_length=20, default="")
    # White text must read on it: at least 4.5:1 contrast (WCAG AA), checked on saving.
    brand_color = CharField(max_length=7)
    privacy_url = CharField(max_length=300, default="")
    mail_sender_name = CharField(max_length=120)
    mail_sender_address = CharField(max_length=200)
    service_point_address = CharField(max_length=200)
    # Rules such as "wed 09:00-12:00; thu 12:00-15:00"; see portal.services.hours.
    appointment_hours = CharField(max_length=200)
    walk_in_hours = CharField(max_length=200)
    # How to find the service point (the floor, the door, buses, parking), in each language.
    service_point_directions_fi = TextField(default="")
    service_point_directions_sv = TextField(default="")
    service_point_directions_en = TextField(default="")
    # Where residents return and collect keys (often a security company's service point),
    # written to stand on its own after a colon, in each language.
    key_service_fi = TextField(default="")
    key_service_sv = TextField(default="")
    key_service_en = TextField(default="")
    # The number maintenance calls residents from, as the defect pages tell them.
    maintenance_caller = CharField(max_length=40, default="")
    payee_name = CharField(max_length=120)
    payee_iban = CharField(max_length=40)
    payee_bic = CharField(max_length=11)
    updated_at = DateTimeField(default=utcnow)

    def name(self, locale: str) -> str:
        """The company's name in the given language, Finnish when it has none."""
        return getattr(self, f"name_{locale}", None) or self.name_fi

    def directions(self, locale: str) -> str:
        """How to find the service point, in the given language (Finnish when not written)."""
        return getattr(self, f"service_point_directions_{locale}", None) or (
            self.service_point_directions_fi
        )

    def key_service(self, locale: str) -> str:
        """Where keys are returned and collected, in the given language."""
        return getattr(self, f"key_service_{locale}", None) or self.key_service_fi

    def short_name(self, locale: str) -> str:
        """The short name (the brand) in the given language, Finnish when it has none."""
        return getattr(self, f"short_name_{locale}", None) or self.short_name_fi

    @property
    def mail_sender(self) -> str:
        """The From header of the portal's emails: the name and the address."""
        from email.headerregistry import Address

        return str(Address(self.mail_sender_name, addr_spec=self.mail_sender_address))


class ServiceTeam(BaseModel):
    """A customer service team: who answers the residents of the buildings pointing to it."""

    key = CharField(max_length=40, unique=True)
    name_fi = CharField(max_length=120)
    name_sv = CharField(max_length=120)
    name_en = CharField(max_length=120)
    phone = CharField(max_length=40)
    # Opening hours of the phone line as a rule such as "mon-fri 09:00-12:00";
    # see portal.services.hours for the grammar.
    phone_hours = CharField(max_length=200)
    email = CharField(max_length=200)
    on_call_phone = CharField(max_length=40)
    is_default = BooleanField(default=False)

    def name(self, locale: str) -> str:
        """Return the team's name in the given language, Finnish when it has none."""
        return getattr(self, f"name_{locale}", None) or self.name_fi

    @classmethod
    def default(cls) -> "ServiceTeam | None":
        """Return the team that answers visitors who are not signed in."""
        return cls.select().where(cls.is_default).order_by(cls.id).first()


class Building(BaseModel):
    name = CharField(max_length=120)
    street_address = CharField(max_length=200)
    postal_code = CharField(max_length=10)
    city = CharField(max_length=80)
    year_built = IntegerField(null=True)
    team = ForeignKeyField(ServiceTeam, backref="buildings", on_delete="RESTRICT")

    class Meta:
        indexes = ((("street_address", "postal_code"), True),)


class Apartment(BaseModel):
    RENTAL = "rental"
    ASOY = "asoy"

    building = ForeignKeyField(Building, backref="apartments", on_delete="RESTRICT")
    number = CharField(max_length=20)
    floor = IntegerField(null=True)
    rooms = CharField(max_length=40)
    area = DecimalField(max_digits=6, decimal_places=1)
    ownership = CharField(
        max_length=10, default=RENTAL, constraints=[Check("ownership IN ('rental', 'asoy')")]
    )

    class Meta:
        indexes = ((("building", "number"), True),)


class Person(UserMixin, BaseModel):
    """A person with an account: a resident, an agent or a staff member."""

    BANK = "bank"
    OFFICE = "office"
    CUSTOMER_SERVICE = "customer_service"
    MAINTENANCE = "maintenance"
    ASOY_CUSTOMER_SERVICE = "asoy_customer_service"
    ADMIN = "admin"
    STAFF_ROLES = (CUSTOMER_SERVICE, MAINTENANCE, ASOY_CUSTOMER_SERVICE, ADMIN)

    # The email is the username; it is stored in lower case and never changes.
    email = CharField(max_length=254, unique=True)
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    phone = CharField(max_length=40, default="")
    language = CharField(max_length=5, default="fi")
    password_hash = CharField(max_length=200, null=True)
    identification_method = CharField(max_length=10, null=True)
    identified_at = DateTimeField(null=True)
    # A keyed hash of the personal identity code from strong identification, never the code.
    identity_hash = CharField(max_length=64, null=True, index=True)
    staff_role = CharField(max_length=30, null=True)
    staff_team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
    is_active = BooleanField(default=True)
    # Changing the token signs the person out everywhere: each session carries it.
    session_token = CharField(max_length=40, default=new_session_token)
    # Email about replies, request changes and notices; otherwise only the portal shows them.
    notify_by_email = BooleanField(default=True)
    iban = CharField(max_length=34, default="")
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    # Staff sign in with a one-time code too: the shared secret (base32) and the last time
    # step a code was accepted for, so a code cannot be used twice.
    totp_secret = CharField(max_length=64, null=True)
    totp_last_step = IntegerField(default=0)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_staff(self) -> bool:
        return self.staff_role in self.STAFF_ROLES

    def get_id(self) -> str:
        """Return the session identity: the id together with the current session token."""
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        """Invalidate every session of this person by changing the session token."""
        self.session_token = new_session_token()
        self.save(only=[Person.session_token])


class Lease(BaseModel):
    """A rental agreement for one apartment."""

    number = CharField(max_length=30, unique=True)
    apartment = ForeignKeyField(Apartment, backref="leases", on_delete="RESTRICT")
    start_date = DateField()
    end_date = DateField(null=True)
    rent = DecimalField(max_digits=10, decimal_places=2)
    deposit = DecimalField(max_digits=10, decimal_places=2, default=0)
    payment_reference = CharField(max_length=25, unique=True)
    # Set once the residents' sessions were ended after the last day (housekeeping).
    sessions_ended = BooleanField(default=False)

    class Meta:
        constraints = [Check("end_date IS NULL OR end_date >= start_date")]


class Residency(BaseModel):
    """A line of the housing register: who lives in an apartment under which lease.

    A resident without an account is kept by name only; ``person`` is filled in once
    they register and their identity has been matched.
    """

    LEASE_PARTY = "lease_party"
    OTHER_RESIDENT = "other_resident"

    lease = ForeignKeyField(Lease, backref="residencies", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="residencies", null=True, on_delete="SET NULL")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    role = CharField(
        max_length=20, constraints=[Check("role IN ('lease_party', 'other_resident')")]
    )
    moved_in = DateField()
    moved_out = DateField(null=True)
    # The same keyed hash as Person.identity_hash: how a registering person is matched.
    identity_hash = CharField(max_length=64, null=True, index=True)

    @property
    def is_lease_party(self) -> bool:
        return self.role == self.LEASE_PARTY


class Token(BaseModel):
    """A link sent by email: only the hash of the random token is stored."""

    REGISTER = "register"
    RESET = "reset"
    BANK_ACCOUNT = "bank_account"

    purpose = CharField(max_length=20)
    token_hash = CharField(max_length=64, unique=True)
    email = CharField(max_length=254)
    person = ForeignKeyField(Person, null=True, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    # What the link confirms, when more than the email (a new bank account number).
    payload = TextField(default="")


class OutboxEmail(BaseModel):
    """An email waiting for delivery, written in the same transaction as what caused it."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    to_address = CharField(max_length=254)
    subject = CharField(max_length=300)
    body_text = TextField()
    body_html = TextField()
    language = CharField(max_length=5)
    status = CharField(
        max_length=10, default=QUEUED, constraints=[Check("status IN ('queued', 'sent', 'failed')")]
    )
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=500, default="")
    next_attempt_at = DateTimeField(default=utcnow)
    # A worker claims a message until this moment, so two workers never send it twice.
    claimed_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # A calendar file sent along (an appointment's confirmation), or empty.
    calendar = TextField(default="")

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


class Mandate(BaseModel):
    """A power of attorney: a resident (or their estate) lets an agent act in their matters.

    The agent is named by email: whoever signs in with that username may use it while it
    is active and valid. ``scopes`` is a comma-separated list of the catalog's scope keys;
    "general" covers every matter.
    """

    PORTAL = "portal"
    PAPER = "paper"
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    ENDED = "ended"

    grantor = ForeignKeyField(Residency, backref="mandates", on_delete="CASCADE")
    # Who gave it in the portal; empty for a paper power of attorney staff registered.
    given_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    agent_email = CharField(max_length=254)
    agent_first_name = CharField(max_length=100)
    agent_last_name = CharField(max_length=100)
    scopes = CharField(max_length=300)
    # Anything else the grantor wrote in the open section: staff read it, the portal does not.
    other_matters = TextField(default="")
    valid_from = DateField()
    valid_until = DateField(null=True)
    method = CharField(max_length=10, constraints=[Check("method IN ('portal', 'paper')")])
    status = CharField(
        max_length=10,
        constraints=[Check("status IN ('pending', 'active', 'revoked', 'ended')")],
    )
    # The scanned paper document, stored like other attachments.
    document_name = CharField(max_length=64, null=True)
    document_type = CharField(max_length=40, default="")
    document_original = CharField(max_length=200, default="")
    registered_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    verified_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    verified_at = DateTimeField(null=True)
    ended_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    ended_at = DateTimeField(null=True)
    end_note = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("agent_email", "status"), False),
            (("status", "created_at"), False),
        )
        constraints = [Check("valid_until IS NULL OR valid_until >= valid_from")]

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]

    @property
    def agent_name(self) -> str:
        return f"{self.agent_first_name} {self.agent_last_name}"

    @property
    def grantor_name(self) -> str:
        return f"{self.grantor.first_name} {self.grantor.last_name}"


class AuditEntry(BaseModel):
    """Who did what to which object, and when. Never a password, token, IBAN or identity code."""

    actor = ForeignKeyField(Person, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField(max_length=60)
    subject = ForeignKeyField(Person, null=True, backref="audit_about", on_delete="SET NULL")
    detail = CharField(max_length=500, default="")
    created_at = DateTimeField(default=utcnow, index=True)
    # The power of attorney an agent acted under: what the grantor's history lists.
    mandate = ForeignKeyField(Mandate, null=True, backref="audit_entries", on_delete="SET NULL")
    # The client's address (behind a trusted proxy, the one it forwarded); empty for
    # changes made from the command line or by scheduled jobs.
    address = CharField(max_length=45, default="")


class Incident(BaseModel):
    """Scheduled or emergency works announced by staff once for everyone they affect: the
    water cut in a stairwell, a broken lift, heating off for a day.

    ``starts_at`` and ``ends_at`` are stored in UTC like every moment the portal stores;
    staff type them and residents read them in Helsinki time. The text is the staff's own,
    Finnish always, Swedish and English when written."""

    WATER = "water"
    HOT_WATER = "hot_water"
    HEATING = "heating"
    ELECTRICITY = "electricity"
    LIFT = "lift"
    DOOR_LOCK = "door_lock"
    VENTILATION = "ventilation"
    OTHER = "other"
    KINDS = (WATER, HOT_WATER, HEATING, ELECTRICITY, LIFT, DOOR_LOCK, VENTILATION, OTHER)

    kind = CharField(
        max_length=20,
        constraints=[
            Check(
                "kind IN ('water', 'hot_water', 'heating', 'electricity', 'lift', "
                "'door_lock', 'ventilation', 'other')"
            )
        ],
    )
    emergency = BooleanField(default=False)
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    text_fi = TextField()
    text_sv = TextField(default="")
    text_en = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)

    class Meta:
        constraints = [Check("ends_at > starts_at")]
        indexes = ((("resolved_at", "ends_at"), False),)

    def text(self, language: str) -> tuple[str, bool]:
        """The text in the language, or the Finnish one; and whether it is the Finnish one
        in place of the language asked for (the page then says so)."""
        own = (getattr(self, f"text_{language}", "") or "").strip()
        if own:
            return own, False
        return self.text_fi, language != "fi"


class IncidentArea(BaseModel):
    """A building, or one stairwell of it, that an incident affects.

    The times when residents see the incident are kept here, beside the building, so that
    what a home sees is read from one index: from ``shown_from`` (three days before a
    scheduled start, at once for an emergency) until ``shown_until`` (the expected end, or
    the moment it was resolved)."""

    incident = ForeignKeyField(Incident, backref="areas", on_delete="CASCADE")
    building = ForeignKeyField(Building, on_delete="CASCADE")
    # The stairwell's letters ("A"), or empty for the whole building.
    stairwell = CharField(max_length=10, default="")
    shown_from = DateTimeField()
    shown_until = DateTimeField()

    class Meta:
        indexes = (
            (("incident", "building", "stairwell"), True),
            (("building", "shown_until", "shown_from"), False),
            # Every page's banner: what is shown now, in any building.
            (("shown_until", "shown_from"), False),
        )


class DefectReport(BaseModel):
    """A defect notification: from a household (lease) or from a visitor without signing in."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    DONE = "done"
    REJECTED = "rejected"
    STATUSES = (RECEIVED, IN_PROGRESS, WAITING, DONE, REJECTED)
    OPEN_STATUSES = (RECEIVED, IN_PROGRESS, WAITING)

    @classmethod
    def open_queue(cls):
        """The open reports, written as the expression the open queue's index is built on
        (constants, not bound values, so the planner can match it)."""
        statuses = SQL("(" + ", ".join(f"'{status}'" for status in cls.OPEN_STATUSES) + ")")
        return Expression(Expression(cls.status, OP.IN, statuses), OP.EQ, SQL("TRUE"))

    reference = CharField(max_length=20, unique=True)
    building = ForeignKeyField(Building, backref="defects", on_delete="RESTRICT")
    apartment = ForeignKeyField(Apartment, null=True, on_delete="RESTRICT")
    # The household that reported it; None for a report made without signing in.
    lease = ForeignKeyField(Lease, null=True, backref="defects", on_delete="RESTRICT")
    reporter = ForeignKeyField(Person, null=True, backref="defects", on_delete="SET NULL")
    reporter_name = CharField(max_length=200, default="")
    reporter_email = CharField(max_length=254, default="")
    reporter_phone = CharField(max_length=40, default="")
    language = CharField(max_length=5, default="fi")
    location = CharField(max_length=20)
    category = CharField(max_length=20)
    description = TextField()
    urgent = BooleanField(default=False)
    master_key_allowed = BooleanField(default=False)
    pets = BooleanField(default=False)
    status = CharField(
        max_length=20,
        default=RECEIVED,
        constraints=[Check("status IN ('received', 'in_progress', 'waiting', 'done', 'rejected')")],
    )
    assigned_to = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    planned_visit_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # The announced incident (a water cut, a broken lift) this report is part of: staff link
    # reports to it, and resolving the incident closes them.
    incident = ForeignKeyField(
        Incident, null=True, backref="reports", on_delete="SET NULL", lazy_load=False
    )
    # What the staff's search looks in: the address, a line break and the reporter's name.
    # The database writes it (a trigger of migration 0021), whichever way a report is saved.
    search_text = TextField(default="")

    class Meta:
        indexes = (
            (("lease", "created_at"), False),
            (("building", "status", "created_at"), False),
            (("status", "urgent", "created_at"), False),
            (("reporter_email",), False),
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class DefectEvent(BaseModel):
    """A line of a defect's timeline: a status change, a comment or a photo."""

    report = ForeignKeyField(DefectReport, backref="events", on_delete="CASCADE")
    author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    status = CharField(max_length=20, null=True)
    note = TextField(default="")
    # Staff notes can be internal; everything a resident writes is visible to them.
    visible_to_resident = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("report", "created_at"), False),)


class Attachment(BaseModel):
    """A photo of a defect: stored re-encoded, under a random name, outside the static folder."""

    report = ForeignKeyField(DefectReport, backref="attachments", on_delete="CASCADE")
    event = ForeignKeyField(DefectEvent, null=True, on_delete="SET NULL")
    stored_name = CharField(max_length=64, unique=True)
    thumb_name = CharField(max_length=64, unique=True)
    width = IntegerField()
    height = IntegerField()
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)


class Sauna(BaseModel):
    building = ForeignKeyField(Building, backref="saunas", on_delete="CASCADE")
    name = CharField(max_length=100)


class SaunaTurn(BaseModel):
    """A weekly turn of a sauna: a household's own turn (with a monthly fee) or a common one."""

    HOUSEHOLD = "household"
    COMMON = "common"

    sauna = ForeignKeyField(Sauna, backref="turns", on_delete="CASCADE")
    weekday = IntegerField(constraints=[Check("weekday BETWEEN 0 AND 6")])
    start_time = CharField(max_length=5)
    minutes = IntegerField(default=60, constraints=[Check("minutes BETWEEN 15 AND 240")])
    kind = CharField(
        max_length=10, default=HOUSEHOLD, constraints=[Check("kind IN ('household', 'common')")]
    )
    monthly_fee = DecimalField(max_digits=8, decimal_places=2, default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("sauna", "weekday", "start_time"), True),)


class SaunaBooking(BaseModel):
    """A household's hold on a sauna turn, from a start date until its end date."""

    ACTIVE = "active"
    ENDED = "ended"

    turn = ForeignKeyField(SaunaTurn, backref="bookings", on_delete="CASCADE")
    lease = ForeignKeyField(Lease, backref="sauna_bookings", on_delete="CASCADE")
    start_date = DateField()
    end_date = DateField(null=True)
    status = CharField(
        max_length=10, default=ACTIVE, constraints=[Check("status IN ('active', 'ended')")]
    )
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("lease", "status"), False),)


# Two households can never hold one turn at the same time, whatever the code above does.
SaunaBooking.add_index(
    SaunaBooking.index(
        SaunaBooking.turn,
        unique=True,
        where=(SaunaBooking.status == SaunaBooking.ACTIVE),
        name="sauna_booking_one_active_per_turn",
    )
)


class ParkingArea(BaseModel):
    """A yard, car park or hall of parking spaces, serving the residents of some buildings."""

    name = CharField(max_length=100)
    # Where it is and how to get in, in the words staff use with residents.
    description = TextField(default="")


class ParkingAreaBuilding(BaseModel):
    """The residents of this building may apply for spaces in this area."""

    area = ForeignKeyField(ParkingArea, backref="served", on_delete="CASCADE")
    building = ForeignKeyField(Building, backref="parking_areas", on_delete="CASCADE")

    class Meta:
        indexes = ((("area", "building"), True),)


class ParkingSpace(BaseModel):
    CAR = "car"
    EV = "ev"
    MOTORCYCLE = "motorcycle"
    KINDS = (CAR, EV, MOTORCYCLE)

    area = ForeignKeyField(ParkingArea, backref="spaces", on_delete="CASCADE")
    number = CharField(max_length=20)
    kind = CharField(max_length=12, constraints=[Check("kind IN ('car', 'ev', 'motorcycle')")])
    monthly_fee = DecimalField(max_digits=8, decimal_places=2, default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("area", "number"), True), (("area", "kind"), False))


class ParkingApplication(BaseModel):
    """A household's place in the queue for a kind of space in an area, and the offer it gets.

    While an application is offered, ``space`` is the space offered and ``offer_deadline``
    the last day to answer; once accepted, it points to the space of the contract.
    """

    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    OPEN_STATUSES = (WAITING, OFFERED)

    lease = ForeignKeyField(Lease, backref="parking_applications", on_delete="CASCADE")
    area = ForeignKeyField(ParkingArea, on_delete="CASCADE")
    kind = CharField(max_length=12, constraints=[Check("kind IN ('car', 'ev', 'motorcycle')")])
    status = CharField(
        max_length=10,
        default=WAITING,
        constraints=[
            Check(
                "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'cancelled')"
            )
        ],
    )
    applied_at = DateTimeField(default=utcnow)
    space = ForeignKeyField(ParkingSpace, null=True, on_delete="SET NULL")
    offered_at = DateTimeField(null=True)
    offer_deadline = DateField(null=True)
    decided_at = DateTimeField(null=True)
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("area", "kind", "status", "applied_at"), False), (("lease", "status"), False))

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ParkingContract(BaseModel):
    """A household's rental of a parking space, from a start date until its end date."""

    ACTIVE = "active"
    ENDED = "ended"

    space = ForeignKeyField(ParkingSpace, backref="contracts", on_delete="CASCADE")
    lease = ForeignKeyField(Lease, backref="parking_contracts", on_delete="CASCADE")
    application = ForeignKeyField(ParkingApplication, null=True, on_delete="SET NULL")
    start_date = DateField()
    end_date = DateField(null=True)
    status = CharField(
        max_length=10, default=ACTIVE, constraints=[Check("status IN ('active', 'ended')")]
    )
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("lease", "status"), False),)


class ServiceRequest(BaseModel):
    """A resident's request of any catalog type; the answers are JSON in the catalog's shape.

    ``resident_updated_at`` moves when something the household should see happens (a status
    change, a visible note): the portal marks the request unread until they open it.
    """

    STATUSES = (
        "received",
        "in_progress",
        "waiting",
        "approved",
        "rejected",
        "done",
        "withdrawn",
    )

    type_key = CharField(max_length=40)
    catalog_version = IntegerField(default=1)
    lease = ForeignKeyField(Lease, backref="service_requests", on_delete="CASCADE")
    building = ForeignKeyField(Building, on_delete="CASCADE")
    apartment = ForeignKeyField(Apartment, on_delete="CASCADE")
    team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
    handler = CharField(max_length=20, default="customer_service")
    submitted_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    # When an agent submitted it: whose request it is, and under which power of attorney.
    on_behalf_of = ForeignKeyField(Residency, null=True, on_delete="SET NULL")
    mandate = ForeignKeyField(Mandate, null=True, on_delete="SET NULL")
    answers = TextField(default="{}")
    status = CharField(
        max_length=12,
        default="received",
        constraints=[
            Check(
                "status IN ('received', 'in_progress', 'waiting', 'approved', 'rejected', "
                "'done', 'withdrawn')"
            )
        ],
    )
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    resident_updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("lease", "created_at"), False),
            (("status", "created_at"), False),
            (("building", "status", "created_at"), False),
            (("type_key", "status", "created_at"), False),
            (("team", "status", "created_at"), False),
            (("handler", "status", "created_at"), False),
            # The staff queue's order, so a page is read from the index.
            (("created_at", "id"), False),
        )

    @property
    def reference(self) -> str:
        return f"P-{self.id:06d}"


class RequestEvent(BaseModel):
    """A line of a request's timeline: submitted, a status change, a message or a note."""

    request = ForeignKeyField(ServiceRequest, backref="events", on_delete="CASCADE")
    author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    status = CharField(max_length=12, null=True)
    note = TextField(default="")
    visible_to_resident = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("request", "created_at"), False),)


class RequestAttachment(BaseModel):
    """A photo (re-encoded JPEG) or a PDF document attached to a request."""

    request = ForeignKeyField(ServiceRequest, backref="attachments", on_delete="CASCADE")
    stored_name = CharField(max_length=64, unique=True)
    thumb_name = CharField(max_length=64, null=True)
    original_name = CharField(max_length=200, default="")
    content_type = CharField(max_length=40)
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)


class RequestConsent(BaseModel):
    """Another lease party's agreement to a request (a termination of the whole lease)."""

    request = ForeignKeyField(ServiceRequest, backref="consents", on_delete="CASCADE")
    residency = ForeignKeyField(Residency, on_delete="CASCADE")
    confirmed_at = DateTimeField(null=True)
    # "portal": the lease party agreed after signing in; "paper": staff recorded a signed form.
    method = CharField(max_length=10, null=True)
    recorded_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("request", "residency"), True),)


class ReadMark(BaseModel):
    """When a person last opened something that can have news (a request, a thread, a notice).

    Opening a page writes only this: the one write a GET request may make.
    """

    person = ForeignKeyField(Person, on_delete="CASCADE")
    subject = CharField(max_length=20)
    object_id = IntegerField()
    seen_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("person", "subject", "object_id"), True),)


class MessageThread(BaseModel):
    """A conversation between a household and its service team on one topic.

    ``last_staff_at`` and ``last_resident_at`` tell who spoke last: a thread waits for staff
    when the household wrote after the team, and is unread for a resident who has not opened
    it since the team's last message.
    """

    RENT_PAYMENT = "rent_payment"
    TENANT_DEMOCRACY = "tenant_democracy"
    OTHER = "other"
    TOPICS = (RENT_PAYMENT, TENANT_DEMOCRACY, OTHER)

    lease = ForeignKeyField(Lease, backref="message_threads", on_delete="CASCADE")
    building = ForeignKeyField(Building, on_delete="CASCADE")
    team = ForeignKeyField(ServiceTeam, null=True, on_delete="SET NULL")
    topic = CharField(
        max_length=20,
        constraints=[Check("topic IN ('rent_payment', 'tenant_democracy', 'other')")],
    )
    subject = CharField(max_length=200)
    started_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    last_resident_at = DateTimeField(default=utcnow)
    last_staff_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("lease", "updated_at"), False),
            (("team", "updated_at"), False),
            (("building", "updated_at"), False),
        )


class Message(BaseModel):
    thread = ForeignKeyField(MessageThread, backref="messages", on_delete="CASCADE")
    author = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    from_staff = BooleanField(default=False)
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("thread", "created_at"), False),)


class MessageAttachment(BaseModel):
    """A photo (re-encoded JPEG) or a PDF document sent with a message."""

    message = ForeignKeyField(Message, backref="attachments", on_delete="CASCADE")
    stored_name = CharField(max_length=64, unique=True)
    thumb_name = CharField(max_length=64, null=True)
    original_name = CharField(max_length=200, default="")
    content_type = CharField(max_length=40)
    size = IntegerField()
    created_at = DateTimeField(default=utcnow)


class Notice(BaseModel):
    """A resident notice: Finnish always, Swedish and English when staff write them."""

    title_fi = CharField(max_length=200)
    body_fi = TextField()
    title_sv = CharField(max_length=200, default="")
    body_sv = TextField(default="")
    title_en = CharField(max_length=200, default="")
    body_en = TextField(default="")
    # To every resident, or only to the buildings in NoticeBuilding.
    everyone = BooleanField(default=True)
    publish_on = DateField()
    expires_on = DateField(null=True)
    send_email = BooleanField(default=False)
    emailed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("publish_on", "expires_on"), False),)

    def text(self, language: str) -> tuple[str, str]:
        """The title and body in the language, or in Finnish when staff wrote none."""
        title = getattr(self, f"title_{language}", "") or ""
        body = getattr(self, f"body_{language}", "") or ""
        if title.strip() and body.strip():
            return title, body
        return self.title_fi, self.body_fi


class NoticeBuilding(BaseModel):
    notice = ForeignKeyField(Notice, backref="targets", on_delete="CASCADE")
    building = ForeignKeyField(Building, on_delete="CASCADE")

    class Meta:
        indexes = ((("notice", "building"), True), (("building", "notice"), False))


class BuildingDetails(BaseModel):
    """What residents read about their building; the rescue plan is a PDF staff upload."""

    building = ForeignKeyField(Building, unique=True, backref="details", on_delete="CASCADE")
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


class Invoice(BaseModel):
    """A bill to a household, paid with its own Finnish reference number."""

    RENT = "rent"
    SAUNA = "sauna"
    PARKING = "parking"
    DOOR_OPENING = "door_opening"
    OTHER = "other"
    KINDS = (RENT, SAUNA, PARKING, DOOR_OPENING, OTHER)
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"

    lease = ForeignKeyField(Lease, backref="invoices", on_delete="CASCADE")
    kind = CharField(
        max_length=15,
        constraints=[Check("kind IN ('rent', 'sauna', 'parking', 'door_opening', 'other')")],
    )
    description = CharField(max_length=200, default="")
    period = DateField(null=True)  # the first day of the month billed, for monthly charges
    amount = DecimalField(max_digits=10, decimal_places=2)
    paid_amount = DecimalField(max_digits=10, decimal_places=2, default=0)
    due_date = DateField()
    reference = CharField(max_length=25, unique=True)
    status = CharField(
        max_length=12,
        default=OPEN,
        constraints=[Check("status IN ('open', 'partly_paid', 'paid')")],
    )
    paid_on = DateField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("lease", "due_date"), False), (("status", "due_date"), False))

    @property
    def outstanding(self):
        return self.amount - self.paid_amount


class PaymentImport(BaseModel):
    """One bank file imported; its SHA-256 makes importing the same file twice a no-op."""

    sha256 = CharField(max_length=64, unique=True)
    filename = CharField(max_length=200, default="")
    imported_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    imported_at = DateTimeField(default=utcnow)
    entries = IntegerField(default=0)
    matched = IntegerField(default=0)


class Payment(BaseModel):
    """A reference payment from the bank, matched to an invoice or left for staff to resolve."""

    MATCHED = "matched"
    UNMATCHED = "unmatched"
    RESOLVED = "resolved"

    payment_import = ForeignKeyField(PaymentImport, null=True, on_delete="SET NULL")
    # The bank's own id of the entry: the same payment never counts twice.
    bank_id = CharField(max_length=100, unique=True)
    reference = CharField(max_length=35, default="")
    amount = DecimalField(max_digits=10, decimal_places=2)
    booked_on = DateField()
    payer = CharField(max_length=140, default="")
    invoice = ForeignKeyField(Invoice, null=True, backref="payments", on_delete="SET NULL")
    status = CharField(
        max_length=10,
        default=MATCHED,
        constraints=[Check("status IN ('matched', 'unmatched', 'resolved')")],
    )
    note = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "booked_on"), False),)


class Appointment(BaseModel):
    """A visit to the customer service point: a slot at one desk, booked with or without an
    account. ``starts_at`` is Helsinki wall-clock time (the service point's own clock)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    REASONS = ("identification", "keys", "agreement", "payments", "other")

    starts_at = DateTimeField()
    minutes = IntegerField()
    desk = IntegerField()
    name = CharField(max_length=200)
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=40, default="")
    reason = CharField(
        max_length=20,
        constraints=[
            Check("reason IN ('identification', 'keys', 'agreement', 'payments', 'other')")
        ],
    )
    details = TextField(default="")
    language = CharField(max_length=5, default="fi")
    person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    status = CharField(
        max_length=10, default=BOOKED, constraints=[Check("status IN ('booked', 'cancelled')")]
    )
    # The manage link's token, stored only as a hash.
    token_hash = CharField(max_length=64, unique=True)
    cancel_message = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("starts_at", "status"), False),)

    @property
    def local_start(self) -> datetime.datetime:
        """The start as a Helsinki time, for formatting in the reader's locale."""
        return self.starts_at.replace(tzinfo=clock.HELSINKI)


class ServicePointClosure(BaseModel):
    """A day the customer service point takes no appointments (training, a bridge day)."""

    day = DateField(unique=True)
    reason = CharField(max_length=200, default="")
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL")


# One household per space at a time, one open offer per space and one open application per
# household, kind and area: the database holds these whatever the code above does.
ParkingContract.add_index(
    ParkingContract.index(
        ParkingContract.space,
        unique=True,
        where=(ParkingContract.status == ParkingContract.ACTIVE),
        name="parking_contract_one_active_per_space",
    )
)
ParkingApplication.add_index(
    ParkingApplication.index(
        ParkingApplication.space,
        unique=True,
        where=(ParkingApplication.status == ParkingApplication.OFFERED),
        name="parking_offer_one_per_space",
    )
)
# One visitor per desk and slot, however many press "book" at the same moment.
Appointment.add_index(
    Appointment.index(
        Appointment.starts_at,
        Appointment.desk,
        unique=True,
        where=(Appointment.status == Appointment.BOOKED),
        name="appointment_one_per_desk_and_slot",
    )
)
# The staff queue of conversations waiting for an answer, oldest first: only those rows.
MessageThread.add_index(
    MessageThread.index(
        MessageThread.last_resident_at,
        MessageThread.id,
        where=(
            MessageThread.last_staff_at.is_null()
            | (MessageThread.last_resident_at > MessageThread.last_staff_at)
        ),
        name="message_thread_waiting",
    )
)
# The staff start page's count of conversations waiting, per team and building.
MessageThread.add_index(
    MessageThread.index(
        MessageThread.team,
        MessageThread.building,
        where=(
            MessageThread.last_staff_at.is_null()
            | (MessageThread.last_resident_at > MessageThread.last_staff_at)
        ),
        name="message_thread_waiting_count",
    )
)
# The start page's counts of new reports, urgent or not, read from the index alone.
DefectReport.add_index(
    DefectReport.index(
        DefectReport.status,
        DefectReport.building,
        DefectReport.urgent,
        name="defect_report_waiting_count",
    )
)

# The staff start page's counts of current and upcoming leases, read from the index alone.
Lease.add_index(Lease.index(Lease.start_date, Lease.end_date, name="lease_dates"))

# The open defect queue: open or not, then the queue's order. Queries compare
# DefectReport.is_open_expression() with TRUE to use it.
DefectReport.add_index(
    DefectReport.index(
        SQL("(status IN ('received', 'in_progress', 'waiting'))"),
        DefectReport.urgent.desc(),
        DefectReport.created_at,
        DefectReport.id,
        name="defect_report_open_queue",
    )
)

# The staff defect queue's order: urgent first, then the oldest.
DefectReport.add_index(
    DefectReport.index(
        DefectReport.urgent.desc(),
        DefectReport.created_at,
        DefectReport.id,
        name="defect_report_queue",
    )
)

ParkingApplication.add_index(
    ParkingApplication.index(
        ParkingApplication.lease,
        ParkingApplication.area,
        ParkingApplication.kind,
        unique=True,
        where=ParkingApplication.status.in_(ParkingApplication.OPEN_STATUSES),
        name="parking_application_one_open",
    )
)


class RateCounter(BaseModel):
    """A rate limit's count for one key (an address and a form) until its window ends;
    shared by every server process (portal.ratelimit)."""

    key = CharField(max_length=255, primary_key=True)
    count = IntegerField(default=0)
    expires_at = DoubleField(index=True)


class JobLock(BaseModel):
    """A scheduled job (housekeeping, erasing people) running somewhere: held until a moment,
    so that a second server's run skips it and a crashed run's lock runs out by itself."""

    name = CharField(max_length=40, primary_key=True)
    holder = CharField(max_length=64, default="")
    held_until = DateTimeField(null=True)


class Throttle(BaseModel):
    """Failed attempts at one account's password or one-time code, whatever the address
    they came from: after a few, each further attempt waits longer (portal.services.throttle)."""

    key = CharField(max_length=80, primary_key=True)
    failures = IntegerField(default=0)
    last_failure_at = DateTimeField()
    # When the account holder was told of this burst of failures (once per burst).
    notified_at = DateTimeField(null=True)


MODELS = [
    CompanyProfile,
    ServiceTeam,
    Building,
    Apartment,
    Person,
    Lease,
    Residency,
    Token,
    OutboxEmail,
    Mandate,
    AuditEntry,
    Incident,
    IncidentArea,
    DefectReport,
    DefectEvent,
    Attachment,
    Sauna,
    SaunaTurn,
    SaunaBooking,
    ParkingArea,
    ParkingAreaBuilding,
    ParkingSpace,
    ParkingApplication,
    ParkingContract,
    ServiceRequest,
    RequestEvent,
    RequestAttachment,
    RequestConsent,
    ReadMark,
    MessageThread,
    Message,
    MessageAttachment,
    Notice,
    NoticeBuilding,
    BuildingDetails,
    Invoice,
    PaymentImport,
    Payment,
    Appointment,
    ServicePointClosure,
    RateCounter,
    JobLock,
    Throttle,
]
