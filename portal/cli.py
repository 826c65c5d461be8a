"""Command-line tasks: `flask --app portal upgrade`, `init-company`, `demo-data`, `check`..."""

import datetime
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from portal import clock, database, demo, workers
from portal import config as portal_config
from portal.models import db
from portal.services import (
    backup,
    company_setup,
    housekeeping,
    jobs,
    mail,
    personal_data,
    register_import,
    staff_accounts,
)


@click.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty folder (default: <time> in PORTAL_BACKUP_DIR, where backups older "
    "than PORTAL_BACKUP_KEEP_DAYS are then removed).",
)
@with_appcontext
def backup_command(folder: Path | None) -> None:
    """Back up the database and the uploaded files while the portal keeps serving."""
    config = current_app.config
    root = Path(config["BACKUP_DIR"])
    now = clock.now().replace(tzinfo=None)
    if folder is None:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)
        folder = root / now.strftime(backup.STAMP_FORMAT)
    try:
        summary = backup.make(
            db.obj,
            config["DATABASE_URL"],
            Path(config["UPLOAD_DIR"]),
            folder,
            config["IDENTITY_KEY"],
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(summary.tables.values())
    click.echo(
        f"Backed up {rows} rows in {len(summary.tables)} tables and {summary.files} files"
        f" ({summary.file_bytes} bytes) to {summary.folder}"
    )
    if folder.parent == root:
        for old in backup.prune(root, config["BACKUP_KEEP_DAYS"], now):
            click.echo(f"Removed the backup {old.name} ({config['BACKUP_KEEP_DAYS']} days kept)")


@click.command("restore")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
@with_appcontext
def restore_command(folder: Path, force: bool) -> None:
    """Restore a backup made with the backup command, and check it against its manifest."""
    config = current_app.config
    try:
        summary = backup.restore(
            folder,
            db.obj,
            config["DATABASE_URL"],
            Path(config["UPLOAD_DIR"]),
            force,
            config["IDENTITY_KEY"],
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored {sum(summary.tables.values())} rows and {summary.files} files from {folder};"
        " they match the backup's manifest."
    )


@click.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Apply pending database migrations, keeping all data."""
    applied = database.upgrade(db.obj)
    for name in applied:
        click.echo(f"applied: {name}")
    click.echo("The database schema is up to date.")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load the demo housing company into an empty database and print the demo sign-ins."""
    if current_app.config["ENV_NAME"] == "production":
        # The demo people share a published password; the administrator among them.
        raise click.ClickException(
            "Demo data is for trying the portal out: it is not loaded in production."
        )
    pending = database.pending_migrations(db.obj)
    if pending:
        raise click.ClickException(
            "Run `flask --app portal upgrade` first: migrations are pending."
        )
    with db.connection_context():
        if demo.load_if_empty(current_app.config["IDENTITY_KEY"]):
            uploads = Path(current_app.config["UPLOAD_DIR"])
            demo.store_rescue_plans(uploads / "buildings")
            demo.store_mandate_documents(uploads / "mandates")
            click.echo("Loaded the demo housing company.")
        elif not demo.is_loaded():
            # Another company's data: the demo's sign-ins printed here would not work, and
            # the demo must never mix its people into a real company's.
            raise click.ClickException(
                "The database already has another company's data: demo data is loaded only "
                "into an empty database."
            )
        else:
            click.echo("The database already has data; demo data was not loaded.")
    click.echo(demo.sign_in_table())


@click.command("check")
def check_command() -> None:
    """List every production setting that is unsafe or missing, and what the database lacks
    (no company, the demo's account), exit status 1 if any.

    Runs without building the app, so it works exactly where the app would refuse to start.
    A database that cannot be opened yet (before the first upgrade) is said in one line and
    is not a problem of the settings.
    """
    settings = portal_config.from_environment(refuse_unsafe=False)
    if settings["ENV_NAME"] != "production":
        click.echo("PORTAL_ENV is not 'production': these are the development defaults.")
    found = portal_config.production_problems(settings)
    unchecked, in_database = company_setup.check_database(settings["DATABASE_URL"])
    if unchecked:
        click.echo(unchecked)
    found += in_database
    if found:
        click.echo(portal_config.describe_problems(found), err=True)
        raise SystemExit(1)
    click.echo("The production settings are complete.")


@click.command("mail-worker")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def mail_worker_command(interval: float) -> None:
    """Deliver queued email over SMTP until stopped (run one beside the web server)."""
    settings = mail.SmtpSettings.from_config(current_app.config)
    if not settings.host:
        raise click.ClickException("Set PORTAL_SMTP_HOST: without it email stays in the outbox.")
    click.echo(f"Delivering email through {settings.host}:{settings.port}; Ctrl-C stops.")
    housekept_at = 0.0
    while True:
        with db.connection_context():
            if time.monotonic() - housekept_at >= workers.HOUSEKEEPING_SECONDS:
                housekeeping.run()
                housekept_at = time.monotonic()
            sent, failed = mail.deliver_due(settings)
        if sent or failed:
            click.echo(f"sent {sent}, failed {failed}")
        time.sleep(interval)


@click.command("housekeeping")
@with_appcontext
def housekeeping_command() -> None:
    """End bookings and contracts that ran out and pass expired parking offers on (the mail
    worker does this every few minutes; run it from cron when email goes another way)."""
    with db.connection_context():
        offered = housekeeping.run()
    if offered is None:
        click.echo("Another housekeeping run is going on right now; this one skipped.")
    else:
        click.echo(f"Bookings brought up to date; {offered} parking offer(s) made.")


@click.command("demo-bank-id")
@click.option("--port", default=9400, show_default=True)
def demo_bank_id_command(port: int) -> None:
    """Run a test OpenID Connect provider that knows the demo residents (local demo only)."""
    from oidc_provider_mock import User
    from oidc_provider_mock import app as provider_app
    from werkzeug.serving import run_simple

    users = [User(sub=person["sub"], claims=person) for person in demo.demo_identities()]
    click.echo(f"Demo bank identification on http://127.0.0.1:{port}")
    run_simple("127.0.0.1", port, provider_app(user_claims=users, require_nonce=True))


@click.command("import-register")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--apply", is_flag=True, help="Write the rows (without it: a dry run).")
@with_appcontext
def import_register_command(paths: tuple[Path, ...], apply: bool) -> None:
    """Check (and with --apply, load) the housing register from buildings.csv,
    apartments.csv, leases.csv and residents.csv, given as files or a folder holding them."""
    files = {}
    for path in paths:
        for item in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
            files[item.stem] = item.read_bytes()
    with db.connection_context():
        report = register_import.import_register(
            files, current_app.config["IDENTITY_KEY"], apply=apply
        )
    # Operators read the report in English, like the other commands' output.
    with force_locale("en"):
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        raise click.ClickException(f"{len(report.problems)} problem(s): nothing was written.")
    click.echo("Written." if report.applied else "Dry run: nothing was written. Use --apply.")


@click.command("erase-people")
@click.option("--apply", is_flag=True, help="Erase (without it: only report).")
@with_appcontext
def erase_people_command(apply: bool) -> None:
    """Erase the personal data of people whose tenancy ended longer ago than
    PORTAL_PERSONAL_DATA_RETENTION_DAYS: first report whom, then with --apply erase."""
    days = current_app.config["PERSONAL_DATA_RETENTION_DAYS"]
    with db.connection_context():
        found = personal_data.plan(clock.today(), days)
        click.echo(f"Tenancies that ended before {found.cutoff.isoformat()} ({days} days ago):")
        for person in found.people:
            click.echo(f"  username {person.id}: name, email, phone, bank account and identity")
        if found.residencies:
            click.echo(
                f"  {len(found.residencies)} line(s) of the register without a username: names"
            )
        if not found.people and not found.residencies:
            click.echo("  nobody")
            return
        if not apply:
            click.echo("Nothing was erased. Run again with --apply to erase.")
            return
        with jobs.only_one("erase-people", datetime.timedelta(hours=2)) as running:
            if not running:
                raise click.ClickException("Another run is erasing people right now.")
            for person in found.people:
                personal_data.erase(person)
            personal_data.erase_lines(found.residencies)
    click.echo(f"Erased {len(found.people)} username(s) and {len(found.residencies)} line(s).")


@click.command("create-staff")
@click.argument("email")
@click.argument("first_name")
@click.argument("last_name")
@click.option(
    "--role",
    type=click.Choice(["customer_service", "maintenance", "asoy_customer_service", "admin"]),
    required=True,
)
@click.option("--team", default=None, help="The service team's key.")
@with_appcontext
def create_staff_command(email, first_name, last_name, role, team) -> None:
    """Create a staff account; prints (and emails) the link to choose a password."""
    config = current_app.config
    with db.connection_context():
        try:
            _person, link = staff_accounts.create(
                email.strip().lower(),
                first_name,
                last_name,
                role,
                team,
                None,
                config["PUBLIC_URL"].rstrip("/"),
                datetime.timedelta(hours=config["LINK_LIFETIME_HOURS"]),
            )
        except staff_accounts.StaffAccountError as error:
            raise click.ClickException(f"Not created: {error.reason}.") from None
    click.echo(f"Created. The link to choose a password: {link}")


# What init-company asks, in this order: (answer, question, default). A default that is a
# function takes the answers so far.
QUESTIONS = [
    ("name_fi", "The company's name in Finnish", None),
    ("name_sv", "The company's name in Swedish", None),
    ("name_en", "The company's name in English", None),
    ("short_name", "Its short name, as page titles show it", None),
    ("sender_name", "The name the portal's email comes from", lambda a: a["short_name"]),
    ("sender_address", "The address the portal's email comes from", None),
    ("service_point_address", "The customer service point's street address", None),
    ("payee_name", "Whom residents pay their rent to", lambda a: a["name_fi"]),
    ("payee_iban", "The payee's IBAN", None),
    ("payee_bic", "The payee's BIC", None),
    ("team_name", "The name of the customer service team", None),
    ("team_phone", "The team's phone number", None),
    ("team_email", "The team's email address", None),
    ("team_phone_hours", "The team's phone hours", company_setup.DEFAULT_PHONE_HOURS),
    ("on_call_phone", "The on-call phone for urgent defects out of office hours", None),
    ("admin_email", "The first administrator's email address", None),
    ("admin_first_name", "The administrator's first name", None),
    ("admin_last_name", "The administrator's last name", None),
]
# Options that are not asked: their defaults suit until an administrator changes them.
UNASKED = [
    (
        "appointment_hours",
        "The service point's hours for booked visits (default: "
        f"{company_setup.DEFAULT_APPOINTMENT_HOURS!r}).",
    ),
    (
        "walk_in_hours",
        f"The service point's walk-in hours (default: {company_setup.DEFAULT_WALK_IN_HOURS!r}).",
    ),
    (
        "maintenance_caller",
        "The number maintenance calls residents from, or how it starts (default: the on-call "
        "phone).",
    ),
]


def _option_name(key: str) -> str:
    return f"--{key.replace('_', '-')}"


def _answer_options(command):
    """Give the command an option for every answer, so that a script need not be asked."""
    for key, help_text in reversed(UNASKED):
        command = click.option(_option_name(key), key, default=None, help=help_text)(command)
    for key, question, _default in reversed(QUESTIONS):
        command = click.option(_option_name(key), key, default=None, help=question)(command)
    return command


def _checked(key: str):
    """A prompt's check: an answer the set-up would refuse is asked again, with the reason."""

    def check(value: str) -> str:
        text = company_setup.problem(key, value)
        if text:
            raise click.UsageError(text)
        return value.strip()

    return check


def _setup_problems(problems: list[tuple[str, str]]) -> str:
    """The refusal: one line per answer that was wrong, the password's rules on one line."""
    lines = ["Nothing was created:"]
    rules = [text for key, text in problems if key == "admin_password"]
    for key, text in problems:
        if key != "admin_password":
            lines.append(f"  {_option_name(key) if key else 'the database'}: {text}")
    if rules:
        lines.append(f"  the administrator's password needs: {'; '.join(rules)}")
    return "\n".join(lines)


def _admin_password(password_file: Path | None, answers: dict, min_length: int) -> str:
    """The administrator's password: the first line of the file, or typed twice unseen."""
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    while True:
        password = click.prompt(
            "The administrator's password", hide_input=True, confirmation_prompt=True
        )
        failed = company_setup.password_problems(password, answers, min_length)
        if not failed:
            return password
        click.echo(f"Error: the password needs: {'; '.join(failed)}.", err=True)


@click.command("init-company")
@_answer_options
@click.option(
    "--admin-password-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Read the administrator's password from the file's first line instead of asking.",
)
@with_appcontext
def init_company_command(admin_password_file: Path | None, **answers) -> None:
    """Set a new installation up: the company, its first customer service team and its
    first administrator, who then signs in with the password given here."""
    config = current_app.config
    if database.pending_migrations(db.obj):
        raise click.ClickException(
            "Run `flask --app portal upgrade` first: migrations are pending."
        )
    # Operators read the command's questions and answers in English, like its other output.
    with db.connection_context(), force_locale("en"):
        if company_setup.is_set_up():
            raise click.ClickException(
                "This database already has a company: init-company sets up only the first "
                "one. An administrator changes it at /staff/settings."
            )
        for key, question, default in QUESTIONS:
            if answers[key] is None:
                answers[key] = click.prompt(
                    question,
                    default=default(answers) if callable(default) else default,
                    value_proc=_checked(key),
                )
        min_length = config["PASSWORD_MIN_LENGTH"]
        password = _admin_password(admin_password_file, answers, min_length)
        try:
            admin = company_setup.set_up(
                answers,
                password,
                min_length=min_length,
                public_url=config["PUBLIC_URL"].rstrip("/"),
                lifetime=datetime.timedelta(hours=config["LINK_LIFETIME_HOURS"]),
            )
        except company_setup.SetupError as error:
            raise click.ClickException(_setup_problems(error.problems)) from None
    click.echo(
        f"Set up {answers['name_en']}: its profile, the customer service team "
        f"{answers['team_name']!r} and the administrator {admin.email}, who signs in at "
        f"{config['PUBLIC_URL'].rstrip('/')}/login with the password given."
    )
    click.echo(
        "An administrator adds the logo, the colour and the hours at /staff/settings, and the "
        "team's Swedish and English names at /staff/teams."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(erase_people_command)
    app.cli.add_command(import_register_command)
    app.cli.add_command(upgrade_command)
    app.cli.add_command(init_company_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(mail_worker_command)
    app.cli.add_command(demo_bank_id_command)
    app.cli.add_command(housekeeping_command)
