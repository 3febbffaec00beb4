"""Runs as jobs: cancelling, a stop or a restart in the middle of a run, and 20 runs at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import create_app
from api.bootstrap import create_admin
from api.jobs import run_pipeline
from sufficiency.app.settings import Settings
from sufficiency.app.store import ForecastRow, Run
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import PASSWORD, make_world, sample_files, sign_in, upload_sample, wait_for
from tests.api.test_security import assert_error


class Gate:
    """The product's pipeline, held at its start until released (to catch a run while it is running)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, inputs, stages, options, progress):
        self.started.set()
        assert self.release.wait(120), "the test never released the run"
        return run_pipeline(inputs, stages, options, progress)


def _rows(app, run_id: str) -> int:
    with app.state.sufficiency.sessions() as session:
        return session.scalar(select(func.count()).select_from(ForecastRow).where(ForecastRow.run_id == run_id))


def test_cancel_a_queued_run_at_once_and_a_running_one_at_its_next_stage(tmp_path: Path) -> None:
    gate = Gate()
    for world in make_world(sqlite_url(tmp_path), pipeline=gate, job_workers=1):
        client, planner = world.client, world.as_["planner"]
        dataset_id = upload_sample(world)
        first = client.post("/runs", headers=planner, json={"dataset_id": dataset_id}).json()
        assert gate.started.wait(60)
        second = client.post("/runs", headers=planner, json={"dataset_id": dataset_id}).json()
        assert second["status"] == "queued"
        cancelled = client.post(f"/runs/{second['id']}/cancel", headers=planner).json()
        assert cancelled["status"] == "cancelled" and cancelled["error"] == "cancelled before it started"
        assert_error(client.get(f"/runs/{second['id']}/forecast", headers=planner), 409, "conflict", "cancelled")
        running = client.post(f"/runs/{first['id']}/cancel", headers=planner).json()
        assert running["status"] == "running" and running["cancel_requested"] is True
        assert_error(client.delete(f"/runs/{first['id']}", headers=world.as_["admin"]), 409, "conflict", "cancel it")
        gate.release.set()
        finished = wait_for(client, first["id"], planner)
        assert finished["status"] == "cancelled" and "no results were kept" in finished["error"]
        assert _rows(client.app, first["id"]) == 0
        assert_error(client.post(f"/runs/{first['id']}/cancel", headers=planner), 409, "conflict", "never changed")
        assert client.delete(f"/runs/{first['id']}", headers=world.as_["admin"]).status_code == 204
        assert_error(client.get(f"/runs/{first['id']}", headers=planner), 404, "not_found")


@pytest.mark.slow
def test_a_second_service_on_the_same_database_leaves_the_first_ones_runs_alone(database_url: str) -> None:
    gate = Gate()
    for world in make_world(database_url, pipeline=gate):
        dataset_id = upload_sample(world)
        run = world.client.post("/runs", headers=world.as_["planner"], json={"dataset_id": dataset_id}).json()
        assert gate.started.wait(60)
        assert world.client.get(f"/runs/{run['id']}", headers=world.as_["planner"]).json()["status"] == "running"
        # A second service process on the same database starts (another uvicorn worker, another machine).
        second = create_app(world.settings)
        with TestClient(second) as client:
            headers = sign_in(client, "planner@trafford.example", PASSWORD)
            assert client.get(f"/runs/{run['id']}", headers=headers).json()["status"] == "running"
            assert second.state.sufficiency.jobs.tick() == 0  # its heartbeat leaves a live lease alone
            gate.release.set()
            world.client.app.state.sufficiency.jobs.wait(run["id"], timeout=120)
            done = client.get(f"/runs/{run['id']}", headers=headers).json()
            assert done["status"] == "succeeded", done["error"]
            assert _rows(second, run["id"]) > 0
            # and it runs runs of its own on the same database.
            fresh = client.post("/runs", headers=headers, json={"dataset_id": dataset_id}).json()
            assert wait_for(client, fresh["id"], headers)["status"] == "succeeded"


def _start_together(barrier: threading.Barrier, client: TestClient, headers: dict[str, str], body: dict) -> str:
    """Start a run once every thread is ready to, so that the requests arrive together."""
    barrier.wait()
    response = client.post("/runs", headers=headers, json=body)
    assert response.status_code == 202, response.text
    return response.json()["id"]


@pytest.mark.slow
def test_twenty_simultaneous_runs_all_finish_with_nothing_lost(database_url: str) -> None:
    for world in make_world(database_url, rate_limit_per_minute=100_000):
        dataset_id = upload_sample(world)
        client, planner = world.client, world.as_["planner"]
        # A short horizon and fewer bootstrap paths: this test is about the jobs, not the forecast.
        quick = client.post("/scenarios", headers=planner, json={
            "name": "quick", "settings": {"horizon": 3, "forecast": {"n_paths": 50}}}).json()
        barrier = threading.Barrier(20)
        body = {"dataset_id": dataset_id, "kind": "forecast", "scenario_id": quick["id"]}
        with ThreadPoolExecutor(20) as pool:
            started = [pool.submit(_start_together, barrier, client, planner, body) for _ in range(20)]
            run_ids = [future.result() for future in started]
        assert len(set(run_ids)) == 20
        runs = [wait_for(client, run_id, planner, seconds=300) for run_id in run_ids]
        assert [r["status"] for r in runs] == ["succeeded"] * 20, [r["error"] for r in runs]
        counts = {run_id: _rows(client.app, run_id) for run_id in run_ids}
        expected = client.get(f"/runs/{run_ids[0]}/forecast", headers=planner).json()["count"]
        expected += client.get(f"/runs/{run_ids[0]}/forecast", headers=planner,
                               params={"level": "school"}).json()["count"]
        assert set(counts.values()) == {expected}
        with client.app.state.sufficiency.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Run).where(Run.status == "succeeded")) == 20
            total = session.scalar(select(func.count()).select_from(ForecastRow))
        assert total == 20 * expected


def test_stopping_the_service_marks_its_unfinished_runs_failed_at_once(tmp_path: Path) -> None:
    gate = Gate()
    settings = Settings(mode="test", database_url=sqlite_url(tmp_path))
    app = create_app(settings, pipeline=gate)
    with TestClient(app) as client:
        with app.state.sufficiency.sessions.begin() as session:
            create_admin(session, "Trafford Council", "admin@trafford.example", PASSWORD)
        headers = sign_in(client, "admin@trafford.example", PASSWORD)
        dataset_id = client.post("/datasets", headers=headers, files=sample_files(), data={"name": "s"}).json()["id"]
        running = client.post("/runs", headers=headers, json={"dataset_id": dataset_id}).json()
        assert gate.started.wait(60)
        queued = client.post("/runs", headers=headers, json={"dataset_id": dataset_id}).json()
        jobs = app.state.sufficiency.jobs
    # The service has stopped (its lifespan ended) while one run was computing and one waited.
    gate.release.set()
    jobs.wait(running["id"], timeout=120)
    with app.state.sufficiency.sessions() as session:
        runs = {run_id: session.get(Run, run_id) for run_id in (running["id"], queued["id"])}
        for run in runs.values():
            assert run.status == "failed", run.error
            assert run.error.startswith("interrupted: the service was shut down") and "Start the run again" in run.error
        assert _rows(app, running["id"]) == 0
    # A later start finds nothing left to recover, and the runs keep the reason they were given.
    with TestClient(create_app(settings, pipeline=gate)) as client:
        headers = sign_in(client, "admin@trafford.example", PASSWORD)
        again = client.get(f"/runs/{running['id']}", headers=headers).json()
        assert again["status"] == "failed" and "shut down" in again["error"]
