"""The ``sufficiency`` command line.

Core commands (``demo``, ``validate``, ``sufficiency``) live here; each engine adds its own
commands through ``<package>.cli.register(app)``, listed in ``_ENGINE_CLIS``.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="sufficiency",
    help=(
        "School-place sufficiency for English local authorities: validate a data folder, "
        "forecast pupil numbers, plan the places needed at least cost, and report."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Engines that add commands to this app. Each module defines ``register(app)``.
_ENGINE_CLIS: tuple[str, ...] = ()

for _module in _ENGINE_CLIS:
    importlib.import_module(_module).register(app)
