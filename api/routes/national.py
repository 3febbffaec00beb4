"""National runs (admins): every authority of the national folder in one Dask job; follow each authority."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminUser, SessionDep, StateDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from sufficiency.app.store.models import NationalRun

router = APIRouter(prefix="/national", tags=["national"], responses=ERROR_RESPONSES)

_RUN_ID = "3f2a1b0c9d8e4f7a6b5c4d3e2f1a0b9c"


class NationalRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"paths": 1000, "plan": False}]})
    paths: int = Field(1000, ge=1, le=20000, description="Sampled futures per authority.")
    plan: bool = Field(False, description="Also choose each authority's capital programme.")
    accuracy: bool = Field(True, description="Score the forecast on each authority's own past years, beside the "
                           "3-year mean and its own forecasts (DfE School Places Scorecards): accuracy.csv.")
    authorities: list[str] | None = Field(None, max_length=500,
                                          description="Only these authorities (DfE LA codes); default every one.")
    workers: int | None = Field(None, ge=1, le=64, description="Workers of the local cluster (default one per "
                                "core); ignored when the service is set to use a scheduler.")


class AuthorityStatus(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    la_code: str
    status: Literal["queued", "skipped", "succeeded", "failed"]
    reason: str | None = Field(None, description="The step that failed and why.")


class NationalRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": _RUN_ID, "status": "running", "options": {"paths": 1000, "plan": False}, "error": None,
        "workers": 2, "dashboard": "http://127.0.0.1:8787/status", "seconds": None,
        "created_at": "2026-12-02T16:00:00Z", "started_at": "2026-12-02T16:00:01Z", "finished_at": None,
        "counts": {"succeeded": 40, "queued": 110, "failed": 2},
        "authorities": [{"la_code": "358", "status": "succeeded", "reason": None}]}]})
    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    options: dict[str, object]
    error: str | None
    workers: int | None
    dashboard: str | None
    seconds: float | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counts: dict[str, int] = Field(description="Authorities by status.")
    authorities: list[AuthorityStatus]


def _public(run: NationalRun) -> NationalRunPublic:
    counts: dict[str, int] = {}
    for row in run.authorities:
        counts[row.status] = counts.get(row.status, 0) + 1
    return NationalRunPublic.model_validate({
        **{k: getattr(run, k) for k in ("id", "status", "options", "error", "workers", "dashboard", "seconds",
                                        "created_at", "started_at", "finished_at")},
        "counts": counts, "authorities": [AuthorityStatus.model_validate(a) for a in run.authorities]})


@router.post("/runs", response_model=NationalRunPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Start a national run (admin)")
def start_national_run(body: NationalRunCreate, user: AdminUser, session: SessionDep,
                       state: StateDep) -> NationalRunPublic:
    """Run every authority of the service's national folder (the shipped national extract unless the operator
    set ``SUFFICIENCY_NATIONAL_DATA``) on Dask, in the background. Poll ``GET /national/runs/{id}`` for each
    authority's status; the national tables are written under the service's data folder."""
    from national.authority import Settings
    from national.build import SHIPPED
    from national.service import RUNNING, start

    settings = state.settings
    if not settings.national_runs:
        raise ApiError(403, "National runs are switched off on this service (SUFFICIENCY_NATIONAL_RUNS); ask its "
                       "operator.")
    if RUNNING:
        raise ApiError(409, f"A national run is going ({', '.join(RUNNING)}); wait for it to finish "
                       "(GET /national/runs/{id}).")
    run_id = start(state.sessions, settings.national_data or SHIPPED, settings.data_dir / "national",
                   Settings(n_paths=body.paths, plan=body.plan, accuracy=body.accuracy),
                   scheduler=settings.national_scheduler, workers=body.workers, codes=body.authorities,
                   organisation_id=user.organisation_id, created_by=user.id)
    return _get(session, run_id, user.organisation_id)


@router.get("/runs", response_model=list[NationalRunPublic], summary="National runs, newest first (admin)")
def list_national_runs(user: AdminUser, session: SessionDep) -> list[NationalRunPublic]:
    from sqlalchemy import select

    runs = session.scalars(select(NationalRun).where(NationalRun.organisation_id == user.organisation_id)
                           .order_by(NationalRun.created_at.desc()).limit(100))
    return [_public(run) for run in runs]


@router.get("/runs/{national_run_id}", response_model=NationalRunPublic,
            summary="A national run and each authority's status (admin)")
def get_national_run(national_run_id: str, user: AdminUser, session: SessionDep) -> NationalRunPublic:
    return _get(session, national_run_id, user.organisation_id)


def _get(session: SessionDep, run_id: str, organisation_id: str) -> NationalRunPublic:
    session.expire_all()
    run = session.get(NationalRun, run_id)
    if run is None or run.organisation_id != organisation_id:
        raise not_found("national run", run_id, "/national/runs")
    return _public(run)
