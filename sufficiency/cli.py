"""The ``sufficiency`` command line.

The application's own commands (``validate``, ``current``, ``demo``, ``stages``) live here; every
registered stage adds its commands (:attr:`sufficiency.core.stages.Stage.commands`), and the report
and the service add theirs. Every command is given the application's services as ``ctx.obj``
(:class:`sufficiency.app.services.AppServices`: the store the API uses). Nothing is imported until a
command needs it, so ``--help`` is quick.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperCommand

from sufficiency.core.commands import DataDir, OutDir, ScenarioFile, load_or_exit, run_or_exit, scenario_file_or_exit
from sufficiency.core.display import console
from sufficiency.core.stages import REGISTRY, StageError

HELP = ("School-place sufficiency for English local authorities: validate a data folder, "
        "forecast pupil numbers, plan the places needed at least cost, and report. "
        "Run 'sufficiency demo' to see it all on the embedded sample borough.")


def validate(
    data_dir: DataDir,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON for other tools.")] = False,
) -> None:
    """Check a data folder and list every problem with file, row, column and what to do.

    Exits with status 0 when the folder is ready to use, 1 when anything must be fixed.
    """
    from sufficiency.core.display import problems_table
    from sufficiency.core.inputs import validate_folder

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


def current(data_dir: DataDir, out: OutDir = Path("out")) -> None:
    """Show roll against capacity, with surplus and places needed, for a data folder's latest year."""
    from sufficiency.core.summary import current_summary, print_current, write_current

    inputs = load_or_exit(data_dir)
    summary = current_summary(inputs)
    print_current(inputs, summary)
    for path in write_current(inputs, summary, out):
        console.print(f"wrote {path}")


def demo(out: OutDir = Path("out")) -> None:
    """Run the whole pipeline on the embedded sample borough and write every output under --out."""
    from sufficiency.demo import run_demo

    run_demo(out)


def run(
    data_dir: DataDir,
    stage: Annotated[list[str] | None, typer.Option(
        "--stage", help="A stage to run (repeatable; 'sufficiency stages' lists them). Default: every stage.")] = None,
    scenario: ScenarioFile = None,
    out: OutDir = Path("out"),
) -> None:
    """Run stages on a data folder (every stage by default, and the stages they need), show each and write
    its tables as CSV under --out, with run.json (so 'sufficiency report OUT' reports it without running)."""
    from sufficiency.app.bundle import write_bundle
    from sufficiency.app.pipeline import show_stages, write_results

    unknown = [name for name in stage or [] if not REGISTRY.has(name)]
    if unknown:
        console.print(f"[red]No stage {', '.join(repr(n) for n in unknown)}[/]: the stages are "
                      f"{', '.join(REGISTRY.names())}.")
        raise typer.Exit(1)
    inputs = load_or_exit(data_dir, scenario_file_or_exit(scenario))
    result = run_or_exit(inputs, stage or None)
    show_stages(result)
    for path in write_results(result, out, every_table=True):
        console.print(f"wrote {path}")
    console.print(f"wrote {write_bundle(result, out)} (the report of this run: sufficiency report {out})")


def list_stages() -> None:
    """List the stages this installation runs: their names, what they need and what they make."""
    from rich.table import Table

    table = Table(title="Stages, in the order a full run takes them", title_justify="left", header_style="bold")
    for col in ("stage", "scenario section", "needs", "what it makes"):
        table.add_column(col)
    for stage in REGISTRY.all():
        table.add_row(stage.name, stage.section_name if stage.settings is not None else "-",
                      ", ".join(stage.requires) or "-", stage.description)
    console.print(table)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"sufficiency {version('sufficiency')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("sufficiency (not installed: run 'make install')")
        raise typer.Exit()


def _services(
    ctx: typer.Context,
    _version: Annotated[bool, typer.Option("--version", "-V", help="Print the version and exit.", is_eager=True,
                                           callback=_print_version)] = False,
) -> None:
    # The application's services for every command (ctx.obj: sufficiency.core.commands.CommandServices), so a
    # stage's command reads and writes the store the API uses without importing it; a caller may give its own.
    if ctx.obj is None:
        from sufficiency.app.services import AppServices

        ctx.obj = AppServices()
        ctx.call_on_close(ctx.obj.close)


class WordsCommand(TyperCommand):
    """A command whose help names each value as a word, as click does (``DATA_DIR``, ``PATH``, ``INTEGER``,
    ``TEXT``), where typer would print Python types (``<list[str]>``, ``<path>``); a flag shows none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _name_value(param)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


#: typer's type labels as the words click uses.
_WORDS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "path": "PATH", "file": "FILE", "directory": "FOLDER",
          "bool": "", "int range": "INTEGER", "float range": "NUMBER"}


def _name_value(param: click.Parameter) -> None:
    if param.metavar is not None:
        return
    if isinstance(param, click.Argument) or type(param).__name__ == "TyperArgument":
        param.metavar = (param.name or "value").upper()
        # typer shows an argument's type beside its name (DATA_DIR <path>); its name says it already.
        param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
        return
    if getattr(param, "is_flag", False):
        param.metavar = ""
        return
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.is_choice:  # choices are shown as they are
        return
    label = param.display_type(None).strip("<>")  # type: ignore[attr-defined]  # typer's, not click's
    repeated = label.startswith("list[")
    label = label.removeprefix("list[").removesuffix("]")
    param.metavar = _WORDS.get(label, label.upper()) + ("..." if repeated and label in _WORDS else "")


def _words_everywhere(target: typer.Typer) -> None:
    """Every command of the line (the stages' too) with its values named as words."""
    for info in target.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = WordsCommand
    for group in target.registered_groups:
        if group.typer_instance is not None:
            _words_everywhere(group.typer_instance)


#: Application commands beside the stages' own: the report, the HTTP service and its web app, national runs.
_APP_COMMANDS: tuple[str, ...] = ("reports.cli", "api.cli", "web.cli", "national.cli")


def build_app() -> typer.Typer:
    """The command line: the application's commands, every registered stage's commands, then the report's
    and the service's. A stage whose commands cannot load is reported on stderr, not fatal."""
    target = typer.Typer(name="sufficiency", help=HELP, no_args_is_help=True, add_completion=False,
                         pretty_exceptions_show_locals=False,
                         context_settings={"help_option_names": ["-h", "--help"]})
    target.callback()(_services)
    target.command("validate")(validate)
    target.command("current")(current)
    target.command("demo")(demo)
    target.command("run")(run)
    target.command("stages")(list_stages)
    errors = list(REGISTRY.errors)
    for stage in REGISTRY.all():
        try:
            stage.register_commands(target)
        except StageError as exc:
            errors.append(f"the '{stage.name}' stage's commands were not loaded: {exc}")
    for module in _APP_COMMANDS:
        importlib.import_module(module).register(target)
    _words_everywhere(target)
    for error in errors:
        print(f"warning: {error}", file=sys.stderr)
    return target


app = build_app()
