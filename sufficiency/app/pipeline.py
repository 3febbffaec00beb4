"""The demo and every whole run from the command line: each registered stage in turn, shown and written."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sufficiency.core.display import console
from sufficiency.core.stages import REGISTRY

if TYPE_CHECKING:
    from sufficiency.core.inputs import Inputs
    from sufficiency.core.result import ScenarioResult


def run_with_progress(inputs: Inputs, stages: Iterable[str] | None = None,
                      options: dict[str, Any] | None = None) -> ScenarioResult:
    """``run_scenario`` with a rich progress line per stage (every stage of a full run by default)."""
    from sufficiency.core.result import run_scenario

    titles = {"current": "Current sufficiency", **{s.name: s.title for s in REGISTRY.all()}}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("Starting", total=None)
        return run_scenario(inputs, stages, options=options, progress=lambda name: progress.update(
            task, description=titles.get(name, name)))


def write_results(result: ScenarioResult, out: Path, every_table: bool = False) -> list[Path]:
    """Write the tables each stage that ran declares as its files (``forecast.csv``, ``plan.csv``, ...);
    with ``every_table``, a stage that declares no files writes its tables as ``<stage>_<table>.csv``
    (pupil-level tables included: they are the user's own data, written to their own folder)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stage in REGISTRY.all():
        value = result.results.get(stage.name)
        tables = stage.result_files(value)
        if not tables and every_table:
            tables = {f"{stage.name}_{name}": frame for name, frame in stage.result_tables(value).items()}
        for name, frame in tables.items():
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
    return written


def show_stages(result: ScenarioResult) -> None:
    """Each stage's part of a run under its heading, then the stages that had nothing to work on."""
    for stage in REGISTRY.all():
        if result.results.get(stage.name) is not None and stage.printer is not None:
            console.rule(f"[bold]{stage.label}")
            stage.print_result(result)
    for name, why in result.provenance.skipped.items():
        console.print(f"[yellow]{REGISTRY.get(name).label} not run:[/] {why}.")


def run_demo(out: Path) -> None:
    """Load the sample borough, validate it, run every stage, show and write the results, and end
    with the capital programme report in HTML, PDF and Excel (and the SCAP-format export)."""
    from sufficiency.core.inputs import load_inputs
    from sufficiency.sample import sample_dir

    folder = sample_dir()
    console.rule("[bold]sufficiency demo: the sample borough (Trafford schools, synthetic rolls)")
    inputs = load_inputs(folder)
    console.print(f"Loaded and validated {len(inputs.schools)} schools, {len(inputs.planning_areas)} planning "
                  f"areas and {len(inputs.rolls):,} roll rows for {inputs.years[0]}-{inputs.years[-1]} from {folder}")
    result = run_with_progress(inputs)
    show_and_write(result, out)


def show_and_write(result: ScenarioResult, out: Path) -> list[Path]:
    """Print every stage of a run, write its tables, then write and name the report; returns the files."""
    from sufficiency.core.summary import print_current, write_current

    inputs = result.inputs
    console.rule("[bold]Now")
    print_current(inputs, result.current)
    show_stages(result)
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
