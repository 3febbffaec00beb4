"""The ``sufficiency`` command line.

Core commands (``demo``, ``validate``, ``current``) live here; each engine adds its own
commands through ``<package>.cli.register(app)``, listed in ``_ENGINE_CLIS``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from sufficiency.core.display import console, problems_table
from sufficiency.core.errors import InputError
from sufficiency.core.inputs import Inputs, load_inputs, validate_folder

app = typer.Typer(
    name="sufficiency",
    help=(
        "School-place sufficiency for English local authorities: validate a data folder, "
        "forecast pupil numbers, plan the places needed at least cost, and report. "
        "Run 'sufficiency demo' to see it all on the embedded sample borough."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

DataDir = Annotated[
    Path,
    typer.Argument(help="A data folder holding schools.csv and rolls.csv (and optionally the other tables "
                   "and scenario.yaml); see the README's input format.", show_default=False),
]
OutDir = Annotated[Path, typer.Option("--out", help="Folder to write results into (created if missing).")]


def load_or_exit(folder: Path, overrides: dict | None = None) -> Inputs:
    """Load a data folder for a command, or print every problem and exit with status 1."""
    try:
        inputs = load_inputs(folder, overrides)
    except InputError as exc:
        _exit_with_problems(folder, exc)
    for warning in inputs.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    return inputs


def overridden_or_exit(inputs: Inputs, overrides: dict | None) -> Inputs:
    """A loaded folder under its scenario with ``overrides`` applied (the tables are not read again),
    or print why the overridden scenario cannot be used and exit with status 1."""
    try:
        return inputs.with_overrides(overrides)
    except InputError as exc:
        _exit_with_problems(inputs.folder, exc)


def _exit_with_problems(folder: Path, exc: InputError) -> NoReturn:
    console.print(problems_table(exc.problems + exc.warnings, f"{folder} cannot be used"))
    console.print(f"[red]{len(exc.problems)} problem(s) must be fixed before this folder can be used.[/]")
    raise typer.Exit(1) from None


@app.command()
def validate(
    data_dir: DataDir,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON for other tools.")] = False,
) -> None:
    """Check a data folder and list every problem with file, row, column and what to do.

    Exits with status 0 when the folder is ready to use, 1 when anything must be fixed.
    """
    problems = validate_folder(data_dir)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], indent=2))
    elif problems:
        console.print(problems_table(problems, f"Problems in {data_dir}"))
    if not as_json:
        if errors:
            console.print(f"[red]{len(errors)} error(s)[/]: fix them and run 'sufficiency validate' again.")
        else:
            console.print(f"[green]{data_dir} is valid[/] ({len(problems)} warning(s)).")
    raise typer.Exit(1 if errors else 0)


@app.command()
def current(data_dir: DataDir, out: OutDir = Path("out")) -> None:
    """Show roll against capacity, with surplus and places needed, for a data folder's latest year."""
    from sufficiency.core.summary import current_summary, print_current, write_current

    inputs = load_or_exit(data_dir)
    summary = current_summary(inputs)
    print_current(inputs, summary)
    for path in write_current(inputs, summary, out):
        console.print(f"wrote {path}")


@app.command()
def demo(out: OutDir = Path("out")) -> None:
    """Run the whole pipeline on the embedded sample borough and write every output under --out."""
    from sufficiency.app.pipeline import run_demo

    run_demo(out)


# Engines that add commands to this app. Each module defines ``register(app)``.
_ENGINE_CLIS: tuple[str, ...] = ("standards.cli", "post16.cli", "forecasting.cli", "optimiser.cli", "api.cli", "reports.cli")

for _module in _ENGINE_CLIS:
    importlib.import_module(_module).register(app)
