"""Admissions routes: the top-three target before and after the plan, by area and school; the council's real
applications with their offers (admins only: personal data).

Written against :mod:`sufficiency.core.web` (the caller's ports), as every stage's own routes are.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Response

from sufficiency.core.web import (
    CSV,
    NO_STORE,
    AdminPorts,
    AreaFilter,
    FormatQuery,
    Page,
    ViewerPorts,
    YearFilter,
    csv_response,
    error_doc,
    filter_years,
    records,
)

router = APIRouter(prefix="/admissions", tags=["admissions"],
                   responses={409: error_doc("The run has not succeeded (yet).")})

Case = Literal["today", "plan"]
CaseFilter = Annotated[Case | None, Query(description="today (today's places) or plan (the plan's).")]
PhaseFilter = Annotated[Literal["primary", "secondary"] | None, Query(description="primary or secondary.")]
MISSING = "Run {run} did not simulate admissions: start a 'full' run, or one with the 'admissions' stage."


def _filtered(frame: pd.DataFrame, years: list[int] | None, phase: str | None, case: str | None,
              areas: list[str] | None = None) -> pd.DataFrame:
    frame = filter_years(frame, years)
    if phase:
        frame = frame[frame["phase"] == phase]
    if case:
        frame = frame[frame["case"] == case]
    if areas:
        frame = frame[frame["planning_area_id"].astype(str).isin(areas)]
    return frame


@router.get("/runs/{run_id}/measures", response_model=Page, responses={200: {"content": CSV}},
            summary="Preference measures by planning area and authority, today and with the plan")
def get_measures(run_id: str, ports: ViewerPorts, year: YearFilter = None, phase: PhaseFilter = None,
                 case: CaseFilter = None, planning_area_id: AreaFilter = None, format: FormatQuery = "json") -> Any:
    """% offered their first preference, one of their top three, no preferred school; distance travelled (km);
    schools oversubscribed and by how much; each with its interval, and the gap to the 90% target (points).
    ``planning_area_id`` 'all' is the authority."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "admissions", "measures", missing=MISSING.format(run=run.id))
    frame = _filtered(frame, year, phase, case, planning_area_id)
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-admissions-measures.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/target", summary="The 90% top-three target, today and with the plan")
def get_target(run_id: str, ports: ViewerPorts, phase: PhaseFilter = None) -> dict[str, Any]:
    """For each phase and year, the authority's top-three rate with today's places and with the plan (with
    intervals), and the gap to the target (points; positive: short of it)."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "admissions", "measures", missing=MISSING.format(run=run.id))
    frame = _filtered(frame[frame["planning_area_id"] == "all"], None, phase, None)
    columns = ["case", "phase", "year", "applicants", "first_pct", "top_three_pct", "top_three_pct_lower",
               "top_three_pct_upper", "no_preferred_pct", "gap_to_target_pts", "meets_target"]
    return {"run_id": run.id, "count": len(frame), "rows": records(frame, columns)}


@router.get("/runs/{run_id}/schools", response_model=Page, responses={200: {"content": CSV}},
            summary="Schools' first preferences, applications and offers against their admission numbers")
def get_schools(run_id: str, ports: ViewerPorts, year: YearFilter = None, phase: PhaseFilter = None,
                case: CaseFilter = None, oversubscribed: Annotated[bool, Query(
                    description="Only schools oversubscribed in at least half the draws.")] = False,
                format: FormatQuery = "json") -> Any:
    run = ports.results.finished_run(run_id)
    frame = _filtered(ports.results.table(run, "admissions", "schools", missing=MISSING.format(run=run.id)),
                      year, phase, case)
    if oversubscribed:
        frame = frame[frame["oversubscribed_share"].astype(float) >= 0.5]
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-admissions-schools.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/applications", response_model=Page, responses={200: {"content": CSV}},
            summary="The council's real applications with their offers (admins only)")
def get_applications(run_id: str, ports: AdminPorts, response: Response, format: FormatQuery = "json") -> Any:
    """Personal data: each anonymised application of the preferences table with the offer the scheme gives it.
    Admins only; never cached."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "admissions", "applications", personal=True, missing=(
        f"Run {run.id} has no applications: add a preferences table to the dataset and run admissions."))
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-admissions-applications.csv", headers=NO_STORE)
    response.headers.update(NO_STORE)
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}
