"""The demo: the whole pipeline on the embedded sample borough, shown, written and reported."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from sufficiency.app.pipeline import show_stages, write_results
from sufficiency.core.commands import run_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult


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
    result = run_or_exit(inputs, None, label="Running every stage...")
    show_and_write(result, out)


def show_and_write(result: ScenarioResult, out: Path) -> list[Path]:
    """Print every stage of a run, write its tables, then write and name the report; returns the files."""
    from sufficiency.core.summary import print_current, write_current

    inputs = result.inputs
    console.rule("[bold]Now")
    print_current(inputs, result.current)
    show_stages(result)
    console.rule("[bold]Files")
    from sufficiency.app.bundle import write_bundle

    written = write_current(inputs, result.current, out) + write_results(result, out) + [write_bundle(result, out)]
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
