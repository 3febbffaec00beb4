"""Results of a finished run: forecast, sufficiency and plan as JSON or CSV; standards; post-16; workbook.

A finished run never changes, so each answer is built once and then served from memory (keyed
by run and filters); the organisation check still runs on every request.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.deps import CurrentUser, SessionDep
from api.errors import ERROR_RESPONSES, ApiError, error_doc
from api.report import workbook
from api.schemas import ForecastPage, PlanPublic, RunFilePublic, SectionPublic, StageTablePage, SufficiencyPage
from api.scoping import owned
from api.tables import attachment, csv_text
from sufficiency.app.store.models import ForecastRow, PlanScheme, ResultTable, Run, RunFile, SufficiencyRow, User
from sufficiency.app.store.retention import without_expired
from sufficiency.core.phases import PRIMARY, SECONDARY, SIXTH_FORM, Phase, span
from sufficiency.core.web import CSV, AreaFilter, FormatQuery, Year, YearFilter  # noqa: F401 - Year for routes

router = APIRouter(prefix="/runs/{run_id}", tags=["results"],
                   responses=ERROR_RESPONSES | {409: error_doc("The run has not succeeded (yet).")})


def _years(phase: str) -> str:
    """A phase's year groups as the API documents them: '0-6'."""
    return "{}-{}".format(*span(phase))


PhaseFilter = Annotated[Phase | None, Query(description=(
    f"primary (NCY {_years(PRIMARY)}), secondary ({_years(SECONDARY)}) or sixth_form ({_years(SIXTH_FORM)})."))]

_cache: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()
_lock = threading.Lock()
_CACHE_ENTRIES = 256


def _cached(key: tuple[Any, ...], build: Callable[[], tuple[bytes, str]]) -> Response:
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is None:
        hit = build()
        with _lock:
            _cache[key] = hit
            while len(_cache) > _CACHE_ENTRIES:
                _cache.popitem(last=False)
    body, media = hit
    headers = attachment(f"{key[0]}-{key[1]}.csv") if media == "text/csv" else None
    return Response(body, media_type=media, headers=headers)


def finished_run(session: Session, run_id: str, user: User) -> Run:
    run = owned(session, Run, run_id, user)
    if run.status != "succeeded":
        detail = f": {run.error}" if run.error else ""
        raise ApiError(409, f"The run is {run.status}{detail}. Results appear once it has succeeded; poll "
                       f"GET /runs/{run.id}.")
    return run


def _filtered(query: Select, model: Any, areas: list[str] | None, years: list[int] | None, phase: str | None) -> Select:
    if areas:
        query = query.where(model.planning_area_id.in_(areas))
    if years:
        query = query.where(model.year.in_(years))
    if phase:
        low, high = span(phase)
        query = query.where(model.ncy.between(low, high))
    return query


def _encode(rows: list[dict[str, Any]], columns: list[str], envelope: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return csv_text(columns, ([row[c] for c in columns] for row in rows)).encode(), "text/csv"
    return (json.dumps({**envelope, "count": len(rows), "rows": rows}, separators=(",", ":")).encode(),
            "application/json")


FORECAST_COLUMNS = ["planning_area_id", "school_id", "year", "ncy", "pupils", "lower_80", "upper_80", "lower_95",
                    "upper_95"]
SUFFICIENCY_COLUMNS = ["planning_area_id", "year", "ncy", "demand", "capacity", "surplus", "shortfall", "surplus_rate"]
SCHEME_COLUMNS = ["option_id", "kind", "school_id", "planning_area_id", "year", "forms_of_entry", "places",
                  "capital_cost", "reason"]


@router.get("/forecast", response_model=ForecastPage, responses={200: {"content": CSV}}, summary="Pupil forecast")
def get_forecast(run_id: str, user: CurrentUser, session: SessionDep,
                 level: Annotated[Literal["area", "school"],
                                  Query(description="By planning area or by school.")] = "area",
                 planning_area_id: AreaFilter = None, year: YearFilter = None, phase: PhaseFilter = None,
                 school_id: Annotated[list[str] | None, Query(description="Only these schools (level=school).")] = None,
                 format: FormatQuery = "json") -> Response:
    """Forecast pupils by planning area (or school), year and national curriculum year, with 80% and 95%
    prediction intervals."""
    run = finished_run(session, run_id, user)
    key = (run.id, "forecast", level, tuple(planning_area_id or ()), tuple(year or ()), phase,
           tuple(school_id or ()), format)

    def build() -> tuple[bytes, str]:
        query = select(*[getattr(ForecastRow, c) for c in FORECAST_COLUMNS]).where(
            ForecastRow.run_id == run.id, ForecastRow.level == level)
        query = _filtered(query, ForecastRow, planning_area_id, year, phase)
        if school_id:
            query = query.where(ForecastRow.school_id.in_(school_id))
        order = ForecastRow.school_id if level == "school" else ForecastRow.planning_area_id
        rows = [dict(r._mapping) for r in session.execute(query.order_by(order, ForecastRow.year, ForecastRow.ncy))]
        return _encode(rows, FORECAST_COLUMNS, {"run_id": run.id, "level": level}, format)

    return _cached(key, build)


@router.get("/sufficiency", response_model=SufficiencyPage, responses={200: {"content": CSV}},
            summary="Places against forecast demand")
def get_sufficiency(run_id: str, user: CurrentUser, session: SessionDep,
                    stage: Annotated[Literal["before", "after"], Query(
                        description="before: today's places; after: with the plan's schemes (plan runs).")] = "before",
                    planning_area_id: AreaFilter = None, year: YearFilter = None, phase: PhaseFilter = None,
                    format: FormatQuery = "json") -> Response:
    """Demand, capacity, surplus and places needed by planning area, year and year group (never offset across
    year groups or planning areas, as DfE counts them)."""
    run = finished_run(session, run_id, user)
    if stage == "after" and "plan" not in run.stages:
        raise ApiError(404, "This run made no plan, so there is no sufficiency after it; start a 'plan' run.")
    key = (run.id, "sufficiency", stage, tuple(planning_area_id or ()), tuple(year or ()), phase, format)

    def build() -> tuple[bytes, str]:
        query = select(*[getattr(SufficiencyRow, c) for c in SUFFICIENCY_COLUMNS]).where(
            SufficiencyRow.run_id == run.id, SufficiencyRow.stage == stage)
        query = _filtered(query, SufficiencyRow, planning_area_id, year, phase)
        rows = [dict(r._mapping) for r in session.execute(
            query.order_by(SufficiencyRow.planning_area_id, SufficiencyRow.year, SufficiencyRow.ncy))]
        return _encode(rows, SUFFICIENCY_COLUMNS, {"run_id": run.id, "stage": stage}, format)

    return _cached(key, build)


@router.get("/plan", response_model=PlanPublic, responses={200: {"content": CSV}}, summary="Capital programme")
def get_plan(run_id: str, user: CurrentUser, session: SessionDep, planning_area_id: AreaFilter = None,
             year: YearFilter = None, format: FormatQuery = "json") -> Response:
    """The schemes chosen (expansions, bulge classes, new schools, reductions), when, and their cost, with the
    solver's status, gap and the cost breakdown."""
    run = finished_run(session, run_id, user)
    if run.plan_summary is None:
        raise ApiError(404, "This run made no plan; start a run of kind 'plan' or 'full'.")
    key = (run.id, "plan", tuple(planning_area_id or ()), tuple(year or ()), format)

    def build() -> tuple[bytes, str]:
        query = _filtered(select(*[getattr(PlanScheme, c) for c in SCHEME_COLUMNS]).where(PlanScheme.run_id == run.id),
                          PlanScheme, planning_area_id, year, None)
        rows = [dict(r._mapping) for r in session.execute(query.order_by(PlanScheme.year, PlanScheme.option_id))]
        if format == "csv":
            return _encode(rows, SCHEME_COLUMNS, {}, "csv")
        body = {"run_id": run.id, "summary": run.plan_summary, "count": len(rows), "schemes": rows}
        return json.dumps(body, separators=(",", ":")).encode(), "application/json"

    return _cached(key, build)


def _why_not(run: Run, section: str) -> str:
    """Why a run has no tables from a stage, for the 404."""
    if section not in run.stages:
        return (f"Run {run.id} did not include the {section} stage (it ran {', '.join(run.stages)}); "
                f"start a 'full' run or kind 'stages' with \"stages\": [\"{section}\"].")
    skipped = ((run.provenance or {}).get("skipped") or {}).get(section)
    if skipped:
        return f"Run {run.id}'s {section} stage did not run: {skipped}."
    return f"Run {run.id}'s {section} stage made no tables."


def _section(session: Session, run: Run, section: str, user: User) -> SectionPublic:
    rows = without_expired(session, run.id, session.scalars(
        select(ResultTable).where(ResultTable.run_id == run.id, ResultTable.section == section)
        .order_by(ResultTable.name)).all())
    if not rows:
        raise ApiError(404, _why_not(run, section))
    admin = user.role == "admin"
    shown = [t for t in rows if admin or not t.personal]
    withheld = [t.name for t in rows if t.personal and not admin]
    return SectionPublic(run_id=run.id, section=section, withheld=withheld,  # type: ignore[arg-type]
                         tables=[{"name": t.name, "columns": t.columns, "rows": t.rows} for t in shown])


@router.get("/standards", response_model=SectionPublic, summary="School risk, KPI tables and benchmarking")
def get_standards(run_id: str, user: CurrentUser, session: SessionDep) -> SectionPublic:
    """The standards module's tables for the run (``standards.StandardsResult``): risk list with the rules
    that fired, risk summary, KPI tables, benchmark and targets."""
    return _section(session, finished_run(session, run_id, user), "standards", user)


@router.get("/post16", response_model=SectionPublic, summary="Participation, NEET and sixth-form demand")
def get_post16(run_id: str, user: CurrentUser, session: SessionDep) -> SectionPublic:
    """The post-16 tables (``post16.Post16Result``). The pupil-level risk-of-NEET list and its factors are
    personal data and are returned to admins only; others see their names under ``withheld``."""
    return _section(session, finished_run(session, run_id, user), "post16", user)


StageName = Annotated[str, Path(max_length=40, pattern=r"^[a-z][a-z0-9_]*$", description="A stage's name.")]


@router.get("/stages/{stage}", response_model=SectionPublic, summary="Every table one stage of the run made")
def get_stage(run_id: str, stage: StageName, user: CurrentUser, session: SessionDep) -> SectionPublic:
    """The tables a stage declared, stored with the run (any stage, including ones added to the product later).
    Pupil-level tables are returned to admins only; others see their names under ``withheld``."""
    return _section(session, finished_run(session, run_id, user), stage, user)


@router.get("/stages/{stage}/{table}", response_model=StageTablePage, responses={200: {"content": CSV}},
            summary="One table of one stage of the run")
def get_stage_table(run_id: str, stage: StageName, table: Annotated[str, Path(max_length=80)], user: CurrentUser,
                    session: SessionDep, format: FormatQuery = "json") -> Response:
    """One stored table as JSON rows or CSV. Pupil-level tables are served to admins only, and never cached."""
    run = finished_run(session, run_id, user)
    rows = without_expired(session, run.id, session.scalars(
        select(ResultTable).where(ResultTable.run_id == run.id, ResultTable.section == stage)).all())
    found = next((t for t in rows if t.name == table), None)
    if found is None:
        names = ", ".join(sorted(t.name for t in rows))
        raise ApiError(404, f"Run {run.id}'s {stage} stage has no table '{table[:80]}'"
                       + (f"; its tables are {names}." if names else f". {_why_not(run, stage)}"))
    headers = {"Cache-Control": "no-store"} if found.personal else {}
    if found.personal and user.role != "admin":
        raise ApiError(403, f"The {table} table holds pupil-level data and is served to admins only.")
    if format == "csv":
        return Response(csv_text(found.columns, found.rows), media_type="text/csv",
                        headers={**attachment(f"{run.id}-{stage}-{table}.csv"), **headers})
    body = {"run_id": run.id, "stage": stage, "table": table, "columns": found.columns, "count": len(found.rows),
            "rows": [dict(zip(found.columns, r, strict=False)) for r in found.rows]}
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json", headers=headers)


@router.get("/report.xlsx", response_class=Response, summary="Download the results workbook",
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
                             "description": "An Excel workbook, one sheet per table."}})
def get_report(run_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Every result table of the run in one Excel workbook, with a sheet on where it came from."""
    run = finished_run(session, run_id, user)
    body = workbook(session, run, include_personal=user.role == "admin")
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=attachment(f"sufficiency-run-{run.id}.xlsx"))


@router.get("/files", response_model=list[RunFilePublic], summary="Reports made by the run")
def list_files(run_id: str, user: CurrentUser, session: SessionDep) -> list[RunFile]:
    """The report files the run made (ask for them with ``reports`` when starting the run)."""
    run = finished_run(session, run_id, user)
    return list(session.scalars(select(RunFile).where(RunFile.run_id == run.id).order_by(RunFile.name)))


@router.get("/files/{name}", response_class=Response, summary="Download a report",
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The file."}})
def get_file(run_id: str, name: str, user: CurrentUser, session: SessionDep) -> Response:
    run = finished_run(session, run_id, user)
    row = session.get(RunFile, (run.id, name))
    if row is None:
        raise ApiError(404, f"This run made no file '{name}'. List its files with GET /runs/{run.id}/files; "
                       "start a run with 'reports' to make them.")
    return Response(row.content, media_type=row.media_type,
                    headers=attachment(row.name))
