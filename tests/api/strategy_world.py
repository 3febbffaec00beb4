"""A service holding one finished full run (standards and post-16, SYNTHETIC pupils) for the strategy routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from api.jobs import run_pipeline
from tests.api.conftest import World, make_world, upload_sample, wait_for

#: Stages of a full run the standards and post-16 routes do not read: the capital programme, its robust form
#: and the admissions simulation (each has its own tests).
NOT_READ = ("plan", "robust", "admissions")


def strategy_only(inputs: Any, stages: tuple[str, ...], options: dict[str, Any], progress: Any) -> Any:
    """The product's pipeline minus the stages these routes do not read."""
    return run_pipeline(inputs, tuple(s for s in stages if s not in NOT_READ), options, progress)


def start_full_run(world: World) -> str:
    """A full run of the sample borough with a SYNTHETIC pupil cohort, as A's planner; its id once succeeded."""
    started = world.client.post("/runs", headers=world.as_["planner"], json={
        "dataset_id": world.dataset_id, "kind": "full", "synthetic_pupils": True})
    assert started.status_code == 202, started.text
    run = wait_for(world.client, started.json()["id"], world.as_["viewer"], seconds=300)
    assert run["status"] == "succeeded", run["error"]
    return run["id"]


def strategy_world(url: str) -> Iterator[World]:
    for world in make_world(url, pipeline=strategy_only, rate_limit_per_minute=1_000_000):
        world.dataset_id = upload_sample(world)
        world.run_id = start_full_run(world)
        yield world


def stored(world: World, section: str, name: str) -> pd.DataFrame:
    """A table of the run as GET /runs/{id}/{section} serves it to an admin."""
    body = world.client.get(f"/runs/{world.run_id}/{section}", headers=world.as_["admin"]).json()
    table = next(t for t in body["tables"] if t["name"] == name)
    return pd.DataFrame(table["rows"], columns=table["columns"])
