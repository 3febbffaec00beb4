"""The service's start (``sufficiency serve``, registered by ``web.cli``), ``sufficiency create-admin`` and
``sufficiency reset-password``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from sufficiency.app.settings import Settings, default_data_dir, ensure_key_file
from sufficiency.core.display import console

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine


def service_settings(**overrides: object) -> Settings:
    """Settings from the environment; without a secret, one kept in a private file in the data folder."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        if "SUFFICIENCY_SECRET_KEY is not set" not in str(exc):
            console.print(f"[red]The settings cannot be used:[/] {exc.errors()[0]['msg']}")
            raise typer.Exit(1) from None
    data_dir = Path(os.environ.get("SUFFICIENCY_DATA_DIR") or default_data_dir())
    key_file = ensure_key_file(data_dir / "secret.key")
    try:
        settings = Settings(secret_key_file=key_file, **overrides)
    except ValidationError as exc:
        console.print(f"[red]The settings cannot be used:[/] {exc.errors()[0]['msg']}")
        raise typer.Exit(1) from None
    console.print(f"Token-signing key kept in {key_file} (readable by you only).")
    return settings


def database_location() -> str:
    """Where ``serve`` keeps its database, as the settings read it now (the password of a URL hidden)."""
    from sufficiency.app.settings import StoreSettings

    try:
        url = StoreSettings().url
    except Exception:  # settings that cannot be read are reported by serve itself
        return "SUFFICIENCY_DATABASE_URL, else sufficiency.db in SUFFICIENCY_DATA_DIR"
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


SERVE_HELP = (
    "Start the web app (http://HOST:PORT/, the sign-in page) and the HTTP API (docs at http://HOST:PORT/docs) on "
    "the sample borough.\n\n"
    "The database is {database} (SUFFICIENCY_DATABASE_URL, else sufficiency.db in SUFFICIENCY_DATA_DIR). "
    "On an empty database the first admin is created and their password printed once; on an existing one, serve "
    "says who can sign in, and 'sufficiency reset-password --email EMAIL' gives a user a new password."
)


def announce_password(out: Console, who: str, password: str, data_dir: Path, then: str) -> Path | None:
    """Show a new account's password once, on the terminal only.

    When the output is not a terminal (a service manager's journal, a log file, a pipe) the password is
    written instead to a file in the data folder readable only by its owner, and the output says where:
    the password never reaches a log. Returns that file, or None when the password went to the terminal.
    """
    if out.is_terminal:
        out.print(f"{who}  password: [bold]{password}[/]\nThis password is shown once. {then}")
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"password-{secrets.token_hex(4)}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    out.print(f"{who}: the output is not a terminal, so the password is not shown here (it would reach a log); "
              f"it is in {path} , readable by you only. Read it, then delete the file. {then}", soft_wrap=True)
    return path


def start_service(host: str, port: int, factory: Callable[[Settings], Any], sign_in: str, workers: int = 1,
                  factory_path: str = "api.main:create_app") -> None:
    """Migrate the database, create the first admin on an empty one (printing their password once) or name the
    admins of an existing one, say where to sign in (``sign_in``) and serve ``factory(settings)`` with uvicorn;
    with several ``workers``, each process builds its app from ``factory_path`` (uvicorn imports it)."""
    import uvicorn

    from api.bootstrap import admins, bootstrap
    from sufficiency.app.store import make_engine, session_factory, upgrade

    settings = service_settings()
    engine = make_engine(settings.url)
    upgrade(engine)
    sessions = session_factory(engine)
    credentials = bootstrap(sessions)
    with sessions() as session:
        existing = admins(session)
    engine.dispose()
    console.print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    if credentials is not None:
        announce_password(console, f"[bold]First admin[/] of '{credentials.organisation}': {credentials.email}",
                          credentials.password, settings.data_dir,
                          f"Sign in at {sign_in}, change it at POST /users/me/password and add users at POST /users.")
    else:
        names = "; ".join(f"{email} ({org})" for email, org in existing[:5]) or "none"
        console.print(f"Sign in at {sign_in} with your e-mail and password. Admins: {names}.\n"
                      "Password lost? 'sufficiency reset-password --email EMAIL' gives a new one.")
    console.print(f"API documentation: http://{host}:{port}/docs")
    if workers == 1:
        uvicorn.run(factory(settings), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own app from the environment: hand it the key file found or made here.
    if settings.secret_key_file is not None:
        os.environ.setdefault("SUFFICIENCY_SECRET_KEY_FILE", str(settings.secret_key_file))
    from api.workers import serve

    serve(factory_path, host, port, workers, log_level="info")


def _migrated() -> tuple[Settings, Engine]:
    """The service's settings and an engine on its database, migrated to the latest schema."""
    from sufficiency.app.store import make_engine, upgrade

    settings = service_settings()
    engine = make_engine(settings.url)
    upgrade(engine)
    return settings, engine


def reset_password_command(
    email: Annotated[str, typer.Option(help="The user's e-mail, as they sign in with it.", metavar="EMAIL")],
    organisation: Annotated[str | None, typer.Option(
        help="The user's organisation (council), when several have a user with that e-mail.",
        metavar="NAME")] = None,
) -> None:
    """Give a user of the service's database a new password and print it once (for a lost admin password)."""
    from api.bootstrap import reset_password
    from sufficiency.app.store import session_factory

    settings, engine = _migrated()
    try:
        with session_factory(engine).begin() as session:
            credentials = reset_password(session, email, organisation=organisation)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if credentials is None:
        console.print(f"[red]No user has the e-mail {email}[/] in {engine.url.render_as_string(hide_password=True)}. "
                      "'sufficiency serve' lists the admins; 'sufficiency create-admin' adds one.")
        raise typer.Exit(1)
    announce_password(console, f"New password for {credentials.email} of '{credentials.organisation}'",
                      credentials.password, settings.data_dir,
                      "API keys they made still work; older sign-in tokens end.")


def create_admin_command(
    organisation: Annotated[str, typer.Option(help="The organisation (council); created if new.")],
    email: Annotated[str, typer.Option(help="The admin's e-mail, used to sign in.")],
) -> None:
    """Add an admin for an organisation (for example a second council) and print their password once."""
    from api.bootstrap import create_admin
    from sufficiency.app.store import session_factory

    settings, engine = _migrated()
    try:
        with session_factory(engine).begin() as session:
            credentials = create_admin(session, organisation, email)
    except Exception as exc:  # a duplicate e-mail is the usual cause; say so plainly
        console.print(f"[red]Could not add the admin:[/] {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    announce_password(console, f"Admin {credentials.email} of '{organisation}'", credentials.password,
                      settings.data_dir, "Change it at POST /users/me/password after signing in.")


def register(app: typer.Typer) -> None:
    """Add ``create-admin`` and ``reset-password`` to the ``sufficiency`` command line (``serve``, which serves the
    web app beside the API, is added by ``web.cli``)."""
    app.command("create-admin")(create_admin_command)
    app.command("reset-password")(reset_password_command)
