"""A run's results are written whole or not at all, and a finished run never changes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import IntegrityError

from sufficiency.app.store import ForecastRow, Organisation, Run, SufficiencyRow, read_session_factory, session_factory
from sufficiency.app.store import runs as store_runs
from sufficiency.app.store.models import Dataset
from sufficiency.app.store.runs import (
    ImmutableError,
    RunNotActive,
    claim_run,
    fail_expired,
    fail_run,
    finish_run,
    renew_leases,
)
from sufficiency.core.result import run_scenario

WORKER = "worker-1"


@pytest.fixture(scope="module")
def forecast_result(sample_inputs):
    """A real forecast of the sample borough."""
    return run_scenario(sample_inputs, stages=("forecast",))


def _new_run(sessions, status: str = "queued") -> str:
    with sessions.begin() as session:
        org = Organisation(name=f"Council {uuid.uuid4().hex[:8]}")
        session.add(org)
        session.flush()
        dataset = Dataset(organisation_id=org.id, name="d", content_hash="0" * 64, valid=True, problems=[])
        session.add(dataset)
        session.flush()
        run = Run(organisation_id=org.id, dataset_id=dataset.id, kind="forecast", stages=["forecast"], status=status)
        session.add(run)
        session.flush()
        return run.id


def _count(sessions, model, run_id: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.run_id == run_id))


def _status(sessions, run_id: str) -> str:
    with sessions() as session:
        return session.get(Run, run_id).status


def test_finish_run_stores_every_forecast_and_sufficiency_row(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions)
    assert claim_run(sessions, run_id, WORKER)
    finish_run(sessions, run_id, forecast_result)
    forecast = forecast_result.forecast
    assert _count(sessions, ForecastRow, run_id) == len(forecast.by_area) + len(forecast.by_school)
    assert _count(sessions, SufficiencyRow, run_id) == len(forecast_result.forecast.sufficiency_before)
    with sessions() as session:
        run = session.get(Run, run_id)
        assert run.status == "succeeded" and run.finished_at is not None
        assert run.provenance["source_hashes"] == forecast_result.inputs.source_hashes
        stored = session.scalar(select(func.sum(ForecastRow.pupils)).where(ForecastRow.run_id == run_id,
                                                                            ForecastRow.level == "area"))
    assert stored == pytest.approx(forecast.by_area["pupils"].sum())


def test_a_crash_while_writing_leaves_no_result_rows(engine: Engine, forecast_result, monkeypatch) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions)
    claim_run(sessions, run_id, WORKER)
    real = store_runs._result_rows

    def breaks_half_way(run, result):
        batches = real(run, result)
        bad = dict(batches[1][1][0], year=None)  # the second table fails after the first is written
        return [batches[0], (batches[1][0], [bad])]

    monkeypatch.setattr(store_runs, "_result_rows", breaks_half_way)
    with pytest.raises(IntegrityError):
        finish_run(sessions, run_id, forecast_result)
    assert _count(sessions, ForecastRow, run_id) == 0
    assert _status(sessions, run_id) == "running"


def test_a_finished_run_never_changes(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions)
    claim_run(sessions, run_id, WORKER)
    finish_run(sessions, run_id, forecast_result)
    assert not fail_run(sessions, run_id, "too late")
    assert not claim_run(sessions, run_id, WORKER)
    with sessions() as session, pytest.raises(ImmutableError, match="never changed"):
        session.get(Run, run_id).error = "edited"
        session.commit()
    with sessions() as session, pytest.raises(ImmutableError):
        row = session.scalars(select(ForecastRow).where(ForecastRow.run_id == run_id)).first()
        row.pupils = 0.0
        session.commit()
    assert _status(sessions, run_id) == "succeeded"


def test_runs_whose_lease_expired_are_failed_and_live_and_finished_ones_kept(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    queued, running, live, done = (_new_run(sessions), _new_run(sessions, "running"), _new_run(sessions),
                                   _new_run(sessions))
    claim_run(sessions, live, WORKER)
    claim_run(sessions, done, WORKER)
    finish_run(sessions, done, forecast_result)
    with sessions.begin() as session:  # the process holding these two died an hour ago
        session.execute(update(Run).where(Run.id.in_([queued, running]))
                        .values(worker_id="gone", heartbeat_at=now - dt.timedelta(hours=1)))
    assert renew_leases(sessions, WORKER, [live, queued, done], now) == 1  # only what this worker holds
    assert fail_expired(sessions, lease_seconds=60, now=now + dt.timedelta(seconds=30)) == 2
    with sessions() as session:
        for run_id in (queued, running):
            run = session.get(Run, run_id)
            assert run.status == "failed"
            assert run.error.startswith("interrupted: the service process running it stopped")
            assert "Start the run again" in run.error
        assert session.get(Run, live).status == "running"
        assert session.get(Run, done).status == "succeeded"
    # Once its worker stops renewing it, the live run's lease expires too.
    assert fail_expired(sessions, lease_seconds=60, now=now + dt.timedelta(seconds=61)) == 1
    assert _status(sessions, live) == "failed"


def test_a_result_arriving_after_the_run_was_failed_is_dropped(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions)
    claim_run(sessions, run_id, WORKER)
    fail_expired(sessions, lease_seconds=60, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    with pytest.raises(RunNotActive):
        finish_run(sessions, run_id, forecast_result)
    assert _count(sessions, ForecastRow, run_id) == 0
    assert _status(sessions, run_id) == "failed"


def test_status_changes_are_conditional(engine: Engine) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions)
    with sessions.begin() as session:  # core updates bypass the ORM guard, but not the status condition
        session.execute(update(Run).where(Run.id == run_id).values(status="cancelled"))
    assert not claim_run(sessions, run_id, WORKER)
    assert _status(sessions, run_id) == "cancelled"


def test_times_are_read_back_in_utc_on_every_database(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    run_id = _new_run(sessions, "running")
    finish_run(sessions, run_id, forecast_result)
    with sessions() as session:
        run = session.get(Run, run_id)
        times = (run.created_at, run.finished_at)
    assert all(t.utcoffset() == dt.timedelta(0) for t in times)
    assert times[0] <= times[1]


def test_a_shutdown_fails_only_the_runs_it_names(engine: Engine, forecast_result) -> None:
    sessions = session_factory(engine)
    mine_queued, mine_running, other = _new_run(sessions), _new_run(sessions, "running"), _new_run(sessions, "running")
    done = _new_run(sessions, "running")
    finish_run(sessions, done, forecast_result)
    assert store_runs.stop_runs(sessions, [mine_queued, mine_running, done]) == 2
    with sessions() as session:
        for run_id in (mine_queued, mine_running):
            run = session.get(Run, run_id)
            assert run.status == "failed" and "shut down" in run.error and "Start the run again" in run.error
        assert session.get(Run, other).status == "running"
        assert session.get(Run, done).status == "succeeded"
    assert store_runs.stop_runs(sessions, []) == 0


def test_reads_on_postgresql_run_in_autocommit_and_writes_keep_their_transaction(engine: Engine) -> None:
    reads = read_session_factory(engine)
    if engine.dialect.name != "postgresql":
        assert reads is None  # SQLite: the plain sessions serve reads as cheaply
        return
    with reads() as session:  # each statement its own transaction: nothing to roll back when the request ends
        assert session.connection().connection.dbapi_connection.autocommit is True
        assert session.execute(text("SELECT 1")).scalar() == 1
    with session_factory(engine)() as session:
        assert session.connection().connection.dbapi_connection.autocommit is False
