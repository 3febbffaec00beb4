"""Sign-in, API keys, roles, organisation scoping, limits and the one error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sufficiency.app.store import Dataset
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import PASSWORD, World, make_world, sign_in

PUBLIC = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def assert_error(response, status: int, code: str, *words: str) -> dict:
    """The response is the API's one error shape with this status and code, and its message says ``words``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "problems"}
    assert error["status"] == status and error["code"] == code
    for word in words:
        assert word in error["message"]
    return error


def _operations(world: World) -> list[tuple[str, str]]:
    schema = world.client.get("/openapi.json").json()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item]


def test_every_route_but_health_and_docs_needs_sign_in(world: World) -> None:
    operations = _operations(world)
    assert len(operations) >= 25
    for method, path in operations:
        url = path.replace("{run_id}", world.run_id).replace("{dataset_id}", world.dataset_id)
        url = url.replace("{scenario_id}", "x").replace("{user_id}", "x").replace("{key_id}", "x")
        response = world.client.request(method, url)
        if path in PUBLIC or path == "/auth/token":
            assert response.status_code != 401, (method, path)
        else:
            assert_error(response, 401, "not_authenticated", "Sign in first")


def test_docs_and_health_are_open(world: World) -> None:
    assert world.client.get("/health").json()["status"] == "ok"
    assert world.client.get("/docs").status_code == 200
    assert "components" in world.client.get("/openapi.json").json()


def test_wrong_password_and_unknown_user_get_the_same_answer(world: World) -> None:
    wrong = world.client.post("/auth/token", data={"username": "admin@trafford.example", "password": "nope"})
    unknown = world.client.post("/auth/token", data={"username": "who@nowhere.example", "password": "nope"})
    assert assert_error(wrong, 401, "not_authenticated") == assert_error(unknown, 401, "not_authenticated")


def test_a_forged_token_is_refused(world: World) -> None:
    response = world.client.get("/users/me", headers={"Authorization": "Bearer not.a.token"})
    assert_error(response, 401, "not_authenticated", "not valid")


def test_api_keys_are_shown_once_stored_hashed_and_revocable(world: World) -> None:
    created = world.client.post("/users/me/api-keys", headers=world.as_["viewer"], json={"name": "dashboard"})
    assert created.status_code == 201
    key = created.json()["key"]
    as_key = {"X-API-Key": key}
    assert world.client.get("/users/me", headers=as_key).json()["email"] == "viewer@trafford.example"
    assert world.client.get("/users/me", headers=as_key).status_code == 200  # remembered, still valid
    listed = world.client.get("/users/me/api-keys", headers=as_key).json()
    assert all("key" not in k for k in listed) and created.json()["prefix"] in [k["prefix"] for k in listed]
    with world.client.app.state.sufficiency.sessions() as session:
        from sufficiency.app.store import ApiKey

        stored = session.get(ApiKey, created.json()["id"])
        assert key not in stored.key_hash and stored.key_hash.startswith("$argon2id$")
    assert world.client.delete(f"/users/me/api-keys/{created.json()['id']}", headers=as_key).status_code == 204
    assert_error(world.client.get("/users/me", headers=as_key), 401, "not_authenticated")
    assert_error(world.client.get("/users/me", headers={"X-API-Key": key[:-1] + "x"}), 401, "not_authenticated")


@pytest.mark.parametrize(("who", "method", "path", "body"), [
    ("viewer", "POST", "/scenarios", {"name": "v"}),
    ("viewer", "POST", "/runs", {"dataset_id": "DATASET"}),
    ("viewer", "POST", "/runs/RUN/cancel", None),
    ("planner", "POST", "/users", {"email": "x@y.example", "password": PASSWORD}),
    ("planner", "GET", "/users", None),
    ("planner", "DELETE", "/datasets/DATASET", None),
    ("planner", "DELETE", "/runs/RUN", None),
    ("viewer", "PATCH", "/users/USER", {"role": "admin"}),
])
def test_roles_limit_what_each_user_may_do(world: World, who: str, method: str, path: str, body) -> None:
    me = world.client.get("/users/me", headers=world.as_[who]).json()
    path = path.replace("DATASET", world.dataset_id).replace("RUN", world.run_id).replace("USER", me["id"])
    if body and "dataset_id" in body:
        body = {"dataset_id": world.dataset_id}
    response = world.client.request(method, path, headers=world.as_[who], json=body)
    assert_error(response, 403, "forbidden", "role", f"you are a {who}")


def test_planners_may_not_upload_datasets(world: World) -> None:
    response = world.client.post("/datasets", headers=world.as_["planner"], data={"name": "x"},
                                 files=[("files", ("schools.csv", b"school_id\n", "text/csv"))])
    assert_error(response, 403, "forbidden", "admin")


def test_another_council_sees_none_of_our_data(world: World) -> None:
    other = world.as_["other_admin"]
    assert world.client.get("/datasets", headers=other).json() == []
    assert world.client.get("/runs", headers=other).json() == []
    assert world.dataset_id in [d["id"] for d in world.client.get("/datasets", headers=world.as_["viewer"]).json()]
    for path in (f"/datasets/{world.dataset_id}", f"/datasets/{world.dataset_id}/validation",
                 f"/datasets/{world.dataset_id}/schools.geojson", f"/runs/{world.run_id}",
                 f"/runs/{world.run_id}/forecast", f"/runs/{world.run_id}/report.xlsx"):
        assert_error(world.client.get(path, headers=other), 404, "not_found", "in your organisation")
    started = world.client.post("/runs", headers=other, json={"dataset_id": world.dataset_id})
    assert_error(started, 404, "not_found", "dataset")
    assert_error(world.client.delete(f"/datasets/{world.dataset_id}", headers=other), 404, "not_found")
    planner = world.client.get("/users/me", headers=world.as_["planner"]).json()
    assert_error(world.client.patch(f"/users/{planner['id']}", headers=other, json={"role": "admin"}), 404, "not_found")
    emails = [u["email"] for u in world.client.get("/users", headers=other).json()]
    assert emails == ["admin@stockport.example"]


def test_admins_manage_users_of_their_own_organisation(world: World) -> None:
    admin = world.as_["admin"]
    body = {"email": "temp@trafford.example", "password": PASSWORD, "role": "viewer"}
    created = world.client.post("/users", headers=admin, json=body)
    assert created.status_code == 201 and created.json()["role"] == "viewer"
    assert_error(world.client.post("/users", headers=admin, json=body), 409, "conflict", "already has")
    temp = sign_in(world.client, body["email"], PASSWORD)
    changed = world.client.patch(f"/users/{created.json()['id']}", headers=admin, json={"active": False})
    assert changed.json()["active"] is False
    assert_error(world.client.get("/users/me", headers=temp), 401, "not_authenticated")
    me = world.client.get("/users/me", headers=admin).json()
    assert_error(world.client.patch(f"/users/{me['id']}", headers=admin, json={"role": "viewer"}), 409, "conflict")
    short = world.client.post("/users", headers=admin, json={**body, "email": "s@t.example", "password": "short"})
    problems = assert_error(short, 422, "invalid", "password")["problems"]
    assert problems[0]["file"] == "body" and problems[0]["column"] == "password"


def test_requests_beyond_the_rate_limit_are_refused_with_retry_after(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=12):
        headers = world.as_["viewer"]  # each token is its own client; sign-in used the address's allowance
        answers = [world.client.get("/users/me", headers=headers) for _ in range(13)]
        assert [a.status_code for a in answers[:12]] == [200] * 12
        error = assert_error(answers[12], 429, "rate_limited", "12 a minute")
        assert int(answers[12].headers["retry-after"]) >= 1 and error["problems"] == []
        assert world.client.get("/users/me", headers=world.as_["admin"]).status_code == 200


def test_sign_in_attempts_have_their_own_lower_limit(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), sign_in_per_minute=6):
        # make_world signed in twice and added two users who signed in: four attempts used
        attempts = [world.client.post("/auth/token", data={"username": "admin@trafford.example", "password": "guess"})
                    for _ in range(3)]
        assert [a.status_code for a in attempts] == [401, 401, 429]
        assert_error(attempts[2], 429, "rate_limited", "sign-in attempts")
        assert world.client.get("/users/me", headers=world.as_["admin"]).status_code == 200


def test_uploads_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), max_upload_mb=0.01):
        big = b"school_id,name\n" + b"1,x\n" * 5000
        response = world.client.post("/datasets", headers=world.as_["admin"], data={"name": "big"},
                                     files=[("files", ("schools.csv", big, "text/csv"))])
        assert_error(response, 413, "too_large", "0.01 MB")


def _in_pieces(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def test_a_chunked_upload_over_the_limit_is_refused_as_too_large(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), max_upload_mb=0.01):
        boundary = "sufficiencyboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbig\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"schools.csv\"\r\n"
                "Content-Type: text/csv\r\n\r\n").encode() + b"1,x\n" * 5000 + f"\r\n--{boundary}--\r\n".encode()
        # no Content-Length: the body arrives in pieces, as with Transfer-Encoding: chunked
        response = world.client.post("/datasets", content=_in_pieces(body), headers={
            **world.as_["admin"], "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert_error(response, 413, "too_large", "0.01 MB")
        with world.client.app.state.sufficiency.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Dataset)) == 0


def test_a_method_an_endpoint_does_not_take_is_named_with_the_ones_it_does(world: World) -> None:
    error = assert_error(world.client.put("/runs", headers=world.as_["viewer"]), 405, "method_not_allowed",
                         "PUT is not allowed on /runs", "GET", "POST")
    assert error["problems"] == []
    assert_error(world.client.patch("/runs/abc123", headers=world.as_["viewer"]), 405, "method_not_allowed",
                 "PATCH is not allowed on /runs/abc123; it accepts DELETE, GET.")
