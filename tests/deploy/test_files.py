"""The deployment files say what the guide says: nginx and systemd accept them, the logs they
configure keep no query strings, the commands they run exist, every setting is documented,
and the lock file pins the portal's dependencies with hashes.

nginx and systemd-analyze are Debian's packages; without them their tests skip with a reason,
and with PORTAL_REQUIRE_TOOLS=1 (as the CI sets it) a missing one fails instead.
"""

import os
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from portal import config as portal_config
from tests.deploy.nginx_site import (
    NGINX,
    make_certificate,
    nginx_command,
    render_site,
    write_main_conf,
)

# What these tests read is the same on any database: they run once, in the SQLite pass.
pytestmark = pytest.mark.same_on_any_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "portal.conf"
UNITS = sorted((DEPLOY / "systemd").glob("portal-*.*"))
GUIDE = ROOT / "docs" / "deploy.md"
ENV_EXAMPLE = DEPLOY / "portal.env.example"
WRAPPER = DEPLOY / "portal-flask"
REQUIRED = os.environ.get("PORTAL_REQUIRE_TOOLS") == "1"
# The venv these tests run in: it has flask and gunicorn, as /srv/portal/venv does.
VENV_BIN = Path(sys.prefix) / "bin"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SH = shutil.which("sh") or "/bin/sh"
SETTING = re.compile(r"\bPORTAL_[A-Z][A-Z_]*[A-Z]\b")


def need(tool: str | None, name: str) -> str:
    """Return the tool's path, or skip (fail under PORTAL_REQUIRE_TOOLS=1) without it."""
    if tool:
        return tool
    if REQUIRED:
        pytest.fail(f"PORTAL_REQUIRE_TOOLS=1 but {name} is not installed")
    pytest.skip(f"{name} is not installed (Debian package: {name})")


def clean_environment(**extra: str) -> dict:
    """The caller's environment without any portal or Flask setting, plus ``extra``."""
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PORTAL_", "FLASK_"))
    }
    return {**keep, **extra}


@pytest.fixture(scope="module")
def flask_commands(tmp_path_factory) -> set[str]:
    """The command names `flask --app portal --help` lists (a development app in a
    temporary data folder)."""
    data = tmp_path_factory.mktemp("data")
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "portal", "--help"],
        env=clean_environment(PORTAL_DATA_DIR=str(data)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    listing = done.stdout.split("Commands:", 1)[1]
    return set(re.findall(r"^  (\S+)", listing, flags=re.MULTILINE))


def site_text() -> str:
    return SITE.read_text(encoding="utf-8")


def strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


# nginx


def test_nginx_accepts_the_site(tmp_path):
    need(NGINX, "nginx")
    cert, key = make_certificate(tmp_path)
    site = render_site(
        tmp_path,
        http_port=18080,
        https_port=18443,
        upstreams=["127.0.0.1:18000", "127.0.0.1:18001"],
        cert=cert,
        key=key,
    )
    main = write_main_conf(tmp_path, site)
    done = subprocess.run(nginx_command(tmp_path, main, "-t"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    # A warning (a directive ignored or redefined) is a mistake in the site as well.
    assert "[warn]" not in done.stderr, done.stderr


def test_the_site_takes_uploads_as_large_as_the_portal_does():
    portal_limit = portal_config.from_environment(
        {"SECRET_KEY": "x" * 32, "IDENTITY_KEY": "y" * 32}
    )["MAX_CONTENT_LENGTH"]
    sizes = re.findall(r"^\s*client_max_body_size\s+(\S+);", strip_comments(site_text()), re.M)
    assert sizes == [f"{portal_limit // (1024 * 1024)}m"]
    assert portal_limit % (1024 * 1024) == 0


def test_the_site_logs_no_query_string_and_no_referer():
    text = strip_comments(site_text())
    formats = re.findall(r"\blog_format\s+(\S+)\s+((?:'[^']*'\s*)+);", text)
    assert [name for name, _ in formats] == ["portal_private"]
    logged = formats[0][1]
    assert "$request_method" in logged
    assert "$uri" in logged
    for variable in ("$request", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert not re.search(re.escape(variable) + r"(?![a-z_])", logged), variable
    assert "$arg_" not in logged
    # An access_log without a format would log nginx's "combined": the request line and the
    # Referer.
    access_logs = re.findall(r"^\s*access_log\s+([^;]+);", text, re.M)
    assert access_logs
    for directive in access_logs:
        words = directive.split()
        assert words == ["off"] or words[1:] == ["portal_private"], directive


def test_the_site_sends_the_client_address_nginx_saw():
    text = strip_comments(site_text())
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", text)
    assert "$proxy_add_x_forwarded_for" not in text
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", text)
    assert re.search(r'add_header\s+Strict-Transport-Security\s+"max-age=\d+', text)
    # A location's own add_header would drop the server's Strict-Transport-Security.
    for block in re.findall(r"location[^{]*\{([^}]*)\}", text):
        assert "add_header" not in block


def test_static_files_are_cached_from_the_app_not_read_from_a_folder():
    text = strip_comments(site_text())
    static = re.search(r"location /static/ \{([^}]*)\}", text).group(1)
    assert "proxy_pass http://portal_app;" in static
    assert "proxy_cache portal_static;" in static
    assert "alias" not in static
    assert "root" not in static


# gunicorn


def gunicorn_settings() -> dict:
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_logs_no_query_string_and_no_referer():
    settings = gunicorn_settings()
    assert settings["accesslog"] == "-"
    logged = settings["access_log_format"]
    assert "%(m)s" in logged
    assert "%(U)s" in logged
    for atom in ("%(r)s", "%(q)s", "%(f)s"):
        assert atom not in logged
    assert "{referer}i" not in logged.lower()


def test_gunicorn_trusts_no_forwarded_header_itself(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.delenv("PORTAL_BIND", raising=False)
    monkeypatch.setenv("PORTAL_WORKERS", "3")
    config = Config()
    for name, value in gunicorn_settings().items():
        if name in config.settings:
            config.set(name, value)
    assert config.forwarded_allow_ips == []
    assert config.secure_scheme_headers == {}
    assert config.forwarder_headers == []
    assert config.address == [("127.0.0.1", 8000)]
    assert config.workers == 3
    assert config.timeout == 60


def test_gunicorn_takes_its_address_and_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_BIND", "10.0.0.11:8000")
    monkeypatch.delenv("PORTAL_WORKERS", raising=False)
    settings = gunicorn_settings()
    assert settings["bind"] == "10.0.0.11:8000"
    cores = len(os.sched_getaffinity(0))
    assert settings["workers"] == min(2 * cores + 1, 8)


# systemd


def test_systemd_accepts_the_units(tmp_path):
    analyze = need(SYSTEMD_ANALYZE, "systemd-analyze")
    assert {unit.name for unit in UNITS} >= {
        "portal-web.service",
        "portal-mail.service",
        "portal-housekeeping.service",
        "portal-housekeeping.timer",
        "portal-backup.service",
        "portal-backup.timer",
        "portal-erase-people.service",
        "portal-erase-people.timer",
    }
    # systemd-analyze checks that each command exists: the units run this repository's code
    # with the venv the tests run in instead of /srv/portal's.
    (tmp_path / "venv").symlink_to(Path(sys.prefix))
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/srv/portal/venv", str(tmp_path / "venv"))
        text = text.replace("/srv/portal/app", str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", *(unit.name for unit in UNITS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Unknown or misspelt settings are only warned about: no line may name one of our units.
    ours = [line for line in output.splitlines() if "portal-" in line or str(tmp_path) in line]
    assert ours == []


def test_timers_start_their_services():
    for timer in (unit for unit in UNITS if unit.suffix == ".timer"):
        assert timer.with_suffix(".service").exists(), timer.name
        assert "WantedBy=timers.target" in timer.read_text(encoding="utf-8")


def unit_commands() -> set[str]:
    commands = set()
    for unit in UNITS:
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("Exec"):
                commands.update(re.findall(r"/flask --app portal ([a-z][a-z-]*)", line))
    return commands


def test_every_command_the_units_run_exists(flask_commands):
    used = unit_commands()
    assert {"check", "mail-worker", "housekeeping", "backup", "erase-people"} <= used
    assert used - flask_commands == set()


def test_every_command_the_guide_gives_exists(flask_commands):
    guide = GUIDE.read_text(encoding="utf-8")
    given = set(re.findall(r"portal-flask ([a-z][a-z-]*)", guide))
    given |= set(re.findall(r"flask --app portal ([a-z][a-z-]*)", guide))
    assert {"check", "upgrade", "init-company", "create-staff", "backup", "restore"} <= given
    assert given - flask_commands == set()


def test_the_first_run_sets_the_company_up_after_the_upgrade():
    guide = GUIDE.read_text(encoding="utf-8")
    first_run = guide.split("## First run", 1)[1].split("\n## ", 1)[0]
    commands = re.search(r"```sh\n(.*?)```", first_run, re.S).group(1).split("\n")
    assert [c for c in commands if c][:3] == [
        "portal-flask check",
        "portal-flask upgrade",
        "portal-flask init-company",
    ]


def test_the_units_run_the_shipped_files():
    web = (DEPLOY / "systemd" / "portal-web.service").read_text(encoding="utf-8")
    assert "-c /srv/portal/app/deploy/gunicorn.conf.py 'portal:create_app()'" in web
    for unit in (unit for unit in UNITS if unit.suffix == ".service"):
        text = unit.read_text(encoding="utf-8")
        for setting in (
            "User=portal",
            "Group=portal",
            "WorkingDirectory=/srv/portal/app",
            "EnvironmentFile=/etc/portal/portal.env",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
        ):
            assert setting in text.splitlines(), (unit.name, setting)
    backup = (DEPLOY / "systemd" / "portal-backup.service").read_text(encoding="utf-8")
    assert "UMask=0077" in backup.splitlines()
    assert "/srv/portal/backups" in re.search(r"^ReadWritePaths=(.*)$", backup, re.M).group(1)


# settings


def settings_in(path: Path) -> set[str]:
    """The PORTAL_* names a Python file mentions, including the keys config.py reads by
    name (``_local_secret("secret_key", ...)`` reads PORTAL_SECRET_KEY)."""
    text = path.read_text(encoding="utf-8")
    secrets = re.findall(r"_local_secret\(\s*\"(\w+)\"", text)
    return set(SETTING.findall(text)) | {f"PORTAL_{name.upper()}" for name in secrets}


def settings_read_by_the_portal() -> set[str]:
    found = set()
    for path in (ROOT / "portal").rglob("*.py"):
        found |= settings_in(path)
    return found


def test_every_setting_the_portal_reads_is_documented():
    documented = set()
    for path in (GUIDE, ENV_EXAMPLE, ROOT / "README.md"):
        documented |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    read = settings_in(ROOT / "portal" / "config.py") | settings_in(ROOT / "portal" / "cli.py")
    assert {"PORTAL_SECRET_KEY", "PORTAL_IDENTITY_KEY", "PORTAL_DATABASE_URL"} <= read
    assert read - documented == set()
    assert settings_read_by_the_portal() - documented == set()


def test_every_setting_in_the_example_is_read_by_the_portal():
    example = set(SETTING.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))
    read = settings_read_by_the_portal()
    read |= set(SETTING.findall((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")))
    assert example - read == set()


def example_values() -> dict[str, str]:
    """The example's active settings as systemd's EnvironmentFile= reads them (values
    unquoted; the example uses no escapes)."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.split("=", 1)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def test_the_shell_and_systemd_read_the_example_alike():
    done = subprocess.run(
        [SH, "-c", 'set -a; . "$1"; set +a; env -0', "sh", str(ENV_EXAMPLE)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    from_shell = dict(
        item.split("=", 1) for item in done.stdout.split("\0") if item.startswith("PORTAL_")
    )
    assert from_shell == example_values()


def start_check(values: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "portal", "check"],
        env=clean_environment(**values),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_example_is_refused_until_its_placeholders_are_filled_in(tmp_path):
    as_shipped = example_values()
    filled_in = {
        **as_shipped,
        "PORTAL_SECRET_KEY": "a1" * 32,
        "PORTAL_IDENTITY_KEY": "b2" * 32,
        "PORTAL_SMTP_HOST": "smtp.example.fi",
    }
    # Both at once: each is a process start, and they share nothing.
    refusing, accepting = start_check(as_shipped, tmp_path), start_check(filled_in, tmp_path)
    _, refused = refusing.communicate()
    accepted, problems = accepting.communicate()
    assert refusing.returncode == 1
    for name in ("PORTAL_SECRET_KEY", "PORTAL_IDENTITY_KEY"):
        assert name in refused
    assert accepting.returncode == 0, problems
    assert "complete" in accepted
    # Before the first upgrade there is no database to look into: said, and not a problem.
    assert "The database could not be opened" in accepted


# The company's own details are data (the profile at /staff/settings), not settings.
MOVED = (
    "PORTAL_PAYEE_NAME",
    "PORTAL_PAYEE_IBAN",
    "PORTAL_PAYEE_BIC",
    "PORTAL_APPOINTMENT_HOURS",
    "PORTAL_WALK_IN_HOURS",
    "PORTAL_SERVICE_POINT_ADDRESS",
    "PORTAL_MAIL_FROM",
    "PORTAL_MAINTENANCE_CALLER",
)


def test_the_company_details_are_no_longer_settings():
    assert set(MOVED) & set(example_values()) == set()
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert not re.search(rf"^#?({'|'.join(MOVED)})=", example, re.M)
    assert "init-company" in example and "/staff/settings" in example
    assert not set(MOVED) & settings_in(ROOT / "portal" / "config.py")
    for path in (GUIDE, ROOT / "README.md"):
        text = path.read_text(encoding="utf-8")
        # Named only where the text says they are read once into the profile.
        assert not re.search(rf"^\|.*`({'|'.join(MOVED)})`", text, re.M), path.name
        assert "the upgrade reads them once into the profile" in " ".join(text.split())


def test_the_example_holds_no_real_key():
    values = example_values()
    assert values["PORTAL_SECRET_KEY"] == "change-me"
    assert values["PORTAL_IDENTITY_KEY"] == "change-me"
    assert values["PORTAL_ENV"] == "production"
    assert values["PORTAL_TRUSTED_PROXIES"] == "1"
    assert values["PORTAL_MAIL_WORKER"] == "off"


# the guide


def test_the_guide_points_at_files_that_exist():
    guide = GUIDE.read_text(encoding="utf-8")
    mentioned = set(re.findall(r"\b(deploy/[\w./*-]*[\w*])", guide))
    assert "deploy/portal.env.example" in mentioned
    for pattern in mentioned:
        assert list(ROOT.glob(pattern)), pattern
    assert "../README.md#configuration" in guide
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^## Configuration$", readme, re.M)


def test_the_wrapper_runs_flask_as_the_portal_user():
    text = WRAPPER.read_text(encoding="utf-8")
    assert os.access(WRAPPER, os.X_OK)
    assert "runuser -u portal" in text
    assert "/etc/portal/portal.env" in text
    assert subprocess.run([SH, "-n", str(WRAPPER)], check=False).returncode == 0


# the lock file


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_runtime_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {}
    for requirement in project["dependencies"]:
        name, version = re.fullmatch(
            r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", requirement
        ).groups()
        wanted[canonical(name)] = version
    lock = (DEPLOY / "requirements.txt").read_text(encoding="utf-8")
    pinned, hashes = {}, {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock):
        head = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if head:
            name = canonical(head.group(1))
            pinned[name] = head.group(2)
            hashes[name] = re.findall(r"--hash=sha256:[0-9a-f]{64}", block)
    for name, version in wanted.items():
        assert pinned.get(name) == version, name
    # pip's --require-hashes needs a hash for every package, dependencies included.
    assert all(hashes.values()), [name for name, found in hashes.items() if not found]
    # The header's command is the one to run again, from the repository's root.
    command = re.search(r"^#\s+(pip-compile .*)$", lock, re.M).group(1)
    assert "--generate-hashes" in command
    assert "--output-file=deploy/requirements.txt" in command
    assert not re.search(r"(^|\s|=)/", command)
