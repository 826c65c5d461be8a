"""The first run of a new installation, and what keeps a migrated database from serving.

``flask init-company`` makes the company's profile, its first customer service team and its
first administrator together, in one transaction: either all three exist afterwards or
none does. ``flask check`` asks ``check_database`` whether the database it can reach has a
company fit for production."""

import datetime
import re
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from peewee import Database, DatabaseError, InterfaceError, SqliteDatabase
from playhouse.db_url import connect as connect_url
from stdnum import bic, iban

from portal.config import DEMO_PAYEE_IBAN
from portal.database import pending_migrations, write_transaction
from portal.models import CompanyProfile, Person, ServiceTeam, db
from portal.services import audit, company, registration, staff_accounts
from portal.services.hours import HoursError, parse_hours
from portal.services.passwords import password_errors

# The key of the first team, the one `create-staff --team` names for customer service.
FIRST_TEAM_KEY = "customer_service"
# The first team's phone hours unless told otherwise.
DEFAULT_PHONE_HOURS = "mon-fri 09:00-12:00"
# Hours the command does not ask about; an administrator changes them at /staff/settings.
DEFAULT_APPOINTMENT_HOURS = "mon-fri 09:00-12:00"
DEFAULT_WALK_IN_HOURS = "mon-fri 12:00-15:00"
# How long `flask check` waits for a database server that does not answer.
CHECK_CONNECT_SECONDS = 5

# Every answer the set-up takes, with the longest value its column holds. The last three
# have defaults (see ``with_defaults``); the others are needed.
LENGTHS = {
    "name_fi": 120,
    "name_sv": 120,
    "name_en": 120,
    "short_name": 40,
    "sender_name": 120,
    "sender_address": 200,
    "service_point_address": 200,
    "payee_name": 120,
    "payee_iban": 40,
    "payee_bic": 11,
    "team_name": 120,
    "team_phone": 40,
    "team_email": 200,
    "team_phone_hours": 200,
    "on_call_phone": 40,
    "admin_email": 254,
    "admin_first_name": 100,
    "admin_last_name": 100,
    "appointment_hours": 200,
    "walk_in_hours": 200,
    "maintenance_caller": 40,
}
ANSWERS = tuple(LENGTHS)
_EMAILS = {"sender_address", "team_email", "admin_email"}
_HOURS = {"team_phone_hours", "appointment_hours", "walk_in_hours"}
_PHONES = {"team_phone", "on_call_phone", "maintenance_caller"}
# Digits with the spaces, dashes and brackets people write numbers with, and a leading +.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]*$")


class SetupError(Exception):
    """The answers cannot set a company up; ``problems`` holds (answer key, what is wrong)
    pairs, the key empty for a problem of the database as a whole."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{key}: {text}" if key else text for key, text in problems))
        self.problems = problems


def is_set_up() -> bool:
    """Tell whether the database already has a company (its profile or any service team)."""
    return CompanyProfile.select().exists() or ServiceTeam.select().exists()


def with_defaults(answers: dict) -> dict:
    """The answers with the hours and the maintenance caller filled in where not given: the
    set-up asks only what a company cannot run without."""
    filled = {key: (answers.get(key) or "").strip() for key in ANSWERS}
    filled["appointment_hours"] = filled["appointment_hours"] or DEFAULT_APPOINTMENT_HOURS
    filled["walk_in_hours"] = filled["walk_in_hours"] or DEFAULT_WALK_IN_HOURS
    # Until the company says otherwise, maintenance is taken to call from the on-call line.
    filled["maintenance_caller"] = filled["maintenance_caller"] or filled["on_call_phone"]
    return filled


def problem(key: str, value: str) -> str | None:
    """What is wrong with one answer (in English, for the terminal), or None when it is fine."""
    value = (value or "").strip()
    if not value:
        return "this is needed"
    if len(value) > LENGTHS[key]:
        return f"at most {LENGTHS[key]} characters"
    if key in _EMAILS:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return f"{value!r} is not an email address"
    if key in _HOURS:
        try:
            parse_hours(value)
        except HoursError as error:
            return f"{error}; write hours such as {DEFAULT_APPOINTMENT_HOURS!r}"
    if key in _PHONES and not _PHONE.match(value):
        return f"{value!r} is not a phone number"
    if key == "payee_iban":
        if iban.compact(value) == DEMO_PAYEE_IBAN:
            return "this is the demo company's account: give the company's own"
        if not iban.is_valid(value):
            return f"{value!r} is not a valid IBAN"
    if key == "payee_bic" and not bic.is_valid(value):
        return f"{value!r} is not a valid BIC"
    return None


def password_problems(password: str, answers: dict, min_length: int) -> list[str]:
    """The rules of the password policy the administrator's password fails (in the current
    locale): it must not contain the administrator's name or email address, nor be the
    company's name with a few digits added."""
    personal = [
        answers.get(key, "") for key in ("admin_email", "admin_first_name", "admin_last_name")
    ]
    guessable = [answers.get(key, "") for key in ("short_name", "name_fi", "name_sv", "name_en")]
    return password_errors(password, min_length=min_length, personal=personal, guessable=guessable)


def set_up(
    answers: dict,
    password: str,
    *,
    min_length: int,
    public_url: str,
    lifetime: datetime.timedelta,
) -> Person:
    """Create the company's profile, its first service team (the default one) and its first
    administrator with the given password, all or nothing; return the administrator.

    Raises SetupError listing every problem, or when a company is already set up."""
    answers = with_defaults(answers)
    found = [(key, text) for key in ANSWERS if (text := problem(key, answers[key]))]
    found += [("admin_password", text) for text in password_problems(password, answers, min_length)]
    if found:
        raise SetupError(found)
    email = answers["admin_email"].lower()
    with write_transaction(db.obj):
        if is_set_up():
            raise SetupError([("", "a company is already set up in this database")])
        profile = company.save(
            {
                "name_fi": answers["name_fi"],
                "name_sv": answers["name_sv"],
                "name_en": answers["name_en"],
                "short_name_fi": answers["short_name"],
                "short_name_sv": answers["short_name"],
                "short_name_en": answers["short_name"],
                "brand_color": company.DEFAULT_COLOR,
                "privacy_url": "",
                "mail_sender_name": answers["sender_name"],
                "mail_sender_address": answers["sender_address"],
                "service_point_address": answers["service_point_address"],
                "appointment_hours": answers["appointment_hours"],
                "walk_in_hours": answers["walk_in_hours"],
                "maintenance_caller": answers["maintenance_caller"],
                "payee_name": answers["payee_name"],
                "payee_iban": iban.compact(answers["payee_iban"]),
                "payee_bic": bic.compact(answers["payee_bic"]),
            }
        )
        # One name in all three languages to begin with; /staff/teams translates it.
        ServiceTeam.create(
            key=FIRST_TEAM_KEY,
            name_fi=answers["team_name"],
            name_sv=answers["team_name"],
            name_en=answers["team_name"],
            phone=answers["team_phone"],
            phone_hours=answers["team_phone_hours"],
            email=answers["team_email"],
            on_call_phone=answers["on_call_phone"],
            is_default=True,
        )
        try:
            admin, _link = staff_accounts.create(
                email,
                answers["admin_first_name"],
                answers["admin_last_name"],
                Person.ADMIN,
                None,
                None,
                public_url,
                lifetime,
                welcome=False,
            )
        except staff_accounts.StaffAccountError as error:
            raise SetupError([("admin_email", f"not created: {error.reason}")]) from None
        # The password was chosen at the terminal: no welcome email with a link to choose one.
        registration.set_password(admin, password)
        audit.record("company_set_up", actor=admin, detail=profile.short_name_fi)
    return admin


def installation_problems() -> list[str]:
    """What in the database keeps a production portal from serving its company: no company
    yet, or invoices that would carry the demo company's account."""
    profile = CompanyProfile.select().order_by(CompanyProfile.id).first()
    if profile is None:
        return ["The database has no company set up yet: run flask init-company."]
    payee = iban.compact(profile.payee_iban or "")
    if payee == DEMO_PAYEE_IBAN:
        return [
            "In the company profile, the payee's IBAN is the demo company's account: an "
            "administrator sets the company's own at /staff/settings."
        ]
    if not iban.is_valid(payee):
        return [
            "In the company profile, the payee's IBAN is not a valid IBAN: an administrator "
            "sets the company's own at /staff/settings."
        ]
    return []


def _open_read_only(url: str) -> Database:
    """Open the database behind the URL for reading only, creating nothing: a check must not
    leave an empty SQLite file (or one owned by whoever ran it) where the portal's will be."""
    scheme = url.partition("://")[0]
    if scheme.startswith("sqlite"):
        path = Path(url.split(":///", 1)[-1])
        if not path.is_file():
            raise FileNotFoundError(f"there is no database file {path}")
        return SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return connect_url(
        url,
        connect_timeout=CHECK_CONNECT_SECONDS,
        options="-c default_transaction_read_only=on",
    )


def check_database(url: str) -> tuple[str, list[str]]:
    """Open the database read-only and return why its company was not checked (empty when
    it was) and the problems found in it (see ``installation_problems``)."""
    try:
        database = _open_read_only(url)
        try:
            pending = pending_migrations(database)
            if pending:
                return (
                    f"The database has {len(pending)} migration(s) not applied yet (run flask "
                    "upgrade): its company was not checked.",
                    [],
                )
            with database.bind_ctx([CompanyProfile]):
                return "", installation_problems()
        finally:
            database.close()
    # Whatever keeps the database from answering (no file, no server, a wrong password, no
    # driver) is one line of the report, not a traceback.
    except (DatabaseError, InterfaceError, OSError, RuntimeError, ValueError, ImportError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"The database could not be opened ({first_line}): its company was not checked.", []
