"""The store's record of a national run, and the admins' API route that starts one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from national.folder import Authority
from national.record import RunRecord
from sufficiency.app.store import make_engine, session_factory, upgrade
from sufficiency.app.store.models import NationalRun
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import make_world


def test_the_record_keeps_each_authority_status(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    upgrade(engine)
    sessions = session_factory(engine)
    record = RunRecord.create(sessions, "data", "out", {"paths": 10})
    record.start([Authority("201"), Authority("836")])
    record.status("201", "succeeded", None)
    record.status("836", "failed", "load: no places")
    with sessions() as session:
        run = session.get(NationalRun, record.run_id)
        assert run is not None and run.status == "running"
        assert [(a.la_code, a.status, a.reason) for a in run.authorities] == [
            ("201", "succeeded", None), ("836", "failed", "load: no places")]
    engine.dispose()


@pytest.mark.slow
def test_an_admin_starts_a_national_run_and_follows_each_authority(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), data_dir=tmp_path):
        body = {"paths": 50, "authorities": ["201", "836"], "workers": 1}
        refused = world.client.post("/national/runs", headers=world.as_["planner"], json=body)
        assert refused.status_code == 403
        started = world.client.post("/national/runs", headers=world.as_["admin"], json=body)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        deadline = time.monotonic() + 300
        run = started.json()
        while run["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            run = world.client.get(f"/national/runs/{run_id}", headers=world.as_["admin"]).json()
        assert run["status"] == "succeeded", run
        assert run["counts"] == {"succeeded": 1, "failed": 1}
        assert {a["la_code"]: a["status"] for a in run["authorities"]} == {"201": "succeeded", "836": "failed"}
        assert (tmp_path / "national" / run_id / "places_needed.csv").is_file()
        other = world.client.get(f"/national/runs/{run_id}", headers=world.as_["other_admin"])
        assert other.status_code == 404
        listed = world.client.get("/national/runs", headers=world.as_["admin"]).json()
        assert [r["id"] for r in listed] == [run_id]
