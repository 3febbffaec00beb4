"""``sufficiency serve`` and ``sufficiency create-admin``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from sufficiency.app.settings import Settings, default_data_dir, ensure_key_file
from sufficiency.core.display import console

if TYPE_CHECKING:
    from rich.console import Console


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


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the HTTP API on the sample borough (docs at http://HOST:PORT/docs).

    The database is SUFFICIENCY_DATABASE_URL, or a SQLite file in the data folder. On an empty
    database the first admin is created and their password printed once.
    """
    import uvicorn

    from api.bootstrap import bootstrap
    from api.main import create_app
    from sufficiency.app.store import make_engine, session_factory, upgrade

    settings = service_settings()
    engine = make_engine(settings.url)
    upgrade(engine)
    credentials = bootstrap(session_factory(engine))
    engine.dispose()
    console.print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    if credentials is not None:
        announce_password(console, f"[bold]First admin[/] of '{credentials.organisation}': {credentials.email}",
                          credentials.password, settings.data_dir,
                          "Sign in at /auth/token, change it at POST /users/me/password and add users at POST /users.")
    console.print(f"API documentation: http://{host}:{port}/docs")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")

def create_admin_command(
    organisation: Annotated[str, typer.Option(help="The organisation (council); created if new.")],
    email: Annotated[str, typer.Option(help="The admin's e-mail, used to sign in.")],
) -> None:
    """Add an admin for an organisation (for example a second council) and print their password once."""
    from api.bootstrap import create_admin
    from sufficiency.app.store import make_engine, session_factory, upgrade

    settings = service_settings()
    engine = make_engine(settings.url)
    upgrade(engine)
    try:
        with session_factory(engine).begin() as session:
            credentials = create_admin(session, organisation, email)
    except Exception as exc:  # a duplicate e-mail is the usual cause; say so plainly
        console.print(f"[red]Could not add the admin:[/] {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        raise typer.Exit(1) from None
    announce_password(console, f"Admin {credentials.email} of '{organisation}'", credentials.password,
                      settings.data_dir, "Change it at POST /users/me/password after signing in.")


def register(app: typer.Typer) -> None:
    """Add the service commands (``serve``, ``create-admin``) to the ``sufficiency`` command line."""
    app.command()(serve)
    app.command("create-admin")(create_admin_command)
