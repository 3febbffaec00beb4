"""``sufficiency serve`` and ``sufficiency create-admin``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from sufficiency.app.settings import Settings, default_data_dir, ensure_key_file
from sufficiency.core.display import console


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


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help=(
        "Service processes sharing the port and the database (one per core is a good start); each holds its "
        "own runs by a lease."))] = 1,
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
        console.print(f"[bold]First admin[/] of '{credentials.organisation}': {credentials.email}  password: "
                      f"[bold]{credentials.password}[/]\nThis password is shown once; sign in at /auth/token "
                      "and add users at POST /users.")
    console.print(f"API documentation: http://{host}:{port}/docs")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own app from the environment: hand it the key file found or made here.
    if settings.secret_key_file is not None:
        os.environ.setdefault("SUFFICIENCY_SECRET_KEY_FILE", str(settings.secret_key_file))
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")

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
    console.print(f"Admin {credentials.email} of '{organisation}': password [bold]{credentials.password}[/] "
                  "(shown once).")


def register(app: typer.Typer) -> None:
    """Add the service commands (``serve``, ``create-admin``) to the ``sufficiency`` command line."""
    app.command()(serve)
    app.command("create-admin")(create_admin_command)
