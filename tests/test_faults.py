"""When something underneath fails: the database locked by another writer beyond the
timeout, the disk full in the middle of an upload. The person gets a clear 503 and nothing
half-saved is left behind; once the trouble passes, the same form goes through."""

import errno
import io
import sqlite3
import threading
from pathlib import Path

import pytest

from portal import create_app
from portal.database import close_all
from portal.demo import rescue_plan_pdf
from portal.models import Attachment, DefectReport, Message, MessageAttachment, db
from tests import conftest
from tests.conftest import (
    RESIDENT,
    csrf_token,
    make_photo,
    sign_in,
    use_language,
)


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def _hold_write_lock(database_url):
    """Take the write lock from another process's connection (a long import, a migration, a
    backup restore…); return a function that lets go of it."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg2

        holder = psycopg2.connect(database_url)
        # Readers go on; a new conversation waits for the lock.
        holder.cursor().execute("LOCK TABLE message_thread IN EXCLUSIVE MODE")

    released = threading.Lock()

    def release():
        if released.acquire(blocking=False):
            timer.cancel()
            holder.rollback()  # both drivers end the open transaction this way
            holder.close()

    # Let go after a while in any case: without a timeout the request would wait for ever,
    # and then the test fails on its answer instead of hanging.
    timer = threading.Timer(10, release)
    timer.daemon = True
    timer.start()
    return release


def test_a_database_locked_beyond_the_timeout_asks_to_try_again(tmp_path, database_url):
    app = create_app(conftest.test_settings(tmp_path, DATABASE_BUSY_TIMEOUT_MS=200))
    client = app.test_client()
    sign_in(client, RESIDENT)
    use_language(client, "en")
    token = csrf_token(client, "/messages/new")
    data = {"topic": "other", "subject": "Lukko", "body": "Hei!", "csrf_token": token}
    with app.app_context():
        before = Message.select().count()
    release = _hold_write_lock(database_url)
    try:
        busy = client.post("/messages/new", data=data)
        # Reading goes on meanwhile.
        assert client.get("/messages/").status_code == 200
    finally:
        release()
    assert busy.status_code == 503
    assert "The service is busy right now" in busy.text
    assert "Nothing was lost" in busy.text
    assert busy.headers["Retry-After"] == "5"
    with app.app_context():
        assert Message.select().count() == before
    assert client.post("/messages/new", data=data).status_code == 303
    with app.app_context():
        assert Message.select().count() == before + 1
    close_all(db.obj)


@pytest.fixture
def full_disk_after(monkeypatch):
    """Let the first ``n`` file writes through, then fail as a full disk does."""

    def arm(n):
        written = []
        real = Path.write_bytes

        def write_bytes(self, data):
            if len(written) >= n:
                raise OSError(errno.ENOSPC, "No space left on device")
            written.append(self)
            return real(self, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)

    return arm


def test_a_full_disk_during_photo_upload_leaves_no_files_or_rows(
    app, login_as, tmp_path, full_disk_after
):
    client = login_as(RESIDENT)
    token = csrf_token(client, "/defects/new")
    uploads = tmp_path / "uploads"
    files_before = _files(uploads)
    reports, attachments = DefectReport.select().count(), Attachment.select().count()
    full_disk_after(3)  # the first photo and its thumbnail, then half of the second
    response = client.post(
        "/defects/new",
        data={
            "location": "apartment",
            "category": "heating",
            "cannot_wait": "no",
            "description": "Patteri on kylmä koko päivän.",
            "phone": "040 123 4567",
            "csrf_token": token,
            "photos": [
                (io.BytesIO(make_photo()), "a.jpg"),
                (io.BytesIO(make_photo(color=(1, 2, 3))), "b.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert "We could not save this just now" in response.text
    assert "Nothing was saved" in response.text
    assert _files(uploads) == files_before
    assert DefectReport.select().count() == reports
    assert Attachment.select().count() == attachments


def test_a_full_disk_during_a_message_attachment_leaves_nothing(
    app, login_as, tmp_path, full_disk_after
):
    client = login_as(RESIDENT)
    token = csrf_token(client, "/messages/new")
    uploads = tmp_path / "uploads"
    files_before = _files(uploads)
    messages, attachments = Message.select().count(), MessageAttachment.select().count()
    full_disk_after(1)
    response = client.post(
        "/messages/new",
        data={
            "topic": "other",
            "subject": "Kuitti",
            "body": "Liitteenä kuitti.",
            "csrf_token": token,
            "attachments": [
                (io.BytesIO(rescue_plan_pdf("Sturenkatu 21", title="Kuitti")), "kuitti.pdf"),
                (io.BytesIO(make_photo()), "kuva.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert _files(uploads) == files_before
    assert Message.select().count() == messages
    assert MessageAttachment.select().count() == attachments


def test_the_orphan_sweep_keeps_named_and_young_files(app, tmp_path):
    import datetime
    import os

    from portal.services import housekeeping

    defects = tmp_path / "uploads" / "defects"
    named = {a.stored_name for a in Attachment.select()}
    orphan, young = defects / "old-orphan.jpg", defects / "young-orphan.jpg"
    orphan.write_bytes(b"left by a stopped worker")
    young.write_bytes(b"an upload still in progress")
    # File times and the sweep's moment are given, not read from a clock: the test holds on
    # any date, under faketime too (which leaves file times alone).
    moment = 1_900_000_000
    os.utime(young, (moment - 60, moment - 60))
    os.utime(orphan, (moment - 2 * 3600, moment - 2 * 3600))
    removed = housekeeping.remove_orphan_files(
        tmp_path / "uploads", datetime.timedelta(hours=1), now=moment
    )
    assert removed == ["defects/old-orphan.jpg"]
    assert young.exists() and not orphan.exists()
    assert named and all((defects / name).exists() for name in named)
