"""Configuration from environment variables, with safe defaults for a local run."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"


# The demo company's payee account: real invoices must never carry it. The payee is the
# company's data now, so `flask check` looks for it in the database, not in the settings.
DEMO_PAYEE_IBAN = "FI7944052020036082"
# Keys shorter than this are guessable or were typed by hand (bytes of the UTF-8 text).
MIN_KEY_BYTES = 32
KEY_COMMAND = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class ConfigError(RuntimeError):
    """Raised when the environment does not give what production needs."""


def _local_secret(name: str, env: str, data_dir: Path) -> str:
    """Return a secret: from the environment, or generated once into the data folder locally.
    In production a missing key is left empty, for the production check to report."""
    key = os.environ.get(f"PORTAL_{name.upper()}")
    if key:
        return key
    if env == "production":
        return ""
    # A local run keeps one generated key so that sessions and hashes survive a restart.
    path = data_dir / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def from_environment(overrides: dict | None = None, *, refuse_unsafe: bool = True) -> dict:
    """Build the configuration from PORTAL_* environment variables, then apply overrides.

    In production every unsafe or missing setting is refused at once, in one ConfigError
    that lists them all (``refuse_unsafe=False`` returns the settings anyway, for the
    check command to list the problems itself)."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV_NAME") or os.environ.get("PORTAL_ENV", "development")
    if env not in ("development", "production"):
        raise ConfigError("PORTAL_ENV must be 'development' or 'production'.")
    data_dir = Path(
        overrides.get("DATA_DIR") or os.environ.get("PORTAL_DATA_DIR") or DEFAULT_DATA_DIR
    ).resolve()
    production = env == "production"
    settings = {
        "ENV_NAME": env,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": os.environ.get(
            "PORTAL_DATABASE_URL", f"sqlite:///{data_dir / 'portal.db'}"
        ),
        "UPLOAD_DIR": os.environ.get("PORTAL_UPLOAD_DIR", str(data_dir / "uploads")),
        "PUBLIC_URL": os.environ.get("PORTAL_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Backups go beside the data folder, never inside it: a copy of the data folder (or
        # its loss) must not take the backups with it.
        "BACKUP_DIR": os.environ.get("PORTAL_BACKUP_DIR", str(data_dir.parent / "backups")),
        "BACKUP_KEEP_DAYS": int(os.environ.get("PORTAL_BACKUP_KEEP_DAYS", "14")),
        # How many proxies (nginx) stand in front of the portal and add X-Forwarded-For and
        # X-Forwarded-Proto. 0: no forwarding header is trusted, as anyone can send one.
        "TRUSTED_PROXIES": int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0")),
        # The addresses those proxies connect from (comma-separated addresses or networks):
        # forwarding headers on any other connection are dropped.
        "PROXY_ADDRESSES": os.environ.get("PORTAL_PROXY_ADDRESSES", "127.0.0.1, ::1"),
        # "text", or "json": one JSON line per request for a log collector.
        "LOG_FORMAT": os.environ.get("PORTAL_LOG_FORMAT", "text"),
        # /readyz reports a problem when an email has waited longer than this unsent (a
        # stopped mail worker, an SMTP server refusing).
        "READY_MAIL_MINUTES": int(os.environ.get("PORTAL_READY_MAIL_MINUTES", "15")),
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # A form left open for a working day still goes through (its CSRF token lives in
        # the session): the cookie outlives the token's 12 hours of validity.
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # A form left open for a working day must still submit.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Five phone photos sent without JavaScript (not resized in the browser) must fit.
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        # The seed's rules: links valid 24 hours, passwords of at least ten characters.
        "LINK_LIFETIME_HOURS": int(os.environ.get("PORTAL_LINK_LIFETIME_HOURS", "24")),
        "PASSWORD_MIN_LENGTH": int(os.environ.get("PORTAL_PASSWORD_MIN_LENGTH", "10")),
        # How long a confirmed email stays valid while the person identifies and picks a password.
        "REGISTRATION_MINUTES": 60,
        "MAX_DEFECT_PHOTOS": 5,
        # How many weekly household sauna turns one household may hold.
        "SAUNA_TURNS_PER_HOUSEHOLD": int(os.environ.get("PORTAL_SAUNA_TURNS_PER_HOUSEHOLD", "1")),
        # Notice periods in whole months, counted from the end of the month notice is given in:
        # a cancelled sauna turn ends this month (0), a parking contract a month later (1).
        "SAUNA_NOTICE_MONTHS": int(os.environ.get("PORTAL_SAUNA_NOTICE_MONTHS", "0")),
        "PARKING_NOTICE_MONTHS": int(os.environ.get("PORTAL_PARKING_NOTICE_MONTHS", "1")),
        # Parking: how many spaces and open applications one household may have, and how many
        # days a household has to accept or decline an offered space.
        "PARKING_PER_HOUSEHOLD": int(os.environ.get("PORTAL_PARKING_PER_HOUSEHOLD", "2")),
        "PARKING_OFFER_DAYS": int(os.environ.get("PORTAL_PARKING_OFFER_DAYS", "7")),
        # The customer service point's booking: slot length, desks, how soon and how far ahead
        # one can book (its address and hours are the company's data).
        "APPOINTMENT_SLOT_MINUTES": int(os.environ.get("PORTAL_APPOINTMENT_SLOT_MINUTES", "30")),
        "APPOINTMENT_DESKS": int(os.environ.get("PORTAL_APPOINTMENT_DESKS", "2")),
        "APPOINTMENT_LEAD_MINUTES": int(os.environ.get("PORTAL_APPOINTMENT_LEAD_MINUTES", "60")),
        "APPOINTMENT_WEEKS_AHEAD": int(os.environ.get("PORTAL_APPOINTMENT_WEEKS_AHEAD", "6")),
        # Sign-ins end after this long without activity, and after this long in any case;
        # staff, who see many people's data, sooner.
        "IDLE_MINUTES": int(os.environ.get("PORTAL_IDLE_MINUTES", "60")),
        "SESSION_HOURS": int(os.environ.get("PORTAL_SESSION_HOURS", "12")),
        "STAFF_IDLE_MINUTES": int(os.environ.get("PORTAL_STAFF_IDLE_MINUTES", "30")),
        "STAFF_SESSION_HOURS": int(os.environ.get("PORTAL_STAFF_SESSION_HOURS", "10")),
        # Re-authentication: a bank account change, giving a power of attorney and giving
        # notice on the lease need a sign-in (or the password) this recent (minutes).
        "RECENT_SIGN_IN_MINUTES": int(os.environ.get("PORTAL_RECENT_SIGN_IN_MINUTES", "10")),
        # Staff sign in with a one-time code from an authenticator app (on in production).
        "STAFF_TOTP_REQUIRED": os.environ.get("PORTAL_STAFF_TOTP", "1" if production else "0")
        == "1",
        # How long after a tenancy ends a person's data is kept before it may be erased.
        "PERSONAL_DATA_RETENTION_DAYS": int(
            os.environ.get("PORTAL_PERSONAL_DATA_RETENTION_DAYS", "730")
        ),
        # Email: without an SMTP host, messages stay in the outbox (shown on a development page).
        "SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("PORTAL_SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("PORTAL_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("PORTAL_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("PORTAL_SMTP_STARTTLS", "0") == "1",
        "SMTP_TIMEOUT": float(os.environ.get("PORTAL_SMTP_TIMEOUT", "10")),
        # "thread": deliver email from a thread of the web process; "off": a separate worker
        # (`flask --app portal mail-worker`) does it.
        "MAIL_WORKER": os.environ.get("PORTAL_MAIL_WORKER", "off"),
        # Strong identification: an OpenID Connect provider (a bank-ID broker).
        "OIDC_ISSUER_URL": os.environ.get("PORTAL_OIDC_ISSUER_URL", ""),
        "OIDC_CLIENT_ID": os.environ.get("PORTAL_OIDC_CLIENT_ID", "resident-portal"),
        "OIDC_CLIENT_SECRET": os.environ.get("PORTAL_OIDC_CLIENT_SECRET", ""),
        "OIDC_IDENTITY_CLAIM": os.environ.get("PORTAL_OIDC_IDENTITY_CLAIM", "hetu"),
        # Rate limits: memory for one process; a shared store (redis://…) for several.
        # How long a write waits for another writer's lock (SQLite) before the person is
        # asked to try again.
        "DATABASE_BUSY_TIMEOUT_MS": int(os.environ.get("PORTAL_DATABASE_BUSY_TIMEOUT_MS", "5000")),
        # The portal's own database by default, so the limits hold across server processes.
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "PORTAL_RATELIMIT_STORAGE_URI", "portal-database://"
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Run the portal as if it were another moment (Helsinki time unless an offset is
        # given, e.g. 2028-02-29T10:00): the clock starts there and runs on. For demos and
        # tests of dates; refused in production.
        "CLOCK": os.environ.get("PORTAL_CLOCK", ""),
        # How hard password hashes are to compute: "strong" (always in production) or, for
        # test suites only, "fast".
        "PASSWORD_HASHING": os.environ.get("PORTAL_PASSWORD_HASHING", "strong"),
    }
    settings.update(overrides)
    if settings["PASSWORD_HASHING"] not in ("strong", "fast"):
        raise ConfigError("PORTAL_PASSWORD_HASHING must be 'strong' or 'fast'.")
    if settings["LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError("PORTAL_LOG_FORMAT must be 'text' or 'json'.")
    if settings["TRUSTED_PROXIES"] < 0:
        raise ConfigError("PORTAL_TRUSTED_PROXIES must be 0 or more.")
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _local_secret("secret_key", env, data_dir)
    # Keyed hashes of personal identity codes: a separate key, so rotating the session
    # key does not lose the link between people and the housing register.
    if not settings.get("IDENTITY_KEY"):
        settings["IDENTITY_KEY"] = _local_secret("identity_key", env, data_dir)
    if refuse_unsafe and production:
        found = production_problems(settings)
        if found:
            raise ConfigError(describe_problems(found))
    return settings


def _debug_requested(environ) -> bool:
    """Flask's own reading of FLASK_DEBUG (anything but empty, 0, false or no is on)."""
    return environ.get("FLASK_DEBUG", "").lower() not in ("", "0", "false", "no")


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def production_problems(settings: dict, environ=None) -> list[str]:
    """Every setting that makes a production portal unsafe or unable to serve, each with
    what to do about it (an empty list: ready)."""

    environ = os.environ if environ is None else environ
    found = []
    for name in ("SECRET_KEY", "IDENTITY_KEY"):
        key = settings.get(name) or ""
        if not key:
            found.append(f"PORTAL_{name} is not set: generate one with {KEY_COMMAND}")
        elif len(key.encode()) < MIN_KEY_BYTES:
            found.append(
                f"PORTAL_{name} is shorter than {MIN_KEY_BYTES} bytes: "
                f"generate one with {KEY_COMMAND}"
            )
    if _debug_requested(environ):
        found.append("FLASK_DEBUG is on: it shows an interactive debugger on any error. Unset it.")
    if not _is_https(settings["PUBLIC_URL"]):
        found.append(
            f"PORTAL_PUBLIC_URL is {settings['PUBLIC_URL']!r}: the address residents use, "
            "https://…, which emailed links point to."
        )
    if not settings["SMTP_HOST"]:
        found.append(
            "PORTAL_SMTP_HOST is not set: without it no email (confirmation links, password "
            "resets, notifications) can be sent."
        )
    issuer = settings["OIDC_ISSUER_URL"]
    if issuer and not _is_https(issuer):
        found.append(
            f"PORTAL_OIDC_ISSUER_URL is {issuer!r}: the identity provider must be https, or "
            "left empty to identify people at the office only."
        )
    if settings["PASSWORD_HASHING"] != "strong":  # noqa: S105 (a setting, not a password)
        found.append("PORTAL_PASSWORD_HASHING must be 'strong' (or unset) in production.")
    if settings["CLOCK"]:
        found.append("PORTAL_CLOCK moves the portal's clock: it must not be set in production.")
    return found


def describe_problems(found: list[str]) -> str:
    """One message listing every problem, for the log of a server that will not start."""
    lines = "\n".join(f"  - {problem}" for problem in found)
    return f"The portal will not run in production until these settings are fixed:\n{lines}"
