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
    page_example,
    records,
)


class MeasuresPage(Page):
    """Preference measures, by case, phase, year and planning area ('all': the authority)."""

    model_config = page_example({
        "case": "plan", "phase": "secondary", "year": 2027, "planning_area_id": "all", "scope": "authority",
        "applicants": 3840.0, "first_pct": 83.8, "first_pct_lower": 82.9, "first_pct_upper": 84.7,
        "top_three_pct": 94.0, "top_three_pct_lower": 93.0, "top_three_pct_upper": 94.9,
        "no_preferred_pct": 0.5, "no_preferred_pct_lower": 0.3, "no_preferred_pct_upper": 0.7,
        "no_offer_pct": 0.0, "no_offer_pct_lower": 0.0, "no_offer_pct_upper": 0.0, "distance_km": 2.8,
        "distance_km_lower": 2.7, "distance_km_upper": 2.9, "oversubscribed_schools": 8.0,
        "oversubscribed_schools_lower": 7.0, "oversubscribed_schools_upper": 9.0, "over_by": 420.0,
        "over_by_lower": 390.0, "over_by_upper": 450.0, "gap_to_target_pts": -4.0, "meets_target": True})


class TargetPage(Page):
    """The authority's top-three rate against the target, by case, phase and year."""

    model_config = page_example({
        "case": "today", "phase": "secondary", "year": 2027, "applicants": 3840.0, "first_pct": 68.8,
        "top_three_pct": 86.2, "top_three_pct_lower": 85.7, "top_three_pct_upper": 86.9, "no_preferred_pct": 4.7,
        "gap_to_target_pts": 3.8, "meets_target": False})


class SchoolsPage(Page):
    """Schools' first preferences, applications and offers against their admission numbers."""

    model_config = page_example({
        "case": "plan", "phase": "secondary", "year": 2027, "school_id": "138464", "name": "Loreto Grammar School",
        "planning_area_id": "S02", "admission_number": 180.0, "first_preferences": 253.8, "applications": 410.2,
        "offers": 180.0, "oversubscribed_share": 1.0, "over_by": 73.8})


class ApplicationsPage(Page):
    """The council's real applications with the offer each gets (personal data)."""

    model_config = page_example({
        "application_id": "A0001", "year": 2024, "ncy": 0, "preferences_named": 3, "offered_school_id": "106283",
        "offered_rank": 1, "offer": "preferred"})


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


@router.get("/runs/{run_id}/measures", response_model=MeasuresPage, responses={200: {"content": CSV}},
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


@router.get("/runs/{run_id}/target", response_model=TargetPage,
            summary="The 90% top-three target, today and with the plan")
def get_target(run_id: str, ports: ViewerPorts, phase: PhaseFilter = None) -> dict[str, Any]:
    """For each phase and year, the authority's top-three rate with today's places and with the plan (with
    intervals), and the gap to the target (points; positive: short of it)."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "admissions", "measures", missing=MISSING.format(run=run.id))
    frame = _filtered(frame[frame["planning_area_id"] == "all"], None, phase, None)
    columns = ["case", "phase", "year", "applicants", "first_pct", "top_three_pct", "top_three_pct_lower",
               "top_three_pct_upper", "no_preferred_pct", "gap_to_target_pts", "meets_target"]
    return {"run_id": run.id, "count": len(frame), "rows": records(frame, columns)}


@router.get("/runs/{run_id}/schools", response_model=SchoolsPage, responses={200: {"content": CSV}},
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


@router.get("/runs/{run_id}/applications", response_model=ApplicationsPage, responses={200: {"content": CSV}},
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
