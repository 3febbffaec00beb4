"""Settings refuse unsafe secrets outside dev and test mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from sufficiency.app.settings import Settings, ensure_key_file


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SUFFICIENCY_") and name != "SUFFICIENCY_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def test_production_refuses_a_missing_secret() -> None:
    with pytest.raises(ValidationError, match="SUFFICIENCY_SECRET_KEY is not set"):
        Settings()


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUFFICIENCY_SECRET_KEY", "changeme")
    with pytest.raises(ValidationError, match="shorter than 32"):
        Settings()


def test_production_accepts_a_long_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUFFICIENCY_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SUFFICIENCY_DATABASE_URL", "postgresql+psycopg://u@db/x")
    settings = Settings()
    assert settings.url == "postgresql+psycopg://u@db/x"
    assert settings.secret_key.get_secret_value() == "k" * 40


def test_dev_mode_makes_up_a_random_secret_each_time() -> None:
    first, second = Settings(mode="dev"), Settings(mode="dev")
    assert len(first.secret_key.get_secret_value()) >= 32
    assert first.secret_key != second.secret_key


def test_key_file_is_private_and_read(tmp_path: Path) -> None:
    key_file = ensure_key_file(tmp_path / "secret.key")
    assert key_file.stat().st_mode & 0o077 == 0
    assert Settings(secret_key_file=key_file).secret_key.get_secret_value() == key_file.read_text()
    assert ensure_key_file(key_file).read_text() == key_file.read_text()  # never overwritten


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text("x" * 64)
    key_file.chmod(0o644)
    with pytest.raises(ValidationError, match="chmod 600"):
        Settings(secret_key_file=key_file)


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(mode="test", data_dir=tmp_path)
    assert settings.url == f"sqlite:///{tmp_path / 'sufficiency.db'}"


def test_a_key_file_that_is_not_there_is_refused_not_ignored(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="which is not a file"):
        Settings(secret_key_file=tmp_path / "missing.key")
