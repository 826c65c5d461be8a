"""A person's data: everything the portal holds about them, and erasing it once their
tenancy has been over for the retention period.

Both walk the schema rather than a hand-kept list, so a new table that refers to a person
is exported and erased without anyone remembering to add it.
"""

import datetime
import functools
import operator
from dataclasses import dataclass, field

from peewee import CharField, ForeignKeyField, TextField, Value, fn

from portal.i18n import lazy_gettext as _l
from portal.models import (
    MODELS,
    Appointment,
    AuditEntry,
    DefectReport,
    Invoice,
    Lease,
    Mandate,
    OutboxEmail,
    Person,
    ReadMark,
    Residency,
    Token,
    db,
    new_session_token,
)

# Never part of an export: they prove nothing to the person and help an attacker.
SECRET_COLUMNS = {
    "password_hash",
    "session_token",
    "identity_hash",
    "token_hash",
    "totp_secret",
}
# Nor what only repeats other fields for the database's sake: the staff search's copy of a
# report's address and the reporter's name, both shown as themselves.
COPIED_COLUMNS = {"search_text"}
NOT_SHOWN = SECRET_COLUMNS | COPIED_COLUMNS

# Columns that hold an email address rather than a reference to the person.
EMAIL_COLUMNS = (
    Token.email,
    OutboxEmail.to_address,
    Mandate.agent_email,
    DefectReport.reporter_email,
    Appointment.email,
)

ERASED = "[erased]"


def _references(model, person_id: int, email: str):
    """The conditions that pick a model's rows about the person (None: the model has none)."""
    conditions = []
    lines = Residency.select(Residency.id).where(Residency.person == person_id)
    for column in model._meta.sorted_fields:
        if isinstance(column, ForeignKeyField) and column.rel_model is Person:
            conditions.append(column == person_id)
        elif isinstance(column, ForeignKeyField) and column.rel_model is Residency:
            conditions.append(column.in_(lines))
    conditions += [column == email for column in EMAIL_COLUMNS if column.model is model]
    if model is Person:
        conditions.append(Person.id == person_id)
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    # One indexed lookup per condition, united, rather than one OR that reads every row.
    key = model._meta.primary_key
    branches = [model.select(key).where(condition) for condition in conditions]
    return key.in_(functools.reduce(operator.or_, branches))


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if value is not None and not isinstance(value, bool | int | float | str):
        return str(value)
    return value


def _selections(person: Person) -> dict:
    """For each table with rows about the person, the model and the condition that selects
    them: every table that refers to the person (by reference, by their lines of the
    register or by their email), and the leases and invoices of their homes."""
    found = {}
    for model in MODELS:
        condition = _references(model, person.id, person.email)
        if condition is not None:
            found[model._meta.table_name] = (model, condition)
    leases = Residency.select(Residency.lease).where(Residency.person == person.id)
    found["lease"] = (Lease, Lease.id.in_(leases))
    found["invoice"] = (Invoice, Invoice.lease.in_(leases))
    return found


TABLES = tuple(_selections(Person(id=0, email="")))

# What the person calls each kind of data; a table without a label shows its own name.
TABLE_LABELS = {
    "person": _l("Your account"),
    "residency": _l("Your lines in the housing register"),
    "lease": _l("Rental agreements"),
    "invoice": _l("Invoices"),
    "token": _l("Links sent to you"),
    "outbox_email": _l("Email sent to you"),
    "mandate": _l("Powers of attorney"),
    "audit_entry": _l("Log of events"),
    "defect_report": _l("Defect notifications"),
    "defect_event": _l("Defect notification updates"),
    "sauna_booking": _l("Sauna turns"),
    "parking_application": _l("Parking space applications"),
    "parking_contract": _l("Parking space contracts"),
    "service_request": _l("Service requests"),
    "request_event": _l("Service request updates"),
    "request_consent": _l("Consents to requests"),
    "read_mark": _l("What you have read"),
    "message_thread": _l("Conversations"),
    "message": _l("Messages"),
    "appointment": _l("Customer service visits"),
    "notice": _l("Notices you published"),
    "payment_import": _l("Bank files you imported"),
    "service_point_closure": _l("Service point closures you recorded"),
}

# What each stored field is called on the person's own page (the file keeps the database's
# names, for programs). A field that refers to another row says it shows that row's number.
FIELD_LABELS = {
    "action": _l("Event"),
    "actor_id": _l("Done by (number)"),
    "address": _l("Network address"),
    "agent_email": _l("Agent's email address"),
    "agent_first_name": _l("Agent's first name"),
    "agent_last_name": _l("Agent's last name"),
    "amount": _l("Amount"),
    "answers": _l("Answers"),
    "apartment_id": _l("Apartment"),
    "application_id": _l("Application (number)"),
    "applied_at": _l("Applied"),
    "area_id": _l("Parking area (number)"),
    "assigned_to_id": _l("Handled by (number)"),
    "attempts": _l("Sending attempts"),
    "author_id": _l("Written by (number)"),
    "body": _l("Message"),
    "body_en": _l("Text in English"),
    "body_fi": _l("Text in Finnish"),
    "body_html": _l("Text (HTML)"),
    "body_sv": _l("Text in Swedish"),
    "body_text": _l("Text"),
    "building_id": _l("Building"),
    "calendar": _l("Calendar entry"),
    "cancel_message": _l("Message on cancelling"),
    "cancelled_at": _l("Cancelled"),
    "catalog_version": _l("Form version"),
    "category": _l("Category"),
    "claimed_until": _l("Being sent until"),
    "confirmed_at": _l("Agreed"),
    "created_at": _l("Created"),
    "created_by_id": _l("Created by (number)"),
    "day": _l("Day"),
    "decided_at": _l("Decided"),
    "deposit": _l("Deposit"),
    "description": _l("Description"),
    "desk": _l("Desk"),
    "detail": _l("Details"),
    "details": _l("Details"),
    "document_name": _l("Document"),
    "document_original": _l("Original document"),
    "document_type": _l("Document type"),
    "due_date": _l("Due date"),
    "email": _l("Email address"),
    "emailed_at": _l("Emailed"),
    "end_date": _l("End date"),
    "end_note": _l("Note on ending"),
    "ended_at": _l("Ended"),
    "ended_by_id": _l("Ended by (number)"),
    "entries": _l("Entries"),
    "everyone": _l("For everyone"),
    "expires_at": _l("Valid until"),
    "expires_on": _l("Shown until"),
    "filename": _l("File name"),
    "first_name": _l("First name"),
    "from_staff": _l("From customer service"),
    "given_by_id": _l("Given by (number)"),
    "grantor_id": _l("Given for (number)"),
    "handler": _l("Handler"),
    "iban": _l("Bank account"),
    "id": _l("Number"),
    "identification_method": _l("Identification"),
    "identified_at": _l("Identified"),
    "imported_at": _l("Imported"),
    "imported_by_id": _l("Imported by (number)"),
    "incident_id": _l("Incident (number)"),
    "is_active": _l("Account in use"),
    "kind": _l("Kind"),
    "language": _l("Language"),
    "last_error": _l("Last error"),
    "last_login_at": _l("Last sign-in"),
    "last_name": _l("Last name"),
    "last_resident_at": _l("Last message from a resident"),
    "last_staff_at": _l("Last message from customer service"),
    "lease_id": _l("Rental agreement (number)"),
    "location": _l("Location"),
    "mandate_id": _l("Power of attorney (number)"),
    "master_key_allowed": _l("Master key allowed"),
    "matched": _l("Matched"),
    "method": _l("Method"),
    "minutes": _l("Minutes"),
    "moved_in": _l("Moved in"),
    "moved_out": _l("Moved out"),
    "name": _l("Name"),
    "next_attempt_at": _l("Next attempt"),
    "note": _l("Note"),
    "notify_by_email": _l("Notifications by email"),
    "number": _l("Number"),
    "object_id": _l("Item (number)"),
    "offer_deadline": _l("Answer by"),
    "offered_at": _l("Offered"),
    "on_behalf_of_id": _l("On behalf of (number)"),
    "other_matters": _l("Other matters"),
    "paid_amount": _l("Paid"),
    "paid_on": _l("Paid on"),
    "payload": _l("Contents"),
    "payment_reference": _l("Reference number"),
    "period": _l("Period"),
    "person_id": _l("Person (number)"),
    "pets": _l("Pets"),
    "phone": _l("Phone number"),
    "planned_visit_at": _l("Planned visit"),
    "publish_on": _l("Published on"),
    "purpose": _l("Purpose"),
    "reason": _l("Reason"),
    "recorded_by_id": _l("Recorded by (number)"),
    "reference": _l("Reference"),
    "registered_by_id": _l("Registered by (number)"),
    "rent": _l("Rent"),
    "report_id": _l("Defect notification (number)"),
    "reporter_email": _l("Reporter's email address"),
    "reporter_id": _l("Reporter"),
    "reporter_name": _l("Reporter's name"),
    "reporter_phone": _l("Reporter's phone number"),
    "request_id": _l("Request (number)"),
    "residency_id": _l("Line in the housing register (number)"),
    "resident_updated_at": _l("Last change by a resident"),
    "role": _l("Role"),
    "scopes": _l("Matters"),
    "seen_at": _l("Seen"),
    "send_email": _l("Sent by email"),
    "sent_at": _l("Sent"),
    "sessions_ended": _l("Sign-ins ended"),
    "sha256": _l("Checksum"),
    "space_id": _l("Parking space (number)"),
    "staff_role": _l("Staff role"),
    "staff_team_id": _l("Team"),
    "start_date": _l("Start date"),
    "started_by_id": _l("Started by (number)"),
    "starts_at": _l("Time"),
    "status": _l("Status"),
    "subject": _l("Subject"),
    "subject_id": _l("Concerning (number)"),
    "submitted_by_id": _l("Sent by (number)"),
    "team_id": _l("Team"),
    "thread_id": _l("Conversation (number)"),
    "title_en": _l("Title in English"),
    "title_fi": _l("Title in Finnish"),
    "title_sv": _l("Title in Swedish"),
    "to_address": _l("Recipient"),
    "topic": _l("Topic"),
    "totp_last_step": _l("Last authenticator code used"),
    "turn_id": _l("Sauna turn (number)"),
    "type_key": _l("Request type"),
    "updated_at": _l("Updated"),
    "urgent": _l("Urgent"),
    "used_at": _l("Used"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "verified_at": _l("Verified"),
    "verified_by_id": _l("Verified by (number)"),
    "visible_to_resident": _l("Shown to the resident"),
}


def label(table: str):
    """Return the name the person sees for one kind of their data."""
    return TABLE_LABELS.get(table, table)


def field_label(column: str):
    """Return the name the person sees for one field of their data."""
    return FIELD_LABELS.get(column, column)


def rows(person: Person, table: str) -> list[dict]:
    """The person's rows of one table, oldest first, without secrets."""
    model, condition = _selections(person)[table]
    query = model.select().where(condition).order_by(model._meta.primary_key).dicts()
    return [
        {name: _plain(value) for name, value in row.items() if name not in NOT_SHOWN}
        for row in query
    ]


def counts(person: Person) -> dict[str, int]:
    """How many rows about the person each table holds, in one query."""
    parts = [
        model.select(
            Value(table).alias("name"), fn.COUNT(model._meta.primary_key).alias("n")
        ).where(condition)
        for table, (model, condition) in _selections(person).items()
    ]
    query = functools.reduce(operator.or_, parts[1:], parts[0])
    found = {row["name"]: row["n"] for row in query.dicts()}
    return {table: found.get(table, 0) for table in TABLES}


def kinds_of_data(person: Person) -> list[tuple]:
    """Each kind of data the portal holds about the person: its table, its label and how
    many rows it holds about them, counted in one query."""
    return [(table, label(table), count) for table, count in counts(person).items()]


def export(person: Person) -> dict[str, list[dict]]:
    """Every table's rows about the person: the data export."""
    return {table: rows(person, table) for table in TABLES}


@dataclass
class ErasurePlan:
    """Whom an erasure would reach: people with usernames, and register lines without one."""

    cutoff: datetime.date
    people: list[Person] = field(default_factory=list)
    residencies: list[Residency] = field(default_factory=list)


def _ended_before(cutoff: datetime.date):
    """Register lines whose tenancy was over before the cutoff."""
    return (
        Residency.select(Residency, Lease)
        .join(Lease)
        .where(
            (Residency.moved_out.is_null(False) & (Residency.moved_out < cutoff))
            | (Lease.end_date.is_null(False) & (Lease.end_date < cutoff))
        )
    )


def plan(today: datetime.date, retention_days: int) -> ErasurePlan:
    """Who has had no tenancy with us since the retention period began."""
    cutoff = today - datetime.timedelta(days=retention_days)
    result = ErasurePlan(cutoff)
    ended = list(_ended_before(cutoff))
    ended_ids = {r.id for r in ended}
    by_person: dict[int, list[Residency]] = {}
    for residency in Residency.select(Residency.id, Residency.person).where(
        Residency.person.is_null(False)
    ):
        by_person.setdefault(residency.person_id, []).append(residency)
    for person in Person.select().where(
        Person.staff_role.is_null() & ~Person.email.startswith("erased-")
    ):
        lines = by_person.get(person.id, [])
        if lines and all(r.id in ended_ids for r in lines):
            result.people.append(person)
    result.residencies = [r for r in ended if r.person_id is None and r.first_name != ERASED]
    return result


def _scrub(strings: list[str]) -> int:
    """Replace the strings in every text column of every table; return rows changed."""
    changed = 0
    for model in MODELS:
        for column in model._meta.sorted_fields:
            if not isinstance(column, CharField | TextField) or isinstance(column, ForeignKeyField):
                continue
            for text in strings:
                changed += (
                    model.update({column: _replace(column, text)})
                    .where(column.contains(text))
                    .execute()
                )
    return changed


def _replace(column, text):
    return fn.REPLACE(column, text, ERASED)


def erase(person: Person) -> None:
    """Remove the person's name, email, phone and bank account from everywhere, keeping the
    rows a tenancy's history needs (leases, invoices, requests) without them."""
    lines = list(Residency.select().where(Residency.person == person.id))
    strings = [
        text
        for text in {
            person.email,
            person.display_name,
            person.phone,
            person.iban,
            *(f"{r.first_name} {r.last_name}" for r in lines),
        }
        if text and len(text) >= 5
    ]
    with db.atomic():
        Token.delete().where((Token.person == person.id) | (Token.email == person.email)).execute()
        OutboxEmail.delete().where(OutboxEmail.to_address == person.email).execute()
        ReadMark.delete().where(ReadMark.person == person.id).execute()
        Appointment.update(name=ERASED, email="", phone="", details="").where(
            (Appointment.person == person.id) | (Appointment.email == person.email)
        ).execute()
        DefectReport.update(reporter_name=ERASED, reporter_email="", reporter_phone="").where(
            (DefectReport.reporter == person.id) | (DefectReport.reporter_email == person.email)
        ).execute()
        Mandate.update(
            agent_email=f"erased-{person.id}@erased.invalid",
            agent_first_name=ERASED,
            agent_last_name=ERASED,
        ).where(Mandate.agent_email == person.email).execute()
        _anonymise_lines([r.id for r in lines])
        _scrub(strings)
        Person.update(
            email=f"erased-{person.id}@erased.invalid",
            first_name=ERASED,
            last_name=ERASED,
            phone="",
            iban="",
            password_hash=None,
            identity_hash=None,
            identification_method=None,
            is_active=False,
            notify_by_email=False,
            session_token=new_session_token(),
        ).where(Person.id == person.id).execute()
        AuditEntry.create(action="person_erased", subject=person.id)


def _anonymise_lines(residency_ids: list[int]) -> None:
    if residency_ids:
        Residency.update(first_name=ERASED, last_name=ERASED, identity_hash=None).where(
            Residency.id.in_(residency_ids)
        ).execute()


def erase_lines(residencies: list[Residency]) -> None:
    """Former residents without a username: their names and identity hashes go."""
    with db.atomic():
        strings = [f"{r.first_name} {r.last_name}" for r in residencies]
        _anonymise_lines([r.id for r in residencies])
        _scrub([text for text in strings if len(text) >= 5])
