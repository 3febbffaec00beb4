"""The life of a run in the store: queued -> running -> succeeded | failed | cancelled.

Every change of status is a conditional update ("... where status = 'running'"), so two parties
(a worker finishing and another process marking the run failed) can never both win, and a finished
run is never changed again. Results and the final status are written in one transaction: a
crash part-way leaves the run without any result rows, never with half of them.

A queued or running run belongs to the service process that accepted it (its job runner's
``worker_id``), which renews the run's lease (``heartbeat_at``) every few seconds
(:func:`renew_leases`). Any process marks runs whose lease has expired failed
(:func:`fail_expired`), so a run whose process died or lost the database does not stay running,
and two processes (or several uvicorn workers) can share one database without touching each
other's runs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, insert, inspect, or_, update
from sqlalchemy.orm import Session, sessionmaker

from sufficiency.app.store.models import (
    FINAL_STATUSES,
    ForecastRow,
    PlanScheme,
    ResultTable,
    Run,
    RunFile,
    SufficiencyRow,
    utcnow,
)
from sufficiency.app.store.results import forecast_rows, frame_table, plan_summary, scheme_rows, sufficiency_rows
from sufficiency.core.stages import REGISTRY

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

LOST = ("interrupted: the service process running it stopped or lost its database, and had not renewed the run's "
        "lease for over {lease:g} s when this was found at {when}; no results were kept. Start the run again.")
LOST_CANCELLED = ("cancelled: the service process running it had stopped renewing its lease (it stopped or lost "
                  "its database); no results were kept")
STOPPED = ("interrupted: the service was shut down at {when} before this run finished; no results were kept. "
           "Start the run again.")


class RunNotActive(RuntimeError):
    """The run was cancelled or marked failed while it was being computed; its result is dropped."""


class ImmutableError(RuntimeError):
    """A finished run or a stored result row may not be changed."""


@event.listens_for(Run, "before_update")
def _finished_runs_are_immutable(_mapper: Any, _connection: Any, target: Run) -> None:
    history = inspect(target).attrs.status.history
    previous = history.deleted[0] if history.deleted else target.status
    if previous in FINAL_STATUSES:
        raise ImmutableError(f"run {target.id} is {previous}; a finished run is never changed. Start a new run.")


def _results_are_immutable(_mapper: Any, _connection: Any, target: Any) -> None:
    raise ImmutableError(f"{type(target).__name__} rows are part of a finished run and are never changed")


for _model in (ForecastRow, SufficiencyRow, PlanScheme, ResultTable, RunFile):
    event.listen(_model, "before_update", _results_are_immutable)


def _transition(session: Session, run_id: str, from_statuses: tuple[str, ...], **values: Any) -> bool:
    result = session.execute(
        update(Run).where(Run.id == run_id, Run.status.in_(from_statuses)).values(**values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def claim_run(factory: sessionmaker[Session], run_id: str, worker_id: str) -> bool:
    """Mark a queued run of this worker's running; False when it was cancelled or failed meanwhile."""
    with factory.begin() as session:
        return _transition(session, run_id, ("queued",), status="running", started_at=utcnow(), worker_id=worker_id,
                           heartbeat_at=utcnow())


def cancel_requested(factory: sessionmaker[Session], run_id: str) -> bool:
    with factory() as session:
        run = session.get(Run, run_id)
        return run is None or run.cancel_requested or run.status != "running"


def _expired(lease_seconds: float, now: dt.datetime) -> Any:
    """Runs whose lease was last renewed more than ``lease_seconds`` ago (or never: made before leases)."""
    return or_(Run.heartbeat_at.is_(None), Run.heartbeat_at < now - dt.timedelta(seconds=lease_seconds))


def request_cancel(session: Session, run_id: str, lease_seconds: float, now: dt.datetime | None = None) -> str:
    """Cancel a queued run at once, or a running one whose process stopped renewing its lease; ask any other
    running run to stop at its next stage. The new status."""
    now = now or utcnow()
    if _transition(session, run_id, ("queued",), status="cancelled", finished_at=now,
                   error="cancelled before it started"):
        return "cancelled"
    if session.execute(
            update(Run).where(Run.id == run_id, Run.status == "running", _expired(lease_seconds, now))
            .values(status="cancelled", cancel_requested=True, finished_at=now, error=LOST_CANCELLED)
            .execution_options(synchronize_session=False)).rowcount == 1:
        return "cancelled"
    _transition(session, run_id, ("running",), cancel_requested=True)
    return "running"


def mark_cancelled(factory: sessionmaker[Session], run_id: str) -> bool:
    with factory.begin() as session:
        return _transition(session, run_id, ("running",), status="cancelled", finished_at=utcnow(),
                           error="cancelled while running; no results were kept")


def fail_run(factory: sessionmaker[Session], run_id: str, error: str) -> bool:
    """Mark a queued or running run failed with a reason a person can act on."""
    with factory.begin() as session:
        return _transition(session, run_id, ("queued", "running"), status="failed", finished_at=utcnow(),
                           error=error[:4000])


def renew_leases(factory: sessionmaker[Session], worker_id: str, run_ids: list[str],
                 now: dt.datetime | None = None) -> int:
    """The heartbeat: this worker still holds these runs (queued or running); the number renewed."""
    if not run_ids:
        return 0
    with factory.begin() as session:
        result = session.execute(
            update(Run).where(Run.id.in_(run_ids), Run.worker_id == worker_id, Run.status.in_(("queued", "running")))
            .values(heartbeat_at=now or utcnow()).execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def fail_expired(factory: sessionmaker[Session], lease_seconds: float, now: dt.datetime | None = None) -> int:
    """Every queued or running run whose lease has expired (its process died, or lost the database for longer than
    the lease) is marked failed with the reason; the number marked. Safe from any process, at any time."""
    now = now or utcnow()
    with factory.begin() as session:
        result = session.execute(
            update(Run).where(Run.status.in_(("queued", "running")), _expired(lease_seconds, now))
            .values(status="failed", finished_at=now,
                    error=LOST.format(lease=lease_seconds, when=now.isoformat(timespec="seconds")))
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def stop_runs(factory: sessionmaker[Session], run_ids: list[str], now: dt.datetime | None = None) -> int:
    """At shutdown: the runs this service had queued or running are marked failed, saying so."""
    if not run_ids:
        return 0
    when = (now or utcnow()).isoformat(timespec="seconds")
    with factory.begin() as session:
        result = session.execute(
            update(Run).where(Run.id.in_(run_ids), Run.status.in_(("queued", "running")))
            .values(status="failed", finished_at=utcnow(), error=STOPPED.format(when=when))
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)


def _result_rows(run_id: str, result: ScenarioResult) -> list[tuple[type, list[dict[str, Any]]]]:
    batches: list[tuple[type, list[dict[str, Any]]]] = []
    # The forecast and the plan have tables of their own, indexed for the results routes' filters.
    if result.forecast is not None:
        batches.append((ForecastRow, forecast_rows(result.forecast.by_area, "area", run_id)
                        + forecast_rows(result.forecast.by_school, "school", run_id)))
        batches.append((SufficiencyRow, sufficiency_rows(result.forecast.sufficiency_before, "before", run_id)))
    if result.plan is not None:
        batches.append((SufficiencyRow, sufficiency_rows(result.plan.sufficiency_after, "after", run_id)))
        batches.append((PlanScheme, scheme_rows(result.plan.schemes, run_id)))
    # Every stage's declared tables, under the stage's name (a stage added later needs nothing here).
    tables = [(stage.name, name, frame, name in stage.personal_tables)
              for stage in REGISTRY.all()
              for name, frame in stage.result_tables(result.results.get(stage.name)).items()]
    table_rows = []
    for section, name, frame, personal in tables:
        columns, rows = frame_table(frame)
        table_rows.append({"run_id": run_id, "name": name, "section": section, "personal": personal,
                           "columns": columns, "rows": rows})
    batches.append((ResultTable, table_rows))
    return [(model, rows) for model, rows in batches if rows]


def finish_run(factory: sessionmaker[Session], run_id: str, result: ScenarioResult,
               files: dict[str, bytes] | None = None, worker_id: str | None = None) -> None:
    """Write every result row (and report files) and mark the run succeeded, all in one transaction.

    Raises
    ------
    RunNotActive
        When the run is no longer running (cancelled, or failed by a restart); nothing is written.
    """
    batches = _result_rows(run_id, result)
    if files:
        batches.append((RunFile, [{"run_id": run_id, "name": name, "media_type": media_type(name), "size": len(data),
                                   "content": data} for name, data in sorted(files.items())]))
    provenance = _provenance(result)
    with factory.begin() as session:
        # Claim the row first: on PostgreSQL this locks it, so a concurrent restart waits for us.
        held = session.execute(
            update(Run).where(Run.id == run_id, Run.status == "running",
                              *([Run.worker_id == worker_id] if worker_id is not None else []))
            .values(status="succeeded", finished_at=utcnow(), provenance=provenance, plan_summary=plan_summary(result))
            .execution_options(synchronize_session=False)).rowcount == 1
        if not held:
            raise RunNotActive(f"run {run_id} is no longer running; its result was not stored")
        for model, rows in batches:
            session.execute(insert(model), rows)


MEDIA_TYPES = {".html": "text/html", ".pdf": "application/pdf", ".csv": "text/csv",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def media_type(name: str) -> str:
    """The media type of a report file by its suffix."""
    return next((t for suffix, t in MEDIA_TYPES.items() if name.endswith(suffix)), "application/octet-stream")


def _provenance(result: ScenarioResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(result.provenance)
