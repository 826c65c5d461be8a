"""The upgrade that made the company's details data: an installation in use keeps what its
settings said, read once from the environment; a new, empty database gets no profile."""

from portal.database import migration_runner, open_database, upgrade
from portal.models import CompanyProfile, db
from portal.services import company


def _at_0017_with_a_team(url):
    database = open_database(url)
    with database.connection_context():
        migration_runner(database).up("0017_throttle")
        database.execute_sql(
            "INSERT INTO service_team (key, name_fi, name_sv, name_en, phone, phone_hours,"
            " email, on_call_phone, is_default) VALUES ('cs', 'A', 'B', 'C', '03 1',"
            " 'mon-fri 09:00-12:00', 'a@example.fi', '03 2', TRUE)"
        )
    return database


def test_an_installation_in_use_keeps_its_settings_as_data(empty_database_url, monkeypatch):
    monkeypatch.setenv("PORTAL_PAYEE_NAME", "Kotikatu Oy")
    monkeypatch.setenv("PORTAL_PAYEE_IBAN", "FI2112345600000785")
    monkeypatch.setenv("PORTAL_PAYEE_BIC", "NDEAFIHH")
    monkeypatch.setenv("PORTAL_MAIL_FROM", "Kotikatu <portaali@kotikatu.example>")
    monkeypatch.setenv("PORTAL_SERVICE_POINT_ADDRESS", "Kotikatu 1, 33100 Tampere")
    monkeypatch.setenv("PORTAL_APPOINTMENT_HOURS", "mon 10:00-12:00")
    monkeypatch.delenv("PORTAL_WALK_IN_HOURS", raising=False)
    monkeypatch.setenv("PORTAL_MAINTENANCE_CALLER", "+358 3 1234")
    database = _at_0017_with_a_team(empty_database_url)
    assert upgrade(database)[:1] == ["0018_company_profile"]
    db.initialize(database)
    with database.connection_context():
        profile = company.current()
        assert profile.name("sv") == "Kotikatu Oy"
        assert profile.short_name("fi") == "Kotikatu"
        assert profile.mail_sender == "Kotikatu <portaali@kotikatu.example>"
        assert company.payee() == company.Payee("Kotikatu Oy", "FI2112345600000785", "NDEAFIHH")
        assert profile.service_point_address == "Kotikatu 1, 33100 Tampere"
        assert profile.appointment_hours == "mon 10:00-12:00"
        # Unset, the setting kept the value the installation ran on.
        assert profile.walk_in_hours == "tue 09:00-15:00"
        assert profile.maintenance_caller == "+358 3 1234"
        assert profile.brand_color == company.DEFAULT_COLOR
    # Read once: the settings changing afterwards changes nothing.
    monkeypatch.setenv("PORTAL_PAYEE_NAME", "Someone Else Oy")
    assert upgrade(database) == []
    with database.connection_context():
        assert CompanyProfile.select().count() == 1
        assert CompanyProfile.get().payee_name == "Kotikatu Oy"


def test_a_new_database_waits_for_its_company(empty_database_url):
    database = open_database(empty_database_url)
    upgrade(database)
    db.initialize(database)
    with database.connection_context():
        assert CompanyProfile.select().count() == 0
        assert company.current() is None
        assert company.payee() == company.Payee("", "", "")
