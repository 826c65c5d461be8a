"""Backups: made while residents keep writing, restored into an empty database and folder,
and compared with what the backup says it holds."""

import io
import json
import threading

from portal import create_app
from portal.models import Message, MessageAttachment, db
from tests.conftest import IDENTITY_KEY, RESIDENT, csrf_token, make_photo, sign_in


def _writer(app, backup_done: threading.Event, sent: list, progress: threading.Semaphore):
    """Send messages with a photo until one begun after the backup has gone through; each
    one sent releases ``progress``."""
    client = app.test_client()
    sign_in(client, RESIDENT)
    token = csrf_token(client, "/messages/new")
    n = 0
    finished = False
    while not finished:
        finished = backup_done.is_set()
        n += 1
        response = client.post(
            "/messages/new",
            data={
                "topic": "other",
                "subject": f"Varmuuskopio {n}",
                "body": "Kirjoitan, kun varmuuskopio tehdään.",
                "csrf_token": token,
                "attachments": [(io.BytesIO(make_photo(320, 240)), "kuva.jpg")],
            },
            content_type="multipart/form-data",
        )
        sent.append(response.status_code)
        progress.release()


def test_a_backup_made_under_load_restores_to_the_same_data(app, tmp_path, empty_database_url):
    with app.app_context():
        messages_before = Message.select().count()
    backup_done, sent, progress = threading.Event(), [], threading.Semaphore(0)
    writers = [
        threading.Thread(target=_writer, args=(app, backup_done, sent, progress)) for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    # The backup starts once four messages have gone through, and the writers go on while
    # it is made: each stops after a message begun once it was done.
    for _ in range(4):
        progress.acquire()
    folder = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(folder)])
    backup_done.set()
    for writer in writers:
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and str(folder) in result.output
    assert set(sent) == {303}
    manifest = json.loads((folder / "manifest.json").read_text())
    # The backup holds the messages written before it, and is one consistent moment.
    assert manifest["tables"]["message"] >= messages_before + 4
    assert manifest["tables"]["message"] <= messages_before + len(sent)
    assert manifest["tables"]["message_attachment"] >= 4

    # Restore into an empty database and an empty uploads folder.
    restored_uploads = tmp_path / "restored-uploads"
    restored = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "restored",
            "IDENTITY_KEY": IDENTITY_KEY,
            "DATA_DIR": str(tmp_path / "restored"),
            "DATABASE_URL": empty_database_url,
            "UPLOAD_DIR": str(restored_uploads),
        }
    )
    runner = restored.test_cli_runner()
    result = runner.invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert "they match the backup's manifest" in result.output
    with restored.app_context():
        assert Message.select().count() == manifest["tables"]["message"]
        names = [a.stored_name for a in MessageAttachment.select()]
        assert names and all((restored_uploads / "messages" / n).exists() for n in names)
        for table, count in manifest["tables"].items():
            assert db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count  # noqa: S608
    # A second restore over the data now there needs to be asked for.
    again = runner.invoke(args=["restore", str(folder)])
    assert again.exit_code != 0 and "--force" in again.output
    assert runner.invoke(args=["restore", str(folder), "--force"]).exit_code == 0


def test_a_backup_folder_must_be_new_and_a_restore_needs_a_backup(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    refused = runner.invoke(args=["backup", "--to", str(tmp_path / "full")])
    assert refused.exit_code != 0 and "is not empty" in refused.output
    (tmp_path / "not-a-backup").mkdir()
    refused = runner.invoke(args=["restore", str(tmp_path / "not-a-backup"), "--force"])
    assert refused.exit_code != 0 and "not a backup" in refused.output


def test_backups_are_private_kept_apart_and_pruned(app, tmp_path, monkeypatch):
    """The nightly backup: readable only by the portal's user, and the ones older than the
    days kept removed; folders that are not backups stay."""
    import datetime
    import stat

    from portal import clock

    root = tmp_path / "backups"
    app.config.update(BACKUP_DIR=str(root), BACKUP_KEEP_DAYS=14)
    runner = app.test_cli_runner()
    clock.set_to(clock.now() - datetime.timedelta(days=15), running=False)
    old = runner.invoke(args=["backup"])
    assert old.exit_code == 0, old.output
    (root / "notes").mkdir()
    clock.advance(datetime.timedelta(days=15))
    new = runner.invoke(args=["backup"])
    assert new.exit_code == 0, new.output
    assert "Removed the backup" in new.output
    made = [p.name for p in root.iterdir()]
    assert sorted(made) == sorted(["notes", clock.now().strftime("%Y%m%d-%H%M%S")])
    backup_folder = root / clock.now().strftime("%Y%m%d-%H%M%S")
    for path in [root, backup_folder, *backup_folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"
    manifest = json.loads((backup_folder / "manifest.json").read_text())
    assert manifest["identity_key"]
    assert IDENTITY_KEY not in (backup_folder / "manifest.json").read_text()


def test_a_restore_with_another_identity_key_is_refused(app, tmp_path, empty_database_url):
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "--to", str(folder)]).exit_code == 0
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "restored",
            "IDENTITY_KEY": "another-identity-key",
            "DATA_DIR": str(tmp_path / "restored"),
            "DATABASE_URL": empty_database_url,
            "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
        }
    )
    refused = other.test_cli_runner().invoke(args=["restore", str(folder)])
    assert refused.exit_code != 0
    assert "made with another PORTAL_IDENTITY_KEY" in refused.output
    with other.app_context():
        assert db.get_tables() == []
