"""Fixtures: an app on its own copy of a migrated demo database, clients, signing in.

Time is an input. The suite runs at one moment: now, or the moment ``PORTAL_CLOCK`` names
(Helsinki time). The demo database is built at that moment and every test starts on the
portal's clock at that same moment, so what the demo data says ("last month's rent is
overdue", "the lease begins next month") holds in every test however long the run lasts,
even when it crosses midnight. A test that needs another moment sets the clock itself.
"""

import base64
import datetime
import email
import hashlib
import io
import os
import re
import shutil
import socket
import zlib
from email import policy

import jinja2
import pytest

from portal import clock, create_app, demo
from portal.database import close_all, open_database, upgrade
from portal.models import db
from portal.services import accounts
from tests import postgres

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = demo.DEMO_PASSWORD
IDENTITY_KEY = "test-identity-key"

# Demo people by the part they play in tests.
RESIDENT = "aino.virtanen@example.fi"
OTHER_RESIDENT = "elias.virtanen@example.fi"
SWEDISH_RESIDENT = "sofia.lindqvist@example.fi"
ASOY_RESIDENT = "hanna.korhonen@example.fi"
FUTURE_RESIDENT = "oskari.nieminen@example.fi"
AGENT = "kaisa.lehtonen@example.fi"
CUSTOMER_SERVICE = "leena.makinen@example.fi"
MAINTENANCE = "jari.laine@example.fi"
ASOY_STAFF = "riikka.heikkinen@example.fi"
ADMIN = "admin@example.fi"


def make_photo(width=1200, height=900, color=(180, 90, 40), exif=None, fmt="JPEG"):
    """Return the bytes of a photo made here, optionally with EXIF metadata."""
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def _attach_demo_photos(upload_dir):
    """Give one report of each household with reports a photo, as the harness needs."""
    from portal.models import Attachment, DefectEvent, DefectReport
    from portal.services import photos

    for report in DefectReport.select().where(DefectReport.status != DefectReport.DONE):
        stored = photos.process(make_photo(), upload_dir / "defects")
        event = DefectEvent.select().where(DefectEvent.report == report.id).first()
        Attachment.create(
            report=report,
            event=event,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            width=stored.width,
            height=stored.height,
            size=stored.size,
        )

    from portal.models import RequestAttachment, ServiceRequest

    # A photo on each request, as the harness needs.
    for request in ServiceRequest.select():
        stored = photos.process(make_photo(), upload_dir / "requests")
        RequestAttachment.create(
            request=request,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            original_name="seina.jpg",
            content_type="image/jpeg",
            size=stored.size,
        )

    from portal.models import Message, MessageAttachment

    # And on the first message of each conversation.
    for message in Message.select().where(Message.from_staff == False):  # noqa: E712
        stored = photos.process(make_photo(), upload_dir / "messages")
        MessageAttachment.create(
            message=message,
            stored_name=stored.stored_name,
            thumb_name=stored.thumb_name,
            original_name="kuva.jpg",
            content_type="image/jpeg",
            size=stored.size,
        )

    demo.store_rescue_plans(upload_dir / "buildings")
    demo.store_mandate_documents(upload_dir / "mandates")
    # A booked visit next week whose manage link is known to the tests.
    import hashlib

    from portal.models import Appointment, Payment

    today = clock.today()
    wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 + 7)
    Appointment.create(
        starts_at=datetime.datetime.combine(wednesday, datetime.time(10, 0)),
        minutes=30,
        desk=1,
        name="Veikko Heinonen",
        phone="040 555 0101",
        email="veikko@example.fi",
        reason="identification",
        details="Tunnistautuminen Asukasportaalia varten.",
        language="fi",
        token_hash=hashlib.sha256(b"demo-appointment-link").hexdigest(),
    )
    # A bank payment whose reference matched no invoice, waiting for staff.
    Payment.create(
        bank_id="TEST-UNMATCHED-1",
        reference="999999",
        amount=10,
        booked_on=today - datetime.timedelta(days=40),
        payer="Maksaja Tuntematon",
        status=Payment.UNMATCHED,
    )


def pytest_addoption(parser):
    parser.addoption(
        "--shard",
        default=None,
        metavar="I/N",
        help="run only the I-th of N shares of the tests (counting from 0); tests/dates.py "
        "runs each share at another moment",
    )


def pytest_collection_modifyitems(config, items):
    shard = config.getoption("shard")
    if not shard:
        return
    index, count = (int(part) for part in shard.split("/"))
    chosen = [item for item in items if zlib.crc32(item.nodeid.encode()) % count == index]
    kept = set(chosen)
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = chosen


def _start_moment() -> datetime.datetime:
    """The moment this test run happens at: ``PORTAL_CLOCK`` if set, else now."""
    setting = os.environ.get("PORTAL_CLOCK", "")
    return clock.parse(setting) if setting else clock.now()


START = _start_moment()
accounts.use_hashing("fast")  # as test_settings says, for the demo data built before any app
# The run's day in Helsinki: "today" in every test that leaves the clock alone.
START_DAY = START.astimezone(clock.HELSINKI).date()


@pytest.fixture(autouse=True)
def clock_at_start():
    """Start every test on the portal's clock at the run's moment; the clock runs on from
    there during the test. Yields the moment."""
    clock.set_to(START)
    yield START
    clock.reset()


@pytest.fixture(scope="session")
def postgres_server():
    """The PostgreSQL server of this test process, when the suite runs on PostgreSQL."""
    if not postgres.ENABLED:
        yield None
        return
    server = postgres.Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, postgres_server):
    """Build one migrated database with the demo data; each test gets a copy of it (and of
    the uploads folder beside it). Returns the folder of the SQLite file and the uploads."""
    folder = tmp_path_factory.mktemp("template")
    clock.set_to(START)
    if postgres_server is not None:
        url = postgres_server.create(postgres.TEMPLATE)
    else:
        url = f"sqlite:///{folder / 'portal.db'}"
    database = open_database(url)
    upgrade(database)
    db.initialize(database)
    with database.connection_context():
        demo.load(IDENTITY_KEY)
        _attach_demo_photos(folder / "uploads")
        if postgres_server is None:
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # A PostgreSQL template cannot be copied while anyone is connected to it.
    close_all(database)
    return folder


# Tests of what only SQLite has (pragmas, query plans, the database file itself).
sqlite_only = pytest.mark.skipif(postgres.ENABLED, reason="SQLite only")


@pytest.fixture
def empty_database_url(tmp_path, postgres_server):
    """An empty database of the kind the suite runs on (no tables at all)."""
    if postgres_server is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = postgres_server.next_name()
    yield postgres_server.create(name)
    if db.obj is not None:
        close_all(db.obj)
    postgres_server.drop(name)


# The database URL of each test's own copy, by the test's folder (see test_settings).
_DATABASES: dict[str, str] = {}


@pytest.fixture
def database_url(tmp_path, template_database, postgres_server):
    """A fresh copy of the demo database (and uploads) for this test; returns its URL."""
    shutil.copytree(template_database / "uploads", tmp_path / "uploads")
    if postgres_server is None:
        shutil.copy(template_database / "portal.db", tmp_path / "portal.db")
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    name = postgres_server.next_name()
    url = postgres_server.create(name, template=postgres.TEMPLATE)
    _DATABASES[str(tmp_path)] = url
    yield url
    _DATABASES.pop(str(tmp_path), None)
    if db.obj is not None:
        close_all(db.obj)
    postgres_server.drop(name)


# What production needs, all of it safe: a test changes one setting to see it refused.
PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "k" * 64,
    "IDENTITY_KEY": "i" * 64,
    "PUBLIC_URL": "https://asukas.example.fi",
    "SMTP_HOST": "127.0.0.1",
    "OIDC_ISSUER_URL": "https://tunnistus.example.fi",
    "PASSWORD_HASHING": "strong",
    "CLOCK": "",
}


def test_settings(tmp_path, **overrides):
    """Return the configuration a test app runs with, on the test's own database."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "IDENTITY_KEY": IDENTITY_KEY,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": _DATABASES.get(str(tmp_path), f"sqlite:///{tmp_path / 'portal.db'}"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        # The tests set the clock themselves (see clock_at_start).
        "CLOCK": "",
        # The cheapest argon2: the suite signs in thousands of times. The parameters
        # production uses have a test of their own.
        "PASSWORD_HASHING": "fast",
        # Tests sign in hundreds of times from one address; the limits have tests of their own.
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@pytest.fixture
def app_settings():
    """Extra configuration for the app fixture; a test module overrides this fixture."""
    return {}


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per test process rather than once per test's app. Keyed by
    the template's source too, so an edited template is compiled again."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if (code := self.code.get(bucket.key + bucket.checksum)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.code[bucket.key + bucket.checksum] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


@pytest.fixture
def app(tmp_path, database_url, app_settings):
    """Return an app bound to a fresh copy of the demo database."""
    app = create_app(test_settings(tmp_path, **app_settings))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    yield app
    if worker := app.extensions.get("mail_worker"):
        worker.stop()
    close_all(db.obj)


@pytest.fixture
def queries(app):
    """Record the SQL statements run while the test makes requests."""
    statements = []
    hook = lambda event: statements.append(event.sql)  # noqa: E731
    db.obj.query_hooks.append(hook)
    yield statements
    db.obj.query_hooks.remove(hook)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login"):
    """Return a CSRF token for the client's session, read from a page's form."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email, password=PASSWORD):
    """Sign in through the real form and return the response."""
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def age_sign_in(client, seconds):
    """Make the client's sign-in this many seconds older (still active just now)."""
    with client.session_transaction() as session:
        session["signed_in_at"] -= seconds
        session["seen_at"] = clock.timestamp()
        session.pop("confirmed_at", None)


def use_language(client, language):
    """Switch the client's language through the language buttons, as a person would."""
    token = csrf_token(client, "/")
    response = client.post("/locale", data={"language": language, "csrf_token": token})
    assert response.status_code == 303
    return client


@pytest.fixture
def login_as(client):
    """Sign the test client in as the given demo person, in English unless told otherwise."""

    def login(email, language="en"):
        response = sign_in(client, email)
        assert response.status_code == 303, response.get_data(as_text=True)
        if language:
            use_language(client, language)
        return client

    return login


class Mailbox:
    """What a real SMTP server on loopback received, parsed."""

    def __init__(self, port):
        self.messages = []
        self.port = port
        self.controller = None

    def start(self):
        """Start (or start again, after stop) the server on the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def last_to(self, address):
        """Return the newest message to an address."""
        for message in reversed(self.messages):
            if message["To"] == address:
                return message
        raise AssertionError(f"no email to {address}")

    @staticmethod
    def text(message):
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, address, path_prefix):
        """Return the path of the first link in the newest message to the address."""
        match = re.search(
            r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)",
            self.text(self.last_to(address)),
        )
        assert match, f"no {path_prefix} link in the email"
        return match.group(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Run a real SMTP server (aiosmtpd) on a loopback port for the test."""
    mailbox = Mailbox(free_port())
    mailbox.start()
    yield mailbox
    mailbox.stop()


def identity_provider_users():
    """The demo residents as the bank-ID provider knows them, plus a stranger to the register."""
    from oidc_provider_mock import User

    people = [*demo.demo_identities(), STRANGER]
    return [User(sub=person["sub"], claims=dict(person)) for person in people]


# Somebody who identifies successfully but lives in none of the company's apartments.
STRANGER = {
    "sub": "stranger",
    "given_name": "Outi",
    "family_name": "Ulkopuolinen",
    "name": "Outi Ulkopuolinen",
    "hetu": "010199-9986",
}


@pytest.fixture(scope="session")
def identity_provider():
    """Run a real OpenID Connect provider process-thread on loopback; yield its issuer URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(
        port=0, require_nonce=True, user_claims=identity_provider_users()
    ) as server:
        yield f"http://localhost:{server.server_port}"


def logo_bytes(client, src: str) -> bytes:
    """The logo a page shows: inside the page as a data: address, or at its own address."""
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    return client.get(src.replace("&amp;", "&")).data


def theme_of(response) -> str:
    """The page's inline style, after checking that its policy lets exactly it in."""
    style = re.search(r"<style>(.*?)</style>", response.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]
    return style
