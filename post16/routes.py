"""Post-16: participation and NEET, attainment by 19, sixth-form demand and the risk-of-NEET model.

Aggregate tables are for every role. The pupil-level risk-of-NEET (RONI) list is personal data:
pupils appear only under a pseudonym (``pupil_ref``, a keyed hash made when the pupil file was
read), it is served to admins only with ``Cache-Control: no-store``, and nothing here logs it.
Pupils are never named in a URL (no route takes a pupil reference), so they cannot reach access
logs either. Each list carries the date after which it must be deleted (``post16.list_retention_days``
in the scenario); past that date it is deleted from the store at the next request and no longer
served.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Response

from post16.schemas import (
    Attainment19Page,
    GroupsPage,
    ParticipationPage,
    RoniEvaluationPublic,
    RoniPage,
    SixthFormPage,
)
from sufficiency.core.web import (
    CSV,
    NO_STORE,
    AdminPorts,
    ApiError,
    AreaFilter,
    FormatQuery,
    Ports,
    StoredRun,
    ViewerPorts,
    YearFilter,
    csv_response,
    error_doc,
    filter_years,
    records,
)

router = APIRouter(prefix="/post16", tags=["post16"],
                   responses={409: error_doc("The run has not succeeded (yet).")})

RONI_COLUMNS = ["rank", "pupil_ref", "school_id", "ncy", "risk", "flagged", "top_factors"]


@router.get("/runs/{run_id}/participation", response_model=ParticipationPage, responses={200: {"content": CSV}},
            summary="Participation, NEET and not known against the target")
def get_participation(run_id: str, ports: ViewerPorts, year: YearFilter = None,
                      measure: Annotated[list[str] | None, Query(description=(
                          "Only these measures, e.g. participation_pct, neet_or_not_known_pct (repeatable)."))] = None,
                      format: FormatQuery = "json") -> Any:
    """The authority's NCCIS figures by year with England, the region, the national rank and, for participation,
    the target (post16.participation_target_pct, 95% by default)."""
    run = ports.results.finished_run(run_id)
    frame = filter_years(ports.results.table(run, "post16", "participation"), year)
    if measure:
        frame = frame[frame["measure"].isin(measure)]
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-participation.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/participation/groups", response_model=GroupsPage,
            summary="NEET by SEND and vulnerable group")
def get_groups(run_id: str, ports: ViewerPorts, year: YearFilter = None) -> dict[str, Any]:
    """NEET or not known for young people with an EHC plan, SEN support and other groups where the data has them."""
    run = ports.results.finished_run(run_id)
    frame = filter_years(ports.results.table(run, "post16", "groups"), year)
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/attainment19", response_model=Attainment19Page, summary="Level 2 and 3 by age 19")
def get_attainment19(run_id: str, ports: ViewerPorts, year: YearFilter = None) -> dict[str, Any]:
    """Level 2 and level 3 at 19 against the targets (post16.level2_at_19_target_pct, level3_at_19_target_pct)."""
    run = ports.results.finished_run(run_id)
    frame = filter_years(ports.results.table(run, "post16", "attainment19"), year)
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/sixth-form", response_model=SixthFormPage, responses={200: {"content": CSV}},
            summary="Year 12 and 13 demand against post-16 places")
def get_sixth_form(run_id: str, ports: ViewerPorts, planning_area_id: AreaFilter = None,
                   year: YearFilter = None, format: FormatQuery = "json") -> Any:
    """Forecast Year 12 and 13 pupils against places, where the offer is short, and the drop-out from Year 12 to
    Year 13; ``totals`` is the authority by year."""
    run = ports.results.finished_run(run_id)
    missing = (f"Run {run.id} has no sixth-form demand: it needs a forecast and a schools table with post-16 "
               "places; start a 'full' run.")
    frame = filter_years(ports.results.table(run, "post16", "sixth_form", missing=missing), year)
    if planning_area_id and "planning_area_id" in frame:
        frame = frame[frame["planning_area_id"].isin(planning_area_id)]
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-sixth-form.csv")
    totals = filter_years(ports.results.table(run, "post16", "sixth_form_totals", missing=missing), year)
    return {"run_id": run.id, "count": len(frame), "rows": records(frame), "totals": records(totals)}


@router.get("/runs/{run_id}/roni/evaluation", response_model=RoniEvaluationPublic,
            summary="How well the risk-of-NEET model works, and for whom")
def get_roni_evaluation(run_id: str, ports: ViewerPorts) -> dict[str, Any]:
    """The model's held-out scores against a trivial baseline, its calibration and the fairness audit by group.
    Aggregate figures only: no pupil appears."""
    run = ports.results.finished_run(run_id)
    missing = (f"Run {run.id} has no risk-of-NEET model: start a 'full' run with pupil data (or "
               "\"synthetic_pupils\": true for a demonstration).")
    metrics = records(ports.results.table(run, "post16", "roni_metrics", missing=missing))[0]
    synthetic = bool(metrics.get("synthetic"))
    caveat = metrics.get("caveat") or (
        "Trained and tested on SYNTHETIC pupils: these scores say nothing about real pupils." if synthetic else
        "Evaluated on held-out pupils of the authority's own history.")
    return {"run_id": run.id, "synthetic": synthetic, "caveat": caveat, "metrics": metrics,
            "calibration": records(ports.results.table(run, "post16", "roni_calibration", missing=missing)),
            "fairness": records(ports.results.table(run, "post16", "roni_fairness", missing=missing))}


def _delete_after(values: pd.Series) -> dt.date | None:
    """The earliest delete-after date of a list (None when it carries none)."""
    earliest = pd.to_datetime(values, errors="coerce").min()
    return None if pd.isna(earliest) else earliest.date()


def _enforce_retention(ports: Ports, run: StoredRun, expiry: dt.date | None) -> dt.date:
    """Delete the run's pupil-level tables once their delete-after date has passed (or when the list carries
    none), and say so; the date otherwise."""
    if expiry is not None and expiry >= ports.results.today():
        return expiry
    ports.results.delete_personal(run)
    raise ApiError(410, f"Run {run.id}'s risk-of-NEET pupil list passed its delete-after date ({expiry}, set by "
                   "post16.list_retention_days) and has been deleted. Start a new run for a current list.",
                   code="retention_expired")


@router.get("/runs/{run_id}/roni", response_model=RoniPage, responses={
    200: {"content": CSV, "description": "Pseudonymised pupils ranked by risk."},
    410: error_doc("The list passed its delete-after date and has been deleted.")},
    summary="Pupils ranked by risk of NEET (admin only; personal data)")
def get_roni(run_id: str, ports: AdminPorts,
             school_id: Annotated[list[str] | None,
                                  Query(description="Only pupils of these schools (repeatable).")] = None,
             ncy: Annotated[list[int] | None, Query(description="Only these year groups (9-11; repeatable).")] = None,
             flagged: Annotated[bool, Query(description="Only pupils at or above the threshold.")] = False,
             limit: Annotated[int | None,
                              Query(ge=1, le=100_000, description="At most this many, highest risk first.")] = None,
             factors: Annotated[bool, Query(description="Add each pupil's factors with their contributions.")] = False,
             format: FormatQuery = "json") -> Any:
    """The Year 9-11 early-intervention list, highest risk first, under pseudonyms, with the factors behind each
    score. Personal data: admins only, never cached, and deleted after ``delete_after``."""
    run = ports.results.finished_run(run_id)
    missing = (f"Run {run.id} has no risk-of-NEET pupil list: start a 'full' run with pupil data (or "
               "\"synthetic_pupils\": true for a demonstration).")
    ranked = ports.results.table(run, "post16", "roni_ranked", personal=True, missing=missing)
    if ranked.empty:
        raise ApiError(404, f"Run {run.id}'s risk-of-NEET list has no pupils in Years 9-11.")
    expiry = _enforce_retention(ports, run, _delete_after(ranked["delete_after"]))
    synthetic = bool(ranked["synthetic"].all())
    if school_id:
        ranked = ranked[ranked["school_id"].astype(str).isin(school_id)]
    if ncy:
        ranked = ranked[ranked["ncy"].isin(ncy)]
    if flagged:
        ranked = ranked[ranked["flagged"].astype(bool)]
    ranked = ranked.sort_values("rank").head(limit) if limit else ranked.sort_values("rank")
    if format == "csv":
        return csv_response(ranked, RONI_COLUMNS, f"{run.id}-roni{'-SYNTHETIC' if synthetic else ''}.csv", NO_STORE)
    rows = records(ranked, RONI_COLUMNS)
    if factors:
        detail = ports.results.table(run, "post16", "roni_factors", personal=True, missing=missing)
        by_pupil: dict[str, list[dict[str, Any]]] = {}
        for row in records(detail):
            by_pupil.setdefault(row.pop("pupil_ref"), []).append(row)
        for row in rows:
            row["factors"] = by_pupil.get(row["pupil_ref"], [])
    body = RoniPage(run_id=run.id, synthetic=synthetic, delete_after=expiry, count=len(rows),
                    flagged=sum(bool(r["flagged"]) for r in rows), rows=rows)  # type: ignore[arg-type]
    return Response(body.model_dump_json(), media_type="application/json", headers=NO_STORE)

