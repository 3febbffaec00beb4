"""``sufficiency serve``: the HTTP API and the web app, on the sample borough."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Start the web app (http://HOST:PORT/) and the HTTP API (docs at /docs) on the sample borough.

    The database is SUFFICIENCY_DATABASE_URL, or a SQLite file in the data folder. On an empty
    database the first admin is created and their e-mail and password printed once: sign in with them.
    """
    from api.cli import start_service
    from web.app import create_app

    start_service(host, port, create_app,
                  f"Open http://{host}:{port}/ in a browser and sign in with an e-mail and password "
                  f"(the first admin's, printed above on the first start; an admin adds users).\n"
                  f"API documentation: http://{host}:{port}/docs")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``sufficiency`` command line."""
    app.command()(serve)
