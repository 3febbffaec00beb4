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
    # not a terminal: the password is in a private file, never in the output (which may be a log)
    kept = Path(re.search(r"it is in (\S+) ,", made.output).group(1))
    password = kept.read_text(encoding="utf-8").strip()
    assert password not in made.output and kept.stat().st_mode & 0o077 == 0
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
    assert "'sufficiency reset-password --email EMAIL' gives a new one" in again


def _kept_password(output: str) -> str:
    """The password a command put in a private file (the output is not a terminal), read from that file."""
    kept = Path(re.search(r"it is in (\S+) ,", " ".join(output.split())).group(1))
    return kept.read_text(encoding="utf-8").strip()


def test_reset_password_gives_a_new_password_that_signs_in(environment: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["create-admin", "--organisation", "Trafford", "--email", "a@trafford.example"])
    old = _kept_password(made.output)
    reset = runner.invoke(app, ["reset-password", "--email", "A@Trafford.example"])
    assert reset.exit_code == 0, reset.output
    assert "New password for a@trafford.example of 'Trafford'" in reset.output
    new = _kept_password(reset.output)
    assert new != old and new not in reset.output
    engine = make_engine(f"sqlite:///{environment / 'sufficiency.db'}")
    with session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.email == "a@trafford.example")).one()
        assert verify_secret(user.password_hash, new) and not verify_secret(user.password_hash, old)
    engine.dispose()
    unknown = runner.invoke(app, ["reset-password", "--email", "nobody@trafford.example"])
    assert unknown.exit_code == 1 and "No user has the e-mail nobody@trafford.example" in unknown.output


def test_reset_password_asks_whose_when_two_councils_share_an_e_mail(environment: Path) -> None:
    runner = CliRunner()
    for council in ("Trafford", "Stockport"):
        made = runner.invoke(app, ["create-admin", "--organisation", council, "--email", "a@shared.example"])
        assert made.exit_code == 0, made.output
    both = runner.invoke(app, ["reset-password", "--email", "a@shared.example"])
    assert both.exit_code == 1 and "'Stockport', 'Trafford'" in both.output and "--organisation" in both.output
    one = runner.invoke(app, ["reset-password", "--email", "a@shared.example", "--organisation", "Stockport"])
    assert one.exit_code == 0 and "of 'Stockport'" in one.output, one.output


def test_serve_help_names_the_database_in_use(environment: Path) -> None:
    from sufficiency.cli import build_app

    text = CliRunner().invoke(build_app(), ["serve", "--help"]).output  # built now: under this environment
    assert "".join(str(environment / "sufficiency.db").split()) in "".join(text.split())


def test_a_new_password_is_shown_on_a_terminal_and_never_in_other_output(tmp_path: Path) -> None:
    """Issue 15, item 12: the first admin's password reaches the terminal once and no log."""
    import io

    from rich.console import Console

    from api.cli import announce_password

    terminal = io.StringIO()
    assert announce_password(Console(file=terminal, force_terminal=True), "Admin a@b", "s3cret-pass", tmp_path,
                             "") is None
    assert "s3cret-pass" in terminal.getvalue() and not list(tmp_path.iterdir())
    log = io.StringIO()
    kept = announce_password(Console(file=log, force_terminal=False), "Admin a@b", "s3cret-pass", tmp_path, "")
    assert "s3cret-pass" not in log.getvalue() and str(kept) in log.getvalue()
    assert kept.read_text(encoding="utf-8").strip() == "s3cret-pass" and kept.stat().st_mode & 0o077 == 0
