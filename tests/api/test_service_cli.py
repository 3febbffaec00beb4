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


def test_serve_on_an_existing_database_says_how_to_sign_in(environment: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # start nothing: only what serve prints
    runner = CliRunner()
    first = runner.invoke(app, ["serve"])
    assert first.exit_code == 0, first.output
    assert "First admin" in first.output
    again = " ".join(runner.invoke(app, ["serve"]).output.split())
    assert "First admin" not in again
    assert "Sign in at http://127.0.0.1:8000/ (in a browser; programs: /auth/token)" in again
    assert "admin@example.org (Sample borough)" in again
    assert "'sufficiency reset-password --email EMAIL' prints a new one" in again


def test_reset_password_gives_a_new_password_that_signs_in(environment: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["create-admin", "--organisation", "Trafford", "--email", "a@trafford.example"])
    old = re.search(r"password (\S+)", made.output).group(1)
    reset = runner.invoke(app, ["reset-password", "--email", "A@Trafford.example"])
    assert reset.exit_code == 0, reset.output
    new = re.search(r"New password for a@trafford.example of 'Trafford': (\S+)", reset.output).group(1)
    assert new != old
    engine = make_engine(f"sqlite:///{environment / 'sufficiency.db'}")
    with session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.email == "a@trafford.example")).one()
        assert verify_secret(user.password_hash, new) and not verify_secret(user.password_hash, old)
    engine.dispose()
    unknown = runner.invoke(app, ["reset-password", "--email", "nobody@trafford.example"])
    assert unknown.exit_code == 1 and "No user has the e-mail nobody@trafford.example" in unknown.output


def test_serve_help_names_the_database_in_use(environment: Path) -> None:
    from sufficiency.cli import build_app

    text = CliRunner().invoke(build_app(), ["serve", "--help"]).output  # built now: under this environment
    assert "".join(str(environment / "sufficiency.db").split()) in "".join(text.split())
