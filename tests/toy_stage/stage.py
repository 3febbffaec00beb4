"""A toy stage, kept in the test folder, that plugs into the product without any edit elsewhere.

It counts pupils on roll per planning area in the base year and scales them by a setting, so every
number it makes can be checked by hand from rolls.csv. It declares everything a stage can: settings,
a stage function, a command, tables (one of them pupil-level), files, a printer, a route of its own
and a report section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sufficiency.core.commands import DataDir, OutDir, load_or_exit, run_or_exit
from sufficiency.core.display import console, frame_table
from sufficiency.core.stages import ReportSection, Stage, StageContext
from sufficiency.core.web import ApiError, ViewerPorts


class ToySettings(BaseModel):
    """The ``toy`` section of scenario.yaml."""

    model_config = ConfigDict(extra="forbid")

    scale: float = Field(1.0, gt=0, le=100, description="Multiplies every count (a test setting).")
    label: str = Field("pupils", max_length=40, description="What the counts are called in the output.")


@dataclass(frozen=True)
class ToyResult:
    year: int
    counts: pd.DataFrame  # planning_area_id, pupils (scaled)
    label: str


def run(context: StageContext) -> ToyResult:
    rolls = context.inputs.rolls
    year = int(context.scenario.base_year or rolls["year"].max())
    settings: ToySettings = context.settings
    on_roll = rolls[rolls["year"] == year].merge(context.inputs.schools[["school_id", "planning_area_id"]],
                                                 on="school_id")
    counts = on_roll.groupby("planning_area_id", as_index=False)["pupils"].sum()
    counts["pupils"] = counts["pupils"] * settings.scale
    return ToyResult(year=year, counts=counts, label=settings.label)


def tables(result: ToyResult) -> dict[str, pd.DataFrame]:
    return {"counts": result.counts,
            "secret": pd.DataFrame({"pupil_ref": ["p1"], "note": ["pupil-level, admins only"]})}


def files(result: ToyResult) -> dict[str, pd.DataFrame]:
    return {"toy_counts": result.counts}


def show(result: Any) -> None:
    console.print(frame_table(result.toy.counts, f"Toy: {result.toy.label} on roll in {result.toy.year}"))


def register(app: typer.Typer) -> None:
    @app.command("toy")
    def toy_command(data_dir: DataDir, out: OutDir = Path("out"),
                    scale: Annotated[float | None, typer.Option(help="Override toy.scale.")] = None) -> None:
        """Count pupils per planning area (a toy stage)."""
        inputs = load_or_exit(data_dir, {"toy": {"scale": scale}} if scale is not None else None)
        result = run_or_exit(inputs, ["toy"])
        show(result)
        out.mkdir(parents=True, exist_ok=True)
        result.toy.counts.to_csv(out / "toy_counts.csv", index=False)
        console.print(f"wrote {out / 'toy_counts.csv'}")


router = APIRouter(prefix="/toy", tags=["toy"])


@router.get("/runs/{run_id}/total", summary="All pupils the toy counted")
def total(run_id: str, ports: ViewerPorts) -> dict[str, Any]:
    run = ports.results.finished_run(run_id)
    counts = ports.results.table(run, "toy", "counts", missing=f"Run {run.id} did not run the toy stage.")
    if counts.empty:
        raise ApiError(404, "The toy counted nobody.")
    return {"run_id": run.id, "organisation_id": ports.principal.organisation_id,
            "total": float(counts["pupils"].sum())}


def report(result: Any) -> list[ReportSection]:
    return [ReportSection(title="Toy stage: pupils on roll", paragraphs=(f"Counted in {result.toy.year}.",),
                          tables=(("Toy counts (pupils)", result.toy.counts),))]


STAGE = Stage(
    name="toy",
    title="Counting pupils (toy)",
    description="Pupils on roll per planning area in the base year, scaled (a test stage).",
    run=run,
    settings=ToySettings,
    commands=register,
    tables=tables,
    personal_tables=frozenset({"secret"}),
    files=files,
    printer=show,
    routes=router,
    report=report,
    full_run=False,
)
