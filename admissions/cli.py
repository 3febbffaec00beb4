"""``sufficiency admissions DIR [--year Y] [--draws N]``: preferences and offers, today and with the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sufficiency.core.cells import csv_frame
from sufficiency.core.commands import (
    DataDir,
    OutDir,
    ScenarioFile,
    load_or_exit,
    run_or_exit,
    scenario_file_or_exit,
)
from sufficiency.core.display import console

YearOption = Annotated[list[int] | None, typer.Option(
    "--year", help="Only this forecast year (by its autumn; repeatable). Default: every forecast year.")]
DrawsOption = Annotated[int | None, typer.Option(
    "--draws", min=2, max=2000, help="Draws behind each interval (default: admissions.draws, 20).")]
PlanOption = Annotated[bool, typer.Option(
    "--plan/--no-plan", help="Plan the capital programme first and measure it too (default), or today's places only.")]


def register(app: typer.Typer) -> None:
    """Add the ``admissions`` command to the ``sufficiency`` app."""

    @app.command("admissions")
    def admissions_command(data_dir: DataDir, year: YearOption = None, draws: DrawsOption = None,
                           out: OutDir = Path("out"), scenario: ScenarioFile = None, plan: PlanOption = True) -> None:
        """Simulate preferences and offers (equal-preference scheme) and measure the 90% top-three target,
        for today's places and the plan's: admissions_measures.csv, admissions_schools.csv."""
        from admissions.show import print_admissions

        inputs = load_or_exit(data_dir, scenario_file_or_exit(scenario))
        stages = ["forecast", "plan", "admissions"] if plan else ["forecast", "admissions"]
        options = {"years": list(year) if year else None, "draws": draws}
        result = run_or_exit(inputs, stages, options, label="Forecasting, planning and simulating admissions...")
        admissions = result.results.get("admissions")
        if admissions is None:
            why = result.provenance.skipped.get("admissions", "no result")
            console.print(f"[red]{data_dir}: admissions not simulated: {why}.[/red]")
            raise typer.Exit(1)
        print_admissions(admissions)
        out.mkdir(parents=True, exist_ok=True)
        from admissions.stage import files

        for name, frame in files(admissions).items():
            csv_frame(frame).to_csv(out / f"{name}.csv", index=False)
            console.print(f"wrote {out / (name + '.csv')}")
