"""``sufficiency create-admin`` and the settings ``sufficiency serve`` starts with."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import service_settings
from api.security import verify_secret
from sufficiency.app.store import User, make_engine, session_factory
from sufficiency.cli import app


@pytest.fixture()
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("SUFFICIENCY_") and name != "SUFFICIENCY_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SUFFICIENCY_DATA_DIR", str(tmp_path))
    return tmp_path


def test_create_admin_prints_a_password_that_signs_in(environment: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["create-admin", "--organisation", "Stockport Council",
                               "--email", "Admin@Stockport.example"])
    assert made.exit_code == 0, made.output
    password = re.search(r"password (\S+)", made.output).group(1)
    engine = make_engine(f"sqlite:///{environment / 'sufficiency.db'}")
    with session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.email == "admin@stockport.example")).one()
        assert user.role == "admin" and verify_secret(user.password_hash, password)
    engine.dispose()
    again = runner.invoke(app, ["create-admin", "--organisation", "Stockport Council",
                                "--email", "admin@stockport.example"])
    assert again.exit_code == 1 and "Could not add the admin" in again.output


def test_without_a_secret_the_service_keeps_a_private_key_file(environment: Path) -> None:
    first, second = service_settings(), service_settings()
    key_file = environment / "secret.key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value() == key_file.read_text()
    assert first.url == f"sqlite:///{environment / 'sufficiency.db'}"


def test_a_short_secret_stops_the_service(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUFFICIENCY_SECRET_KEY", "short")
    result = CliRunner().invoke(app, ["create-admin", "--organisation", "X", "--email", "x@y.example"])
    assert result.exit_code == 1 and "shorter than 32" in result.output
