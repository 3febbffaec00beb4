"""The pipeline: inputs → current position → forecast → plan → reports, each a plain function."""

from __future__ import annotations

from pathlib import Path

from sufficiency.display import console
from sufficiency.inputs import load_inputs
from sufficiency.sample import sample_dir
from sufficiency.summary import current_summary, print_current, write_current


def run_demo(out: Path) -> None:
    """Load the sample borough, validate it, and show and write every stage's results."""
    folder = sample_dir()
    console.rule("[bold]sufficiency demo: the sample borough (Trafford schools, synthetic rolls)")
    inputs = load_inputs(folder)
    console.print(f"Loaded and validated {len(inputs.schools)} schools, {len(inputs.planning_areas)} planning "
                  f"areas and {len(inputs.rolls):,} roll rows for {inputs.years[0]}-{inputs.years[-1]} from {folder}")
    summary = current_summary(inputs)
    print_current(inputs, summary)
    for path in write_current(inputs, summary, out):
        console.print(f"wrote {path}")
