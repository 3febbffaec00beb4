"""Runs held by a lease: a run whose service process died, or lost its database, ends
failed or stored once the database is back; cancel always ends a run; nothing stays running."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from sufficiency.app.store import Dataset, Run
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import World, make_world, upload_sample, wait_for
from tests.api.test_jobs import Gate, _rows
from tests.api.test_security import assert_error


def _orphan(world: World, dataset_id: str, status: str = "running") -> str:
    """A run left by a service process that died an hour ago (its lease never renewed since)."""
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with world.client.app.state.sufficiency.sessions.begin() as session:
        org_id = session.get(Dataset, dataset_id).organisation_id
        run = Run(organisation_id=org_id, dataset_id=dataset_id, kind="forecast", stages=["forecast"], status=status,
                  worker_id="gone-host:4242:0123456789ab", heartbeat_at=an_hour_ago, started_at=an_hour_ago)
        session.add(run)
        session.flush()
        return run.id


def test_the_heartbeat_fails_a_run_whose_process_died_without_a_restart(tmp_path: Path) -> None:
    gate = Gate()
    for world in make_world(sqlite_url(tmp_path), pipeline=gate):
        dataset_id = upload_sample(world)
        live = world.client.post("/runs", headers=world.as_["planner"], json={"dataset_id": dataset_id}).json()
        assert gate.started.wait(60)
        orphans = [_orphan(world, dataset_id), _orphan(world, dataset_id, "queued")]
        assert world.client.app.state.sufficiency.jobs.tick() == 2
        for orphan in orphans:
            run = world.client.get(f"/runs/{orphan}", headers=world.as_["planner"]).json()
            assert run["status"] == "failed"
            assert "stopped or lost its database" in run["error"] and "Start the run again" in run["error"]
        # This process's own run, whose lease it renews, goes on.
        assert world.client.get(f"/runs/{live['id']}", headers=world.as_["planner"]).json()["status"] == "running"
        gate.release.set()
        assert wait_for(world.client, live["id"], world.as_["planner"])["status"] == "succeeded"


def test_after_an_outage_the_heartbeat_renews_its_own_leases_and_waits_a_lease_before_failing_others(
        tmp_path: Path) -> None:
    # Another process's run whose lease looks expired only because the database was away: on the first heartbeat
    # back it must not be failed (its holder renews it on its own first heartbeat back, within one lease).
    for world in make_world(sqlite_url(tmp_path)):
        dataset_id = upload_sample(world)
        jobs = world.client.app.state.sufficiency.jobs
        elsewhere = _orphan(world, dataset_id)
        outage = Outage(world.client.app.state.sufficiency.engine)
        outage.down = True
        assert jobs.beat() is None  # the database does not answer
        outage.end()
        assert jobs.beat() == 0  # back: nothing failed yet
        assert world.client.get(f"/runs/{elsewhere}", headers=world.as_["planner"]).json()["status"] == "running"
        jobs._reap_from = time.monotonic()  # one lease later, the run's holder has not renewed it: it is failed
        assert jobs.beat() == 1
        assert world.client.get(f"/runs/{elsewhere}", headers=world.as_["planner"]).json()["status"] == "failed"


def test_cancel_ends_a_run_whose_process_died_and_it_can_then_be_deleted(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path)):
        dataset_id = upload_sample(world)
        orphan = _orphan(world, dataset_id)
        cancelled = world.client.post(f"/runs/{orphan}/cancel", headers=world.as_["planner"]).json()
        assert cancelled["status"] == "cancelled", cancelled
        assert "stopped renewing its lease" in cancelled["error"]
        assert world.client.delete(f"/runs/{orphan}", headers=world.as_["admin"]).status_code == 204
        assert_error(world.client.get(f"/runs/{orphan}", headers=world.as_["planner"]), 404, "not_found")


class Outage:
    """The database stops answering every statement (as when its server is down) until ended."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = False
        #: Statements of requests still answered before the database goes (None: not counting).
        self.allowed: int | None = None
        self.refused: list[str] = []
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._refuse)

    def after(self, statements: int) -> None:
        """The database goes away after this many more statements from requests (not from the run workers)."""
        self.allowed = statements

    def end(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)

    def _refuse(self, _conn, _cursor, statement, _parameters, _context, _many) -> None:
        if self.allowed is not None and not threading.current_thread().name.startswith("sufficiency-"):
            self.allowed -= 1
            self.down = self.down or self.allowed < 0
        if self.down:
            with self.lock:
                self.refused.append(statement)
            raise self.engine.dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly "
                                                                    "(test outage)")

    def wait_for_refused(self, fragment: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if any(fragment in s for s in self.refused):
                    return
            time.sleep(0.05)
        raise AssertionError(f"no statement with {fragment!r} was refused within {seconds} s")


@pytest.mark.slow
def test_a_run_that_loses_its_database_is_stored_when_it_comes_back(database_url: str) -> None:
    gate = Gate()
    for world in make_world(database_url, pipeline=gate):
        dataset_id = upload_sample(world)
        state = world.client.app.state.sufficiency
        run = world.client.post("/runs", headers=world.as_["planner"], json={"dataset_id": dataset_id}).json()
        assert gate.started.wait(60)
        outage = Outage(state.engine)
        outage.down = True
        gate.release.set()
        # The run computed its forecast and tried to store it while the database was down.
        outage.wait_for_refused("UPDATE runs SET status")
        for path in (f"/runs/{run['id']}", "/runs", "/datasets", "/health"):  # reads say when to try again
            response = world.client.get(path, headers=world.as_["planner"])
            assert response.status_code == 503 and response.headers["retry-after"].isdigit(), path
        outage.down = False
        done = wait_for(world.client, run["id"], world.as_["planner"], seconds=60)
        assert done["status"] == "succeeded", done["error"]
        assert _rows(world.client.app, run["id"]) > 0


def test_a_database_lost_between_two_statements_of_a_request_gives_503_never_500(world: World) -> None:
    # The run list used to read two deferred columns of each run while its answer was serialised, so a connection
    # lost after the list's query surfaced as a 500 ("ResponseValidationError").
    outage = Outage(world.client.app.state.sufficiency.engine)
    try:
        for path in ("/runs", f"/runs/{world.run_id}"):
            statements = 0  # how many statements the request makes when all is well
            outage.after(10_000)
            assert world.client.get(path, headers=world.as_["viewer"]).status_code == 200
            statements = 10_000 - outage.allowed
            for allowed in range(statements):  # the database goes after each of them in turn
                outage.down, outage.allowed = False, allowed
                response = world.client.get(path, headers=world.as_["viewer"])
                assert response.status_code in (200, 503), f"{path} after {allowed} statements: {response.text[:300]}"
                outage.down, outage.allowed = False, None
            assert statements >= 2
    finally:
        outage.end()
