"""The demo: every stage of the pipeline on the embedded sample borough, shown and written."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sufficiency.core.capacity import summarise
from sufficiency.core.display import console, frame_table
from sufficiency.core.inputs import load_inputs
from sufficiency.core.result import ScenarioResult, run_scenario
from sufficiency.sample import sample_dir
from sufficiency.core.summary import print_current, write_current
from sufficiency.core.years import academic_year

_STAGE_LABELS = {"current": "Current sufficiency", "forecast": "Forecasting pupils",
                 "plan": "Choosing the capital programme", "standards": "Assessing schools' risk",
                 "post16": "Post-16 participation and risk of NEET"}


def run_with_progress(inputs, stages=("forecast", "plan", "standards", "post16")) -> ScenarioResult:  # noqa: ANN001
    """``run_scenario`` with a rich progress line per stage."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("Starting", total=None)
        return run_scenario(inputs, stages, progress=lambda name: progress.update(
            task, description=_STAGE_LABELS.get(name, name)))


def forecast_against_places(result: ScenarioResult) -> pd.DataFrame:
    """Per planning area and forecast year: pupils, places and places needed (per year group)."""
    by = summarise(result.sufficiency_before, result.inputs.planning_areas)
    wide = by.pivot(index=["planning_area_id", "name"], columns="year", values="places_needed").round(0)
    wide.columns = [academic_year(y) for y in wide.columns]
    return wide.reset_index()


def print_forecast(result: ScenarioResult) -> None:
    fc = result.forecast
    totals = fc.totals
    console.print(f"[bold]Forecast[/] from {academic_year(fc.base_year)}, {fc.horizon} years ahead "
                  f"(variant: {fc.variant}).")
    borough = fc.by_area.groupby("year")["pupils"].sum().reset_index()
    level = [c for c in totals.columns if c.startswith("lower_")]
    if level and "planning_area_id" in totals:
        console.print("[dim]Intervals are given per planning area in forecast.csv.[/]")
    before = result.sufficiency_before.groupby("year")[["places", "places_needed", "surplus"]].sum().reset_index()
    console.print(frame_table(borough.merge(before, on="year"),
                              "Borough: forecast pupils against today's places (places needed counted per "
                              "planning area and year group)"))
    console.print(frame_table(forecast_against_places(result),
                              "Places needed by planning area and year, before any scheme"))


def print_standards(result: ScenarioResult) -> None:
    from standards.cli import _print_result

    _print_result(result.standards)


def print_post16(result: ScenarioResult) -> None:
    from post16.cli import _print_result

    _print_result(result.post16, console)


def write_results(result: ScenarioResult, out: Path) -> list[Path]:
    """Write the forecast and plan tables as CSV."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {}
    if result.forecast is not None:
        tables["forecast"] = result.forecast.by_area
        tables["forecast_by_school"] = result.forecast.by_school
        tables["sufficiency_before"] = result.sufficiency_before
    if result.plan is not None:
        tables["plan"] = result.plan.schemes
        tables["sufficiency_after"] = result.plan.sufficiency_after
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written


def run_demo(out: Path) -> None:
    """Load the sample borough, validate it, run every stage, show and write the results, and end
    with the capital programme report in HTML, PDF and Excel (and the SCAP-format export)."""
    folder = sample_dir()
    console.rule("[bold]sufficiency demo: the sample borough (Trafford schools, synthetic rolls)")
    inputs = load_inputs(folder)
    console.print(f"Loaded and validated {len(inputs.schools)} schools, {len(inputs.planning_areas)} planning "
                  f"areas and {len(inputs.rolls):,} roll rows for {inputs.years[0]}-{inputs.years[-1]} from {folder}")
    result = run_with_progress(inputs)
    show_and_write(result, out)


def show_and_write(result: ScenarioResult, out: Path) -> list[Path]:
    """Print every stage of a run, write its tables, then write and name the report; returns the files."""
    from optimiser.cli import print_plan

    inputs = result.inputs
    console.rule("[bold]Now")
    print_current(inputs, result.current)
    console.rule("[bold]Forecast")
    print_forecast(result)
    console.rule("[bold]Capital programme")
    print_plan(result.plan, inputs.schools)
    if result.standards is not None:
        console.rule("[bold]Standards")
        print_standards(result)
    if result.post16 is not None:
        console.rule("[bold]Post-16")
        print_post16(result)
    console.rule("[bold]Files")
    written = write_current(inputs, result.current, out) + write_results(result, out)
    for path in written:
        console.print(f"wrote {path}")
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.provenance.stage_seconds.items())
    console.print(f"Stage times: {seconds}")
    return written + write_demo_report(result, out)


def write_demo_report(result: ScenarioResult, out: Path) -> list[Path]:
    """The report in every format and the SCAP export, under a progress bar; the report's paths printed last."""
    from reports import FORMATS
    from reports.cli import write_with_progress

    console.rule("[bold]Report")
    start = time.perf_counter()
    written = write_with_progress(result, out, list(FORMATS))
    seconds = time.perf_counter() - start
    report = [p for p in written if p.name.startswith("report_")]
    for path in written:
        if path not in report:
            console.print(f"wrote {path} (SCAP-format export)")
    console.print(f"[bold]Capital programme report[/] for the {result.name} scenario, written in {seconds:.1f} s:")
    for path in report:
        console.print(f"  {path.suffix[1:].upper():<4} {path}")
    return written
