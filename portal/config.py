"""Configuration from environment variables, with safe defaults for a local run."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"


class ConfigError(RuntimeError):
    """Raised when the environment does not give what production needs."""


def _secret_key(env: str, data_dir: Path) -> str:
    """Return the secret key: from the environment, or kept in the data folder locally."""
    key = os.environ.get("PORTAL_SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("PORTAL_SECRET_KEY must be set in production.")
    # A local run keeps one generated key so that sessions survive a restart.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def from_environment(overrides: dict | None = None) -> dict:
    """Build the configuration from PORTAL_* environment variables, then apply overrides."""
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
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # A form left open for a working day must still submit.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
    }
    settings.update(overrides)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _secret_key(env, data_dir)
    return settings
