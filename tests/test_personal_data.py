"""A person's data: the export holds every table that refers to them; erasure leaves none
of their name, email, phone or bank account anywhere in the database."""

import datetime
import json

from peewee import ForeignKeyField

from portal import clock
from portal.models import (
    MODELS,
    AuditEntry,
    Lease,
    Message,
    MessageThread,
    OutboxEmail,
    Person,
    Residency,
    db,
)
from portal.services import personal_data
from tests import harness
from tests.conftest import RESIDENT, SWEDISH_RESIDENT, sign_in


def test_the_export_has_every_table_that_refers_to_the_person(app, login_as):
    client = login_as(RESIDENT)
    response = client.get("/profile/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    tables = json.loads(response.data)["tables"]
    referring = {
        model._meta.table_name
        for model in MODELS
        if any(
            isinstance(f, ForeignKeyField) and f.rel_model in (Person, Residency)
            for f in model._meta.sorted_fields
        )
    }
    assert referring <= set(tables), referring - set(tables)
    assert tables["person"][0]["email"] == RESIDENT
    assert "password_hash" not in tables["person"][0]
    assert all("identity_hash" not in row for row in tables["residency"])
    assert tables["residency"][0]["first_name"] == "Aino"
    assert tables["defect_report"] and tables["service_request"] and tables["invoice"]
    assert tables["mandate"]  # the one she gave Kaisa
    # Nothing of another household.
    assert SWEDISH_RESIDENT not in response.text and "Lindqvist" not in response.text
    page = client.get("/profile/data")
    assert page.status_code == 200
    assert "Your lines in the housing register" in page.text
    assert 'href="/profile/data/defect_report"' in page.text
    lines = client.get("/profile/data/residency")
    assert "Aino" in lines.text and "identity_hash" not in lines.text
    assert client.get("/profile/data/no_such_table").status_code == 404


def _end_tenancy(first_name: str, days_ago: int) -> Residency:
    residency = Residency.get(Residency.first_name == first_name)
    day = clock.today() - datetime.timedelta(days=days_ago)
    Residency.update(moved_out=day).where(Residency.id == residency.id).execute()
    Lease.update(end_date=day).where(Lease.id == residency.lease_id).execute()
    return residency


def test_erasure_reports_first_then_leaves_nothing_of_the_person(app):
    person = Person.get(Person.email == SWEDISH_RESIDENT)
    Person.update(phone="+358 50 987 6543", iban="FI2112345600000785").where(
        Person.id == person.id
    ).execute()
    # What a tenancy leaves behind: a failed sign-in logged with the email, an email sent,
    # a staff reply that names her.
    client = app.test_client()
    sign_in(client, SWEDISH_RESIDENT, "wrong-password")
    assert AuditEntry.select().where(AuditEntry.detail == SWEDISH_RESIDENT).exists()
    thread = MessageThread.select().where(MessageThread.started_by == person.id).first()
    Message.create(thread=thread, from_staff=True, body="Hej Sofia Lindqvist, tack!")
    OutboxEmail.create(
        to_address=SWEDISH_RESIDENT,
        subject="Din begäran",
        body_text="Hej Sofia Lindqvist",
        body_html="<p>Hej Sofia Lindqvist</p>",
        language="sv",
    )
    _end_tenancy("Sofia", 800)

    runner = app.test_cli_runner()
    report = runner.invoke(args=["erase-people"])
    assert report.exit_code == 0, report.output
    assert f"username {person.id}:" in report.output
    assert "Nothing was erased" in report.output
    assert "Sofia" not in report.output  # the report names nobody
    assert SWEDISH_RESIDENT in harness.database_snapshot(db.obj)

    done = runner.invoke(args=["erase-people", "--apply"])
    assert done.exit_code == 0, done.output
    dump = harness.database_snapshot(db.obj)
    for trace in (
        SWEDISH_RESIDENT,
        "Sofia Lindqvist",
        "+358 50 987 6543",
        "FI2112345600000785",
    ):
        assert trace not in dump, trace
    erased = Person.get_by_id(person.id)
    assert (erased.is_active, erased.password_hash, erased.first_name) == (False, None, "[erased]")
    # Her tenancy's history stays for the books, without her.
    assert Lease.get_by_id(_line_lease(person.id)).rent > 0
    assert sign_in(app.test_client(), SWEDISH_RESIDENT).status_code != 303
    # Aino, whose tenancy goes on, is untouched.
    assert Person.get(Person.email == RESIDENT).first_name == "Aino"
    again = runner.invoke(args=["erase-people"])
    assert "nobody" in again.output


def _line_lease(person_id: int) -> int:
    return Residency.get(Residency.person == person_id).lease_id


def test_a_recent_end_is_kept_for_the_retention_period(app):
    _end_tenancy("Sofia", 100)
    found = personal_data.plan(clock.today(), 730)
    assert SWEDISH_RESIDENT not in [p.email for p in found.people]
    found = personal_data.plan(clock.today(), 30)
    assert SWEDISH_RESIDENT in [p.email for p in found.people]


def test_former_residents_without_a_username_lose_their_names(app):
    veikko = _end_tenancy("Veikko", 850)
    result = app.test_cli_runner().invoke(args=["erase-people", "--apply"])
    assert "line(s)" in result.output
    assert Residency.get_by_id(veikko.id).first_name == "[erased]"
    assert "Veikko Heinonen" not in harness.database_snapshot(db.obj)
