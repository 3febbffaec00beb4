"""A run from the command line, shown stage by stage and written as CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sufficiency.core.display import console
from sufficiency.core.stages import REGISTRY

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult


def write_results(result: ScenarioResult, out: Path, every_table: bool = False) -> list[Path]:
    """Write the tables each stage that ran declares as its files (``forecast.csv``, ``plan.csv``, ...);
    with ``every_table``, a stage that declares no files writes its tables as ``<stage>_<table>.csv``, except
    its pupil-level tables (``Stage.personal_tables``): the output folder is shared and copied, so personal data
    is written only where the user names a file (e.g. ``sufficiency post16 --pupil-list``). Figures are
    rounded and year groups no school of an area teaches are left out (:mod:`sufficiency.core.csvout`)."""
    from sufficiency.core.csvout import taught_year_groups, write_csv

    out.mkdir(parents=True, exist_ok=True)
    taught = taught_year_groups(result.inputs.schools)
    written = []
    for stage in REGISTRY.all():
        value = result.results.get(stage.name)
        tables = stage.result_files(value)
        if not tables and every_table:
            tables = {f"{stage.name}_{name}": frame for name, frame in stage.result_tables(value).items()
                      if name not in stage.personal_tables}
        for name, frame in tables.items():
            written.append(write_csv(frame, out / f"{name}.csv", taught))
    return written


def show_stages(result: ScenarioResult) -> None:
    """Each stage's part of a run under its heading, then the stages that had nothing to work on."""
    for stage in REGISTRY.all():
        if result.results.get(stage.name) is not None and stage.printer is not None:
            console.rule(f"[bold]{stage.label}")
            stage.print_result(result)
    for name, why in result.provenance.skipped.items():
        console.print(f"[yellow]{REGISTRY.get(name).label} not run:[/] {why}.")
