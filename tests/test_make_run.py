"""`make run` with other ports: the emailed links and the bank identification follow them.

The test reads the environment the Makefile's run target gives the portal from make's dry
run, then builds the portal with exactly that environment."""

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal.models import OutboxEmail
from tests.conftest import csrf_token, use_language
from tests.test_appointments import _first_free

ROOT = Path(__file__).resolve().parents[1]
PORT, BANK_ID_PORT = 5123, 9555

MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(not MAKE, reason="make is not installed")


def run_recipe(**variables) -> str:
    """The commands `make run` would run with these variables, without running them."""
    done = subprocess.run(
        [MAKE, "--no-print-directory", "-n", "run", *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout[done.stdout.index("demo-bank-id") :]


@pytest.fixture
def app_settings(monkeypatch):
    """The portal's environment as `make run PORT=… BANK_ID_PORT=…` sets it."""
    monkeypatch.delenv("PORTAL_PUBLIC_URL", raising=False)
    recipe = run_recipe(PORT=PORT, BANK_ID_PORT=BANK_ID_PORT)
    assert f"demo-bank-id --port {BANK_ID_PORT} " in recipe
    assert f"--port {PORT}" in recipe
    for name, value in re.findall(r"\b(PORTAL_\w+)=(\S+)", recipe):
        monkeypatch.setenv(name, value)
    return {}


def test_make_run_on_other_ports_puts_them_in_emailed_links(app, client):
    assert urlsplit(app.config["PUBLIC_URL"]).port == PORT
    # The bank identification is asked from the provider make started, and returns to the
    # portal's own port (the return address is built on PUBLIC_URL).
    assert urlsplit(app.config["OIDC_ISSUER_URL"]).port == BANK_ID_PORT
    use_language(client, "fi")
    url = f"/appointments/book?slot={_first_free(client)}"
    client.post(
        url,
        data={
            "name": "Veera Vieras",
            "phone": "040 765 4321",
            "email": "veera@example.fi",
            "reason": "identification",
            "details": "Haluan tunnistautua portaaliin.",
            "csrf_token": csrf_token(client, url),
        },
    )
    email = OutboxEmail.get(OutboxEmail.to_address == "veera@example.fi")
    links = re.findall(r"https?://[^/\s]+/", email.body_text)
    assert links and set(links) == {f"http://127.0.0.1:{PORT}/"}
