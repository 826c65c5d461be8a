"""Schema from migrations only, upgrades that keep data, demo data, constraints."""

import datetime
from decimal import Decimal

import pytest
from peewee import IntegrityError, PostgresqlDatabase
from playhouse.pool import PooledDatabase
from playhouse.schema_diff import diff_models

from portal import clock, create_app, demo
from portal.database import (
    MIGRATIONS_DIR,
    is_sqlite,
    migration_runner,
    open_database,
    pending_migrations,
    upgrade,
)
from portal.models import MODELS, Apartment, Lease, Person, Residency, ServiceTeam, db
from portal.prepared import prepared
from tests.conftest import sqlite_only

MIGRATIONS = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))


@pytest.fixture
def empty_app(empty_database_url):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": empty_database_url})


def test_migrations_build_exactly_the_models_schema(app):
    diff = diff_models(db.obj, MODELS)
    assert not diff, str(diff)
    assert pending_migrations(db.obj) == []


def test_app_does_not_create_tables_by_itself(empty_app):
    with empty_app.app_context():
        assert db.get_tables() == []
        assert pending_migrations(db.obj) == MIGRATIONS


def test_upgrade_command_then_demo_data_command(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "migrations are pending" in result.output
    result = runner.invoke(args=["upgrade"])
    assert result.exit_code == 0, result.output
    for name in MIGRATIONS:
        assert f"applied: {name}" in result.output
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "Loaded the demo housing company." in result.output
    assert demo.DEMO_PASSWORD in result.output
    for email, _ in demo.DEMO_SIGN_INS:
        assert email in result.output
    # A second run keeps what is there and still prints the sign-ins.
    result = runner.invoke(args=["demo-data"])
    assert "demo data was not loaded" in result.output
    assert "aino.virtanen@example.fi" in result.output
    with db.connection_context():
        assert Person.select().count() == len(demo.DEMO_SIGN_INS)


def test_upgrade_keeps_data_and_is_repeatable(app):
    before = Residency.select().count()
    assert upgrade(db.obj) == []
    assert Residency.select().count() == before > 0
    result = app.test_cli_runner().invoke(args=["upgrade"])
    assert "The database schema is up to date." in result.output
    assert Residency.select().count() == before


def test_demo_data_matches_the_sign_in_table(app):
    for email, _ in demo.DEMO_SIGN_INS:
        person = Person.get(Person.email == email)
        assert person.password_hash.startswith("$argon2")
    assert ServiceTeam.default().phone == "09 5767 3000"
    asoy = ServiceTeam.get(ServiceTeam.key == "asoy_customer_service")
    assert asoy.email == "asiakaspalvelu.asoyasunnot@hekaoy.fi"
    assert Apartment.select().where(Apartment.ownership == Apartment.ASOY).count() > 0
    today = clock.today()
    assert Lease.select().where(Lease.start_date > today).count() == 1


def test_role_and_dates_are_checked_by_the_database(app):
    lease = Lease.select().first()
    with pytest.raises(IntegrityError), db.atomic():
        Residency.create(
            lease=lease,
            first_name="A",
            last_name="B",
            role="landlord",
            moved_in=datetime.date(2026, 1, 1),
        )
    with pytest.raises(IntegrityError), db.atomic():
        Lease.create(
            number="X-1",
            apartment=lease.apartment,
            start_date=datetime.date(2026, 2, 1),
            end_date=datetime.date(2026, 1, 1),
            rent=Decimal("1"),
            payment_reference="13",
        )
    with pytest.raises(IntegrityError), db.atomic():
        Apartment.create(
            building=lease.apartment.building,
            number=lease.apartment.number,
            rooms="1h",
            area=Decimal("20"),
        )


def test_foreign_keys_are_enforced(app):
    with pytest.raises(IntegrityError), db.atomic():
        Residency.create(
            lease=999999,
            first_name="A",
            last_name="B",
            role="lease_party",
            moved_in=datetime.date(2026, 1, 1),
        )


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_postgresql_url_selects_postgresql_without_code_changes():
    database = open_database("postgresql://portal:secret@127.0.0.1:5432/portal")
    assert isinstance(database, PostgresqlDatabase)
    assert isinstance(database, PooledDatabase)
    assert database.database == "portal"


def test_requests_reuse_a_pooled_connection_with_its_pragmas(app, client):
    client.get("/")
    client.get("/login")
    # Both requests gave their connection back; the second took the first one's.
    assert db.is_closed()
    assert len(db.obj._connections) == 1
    assert db.obj._in_use == {}
    if is_sqlite(db.obj):
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    else:
        assert db.execute_sql("SELECT 1").fetchone()[0] == 1
    db.close()
    assert len(db.obj._connections) == 1


def test_a_prepared_query_gives_the_rows_of_the_built_query(app):
    built = []

    @prepared
    def homes(person, moved_in):
        built.append(1)
        return (
            Residency.select(Residency, Lease, Apartment)
            .join(Lease)
            .join(Apartment)
            .where((Residency.person == person) & (Residency.moved_in <= moved_in))
            .order_by(Residency.id)
        )

    with app.app_context():
        aino = Person.get(Person.email == "aino.virtanen@example.fi")
        expected = list(
            Residency.select(Residency, Lease, Apartment)
            .join(Lease)
            .join(Apartment)
            .where(Residency.person == aino.id)
            .order_by(Residency.id)
        )
        assert expected
        # A model instance goes through the foreign key's conversion, as in a built query.
        rows = homes(person=aino, moved_in=datetime.date(2100, 1, 1))
        assert [r.id for r in rows] == [r.id for r in expected]
        assert rows[0].lease.apartment.number == expected[0].lease.apartment.number
        assert homes(person=aino.id, moved_in=datetime.date(1900, 1, 1)) == []
        assert homes(person=aino.id + 10_000, moved_in=datetime.date(2100, 1, 1)) == []
    assert built == [1]


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(tmp_path):
    (tmp_path / "not-a-db").write_bytes(b"this is not sqlite" * 100)
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'not-a-db'}"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_upgrade_from_the_first_schema_keeps_its_data(empty_database_url):
    database = open_database(empty_database_url)
    with database.connection_context():
        migration_runner(database).up("0001_initial")
        database.execute_sql(
            "INSERT INTO service_team (key, name_fi, name_sv, name_en, phone, phone_hours,"
            " email, on_call_phone, is_default) VALUES ('cs', 'A', 'B', 'C', '09 1',"
            " 'mon-fri 09:00-12:00', 'a@example.fi', '09 2', TRUE)"
        )
        database.execute_sql(
            "INSERT INTO person (email, first_name, last_name, phone, language, is_active,"
            " session_token, created_at) VALUES ('old@example.fi', 'Olli', 'Vanha', '', 'sv', TRUE,"
            " 'tok', '2024-01-01 00:00:00')"
        )
    applied = upgrade(database)
    assert applied == MIGRATIONS[1:]
    db.initialize(database)
    with database.connection_context():
        person = Person.get(Person.email == "old@example.fi")
        assert (person.first_name, person.language, person.identity_hash) == ("Olli", "sv", None)
        assert ServiceTeam.get(ServiceTeam.key == "cs").phone == "09 1"
        assert not diff_models(database, MODELS)
