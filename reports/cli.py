"""``sufficiency report``: the capital programme report and SCAP export from a data folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sufficiency.core.inputs import Inputs
    from sufficiency.core.result import ScenarioResult


def scenario_overrides(spec: str, inputs: Inputs) -> dict:
    """Overrides for one ``--scenario``: a YAML file of settings, or a forecast variant's name."""
    from sufficiency.core.safeyaml import load_yaml

    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist: give a scenario YAML file or a variant name")
        loaded = load_yaml(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise typer.BadParameter(f"{path} must hold a mapping of scenario settings")
        loaded.setdefault("name", path.stem)
        return loaded
    variants = inputs.scenario.forecast.variants
    if spec not in variants:
        raise typer.BadParameter(f"'{spec}' is neither a .yaml file nor a forecast variant ({', '.join(variants)})")
    return {"name": spec, "forecast": {"variant": spec}}


def _run_all(folder: Path, specs: list[str]) -> list[ScenarioResult]:
    """Load the folder and run each scenario, with a progress line per stage."""
    from sufficiency.core.commands import load_or_exit, overridden_or_exit, run_or_exit
    from sufficiency.core.display import console

    inputs = load_or_exit(folder)
    if not specs:
        return [run_or_exit(inputs, None)]
    results = []
    for spec in specs:
        overrides = scenario_overrides(spec, inputs)
        scenario_inputs = overridden_or_exit(inputs, overrides)  # the tables are read once
        console.print(f"Running scenario [bold]{scenario_inputs.scenario.name}[/]")
        results.append(run_or_exit(scenario_inputs, None))
    return results


def write_with_progress(results: ScenarioResult | list[ScenarioResult], out: Path, formats: list[str],
                        map_year: int | None = None) -> list[Path]:
    """``reports.write_reports`` with a rich progress bar over its steps (charts, HTML, PDF, ...)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reports import render_steps, write_reports
    from sufficiency.core.display import console, progress_log

    if not console.is_terminal:  # a bar shows nothing in a log: one line per step with the time instead
        log = progress_log("report")
        log(f"writing {', '.join(formats)}")
        written = write_reports(results, out, formats, map_year=map_year, progress=lambda step, units: log(step))
        log("written")
        return written
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("Writing the report", total=render_steps(results, formats))
        return write_reports(results, out, formats, map_year=map_year,
                             progress=lambda step, units: progress.update(
                                 task, advance=units, description=f"Report: {step}"))


def _read_run(folder: Path, specs: list[str]) -> list[ScenarioResult]:
    """The results of a finished run's output folder (its run.json), without running anything."""
    from sufficiency.app.bundle import BundleError, read_bundle
    from sufficiency.core.display import console

    if specs:
        console.print(f"[red]{folder} is a finished run's output: its scenarios are already run, so --scenario "
                      "does not apply.[/] Give the data folder to run other scenarios.")
        raise typer.Exit(2)
    try:
        return read_bundle(folder)
    except (BundleError, OSError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


def report(
    run_or_data_dir: Annotated[Path, typer.Argument(
        help="A finished run's output folder (it holds run.json: written by 'sufficiency run', 'demo' and "
             "'report'), reported in seconds without running again; or a data folder (schools.csv, rolls.csv, "
             "... and scenario.yaml), or 'sample' for the embedded sample borough, whose scenario is run, then "
             "reported.", show_default=False)],
    formats: Annotated[str, typer.Option(
        "--format", help="Comma-separated: html, pdf, xlsx and scap (the SCAP-format export).")] = "html,pdf,xlsx,scap",
    out: Annotated[Path, typer.Option(
        "--out", help="Folder to write the files into (created if missing).")] = Path("out"),
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", help="Scenario to run: a forecast variant (principal, high, low) or a scenario YAML file of "
                           "overrides. Repeat it, or separate with commas, to compare scenarios; the first is "
                           "reported in full.")] = None,
    map_year: Annotated[int | None, typer.Option(
        "--map-year", help="Academic year of the map, by its autumn (default: five years after the base "
                           "year).")] = None,
) -> None:
    """Write the capital programme report (HTML, PDF, Excel) and the SCAP-format export for a finished run's
    output folder or a data folder."""
    from reports import FORMATS
    from sufficiency.app.bundle import is_bundle, write_bundle
    from sufficiency.core.display import console
    from sufficiency.sample import sample_dir

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        console.print(f"[red]Unknown format(s) {', '.join(unknown) or '(none given)'}[/]: "
                      f"choose from {', '.join(FORMATS)}.")
        raise typer.Exit(2)
    folder = sample_dir() if str(run_or_data_dir) == "sample" else run_or_data_dir
    specs = [s.strip() for item in (scenario or []) for s in item.split(",") if s.strip()]
    if is_bundle(folder):
        results = _read_run(folder, specs)
    else:
        results = _run_all(folder, specs)
        # the run is kept beside the report, so the next report of it needs no run
        console.print(f"wrote {write_bundle(results, out)} (report it again: sufficiency report {out})")
    bare = [r.name for r in results if r.forecast is None]
    if bare:
        ran = ", ".join(results[0].results) or "no stage"
        console.print(f"[red]{folder}: scenario '{bare[0]}' has no forecast to report on (the run made: {ran})[/]. "
                      "The report is built on the forecast: run the folder with it (sufficiency run DIR, every "
                      "stage, or --stage forecast), then report that run.")
        raise typer.Exit(1)
    for path in write_with_progress(results, out, wanted, map_year=map_year):
        console.print(f"wrote {path}")


def standards_report(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Argument(
        help="Data folder with schools, rolls and school_indicators (and scenario.yaml with la_code), or 'sample'.",
        show_default=False)],
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf.")] = "html,pdf",
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")] = Path("out"),
    store: Annotated[str | None, typer.Option(
        "--store", help="Database of the audit trail (overrides and escalations); default: the service's.")] = None,
    organisation: Annotated[str | None, typer.Option(
        "--organisation", help="Whose audit trail; default: the store's only organisation.")] = None,
) -> None:
    """Write the standards report for elected members (HTML, PDF): the risk table with the evidence behind every
    rule, the KPI tables, benchmarking, targets and escalations, from one run and the organisation's audit trail."""
    from reports.standards_report import write_standards_report
    from standards.result import run_standards
    from standards.trail import override_frame
    from sufficiency.core.commands import command_services, load_or_exit
    from sufficiency.core.display import console
    from sufficiency.sample import sample_dir

    wanted = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    if not wanted or set(wanted) - {"html", "pdf"}:
        console.print(f"[red]Unknown format(s) in '{formats}'[/]: choose html, pdf or both.")
        raise typer.Exit(2)
    inputs = load_or_exit(sample_dir() if str(data_dir) == "sample" else data_dir)
    if inputs.school_indicators is None:
        console.print(f"[red]{data_dir} has no school_indicators file.[/]")
        raise typer.Exit(1)
    audit = command_services(ctx).existing_audit_trail(store, organisation)
    config = getattr(inputs.scenario, "standards", None)
    try:
        result = run_standards(inputs.school_indicators, inputs.schools, inputs.rolls, config,
                               overrides=override_frame(audit) if audit is not None else None,
                               base_dir=inputs.folder, la=inputs.scenario.la_code)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    authority = None
    if inputs.scenario.la_code:
        from standards.lait import la_codes, resolve_la_number

        names = la_codes().set_index("la_number")["la_name"]
        authority = str(names.get(resolve_la_number(inputs.scenario.la_code), inputs.scenario.la_code))
    for path in write_standards_report(result, out, wanted, audit, authority=authority):
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``standards-report`` to the ``sufficiency`` command line."""
    app.command("report")(report)
    app.command("standards-report")(standards_report)
