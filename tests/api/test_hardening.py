"""Hostile input is normal input (issue 15): bounded answers, 4xx never 5xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.api.conftest import World, make_world, sample_files, upload_sample
from tests.api.test_security import assert_error
from tests.core.test_safeyaml import alias_bomb, deep
from tests.store.conftest import DATABASES, fresh_database

YAML = {"Content-Type": "application/yaml"}


@pytest.fixture(scope="module", params=DATABASES)
def hw(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two councils on a fresh database (SQLite, then PostgreSQL when its test server answers), the sample
    borough uploaded by the first."""
    with fresh_database(request.param, tmp_path_factory.mktemp("hardening")) as url:
        for world in make_world(url, rate_limit_per_minute=100_000):
            world.dataset_id = upload_sample(world)
            yield world


# ---------------------------------------------------------------------------------------------- item 1: YAML


def test_an_alias_bomb_scenario_is_refused_in_a_short_answer(hw: World) -> None:
    response = hw.client.post("/scenarios", headers={**hw.as_["planner"], **YAML}, content=alias_bomb(6))
    assert_error(response, 422, "invalid", "alias")
    assert len(response.content) < 2_000


@pytest.mark.parametrize("body", [deep(20_000), "name: x\n" + "".join(f"{' ' * 2 * i}k{i}:\n" for i in range(200))
                                  + " " * 400 + "v: 1\n"])
def test_deeply_nested_yaml_is_refused_with_422(hw: World, body: str) -> None:
    response = hw.client.post("/scenarios", headers={**hw.as_["planner"], **YAML}, content=body)
    assert_error(response, 422, "invalid", "nest")


def test_deeply_nested_json_is_refused_with_422(hw: World) -> None:
    body = '{"name": "deep", "settings": {"a": ' + "[" * 20_000 + "]" * 20_000 + "}}"
    response = hw.client.post("/scenarios", headers={**hw.as_["planner"], "Content-Type": "application/json"},
                              content=body)
    assert response.status_code == 422 and len(response.content) < 5_000, response.text[:300]


def test_an_alias_bomb_in_an_uploaded_scenario_yaml_is_a_short_problem(hw: World) -> None:
    files = [f for f in sample_files() if f[1][0] != "scenario.yaml"]
    files.append(("files", ("scenario.yaml", alias_bomb(7).encode(), "application/yaml")))
    response = hw.client.post("/datasets", headers=hw.as_["admin"], files=files, data={"name": "bomb"})
    assert response.status_code == 201 and not response.json()["valid"], response.text[:300]
    report = hw.client.get(f"/datasets/{response.json()['id']}/validation", headers=hw.as_["admin"])
    assert "alias" in json.dumps(report.json()) and len(report.content) < 5_000


@pytest.mark.parametrize("send", [
    lambda w: w.client.post("/scenarios", headers=w.as_["planner"], json={"name": "x", "settings": {"k" * 50_000: 1}}),
    lambda w: w.client.post("/scenarios", headers=w.as_["planner"],
                            json={"name": "x", "settings": {"horizon": "h" * 50_000}}),
    lambda w: w.client.post("/scenarios", headers={**w.as_["planner"], "Content-Type": "text/" + "x" * 50_000},
                            content=b"name: x"),
    lambda w: w.client.post("/scenarios", headers={**w.as_["planner"], **YAML},
                            content=("name: [" + "x" * 50_000).encode()),
    lambda w: w.client.get("/runs/" + "r" * 50_000, headers=w.as_["viewer"]),
    lambda w: w.client.post("/users", headers=w.as_["admin"],
                            json={"email": "a@b.example", "password": "p" * 20, "role": "x" * 50_000}),
])
def test_no_answer_echoes_more_than_a_short_excerpt_of_the_request(hw: World, send) -> None:
    response = send(hw)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert len(response.content) < 5_000, response.text[:300]
