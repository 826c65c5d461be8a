"""A throwaway PostgreSQL server for the test suite (``PORTAL_TEST_POSTGRES=1``).

Each test process starts its own server in a temporary folder (from the Debian packages'
binaries, as the ``postgres`` user when the tests run as root, since PostgreSQL refuses to
run as root), builds the demo database once as a template, and gives every test a fresh
database copied from it. ``PORTAL_TEST_POSTGRES_URL`` points the suite at a server that is
already running instead (its user must be allowed to create databases).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.machine import real_time_environment

ENABLED = os.environ.get("PORTAL_TEST_POSTGRES") == "1" or bool(
    os.environ.get("PORTAL_TEST_POSTGRES_URL")
)
TEMPLATE = "portal_template"


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A PostgreSQL server of the tests: started here, or one given by URL."""

    def __init__(self):
        self.process = None
        self.folder = None
        given = os.environ.get("PORTAL_TEST_POSTGRES_URL")
        self.base_url = given or self._start()
        self.counter = 0

    def _run_as(self) -> list[str]:
        # PostgreSQL will not run as root; the Debian package brings a postgres user.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--"]
        return []

    def _start(self) -> str:
        bin_dir = _binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        data = self.folder / "data"
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        subprocess.run(
            [
                *self._run_as(),
                str(bin_dir / "initdb"),
                "--pgdata",
                str(data),
                "--auth",
                "trust",
                "--username",
                "portal",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
            ],
            check=True,
            capture_output=True,
            env=real_time_environment(),
        )
        port = _free_port()
        # Durability is not tested here: without fsync the suite runs much faster.
        self.process = subprocess.Popen(
            [
                *self._run_as(),
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(self.folder),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "server.log").open("w"),
            # The portal never asks the database what time it is: the server keeps the
            # machine's own even when the tests run under faketime.
            env=real_time_environment(),
        )
        url = f"postgresql://portal@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 120
        while True:
            try:
                self.admin(url).close()
                break
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = (self.folder / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
                time.sleep(0.2)
        return url

    @staticmethod
    def admin(url: str):
        import psycopg2

        connection = psycopg2.connect(url)
        connection.autocommit = True
        return connection

    def url_of(self, name: str) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def execute(self, sql: str) -> None:
        connection = self.admin(self.base_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create(self, name: str, template: str | None = None) -> str:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url_of(name)

    def next_name(self) -> str:
        self.counter += 1
        return f"portal_test_{os.getpid()}_{self.counter}"

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
