"""A running service with two organisations (two councils) and users of every role."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.bootstrap import create_admin
from api.jobs import run_pipeline
from sufficiency.app.settings import Settings
from sufficiency.app.store.testing import sqlite_url
from sufficiency.sample import sample_dir
from tests.store.conftest import database_url  # noqa: F401  (SQLite, then PostgreSQL, as for the store)

FINAL = ("succeeded", "failed", "cancelled")


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    """The sample borough as multipart files."""
    return [("files", (p.name, p.read_bytes(), "application/octet-stream"))
            for p in sorted(sample_dir().iterdir()) if p.is_file() and p.suffix != ".md"]


def wait_for(client: TestClient, run_id: str, headers: dict[str, str], seconds: float = 120) -> dict:
    """Poll a run until it finishes (or fail the test after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = client.get(f"/runs/{run_id}", headers=headers).json()
        if run["status"] in FINAL:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish within {seconds} s: {run}")


def sign_in(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class World:
    client: TestClient
    settings: Settings
    #: Headers by user: admin, planner, viewer (organisation A) and other_admin (organisation B).
    as_: dict[str, dict[str, str]] = field(default_factory=dict)
    dataset_id: str = ""
    run_id: str = ""


PASSWORD = "correct horse battery staple"

#: Admissions draws in the test services' runs: the routes read the tables, and 4 draws make the same tables as
#: 20 (tests/admissions holds the simulation itself to its numbers) in about a quarter of the stage's time.
TEST_DRAWS = 4


def few_draws(inputs: Any, stages: tuple[str, ...], options: dict[str, Any], progress: Any) -> Any:
    """The product's pipeline with the admissions stage on ``TEST_DRAWS`` draws (a run option, as on the command
    line's --draws); everything else as a council's run."""
    return run_pipeline(inputs, stages, {"draws": TEST_DRAWS, **options}, progress)


def make_world(url: str, pipeline: Any = few_draws, **settings: object) -> Iterator[World]:
    """A service on ``url`` with two councils: A (admin, planner, viewer) and B (other_admin)."""
    config = Settings(mode="test", database_url=url, **settings)
    app = create_app(config, pipeline=pipeline)
    with TestClient(app) as client:
        with app.state.sufficiency.sessions.begin() as session:
            create_admin(session, "Trafford Council", "admin@trafford.example", PASSWORD)
            create_admin(session, "Stockport Council", "admin@stockport.example", PASSWORD)
        world = World(client, config)
        world.as_["admin"] = sign_in(client, "admin@trafford.example", PASSWORD)
        world.as_["other_admin"] = sign_in(client, "admin@stockport.example", PASSWORD)
        for role in ("planner", "viewer"):
            created = client.post("/users", headers=world.as_["admin"],
                                  json={"email": f"{role}@trafford.example", "password": PASSWORD, "role": role})
            assert created.status_code == 201, created.text
            world.as_[role] = sign_in(client, f"{role}@trafford.example", PASSWORD)
        yield world


def upload_sample(world: World) -> str:
    """Upload the sample borough as A's admin; its dataset id."""
    uploaded = world.client.post("/datasets", headers=world.as_["admin"], files=sample_files(),
                                 data={"name": "Sample borough"})
    assert uploaded.status_code == 201, uploaded.text
    return uploaded.json()["id"]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """SQLite service with the sample borough uploaded by A's admin and one finished forecast run."""
    url = sqlite_url(tmp_path_factory.mktemp("api"))
    for world in make_world(url, rate_limit_per_minute=100_000):
        world.dataset_id = upload_sample(world)
        started = world.client.post("/runs", headers=world.as_["planner"],
                                    json={"dataset_id": world.dataset_id, "kind": "forecast"})
        assert started.status_code == 202, started.text
        world.run_id = started.json()["id"]
        run = wait_for(world.client, world.run_id, world.as_["viewer"])
        assert run["status"] == "succeeded", run
        yield world
