"""Configuration from the environment with safe defaults."""

import pytest

from portal import create_app
from portal.config import ConfigError, from_environment


def test_production_needs_a_secret_key_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        from_environment()
    assert not (tmp_path / "secret_key").exists()


def test_production_needs_an_identity_key_of_its_own(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 64)
    monkeypatch.delenv("PORTAL_IDENTITY_KEY", raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="PORTAL_IDENTITY_KEY"):
        from_environment()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PORTAL_IDENTITY_KEY", "i" * 64)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://asukas.example.fi")
    monkeypatch.setenv("PORTAL_SMTP_HOST", "smtp.example.fi")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = from_environment()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SECRET_KEY"] == "k" * 64


def test_local_run_keeps_one_generated_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    first = from_environment()
    second = from_environment()
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SESSION_COOKIE_SECURE"] is False


def test_defaults_put_database_and_uploads_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    settings = from_environment({"SECRET_KEY": "x"})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert settings["UPLOAD_DIR"] == str(tmp_path / "uploads")


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "staging")
    with pytest.raises(ConfigError):
        from_environment({"SECRET_KEY": "x"})


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == url


def test_backups_are_kept_beside_the_data_folder_not_in_it(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_BACKUP_DIR", raising=False)
    settings = from_environment({"SECRET_KEY": "x", "DATA_DIR": str(tmp_path / "data")})
    assert settings["BACKUP_DIR"] == str(tmp_path / "backups")
