"""``sufficiency serve`` and ``sufficiency create-admin``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

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
) -> None:
    """Start the HTTP API on the sample borough (docs at http://HOST:PORT/docs)."""
    from api.main import create_app

    start_service(host, port, create_app, f"API documentation: http://{host}:{port}/docs")


def start_service(host: str, port: int, factory: Callable[[Settings], Any], where: str) -> None:
    """Migrate the database, create the first admin on an empty one (printing their password once), load the
    sample borough, print ``where`` (how to reach the service) and serve ``factory(settings)`` with uvicorn.

    The database is SUFFICIENCY_DATABASE_URL, or a SQLite file in the data folder.
    """
    import uvicorn

    from api.bootstrap import bootstrap
    from sufficiency.app.store import make_engine, session_factory, upgrade

    settings = service_settings()
    engine = make_engine(settings.url)
    upgrade(engine)
    credentials = bootstrap(session_factory(engine))
    engine.dispose()
    console.print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    if credentials is not None:
        console.print(f"[bold]First admin[/] of '{credentials.organisation}': {credentials.email}  password: "
                      f"[bold]{credentials.password}[/]\nThis password is shown once; sign in with it and add users "
                      "(POST /users).")
    console.print(where)
    uvicorn.run(factory(settings), host=host, port=port, log_level="info")


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
    """Add ``create-admin`` to the ``sufficiency`` command line (``serve``, which also serves the web app, is
    registered by ``web.cli``; :func:`serve` here starts the API alone)."""
    app.command("create-admin")(create_admin_command)
