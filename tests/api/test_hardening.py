"""Hostile input is normal input (issue 15): bounded answers, 4xx never 5xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Iterator

import pytest

from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import PASSWORD, World, make_world, sample_files, sign_in, upload_sample
from tests.api.test_security import assert_error
from tests.core.test_safeyaml import alias_bomb, deep
from tests.store.conftest import DATABASES, fresh_database
from tests.store.test_zip_uploads import MALFORMED, _zip

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


# ---------------------------------------------------------------------------------------------- item 6: NUL

NUL_REQUESTS = {
    "sign-in e-mail": lambda w: w.client.post("/auth/token", data={"username": "admin\x00@x.example", "password": "p"}),
    "sign-in password": lambda w: w.client.post("/auth/token", data={"username": "a@x.example", "password": "p\x00"}),
    "path id": lambda w: w.client.get("/runs/ab%00cd", headers=w.as_["viewer"]),
    "dataset path id": lambda w: w.client.get("/datasets/%00", headers=w.as_["viewer"]),
    "query filter": lambda w: w.client.get("/runs", params={"status": "queued\x00"}, headers=w.as_["viewer"]),
    "JSON user e-mail": lambda w: w.client.post("/users", headers=w.as_["admin"],
                                                json={"email": "a\x00b@x.example", "password": "p" * 12}),
    "JSON key name": lambda w: w.client.post("/users/me/api-keys", headers=w.as_["admin"], json={"name": "k\x00"}),
    "JSON scenario name": lambda w: w.client.post("/scenarios", headers=w.as_["planner"], json={"name": "s\x00"}),
    "JSON scenario setting": lambda w: w.client.post("/scenarios", headers=w.as_["planner"], json={
        "name": "nul-setting", "description": "d", "settings": {"description": "x\x00"}}),
    "YAML scenario": lambda w: w.client.post("/scenarios", headers={**w.as_["planner"], **YAML},
                                             content=b'name: "nul\\0yaml"\n'),
    "YAML scenario description": lambda w: w.client.post("/scenarios", headers={**w.as_["planner"], **YAML},
                                                         content=b'name: nul-yaml\ndescription: "a\\x00b"\n'),
    "run body": lambda w: w.client.post("/runs", headers=w.as_["planner"],
                                        json={"dataset_id": "x\x00", "kind": "forecast"}),
    "dataset name": lambda w: w.client.post("/datasets", headers=w.as_["admin"], files=sample_files(),
                                            data={"name": "bad\x00name"}),
    "dataset file name": lambda w: w.client.post(
        "/datasets", headers={**w.as_["admin"], "Content-Type": "multipart/form-data; boundary=b0undary"},
        content=b'--b0undary\r\nContent-Disposition: form-data; name="name"\r\n\r\nn\r\n--b0undary\r\n'
                b'Content-Disposition: form-data; name="files"; filename="schools\x00.csv"\r\n'
                b'Content-Type: text/csv\r\n\r\na,b\n\r\n--b0undary--\r\n'),
    "API key header": lambda w: w.client.get("/users/me", headers={"X-API-Key": "suf_abcdefabcdef_x\x00"}),
}


@pytest.mark.parametrize("what", sorted(NUL_REQUESTS))
def test_a_nul_character_anywhere_is_refused_with_422(hw: World, what: str) -> None:
    response = NUL_REQUESTS[what](hw)
    assert_error(response, 422, "invalid", "NUL")
    assert hw.client.get("/health").status_code == 200


# ---------------------------------------------------------------------------------------------- item 7: zips


@pytest.mark.parametrize("make", [m for m, _ in MALFORMED], ids=[m.__name__ for m, _ in MALFORMED])
def test_a_malformed_zip_gets_422_with_what_to_do_and_the_next_request_works(hw: World, make) -> None:
    response = hw.client.post("/datasets", headers=hw.as_["admin"], data={"name": "zip"},
                              files=[("files", ("folder.zip", make(), "application/zip"))])
    error = assert_error(response, 422, "invalid")
    assert error["problems"] and error["problems"][0]["fix"]
    assert hw.client.get("/datasets", headers=hw.as_["admin"]).status_code == 200


def test_a_zip_of_fifty_thousand_files_gets_422(hw: World) -> None:
    data = _zip({f"f{i}.csv": b"" for i in range(50_000)}, zipfile.ZIP_STORED)
    response = hw.client.post("/datasets", headers=hw.as_["admin"], data={"name": "many"},
                              files=[("files", ("folder.zip", data, "application/zip"))])
    assert_error(response, 422, "invalid", "at most")


# ---------------------------------------------------------------------------------------------- item 5: rate limits


def test_a_made_up_api_key_beside_a_valid_token_does_not_escape_the_limit(tmp_path) -> None:
    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=30):
        answers = [world.client.get("/users/me", headers={**world.as_["viewer"],
                                                           "X-API-Key": f"suf_{i:012d}_{secrets.token_hex(8)}"})
                   for i in range(31)]
        assert [a.status_code for a in answers[:30]] == [200] * 30
        assert_error(answers[30], 429, "rate_limited", "30 a minute")
        assert int(answers[30].headers["retry-after"]) >= 1


def test_a_users_tokens_and_keys_share_one_allowance(tmp_path) -> None:
    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=10):
        key = world.client.post("/users/me/api-keys", headers=world.as_["planner"], json={"name": "k"}).json()["key"]
        second = sign_in(world.client, "planner@trafford.example", PASSWORD)
        # the key's creation was one request; a fresh token and the key share what is left
        answers = [world.client.get("/users/me", headers=h)
                   for h in [{"X-API-Key": key}, second, world.as_["planner"]] * 3]
        assert [a.status_code for a in answers] == [200] * 9
        assert_error(world.client.get("/users/me", headers={"X-API-Key": key}), 429, "rate_limited")
        assert world.client.get("/users/me", headers=world.as_["viewer"]).status_code == 200


def test_an_address_has_its_own_limit_whatever_credentials_it_sends(tmp_path) -> None:
    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=1000, address_rate_limit_per_minute=40):
        # make_world's own requests came from this address too
        codes = [world.client.get("/users/me", headers={"X-API-Key": f"suf_{i:012d}_x"}).status_code
                 for i in range(40)]
        assert 429 in codes and set(codes) <= {401, 429}
        assert codes[-1] == 429
