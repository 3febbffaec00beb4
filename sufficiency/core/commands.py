"""What every command of every stage shares: the data-folder argument, loading a folder or exiting
with every problem listed, reading a ``--scenario`` file, the stage runner behind a command, and the
application's services (:class:`CommandServices`: the organisation's audit trail in the store).

Engines build their commands (``<engine>/cli.py``) from these pieces, so a new stage's command
behaves like every other: the same messages, the same exit statuses (1 for a problem to fix).
Nothing here imports pandas or an engine, so ``sufficiency --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol

import typer

from sufficiency.core.display import console

if TYPE_CHECKING:
    from sufficiency.core.audit import AuditTrail
    from sufficiency.core.errors import InputError
    from sufficiency.core.inputs import Inputs
    from sufficiency.core.result import ScenarioResult

DataDir = Annotated[
    Path,
    typer.Argument(help="A data folder holding schools.csv and rolls.csv (and optionally the other tables "
                   "and scenario.yaml); see the README's input format.", show_default=False),
]
OutDir = Annotated[Path, typer.Option("--out", help="Folder to write results into (created if missing).")]
ScenarioFile = Annotated[
    Path | None, typer.Option("--scenario", help="Scenario YAML whose settings override the folder's.")]
StoreOption = Annotated[str | None, typer.Option(
    "--store", help="The store's database URL (or a SQLite file); default SUFFICIENCY_DATABASE_URL, else the "
    "service's own SQLite file, so the command line and the API share one audit trail.")]
OrganisationOption = Annotated[str | None, typer.Option(
    "--organisation", help="Whose audit trail, by the organisation's name; default the store's only one.")]


class CommandServices(Protocol):
    """What the application gives a stage's commands (as typer's ``ctx.obj``), so that an engine's command uses
    the store the API uses without importing it.

    Each method prints why and exits with status 1 when it cannot give what is asked for.
    """

    def audit_trail(self, store: str | None, organisation: str | None) -> AuditTrail:
        """The organisation's audit trail in the store at ``store`` (default: the service's database), migrated.

        ``organisation`` names it; without one, the store's only organisation. On an empty store the named
        organisation is created."""
        ...

    def existing_audit_trail(self, store: str | None, organisation: str | None) -> AuditTrail | None:
        """The same trail to read, or None when nothing can have been recorded yet (no database, or no
        organisation in it); creates nothing but the store's tables."""
        ...


def command_services(ctx: typer.Context) -> CommandServices:
    """The application's services for a command (``ctx.obj``), or exit saying how to run the command."""
    services = ctx.obj
    if services is None or not hasattr(services, "audit_trail"):
        console.print(f"[red]'{ctx.command_path}' needs the application's store; run it from the 'sufficiency' "
                      "command line.[/]")
        raise typer.Exit(1)
    return services


def load_or_exit(folder: Path, overrides: dict[str, Any] | None = None) -> Inputs:
    """Load a data folder for a command, or print every problem and exit with status 1."""
    from sufficiency.core.errors import InputError
    from sufficiency.core.inputs import load_inputs

    try:
        inputs = load_inputs(folder, overrides)
    except InputError as exc:
        exit_with_problems(folder, exc)
    for warning in inputs.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    return inputs


def overridden_or_exit(inputs: Inputs, overrides: dict[str, Any] | None) -> Inputs:
    """A loaded folder under its scenario with ``overrides`` applied (the tables are not read again),
    or print why the overridden scenario cannot be used and exit with status 1."""
    from sufficiency.core.errors import InputError

    try:
        return inputs.with_overrides(overrides)
    except InputError as exc:
        exit_with_problems(inputs.folder, exc)


def exit_with_problems(folder: Path, exc: InputError) -> NoReturn:
    """Print every problem (and warning) of a folder that cannot be used, then exit with status 1."""
    from sufficiency.core.display import problems_table

    console.print(problems_table(exc.problems + exc.warnings, f"{folder} cannot be used"))
    console.print(f"[red]{len(exc.problems)} problem(s) must be fixed before this folder can be used.[/]")
    raise typer.Exit(1) from None


def scenario_file_or_exit(path: Path | None) -> dict[str, Any] | None:
    """The settings of a ``--scenario`` YAML file, checked on their own so that a mistake is reported
    against that file (not the folder's scenario.yaml); exit with status 1 when it cannot be used."""
    if path is None:
        return None
    from sufficiency.core.display import problems_table
    from sufficiency.core.safeyaml import load_yaml
    from sufficiency.core.scenario import load_scenario

    if not path.is_file():
        console.print(f"[red]--scenario {path}: no such file. Give the path of a scenario YAML file.[/]")
        raise typer.Exit(1)
    _, problems = load_scenario(path)
    if problems:
        console.print(problems_table(problems, f"{path} cannot be used"))
        console.print(f"[red]--scenario {path}: fix the file.[/]")
        raise typer.Exit(1)
    loaded = load_yaml(path.read_text(encoding="utf-8"))
    return loaded or None


def run_or_exit(inputs: Inputs, stages: Iterable[str] | None, options: Mapping[str, Any] | None = None,
                label: str | None = None, earlier: Mapping[str, Any] | None = None) -> ScenarioResult:
    """Run stages (every stage of a full run when None, and the stages they require) with a status line
    naming the stage at work; a problem in the data that a stage finds is printed against the folder,
    with exit status 1."""
    from sufficiency.core.display import progress_log
    from sufficiency.core.result import run_scenario
    from sufficiency.core.stages import REGISTRY, StageError

    wanted = REGISTRY.full() if stages is None else list(stages)
    titles = {"current": "Current sufficiency", **{s.name: s.title for s in REGISTRY.plan(wanted)}}
    # In a terminal a status line names the stage at work; elsewhere (a log, CI) a spinner shows nothing, so
    # each stage is logged with the time since the start.
    log = None if console.is_terminal else progress_log("run")
    with console.status(label or "Working...") as status:
        try:
            if log is not None:
                log(label or "Working...")

            def progress(name: str) -> None:
                text = f"{titles.get(name, name.capitalize())}..."
                status.update(text)
                if log is not None:
                    log(f"{name}: {text}")

            result = run_scenario(inputs, wanted, options=options, earlier=earlier, progress=progress)
        except (ValueError, StageError) as exc:
            # Engines raise ValueError (or a subclass) for data they cannot work with, naming it.
            status.stop()
            console.print(f"[red]{inputs.folder}: {exc}[/]")
            raise typer.Exit(1) from None
    if log is not None:
        log("every stage done")
    return result
