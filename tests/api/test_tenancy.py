"""No council reaches another's data, on every route: generated from the OpenAPI schema.

Council A (Trafford) holds a dataset, a scenario, a finished full run with a report file, an API key, an
override and an escalation. For every operation the service documents, council B's admin sends A's ids: in the
path, in the body (each of A's ids on its own, with B's own ids beside it) and in the query. Every id in the
path or body gets 404, exactly as for an id that does not exist; no answer to B contains any of A's ids.

The operations come from the schema, so a new route is tested as soon as it exists; a route with a path
parameter or body field this test does not know fails, asking for the id it carries.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from sufficiency.app.settings import Settings
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import World, make_world, sample_files, upload_sample, wait_for
from tests.api.test_security import assert_error

#: Path parameters naming something a council owns: each gets A's id, and B gets 404.
OWNED = {"dataset_id", "scenario_id", "run_id", "user_id", "key_id", "name", "school_id", "override_id",
         "national_run_id"}
#: Body fields naming something a council owns.
BODY_IDS = {"dataset_id", "scenario_id", "run_id"}
#: Path parameters that name no one's data (a stage of the product and its tables): fixed values.
FIXED = {"stage": "standards", "table": "primary"}
#: Query parameters naming owned things: filters, answered with B's own (empty) data, never A's.
QUERY_IDS = {"dataset_id", "run_id", "school_id"}
#: Operations carrying no id: nothing of A's can be named, and they create or read the caller's own data only.
NO_IDS = {("POST", "/auth/token"), ("POST", "/users"), ("POST", "/users/me/api-keys"), ("POST", "/datasets"),
          ("POST", "/scenarios"), ("POST", "/users/me/password"), ("POST", "/national/runs")}
#: Body fields that are not ids of owned things (a school's URN is public; its cases are reached by path).
BODY_NOT_OWNED = {"school_id"}


def _schema() -> dict[str, Any]:
    return create_app(Settings(mode="test", database_url="sqlite://"), migrate=False).openapi()


SCHEMA = _schema()
OPERATIONS = [(method.upper(), path) for path, item in SCHEMA["paths"].items() for method in item
              if not path.startswith(("/docs", "/redoc")) and path not in ("/health", "/openapi.json")]


@dataclass
class Councils:
    world: World
    #: A's ids by parameter name (the table for the stage's routes differs from the KPI table).
    a: dict[str, str] = field(default_factory=dict)
    #: B's own ids, used beside one of A's in a body.
    b: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def councils(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Councils]:
    for world in make_world(sqlite_url(Path(tmp_path_factory.mktemp("tenancy"))), rate_limit_per_minute=1_000_000):
        client, admin, planner = world.client, world.as_["admin"], world.as_["planner"]
        a = {"dataset_id": upload_sample(world)}
        a["scenario_id"] = client.post("/scenarios", headers=planner, json={
            "name": "A's plan", "settings": {"horizon": 5}}).json()["id"]
        started = client.post("/runs", headers=planner, json={
            "dataset_id": a["dataset_id"], "kind": "full", "synthetic_pupils": True, "reports": ["xlsx"]}).json()
        run = wait_for(client, started["id"], planner, seconds=600)
        assert run["status"] == "succeeded", run["error"]
        a["run_id"] = run["id"]
        a["name"] = client.get(f"/runs/{run['id']}/files", headers=planner).json()[0]["name"]
        a["user_id"] = client.get("/users/me", headers=planner).json()["id"]
        a["key_id"] = client.post("/users/me/api-keys", headers=admin, json={"name": "dashboard"}).json()["id"]
        risk = client.get(f"/standards/runs/{run['id']}/risk", headers=planner).json()
        school = next(r["school_id"] for r in risk["rows"] if r["governance"] == "maintained")
        a["school_id"] = school
        opened = client.post("/standards/escalations", headers=planner, json={
            "run_id": run["id"], "school_id": school, "note": "A's concern"})
        assert opened.status_code == 201, opened.text
        override = client.post("/standards/overrides", headers=planner, json={
            "run_id": run["id"], "school_id": school, "category": "Green",
            "reason": "A's reason, long enough to be kept."})
        assert override.status_code == 201, override.text
        a["override_id"] = str(override.json()["id"])
        a["national_run_id"] = _national_run(world, client.get("/users/me", headers=admin).json())
        other = world.as_["other_admin"]
        b_dataset = client.post("/datasets", headers=other, files=sample_files(), data={"name": "B's data"})
        b = {"dataset_id": b_dataset.json()["id"],
             "scenario_id": client.post("/scenarios", headers=other, json={"name": "B's plan", "settings": {}}
                                        ).json()["id"]}
        stage_tables = client.get(f"/runs/{run['id']}/stages/standards", headers=planner).json()
        tables = {"/runs/{run_id}/stages/{stage}/{table}": stage_tables["tables"][0]["name"]}
        yield Councils(world, a, b, tables)


def _national_run(world: World, admin: dict[str, Any]) -> str:
    """A finished national run of council A, recorded in the store as a run would leave it (no Dask job)."""
    from sufficiency.app.store import make_engine, session_factory
    from sufficiency.app.store.models import NationalRun

    engine = make_engine(world.settings.url)
    with session_factory(engine).begin() as session:
        run = NationalRun(organisation_id=admin["organisation_id"], data="national", out="out", status="succeeded",
                          created_by=admin["id"])
        session.add(run)
        session.flush()
        run_id = run.id
    engine.dispose()
    return run_id


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _json_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    """The documented example of the operation's JSON body, or None when it takes none."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    model = _resolve(content["application/json"]["schema"])
    examples = model.get("examples") or content["application/json"].get("examples") or [{}]
    example = examples[0] if isinstance(examples, list) else next(iter(examples.values()))["value"]
    return {"example": copy.deepcopy(example), "fields": set(model.get("properties", {}))}


def _path(councils: Councils, path: str, ids: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in FIXED:
            return councils.tables.get(path, FIXED[name]) if name == "table" else FIXED[name]
        return ids[name]

    return re.sub(r"\{([^}]+)\}", fill, path)


def _leaks(councils: Councils, text: str) -> list[str]:
    secrets = [v for k, v in councils.a.items() if k not in ("school_id", "name", "override_id")]
    return [s for s in secrets if s in text]


def _a_is_untouched(councils: Councils) -> None:
    client, admin = councils.world.client, councils.world.as_["admin"]
    for path in (f"/datasets/{councils.a['dataset_id']}", f"/scenarios/{councils.a['scenario_id']}",
                 f"/standards/overrides/{councils.a['override_id']}",
                 f"/standards/escalations/{councils.a['school_id']}"):
        assert client.get(path, headers=admin).status_code == 200, path
    assert client.get(f"/runs/{councils.a['run_id']}", headers=admin).json()["status"] == "succeeded"
    assert councils.a["key_id"] in [k["id"] for k in client.get("/users/me/api-keys", headers=admin).json()]
    user = next(u for u in client.get("/users", headers=admin).json() if u["id"] == councils.a["user_id"])
    assert user["role"] == "planner" and user["active"]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_another_councils_ids_get_404_on_every_route(councils: Councils, method: str, path: str) -> None:
    operation = SCHEMA["paths"][path][method.lower()]
    client, b_admin, a_admin = councils.world.client, councils.world.as_["other_admin"], councils.world.as_["admin"]
    path_params = re.findall(r"\{([^}]+)\}", path)
    unknown = [p for p in path_params if p not in OWNED and p not in FIXED]
    assert not unknown, (f"{method} {path} takes {unknown}: add the id it names to OWNED (and council A's value to "
                         "the fixture), or to FIXED when it names no one's data")
    body = _json_body(operation)
    body_ids = sorted(body["fields"] & BODY_IDS) if body else []
    unknown = sorted(f for f in (body["fields"] if body else set())
                     if f.endswith("_id") and f not in BODY_IDS | BODY_NOT_OWNED)
    assert not unknown, f"{method} {path} takes {unknown} in its body: add them to BODY_IDS (or BODY_NOT_OWNED)"
    query = {p["name"]: councils.a[p["name"]] for p in operation.get("parameters", [])
             if p["in"] == "query" and p["name"] in QUERY_IDS}

    if not path_params and not body_ids:
        assert (method, path) in NO_IDS or method == "GET", (
            f"{method} {path} carries no id this test knows: add it to NO_IDS if it only creates the caller's own "
            "data, or name the id it carries")
        if method == "GET":  # a listing: B's answer holds nothing of A's, even when filtered by A's ids
            response = client.get(path, headers=b_admin, params=query)
            assert response.status_code == 200, response.text
            assert _leaks(councils, response.text) == [], f"{path} shows council A's data to council B"
        return

    url = _path(councils, path, councils.a)
    if method == "GET":  # A's admin finds every id (B's 404 is the scoping, not a wrong id)
        own = client.get(url, headers=a_admin, params=query)
        assert own.status_code < 500 and "your organisation" not in own.text, (
            f"council A's own request failed: {own.status_code} {own.text[:300]}")
    variants: list[dict[str, Any] | None] = [None]
    if body is not None:
        variants = []
        for name in body_ids or [None]:
            sent = dict(body["example"])
            for other in body_ids:
                sent[other] = councils.a[other] if other == name else councils.b.get(other, councils.a[other])
            variants.append(sent)
    for sent in variants:
        headers = b_admin if sent is None else {**b_admin, "Content-Type": "application/json"}
        response = client.request(method, url, headers=headers, params=query,
                                  content=None if sent is None else json.dumps(sent))
        assert_error(response, 404, "not_found")
        assert "your organisation" in response.json()["error"]["message"], response.text
    _a_is_untouched(councils)


def test_every_documented_operation_is_checked() -> None:
    assert len(OPERATIONS) >= 50
    assert {("GET", "/scenarios"), ("POST", "/runs"), ("GET", "/runs/{run_id}/files/{name}"),
            ("GET", "/standards/escalations/{school_id}")} <= set(OPERATIONS)
