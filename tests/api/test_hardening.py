"""Hostile input is normal input: bounded answers, 4xx never 5xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import secrets
import time
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select

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


# ---------------------------------------------------------------------------------------------- items 8, 12: headers

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def assert_secure_headers(response, cache: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert (response.headers.get("cache-control") == "no-store") != cache, (response.request.url,
                                                                              response.headers.get("cache-control"))


def test_every_answer_has_the_security_headers_and_is_never_cached(hw: World) -> None:
    schema = hw.client.get("/openapi.json").json()
    paths = [path for path, item in schema["paths"].items() if "get" in item]
    assert len(paths) > 30
    for path in paths:
        url = path.replace("{dataset_id}", hw.dataset_id)
        for name in ("run_id", "scenario_id", "user_id", "key_id", "stage", "table", "name", "school_id",
                     "override_id"):
            url = url.replace("{" + name + "}", "x")
        for who in ("admin", None):
            response = hw.client.get(url, headers=hw.as_[who] if who else {})
            assert response.status_code < 500, (url, response.text[:200])
            assert_secure_headers(response)
    assert hw.client.get("/runs", headers=hw.as_["admin"]).headers["content-security-policy"].startswith(
        "default-src 'none'")
    # errors made before any route (NUL, too many requests) carry them too
    assert_secure_headers(hw.client.get("/runs/%00", headers=hw.as_["admin"]))


def test_the_documentation_may_load_its_own_scripts_and_cache_them(hw: World) -> None:
    page = hw.client.get("/docs")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert_secure_headers(page)
    asset = hw.client.get("/docs-assets/swagger-ui.css")
    assert asset.status_code == 200
    assert_secure_headers(asset, cache=True)


def test_expired_pupil_lists_are_deleted_on_a_schedule(tmp_path) -> None:
    from sufficiency.app.store import Dataset, Organisation, ResultTable, Run

    for world in make_world(sqlite_url(tmp_path), retention_check_minutes=0.001):  # every 60 ms
        with world.client.app.state.sufficiency.sessions.begin() as session:
            org = Organisation(name="Retention test council")
            session.add(org)
            session.flush()
            dataset = Dataset(organisation_id=org.id, name="d", content_hash="0" * 64, valid=True)
            session.add(dataset)
            session.flush()
            run = Run(organisation_id=org.id, dataset_id=dataset.id, kind="full", status="succeeded")
            session.add(run)
            session.flush()
            run_id = run.id
            session.add(ResultTable(run_id=run_id, section="post16", name="roni_ranked", personal=True,
                                    columns=["pupil_ref", "delete_after"], rows=[["P1", "2000-01-01"]]))
            session.add(ResultTable(run_id=run_id, section="post16", name="participation", personal=False,
                                    columns=["year"], rows=[[2024]]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # waits for the schedule; asserts nothing about how long it took
            with world.client.app.state.sufficiency.sessions() as session:
                left = session.scalars(select(ResultTable.name).where(ResultTable.run_id == run_id)).all()
            if left == ["participation"]:
                break
            time.sleep(0.05)
        assert left == ["participation"], "the expired list was not deleted while the service ran"


# ---------------------------------------------------------------------------------------------- item 12


def test_adding_a_user_never_tells_whether_another_council_has_the_address(hw: World) -> None:
    elsewhere = "admin@stockport.example"  # council B's admin
    body = {"email": elsewhere, "password": "a different long passphrase", "role": "viewer"}
    made = hw.client.post("/users", headers=hw.as_["admin"], json=body)
    assert made.status_code == 201, made.text  # as for any free address
    again = hw.client.post("/users", headers=hw.as_["admin"], json=body)
    assert_error(again, 409, "conflict", "Your organisation already has")
    # each person signs in to their own account with their own password
    ours = sign_in(hw.client, elsewhere, "a different long passphrase")
    theirs = sign_in(hw.client, elsewhere, PASSWORD)
    me_ours = hw.client.get("/users/me", headers=ours).json()
    me_theirs = hw.client.get("/users/me", headers=theirs).json()
    assert me_ours["organisation_id"] != me_theirs["organisation_id"] and me_ours["role"] == "viewer"
    assert me_theirs["role"] == "admin"
    assert elsewhere not in {u["email"] for u in hw.client.get("/users", headers=hw.as_["other_admin"]).json()
                             if u["id"] == me_ours["id"]}


def test_a_user_changes_their_password_and_older_tokens_stop_working(hw: World) -> None:
    email, old, new = "changer@trafford.example", "the first long passphrase", "the second long passphrase"
    assert hw.client.post("/users", headers=hw.as_["admin"], json={"email": email, "password": old}).status_code == 201
    token = sign_in(hw.client, email, old)
    wrong = hw.client.post("/users/me/password", headers=token, json={"current_password": "nope",
                                                                       "new_password": new})
    assert_error(wrong, 403, "forbidden", "current password is wrong")
    short = hw.client.post("/users/me/password", headers=token, json={"current_password": old, "new_password": "x"})
    assert_error(short, 422, "invalid")
    changed = hw.client.post("/users/me/password", headers=token, json={"current_password": old, "new_password": new})
    assert changed.status_code == 204, changed.text
    assert_error(hw.client.get("/users/me", headers=token), 401, "not_authenticated")
    assert hw.client.post("/auth/token", data={"username": email, "password": old}).status_code == 401
    assert hw.client.get("/users/me", headers=sign_in(hw.client, email, new)).json()["email"] == email


def test_health_answers_503_with_retry_after_when_the_database_is_down(tmp_path) -> None:
    from sufficiency.app.store import make_engine, session_factory

    for world in make_world(sqlite_url(tmp_path)):
        state = world.client.app.state.sufficiency
        assert world.client.get("/health").status_code == 200
        down = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")  # nothing listens
        healthy, state.sessions = state.sessions, session_factory(down)
        try:
            response = world.client.get("/health")
        finally:
            state.sessions = healthy
            down.dispose()
        assert_error(response, 503, "unavailable", "database does not answer")
        assert int(response.headers["retry-after"]) > 0
        assert world.client.get("/health").status_code == 200


def test_a_nul_in_any_path_parameter_or_query_of_any_route_gets_422(hw: World) -> None:
    """Item 6 for every route the API documents, so a new route cannot miss it."""
    schema = hw.client.get("/openapi.json").json()
    checked = 0
    for path, item in schema["paths"].items():
        for method in item:
            url = re.sub(r"\{[^}]+\}", "ab%00cd", path)
            for target in ({url} if "{" in path else set()) | {path + "?q=%00"}:
                response = hw.client.request(method.upper(), target, headers=hw.as_["admin"])
                assert_error(response, 422, "invalid", "NUL")
                checked += 1
    assert checked > 60
