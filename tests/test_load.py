"""A bounded load on the production server: residents report defects, write to customer
service and contend for the same sauna turns while a resident and a staff member read.
Nothing may fail, nothing answered as saved may be missing, and no turn is booked twice."""

import datetime
import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import clock
from portal.database import is_sqlite
from portal.models import Attachment, DefectReport, Sauna, SaunaTurn, db
from portal.services import housekeeping
from tests.conftest import CSRF_RE, CUSTOMER_SERVICE, IDENTITY_KEY, PASSWORD, RESIDENT
from tests.machine import real_time_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import dataset  # noqa: E402
import writes  # noqa: E402

WRITERS = 6
# Each writer's rounds: a message, a defect report and a try at a sauna turn each. As many
# rounds as there are turns books every turn, whatever the order the server answers in.
ROUNDS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sign_in(port: int, email: str, form_path: str) -> tuple[str, str]:
    """Sign in through the server's form; return the session cookie and a form token."""
    session = ""

    def send(method: str, path: str, form: dict | None = None) -> str:
        nonlocal session
        _status, text, headers = writes.request(port, method, path, session, form)
        for cookie in headers.get_all("Set-Cookie") or []:
            if cookie.startswith("portal_session="):
                session = cookie.split(";", 1)[0]
        return text

    token = CSRF_RE.search(send("GET", "/login")).group(1)
    send("POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
    page = send("GET", form_path)
    assert "csrf_token" in page, f"{email} is not signed in"
    return session, CSRF_RE.search(page).group(1)


@pytest.fixture
def server(app, tmp_path):
    """gunicorn with two workers on this test's database, as in production."""
    port = _free_port()
    environment = real_time_environment(
        PORTAL_ENV="development",
        PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
        PORTAL_IDENTITY_KEY=IDENTITY_KEY,
        PORTAL_DATA_DIR=str(tmp_path),
        PORTAL_DATABASE_URL=app.config["DATABASE_URL"],
        PORTAL_UPLOAD_DIR=app.config["UPLOAD_DIR"],
        PORTAL_MAIL_WORKER="off",
        PORTAL_PASSWORD_HASHING="fast",
        # The server runs on the machine's time (see real_time_environment) and keeps the
        # test's moment on the portal's clock. Its sessions and form tokens are its own:
        # the people sign in over HTTP (see _sign_in).
        PORTAL_CLOCK=clock.setting(),
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "portal:create_app()",
        ],
        env=environment,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((tmp_path / "server.log").read_text()) from None
            time.sleep(0.1)
    yield port, tmp_path / "server.log", process.pid
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_mixed_load_on_the_production_server_loses_nothing(app, server):
    with app.app_context():
        dataset.grow(
            buildings=2,
            flats_per_building=8,
            defects=40,
            requests=20,
            threads=10,
            months=1,
            writers=WRITERS,
            audit_entries=10,
        )
        turns = [t.id for t in SaunaTurn.select().join(Sauna).where(Sauna.name == "Kasvun sauna")]
    port, log, _master = server
    writers = {
        index: _sign_in(port, dataset.WRITER_EMAIL.format(index), "/messages/new")
        for index in range(1, WRITERS + 1)
    }
    readers = [
        ("/", _sign_in(port, RESIDENT, "/defects/new")[0]),
        ("/staff/defects/", _sign_in(port, CUSTOMER_SERVICE, "/staff/")[0]),
    ]
    result = writes.run(port, writers, readers, turns, rounds=ROUNDS)
    with app.app_context():
        failures = writes.check_stored(result, turns)
    # Shown with the test's output (pytest -s) and whenever it fails; timings are the
    # benchmark's business, not this test's.
    print("load:", {kind: {k: result[kind][k] for k in ("sent", "saved")} for kind in result})
    assert result["message"]["sent"] == result["defect"]["sent"] == WRITERS * ROUNDS
    assert result["sauna"]["sent"] == WRITERS * ROUNDS
    for kind in ("message", "defect", "sauna", "read"):
        row = result[kind]
        assert row["sent"] > 0, kind
        assert row["failed"] == 0, (kind, row["problems"])
        assert row["refused"] == 0, (kind, row["problems"])
    assert failures == []
    # Four turns, six households that each may hold one: every turn went to exactly one.
    assert result["sauna"]["booked"] == len(turns) == 4
    assert "database is locked" not in log.read_text()
    assert "Traceback" not in log.read_text()


def _worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)  # noqa: S607
    return [int(pid) for pid in found.stdout.split()]


# Of twelve uploads one after another, these are sent and then their workers killed.
UPLOADS = 12
KILLED_DURING = (2, 5, 8)


def test_a_worker_killed_mid_upload_leaves_a_sound_database(app, server):
    port, _log, master = server
    cookie, token = _sign_in(port, RESIDENT, "/defects/new")
    photo = writes.phone_photo(2400, 1800)
    answers = []
    # The uploader says when a doomed upload is on its way, and waits for the kill.
    in_flight: queue.Queue[int] = queue.Queue()
    killed_event = threading.Event()

    def upload():
        for n in range(UPLOADS):
            body, content_type = writes._multipart(
                {
                    "csrf_token": token,
                    "location": "apartment",
                    "category": "heating",
                    "cannot_wait": "no",
                    "description": f"{writes.MARK} kill {n}: patteri ei lämpene.",
                    "phone": "040 123 4567",
                },
                photo,
            )
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request(
                    "POST",
                    "/defects/new",
                    body=body,
                    headers={"Cookie": cookie, "Content-Type": content_type},
                )
                if n in KILLED_DURING:
                    killed_event.clear()
                    in_flight.put(n)
                    killed_event.wait(60)
                answers.append(connection.getresponse().status)
            except OSError:
                answers.append(0)  # the worker died under this request
            finally:
                connection.close()

    uploader = threading.Thread(target=upload)
    uploader.start()
    killed = 0
    for _ in KILLED_DURING:
        in_flight.get(timeout=120)
        # Both workers: whichever took the upload dies with it (or, if it had already
        # answered, the next upload waits for gunicorn's new workers).
        for pid in _worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        killed += 1
        killed_event.set()
    uploader.join()
    assert killed == len(KILLED_DURING)
    assert len(answers) == UPLOADS
    # Only the uploads whose workers were killed may have failed.
    assert answers.count(303) >= UPLOADS - len(KILLED_DURING)
    assert set(answers) <= {303, 0, 502}, answers

    # gunicorn replaced the workers; the database is sound and consistent with the files.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=120) as response:
        assert response.status == 200
    uploads = Path(app.config["UPLOAD_DIR"])
    with app.app_context():
        if is_sqlite(db.obj):
            assert db.obj.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = DefectReport.select().where(DefectReport.description.startswith(writes.MARK))
        # Nothing answered as saved is missing; a worker killed after its commit but before
        # its answer leaves a report its sender was not told of.
        assert answers.count(303) <= stored.count() <= answers.count(303) + len(KILLED_DURING)
        for attachment in Attachment.select():
            assert (uploads / "defects" / attachment.stored_name).exists()
            assert (uploads / "defects" / attachment.thumb_name).exists()
        # Files written by a worker killed before its row: the sweep removes them once they
        # are an hour old (file times and the sweep's moment given, not read from a clock).
        moment = 1_900_000_000
        for path in (uploads / "defects").iterdir():
            os.utime(path, (moment - 3600, moment - 3600))
        housekeeping.remove_orphan_files(uploads, datetime.timedelta(hours=1), now=moment)
        names = {a.stored_name for a in Attachment.select()} | {
            a.thumb_name for a in Attachment.select()
        }
    assert {p.name for p in (uploads / "defects").iterdir()} == names
