"""``sufficiency serve``: the web app and the HTTP API, on the sample borough."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    from api.cli import start_service
    from web.app import create_app

    start_service(host, port, create_app, f"http://{host}:{port}/ (in a browser; programs: /auth/token)")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``sufficiency`` command line, its help naming the database in use."""
    from api.cli import SERVE_HELP, database_location

    app.command(help=SERVE_HELP.format(database=database_location()))(serve)
