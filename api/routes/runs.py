"""Runs: start a forecast, plan or full run as a job; follow its status; cancel; delete (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from api.deps import AdminUser, CurrentUser, PlannerUser, SessionDep, StateDep
from api.errors import ERROR_RESPONSES, ApiError, error_doc
from api.jobs import kind_stages
from api.schemas import RunCreate, RunPublic, RunStatus
from api.scoping import owned
from sufficiency.app.store.models import FINAL_STATUSES, Dataset, Run, ScenarioRecord, utcnow
from sufficiency.app.store.runs import request_cancel

router = APIRouter(prefix="/runs", tags=["runs"], responses=ERROR_RESPONSES)


@router.post("", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED, summary="Start a run (planner)")
def start_run(body: RunCreate, user: PlannerUser, session: SessionDep, state: StateDep) -> Run:
    """Queue a run; it executes in the background. Poll ``GET /runs/{id}`` until ``status`` is
    succeeded, failed or cancelled, then read the results."""
    dataset = owned(session, Dataset, body.dataset_id, user)
    if not dataset.valid:
        raise ApiError(422, f"Dataset '{dataset.name}' did not pass validation; fix the problems listed and "
                       "upload it again.", dataset.problems)
    if body.scenario_id is not None:
        owned(session, ScenarioRecord, body.scenario_id, user)
    stages = _stages(body)
    if body.paths is not None and "robust" not in stages:
        raise ApiError(422, "paths applies to runs with the robust stage; set kind to 'robust' or 'full', or drop it.")
    if body.synthetic_pupils and "post16" not in stages:
        raise ApiError(422, "synthetic_pupils applies to runs with the post-16 stage (it demonstrates the "
                       "risk-of-NEET model); set kind to 'full' or drop it.")
    run = Run(organisation_id=user.organisation_id, dataset_id=dataset.id, scenario_id=body.scenario_id,
              kind=body.kind, stages=stages,
              options={"synthetic_pupils": body.synthetic_pupils, "reports": sorted(set(body.reports)),
                       **({"paths": body.paths, "variants": []} if body.paths else {})},
              created_by=user.id, worker_id=state.jobs.worker_id, heartbeat_at=utcnow())
    session.add(run)
    session.commit()
    state.jobs.submit(run.id)
    return _shown(session, run)


def _stages(body: RunCreate) -> list[str]:
    """The stages the run executes, in order, with the stages they need; 422 for an unknown stage."""
    from sufficiency.core.stages import REGISTRY, StageError

    if body.kind != "stages":
        if body.stages:
            raise ApiError(422, f"'stages' goes with kind 'stages' (this run's kind is '{body.kind}'); set kind to "
                           "'stages' or drop 'stages'.")
        return list(kind_stages(body.kind))
    if not body.stages:
        raise ApiError(422, "kind 'stages' needs the stages to run, e.g. \"stages\": [\"forecast\"]; "
                       "GET /stages lists them.")
    try:
        return [s.name for s in REGISTRY.plan(body.stages)]
    except StageError as exc:
        raise ApiError(422, f"{exc}.") from None


@router.get("", response_model=list[RunPublic], summary="Runs of your organisation")
def list_runs(user: CurrentUser, session: SessionDep,
              status_is: Annotated[RunStatus | None, Query(alias="status")] = None,
              dataset_id: Annotated[str | None, Query(max_length=64)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[Run]:
    # The deferred columns are loaded with the rows: one query, and none while the answer is being serialised.
    query = select(Run).options(undefer(Run.provenance), undefer(Run.plan_summary)).where(
        Run.organisation_id == user.organisation_id)
    if status_is is not None:
        query = query.where(Run.status == status_is)
    if dataset_id is not None:
        query = query.where(Run.dataset_id == dataset_id)
    return list(session.scalars(query.order_by(Run.created_at.desc()).limit(limit)))


@router.get("/{run_id}", response_model=RunPublic, summary="A run's status and provenance")
def get_run(run_id: str, user: CurrentUser, session: SessionDep) -> Run:
    return _shown(session, owned(session, Run, run_id, user))


def _shown(session: Session, run: Run) -> Run:
    """The run with its deferred columns loaded now, so that serialising the answer reads nothing more."""
    session.refresh(run, ["provenance", "plan_summary"])
    return run


@router.post("/{run_id}/cancel", response_model=RunPublic, responses={409: error_doc("The run has finished.")},
             summary="Cancel a run (planner)")
def cancel_run(run_id: str, user: PlannerUser, session: SessionDep, state: StateDep) -> Run:
    """A queued run is cancelled at once, and so is a running one whose service process has stopped (its lease
    expired); any other running run stops at the start of its next stage."""
    run = owned(session, Run, run_id, user)
    if run.status in FINAL_STATUSES:
        raise ApiError(409, f"The run has already {run.status}; finished runs are never changed.")
    request_cancel(session, run.id, state.settings.lease_seconds)
    session.commit()
    session.refresh(run)
    return _shown(session, run)


@router.delete("/{run_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={409: error_doc("The run has not finished.")}, summary="Delete a run and its results (admin)")
def delete_run(run_id: str, admin: AdminUser, session: SessionDep) -> None:
    run = owned(session, Run, run_id, admin)
    if run.status not in FINAL_STATUSES:
        raise ApiError(409, f"The run is {run.status}; cancel it (POST /runs/{run.id}/cancel) and wait for it "
                       "to stop before deleting it.")
    session.delete(run)
    session.commit()
