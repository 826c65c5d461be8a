"""The deployment docs/deploy.md describes, run for real on this machine.

From Debian's packages and the files in deploy/: nginx with the shipped site and a
certificate made here; two gunicorn instances in production mode with the shipped
gunicorn settings, on one PostgreSQL server; the mail worker against a real SMTP server on
loopback. A person then uses the portal in Chromium over https through nginx, and clients
on other loopback addresses (127.0.0.2, 127.0.0.3, bound as the source address) stand for
residents on other networks.

What this cannot show: a certificate from a real certificate authority (the browser is told
to accept the test's own), and app servers on really separate hosts (both listen on this
machine's loopback; the upstream block is the same either way).
"""

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess  # nosec B404
import sys
import time
from contextlib import ExitStack
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests import postgres
from tests.conftest import RESIDENT, Mailbox, free_port
from tests.deploy.nginx_site import make_certificate, render_site, write_main_conf
from tests.machine import real_time_environment

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("PORTAL_REQUIRE_TOOLS") == "1"
MISSING = [
    name
    for name, found in (
        ("nginx", NGINX),
        ("chromium", CHROMIUM),
        ("postgresql", shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin"))),
    )
    if not found
]
if MISSING and REQUIRED:
    raise RuntimeError(f"PORTAL_REQUIRE_TOOLS=1 but {', '.join(MISSING)} is not installed")
pytestmark = [
    pytest.mark.deployment,
    pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}"),
]

# A start-up is waited for this long at most: seconds on a quiet machine, more on a busy one.
PATIENCE = 120
PASSWORD = "Kotiportaali-2026"
NEW_PASSWORD = "Uusi-salasana-2027!"


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + PATIENCE
    while True:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                message = f"nothing listens on {port}:\n{log.read_text()[-3000:]}"
                raise AssertionError(message) from None
            time.sleep(0.1)


class Deployment:
    """The running servers, their addresses and their logs."""

    def __init__(self, root: Path, stack: ExitStack):
        self.root = root
        self.stack = stack
        self.https_port, self.http_port = free_port(), free_port()
        self.app_ports = [free_port(), free_port()]
        self.public_url = f"https://localhost:{self.https_port}"
        self.mailbox = Mailbox(free_port())
        self.logs = root / "logs"
        self.logs.mkdir()

    def environment(self, database_url: str) -> dict:
        environment = {
            name: value
            for name, value in real_time_environment().items()
            if not name.startswith(("PORTAL_", "FLASK_"))
        }
        environment.update(
            PORTAL_ENV="production",
            PORTAL_SECRET_KEY=secrets.token_hex(32),
            PORTAL_IDENTITY_KEY=secrets.token_hex(32),
            PORTAL_PUBLIC_URL=self.public_url,
            PORTAL_DATABASE_URL=database_url,
            PORTAL_DATA_DIR=str(self.root / "data"),
            PORTAL_UPLOAD_DIR=str(self.root / "shared-uploads"),
            PORTAL_BACKUP_DIR=str(self.root / "backups"),
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=str(self.mailbox.port),
            PORTAL_TRUSTED_PROXIES="1",
            PORTAL_WORKERS="2",
        )
        return environment

    def start(self, name: str, command: list[str], environment: dict, port: int | None):
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(  # nosec B603
            command,
            cwd=ROOT,
            env=environment,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

        def stop():
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

        self.stack.callback(stop)
        if port is not None:
            _wait_for_port(port, process, log)
        return process

    def access_logs(self) -> str:
        """Every log of the deployment: nginx's and both gunicorns' (and the worker's)."""
        return "\n".join(path.read_text() for path in sorted(self.root.rglob("*.log")))


def _flask(environment: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # nosec B603
        [str(BIN / "flask"), "--app", "portal", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )


# What the first run's init-company is told, as a script tells it.
COMPANY = {
    "--name-fi": "Kotikatu Oy",
    "--name-sv": "Kotikatu Ab",
    "--name-en": "Kotikatu Ltd",
    "--short-name": "Kotikatu",
    "--sender-name": "Kotikatu",
    "--sender-address": "portaali@kotikatu.example",
    "--service-point-address": "Kotikatu 1, 33100 Tampere",
    "--payee-name": "Kotikatu Oy",
    "--payee-iban": "FI21 1234 5600 0007 85",
    "--payee-bic": "NDEAFIHH",
    "--team-name": "Asiakaspalvelu",
    "--team-phone": "03 1234 5000",
    "--team-email": "asiakaspalvelu@kotikatu.example",
    "--team-phone-hours": "mon-fri 09:00-12:00",
    "--on-call-phone": "03 1234 5900",
    "--admin-email": "anna.admin@kotikatu.example",
    "--admin-first-name": "Anna",
    "--admin-last-name": "Admin",
}


def first_run(deployed: Deployment, environment: dict) -> None:
    """The guide's first run: check, upgrade, init-company, check again."""
    checked = _flask(environment, "check")
    assert checked.returncode == 0, checked.stderr
    assert "migration(s) not applied yet" in checked.stdout
    upgraded = _flask(environment, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    unset = _flask(environment, "check")
    assert unset.returncode == 1
    assert "no company set up yet: run flask init-company" in unset.stderr
    password_file = deployed.root / "admin-password"
    password_file.write_text(NEW_PASSWORD + "\n", encoding="utf-8")
    options = [item for pair in COMPANY.items() for item in pair]
    made = _flask(
        environment, "init-company", *options, "--admin-password-file", str(password_file)
    )
    assert made.returncode == 0, made.stderr
    assert "anna.admin@kotikatu.example" in made.stdout
    checked = _flask(environment, "check")
    assert checked.returncode == 0, checked.stderr
    assert "The production settings are complete." in checked.stdout
    again = _flask(
        environment, "init-company", *options, "--admin-password-file", str(password_file)
    )
    assert again.returncode == 1 and "already has a company" in again.stderr
    refused = _flask(environment, "demo-data")
    assert refused.returncode != 0 and "not loaded in production" in refused.stderr
    refused = _flask({**environment, "PORTAL_ENV": "development"}, "demo-data")
    assert refused.returncode != 0 and "another company's data" in refused.stderr


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployment")
    with ExitStack() as stack:
        deployed = Deployment(root, stack)
        server = postgres.Server()
        stack.callback(server.stop)
        deployed.mailbox.start()
        stack.callback(deployed.mailbox.stop)

        # What the guide has the operator run first, on a new company's own database.
        first_run(deployed, deployed.environment(server.create("company")))

        # The residents the test plays are the demo company's, on a database of their own,
        # loaded the only way there is: in development (never over a real company's data).
        environment = deployed.environment(server.create("portal"))
        deployed.environment_used = environment
        upgraded = _flask(environment, "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        loaded = _flask({**environment, "PORTAL_ENV": "development"}, "demo-data")
        assert "Loaded the demo housing company." in loaded.stdout, loaded.stderr

        for number, port in enumerate(deployed.app_ports, start=1):
            deployed.start(
                f"gunicorn-{number}",
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "portal:create_app()",
                ],
                {**environment, "PORTAL_BIND": f"127.0.0.1:{port}"},
                port,
            )
        deployed.start(
            "mail-worker", [str(BIN / "flask"), "--app", "portal", "mail-worker"], environment, None
        )
        cert, key = make_certificate(root)
        (root / "nginx").mkdir()
        site = render_site(
            root / "nginx",
            http_port=deployed.http_port,
            https_port=deployed.https_port,
            upstreams=[f"127.0.0.1:{port}" for port in deployed.app_ports],
            cert=cert,
            key=key,
        )
        main = write_main_conf(root / "nginx", site)
        deployed.certificate = cert
        deployed.start(
            "nginx",
            [NGINX, "-p", str(root / "nginx"), "-c", str(main), "-g", "daemon off;"],
            real_time_environment(),
            deployed.https_port,
        )
        yield deployed


class Client:
    """A resident's device: its own loopback address, cookies, and https that checks the
    test's certificate."""

    def __init__(self, deployment: Deployment, address: str = "127.0.0.1", port=None):
        self.deployment = deployment
        self.address = address
        self.port = port or deployment.https_port
        self.tls = port is None
        self.cookies = SimpleCookie()

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        if self.tls:
            context = ssl.create_default_context(cafile=str(self.deployment.certificate))
            connection = http.client.HTTPSConnection(
                "localhost",
                self.port,
                source_address=(self.address, 0),
                context=context,
                timeout=PATIENCE,
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, source_address=(self.address, 0), timeout=PATIENCE
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # A browser sends where the form came from; the CSRF check over https wants it.
            sent.setdefault("Referer", f"{self.deployment.public_url}{path}")
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.headers, text

    def csrf(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        assert status == 200, page[:500]
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, email: str, password: str) -> int:
        token = self.csrf("/login")
        form = {"email": email, "password": password, "csrf_token": token}
        return self.request("POST", "/login", form)[0]


def _email_to(mailbox: Mailbox, address: str, count_before: int):
    deadline = time.monotonic() + PATIENCE
    while True:
        found = [m for m in mailbox.messages[count_before:] if m["To"] == address]
        if found:
            return Mailbox.text(found[-1])
        assert time.monotonic() < deadline, f"no email to {address} arrived over SMTP"
        time.sleep(0.1)


def test_the_deployment_serves_residents_safely(deployment, playwright):
    public = deployment.public_url

    # Plain http only sends people to https.
    status, headers, _ = Client(deployment, port=deployment.http_port).request("GET", "/login")
    assert status == 301
    assert headers["Location"].startswith("https://localhost")
    assert headers["Location"].endswith("/login")

    # A person creates a username in Chromium over https.
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        env=real_time_environment(),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    try:
        context = browser.new_context(ignore_https_errors=True, locale="fi-FI")
        page = context.new_page()
        first = page.goto(f"{public}/register")
        assert first.status == 200
        assert first.headers["strict-transport-security"].startswith("max-age=")
        address = "uusi.asukas@example.fi"
        before = len(deployment.mailbox.messages)
        page.get_by_label("Sähköpostiosoite").fill(address)
        page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
        page.get_by_role("heading", name="Tarkista sähköpostisi").wait_for()
        # The mail worker sent it over SMTP, with an https link to the public address.
        text = _email_to(deployment.mailbox, address, before)
        link = re.search(r"https://\S+", text).group(0)
        assert link.startswith(f"{public}/register/confirm?t=")
        confirmation_token = link.split("?t=", 1)[1]
        page.goto(link)
        page.get_by_role("heading", name="Vahvista sähköpostiosoitteesi").wait_for()
        assert confirmation_token not in page.url
        assert urlsplit(page.url).path == "/register/confirm"
        page.get_by_role("button", name="Vahvista ja jatka").click()
        page.get_by_role("heading", name="Tunnistaudu").wait_for()
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["portal_session"]["secure"] is True
        assert cookies["portal_session"]["httpOnly"] is True
    finally:
        browser.close()

    # Sign-in limits are per client address, and only failures count.
    guesser = Client(deployment, "127.0.0.2")
    neighbour = Client(deployment, "127.0.0.3")
    for _ in range(11):
        assert Client(deployment, "127.0.0.3").sign_in(RESIDENT, PASSWORD) == 303
    # Each guess at another address, so the limit per client is what answers (one
    # account's own growing delays are tested apart).
    guesses = [guesser.sign_in(f"arvaus.{n}@example.fi", "Vaarin-arvattu-1") for n in range(11)]
    assert guesses[:10] == [422] * 10
    assert guesses[10] == 429
    assert neighbour.sign_in(RESIDENT, PASSWORD) == 303

    # Either app server answers the signed-in resident: one session, one CSRF token.
    for _ in range(6):
        status, _, page_text = neighbour.request("GET", "/")
        assert status == 200 and "Aino" in page_text
    served = [(deployment.logs / f"gunicorn-{n}.log").read_text().count('"GET / ') for n in (1, 2)]
    assert all(count >= 1 for count in served), served

    # Straight to an app server, a forged X-Forwarded-For changes nothing: the guesser is
    # still refused, and the neighbour's address it names is not used up.
    direct = Client(deployment, "127.0.0.2", port=deployment.app_ports[0])
    token = direct.csrf("/login")
    forged = direct.request(
        "POST",
        "/login",
        {"email": RESIDENT, "password": "Vaarin-arvattu-1", "csrf_token": token},
        headers={"X-Forwarded-For": "127.0.0.3"},
    )
    assert forged[0] == 429
    assert Client(deployment, "127.0.0.3").sign_in(RESIDENT, PASSWORD) == 303

    # A password reset through nginx, its link opened as a browser would.
    resetter = Client(deployment, "127.0.0.4")
    before = len(deployment.mailbox.messages)
    token = resetter.csrf("/password/forgot")
    assert resetter.request("POST", "/password/forgot", {"email": RESIDENT, "csrf_token": token})[0]
    text = _email_to(deployment.mailbox, RESIDENT, before)
    link = re.search(r"https://\S+/password/reset\?t=\S+", text).group(0)
    reset_token = link.split("?t=", 1)[1]
    status, headers, _ = resetter.request("GET", urlsplit(link).path + "?" + urlsplit(link).query)
    assert status == 303 and reset_token not in headers["Location"]
    token = resetter.csrf("/password/reset")
    status, _, page_text = resetter.request(
        "POST",
        "/password/reset",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert status == 303, page_text[:2000]
    assert Client(deployment, "127.0.0.5").sign_in(RESIDENT, NEW_PASSWORD) == 303

    # No token reached any access log, though the requests did.
    logs = deployment.access_logs()
    assert "/register/confirm" in logs and "/password/reset" in logs
    for secret in (confirmation_token, reset_token):
        assert secret not in logs

    # Ready: the database is current and email goes out.
    status, _, text = Client(deployment).request("GET", "/readyz")
    assert (status, text) == (200, "ready\n")
