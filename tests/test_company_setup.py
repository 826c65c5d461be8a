"""The first run of a new company (`flask init-company`), demo data kept out of it, and what
`flask check` finds in the database."""

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.cli import check_command
from portal.config import DEMO_PAYEE_IBAN
from portal.database import close_all
from portal.models import AuditEntry, CompanyProfile, OutboxEmail, Person, ServiceTeam, db
from tests import conftest
from tests.conftest import PRODUCTION, sign_in, use_language

PASSWORD = "Tuulinen-Laituri-88"
ANSWERS = {
    "--name-fi": "Kotikatu Oy",
    "--name-sv": "Kotikatu Ab",
    "--name-en": "Kotikatu Ltd",
    "--short-name": "Kotikatu",
    "--sender-name": "Kotikatu",
    "--sender-address": "portaali@kotikatu.example",
    "--service-point-address": "Kotikatu 1, 33100 Tampere",
    "--payee-name": "Kotikatu Oy",
    "--payee-iban": "FI21 1234 5600 0007 85",
    "--payee-bic": "ndeafihh",
    "--team-name": "Kotikadun asiakaspalvelu",
    "--team-phone": "03 1234 5000",
    "--team-email": "asiakaspalvelu@kotikatu.example",
    "--team-phone-hours": "mon-fri 08:00-11:00",
    "--on-call-phone": "03 1234 5900",
    "--admin-email": "Anna.Paakayttaja@kotikatu.example",
    "--admin-first-name": "Anna",
    "--admin-last-name": "Pääkäyttäjä",
}


@pytest.fixture
def fresh_app(tmp_path, empty_database_url):
    """An app on a new, migrated database that has no company yet."""
    app = create_app(conftest.test_settings(tmp_path, DATABASE_URL=empty_database_url))
    assert app.test_cli_runner().invoke(args=["upgrade"]).exit_code == 0
    yield app
    close_all(db.obj)


def _init_company(app, tmp_path, password=PASSWORD, **changes):
    """Run init-company with every answer given as an option, as a script would."""
    secret = tmp_path / "admin-password"
    secret.write_text(password + "\n", encoding="utf-8")
    answers = {**ANSWERS, **changes}
    args = ["init-company", "--admin-password-file", str(secret)]
    for option, value in answers.items():
        args += [option, value]
    return app.test_cli_runner().invoke(args=args)


def _rows():
    with db.connection_context():
        return (
            CompanyProfile.select().count(),
            ServiceTeam.select().count(),
            Person.select().count(),
            OutboxEmail.select().count(),
        )


def test_init_company_sets_up_the_company_its_team_and_an_administrator_who_signs_in(
    fresh_app, tmp_path
):
    result = _init_company(fresh_app, tmp_path)
    assert result.exit_code == 0, result.output
    assert "anna.paakayttaja@kotikatu.example" in result.output
    with fresh_app.app_context():
        profile = CompanyProfile.get()
        assert (profile.name_fi, profile.name_sv, profile.name_en) == (
            "Kotikatu Oy",
            "Kotikatu Ab",
            "Kotikatu Ltd",
        )
        assert profile.short_name_fi == profile.short_name_sv == profile.short_name_en
        assert profile.mail_sender == "Kotikatu <portaali@kotikatu.example>"
        assert profile.service_point_address == "Kotikatu 1, 33100 Tampere"
        assert (profile.payee_iban, profile.payee_bic) == ("FI2112345600000785", "NDEAFIHH")
        assert profile.brand_color == "#004f8c"
        # What was not asked has defaults that the pages can read.
        assert profile.appointment_hours == "mon-fri 09:00-12:00"
        assert profile.walk_in_hours == "mon-fri 12:00-15:00"
        assert profile.maintenance_caller == "03 1234 5900"
        team = ServiceTeam.get()
        assert team.is_default and team.key == "customer_service"
        assert (team.phone, team.on_call_phone) == ("03 1234 5000", "03 1234 5900")
        assert team.phone_hours == "mon-fri 08:00-11:00"
        admin = Person.get()
        assert admin.email == "anna.paakayttaja@kotikatu.example"
        assert admin.staff_role == Person.ADMIN
        # The password was chosen at the terminal: no email asks to choose one.
        assert OutboxEmail.select().count() == 0
        assert AuditEntry.select().where(AuditEntry.action == "company_set_up").count() == 1

    client = fresh_app.test_client()
    assert sign_in(client, "anna.paakayttaja@kotikatu.example", PASSWORD).status_code == 303
    use_language(client, "en")
    page = client.get("/staff/")
    assert page.status_code == 200
    assert "Kotikatu" in page.text
    assert "Heka" not in page.text


def test_a_second_run_refuses_and_changes_nothing(fresh_app, tmp_path):
    assert _init_company(fresh_app, tmp_path).exit_code == 0
    before = _rows()
    again = _init_company(fresh_app, tmp_path, **{"--name-fi": "Toinen Oy"})
    assert again.exit_code == 1
    assert "already has a company" in again.output
    assert _rows() == before
    with db.connection_context():
        assert CompanyProfile.get().name_fi == "Kotikatu Oy"


@pytest.mark.parametrize(
    ("changes", "password", "said"),
    [
        ({"--payee-iban": "FI21 1234 5600 0007 86"}, PASSWORD, "--payee-iban: "),
        ({"--payee-iban": DEMO_PAYEE_IBAN}, PASSWORD, "the demo company's account"),
        ({"--payee-bic": "NDEA"}, PASSWORD, "is not a valid BIC"),
        ({"--team-phone-hours": "weekdays 9-12"}, PASSWORD, "--team-phone-hours: "),
        ({"--sender-address": "portaali.kotikatu"}, PASSWORD, "is not an email address"),
        ({"--admin-email": "anna@"}, PASSWORD, "--admin-email: "),
        ({"--name-sv": " "}, PASSWORD, "--name-sv: this is needed"),
        ({}, "Lyhyt-1a", "At least 10 characters"),
        ({}, "Anna-Kotikatu-1", "Does not contain your name"),
        ({}, "Kotikatu-2026!", "Not a common or easily guessed password"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_created(
    fresh_app, tmp_path, changes, password, said
):
    result = _init_company(fresh_app, tmp_path, password=password, **changes)
    assert result.exit_code == 1
    assert "Nothing was created" in result.output
    assert said in result.output
    assert _rows() == (0, 0, 0, 0)
    # Put right, the same command goes through.
    assert _init_company(fresh_app, tmp_path).exit_code == 0


def test_the_command_asks_what_it_was_not_given_and_asks_again_after_a_bad_answer(fresh_app):
    typed = [
        "Kotikatu Oy",
        "Kotikatu Ab",
        "Kotikatu Ltd",
        "Kotikatu",
        "",  # the sender's name: the short name offered
        "portaali@kotikatu.example",
        "Kotikatu 1, 33100 Tampere",
        "",  # the payee: the Finnish name offered
        "FI21 1234 5600 0007 86",  # one digit wrong: asked again
        "FI21 1234 5600 0007 85",
        "NDEAFIHH",
        "Asiakaspalvelu",
        "03 1234 5000",
        "asiakaspalvelu@kotikatu.example",
        "",  # the phone hours offered
        "03 1234 5900",
        "anna@kotikatu.example",
        "Anna",
        "Pääkäyttäjä",
        "lyhyt",  # too short: asked again, twice each time
        "lyhyt",
        PASSWORD,
        "Toinen-Salasana-77",  # the second typing differs: asked again
        PASSWORD,
        PASSWORD,
    ]
    result = fresh_app.test_cli_runner().invoke(
        args=["init-company"], input="\n".join(typed) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "is not a valid IBAN" in result.output
    assert "At least 10 characters" in result.output
    assert PASSWORD not in result.output
    with fresh_app.app_context():
        profile = CompanyProfile.get()
        assert profile.mail_sender_name == "Kotikatu"
        assert profile.payee_name == "Kotikatu Oy"
        assert profile.payee_iban == "FI2112345600000785"
        assert ServiceTeam.get().phone_hours == "mon-fri 09:00-12:00"
    client = fresh_app.test_client()
    assert sign_in(client, "anna@kotikatu.example", PASSWORD).status_code == 303


def test_a_database_with_a_company_is_refused_before_anything_is_asked(app):
    result = app.test_cli_runner().invoke(args=["init-company"], input="")
    assert result.exit_code == 1
    assert "already has a company" in result.output
    assert "name in Finnish" not in result.output


def test_init_company_wants_the_migrations_first(tmp_path, empty_database_url):
    app = create_app(conftest.test_settings(tmp_path, DATABASE_URL=empty_database_url))
    result = app.test_cli_runner().invoke(args=["init-company"], input="")
    assert result.exit_code == 1
    assert "upgrade" in result.output


def test_demo_data_is_not_loaded_over_a_company_set_up_for_real(fresh_app, tmp_path):
    assert _init_company(fresh_app, tmp_path).exit_code == 0
    before = _rows()
    result = fresh_app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 1
    assert "another company's data" in result.output
    # The demo's published sign-ins would not work here: they are not printed.
    assert "aino.virtanen@example.fi" not in result.output
    assert _rows() == before
    with db.connection_context():
        assert CompanyProfile.get().short_name_fi == "Kotikatu"


# What `flask check` finds in the database.


def _check(monkeypatch, tmp_path, database_url):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(f"PORTAL_{name}", value)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return CliRunner().invoke(check_command, [])


def test_check_says_when_no_company_is_set_up_and_passes_once_one_is(
    monkeypatch, fresh_app, tmp_path
):
    url = fresh_app.config["DATABASE_URL"]
    found = _check(monkeypatch, tmp_path, url)
    assert found.exit_code == 1
    assert "no company set up yet: run flask init-company" in found.output
    assert _init_company(fresh_app, tmp_path).exit_code == 0
    found = _check(monkeypatch, tmp_path, url)
    assert found.exit_code == 0, found.output
    assert "The production settings are complete." in found.output


def test_check_refuses_the_demo_companys_account(monkeypatch, app, tmp_path):
    found = _check(monkeypatch, tmp_path, app.config["DATABASE_URL"])
    assert found.exit_code == 1
    assert "the payee's IBAN is the demo company's account" in found.output
    assert "no company set up yet" not in found.output


def test_check_lists_the_database_with_the_settings(monkeypatch, app, tmp_path):
    monkeypatch.setenv("PORTAL_SMTP_HOST", "")
    for name, value in PRODUCTION.items():
        if name != "SMTP_HOST":
            monkeypatch.setenv(f"PORTAL_{name}", value)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    found = CliRunner().invoke(check_command, [])
    assert found.exit_code == 1
    problems = [line for line in found.output.splitlines() if line.startswith("  - ")]
    assert len(problems) == 2
    assert "PORTAL_SMTP_HOST is not set" in problems[0]
    assert "demo company's account" in problems[1]


def test_a_database_not_there_yet_is_one_line_and_creates_nothing(monkeypatch, tmp_path):
    # The data folder is there before the first upgrade (the guide makes it), the file not.
    (tmp_path / "data").mkdir()
    missing = tmp_path / "data" / "portal.db"
    found = _check(monkeypatch, tmp_path, f"sqlite:///{missing}")
    assert found.exit_code == 0, found.output
    said = [line for line in found.output.splitlines() if "could not be opened" in line]
    assert len(said) == 1
    assert "its company was not checked" in said[0]
    assert "The production settings are complete." in found.output
    assert list(missing.parent.iterdir()) == []


def test_a_database_server_that_does_not_answer_is_one_line(monkeypatch, tmp_path):
    port = conftest.free_port()
    found = _check(monkeypatch, tmp_path, f"postgresql://portal:secret@127.0.0.1:{port}/portal")
    assert found.exit_code == 0, found.output
    assert "could not be opened" in found.output
    assert "secret" not in found.output
    assert "Traceback" not in found.output


def test_a_database_before_its_first_upgrade_is_one_line(monkeypatch, tmp_path, empty_database_url):
    app = create_app(conftest.test_settings(tmp_path, DATABASE_URL=empty_database_url))
    with app.app_context(), db.connection_context():
        db.execute_sql("CREATE TABLE placeholder (id INTEGER)")
    found = _check(monkeypatch, tmp_path, empty_database_url)
    assert found.exit_code == 0, found.output
    assert "migration(s) not applied yet (run flask upgrade)" in found.output
