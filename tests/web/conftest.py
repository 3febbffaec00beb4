"""The web app on a service with two councils: A (admin, planner, viewer) and B (other_admin), each signed in
through the sign-in form in a browser-like client of their own (cookies kept per client)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.bootstrap import create_admin
from sufficiency.app.settings import Settings
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import PASSWORD, few_draws, sample_files, sign_in, wait_for
from web.app import create_app

BASE = "https://testserver"  # the session cookie is Secure: a browser sends it over HTTPS (or to localhost) only
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE, follow_redirects=False)


def web_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    page = client.get("/app/sign-in")
    assert page.status_code == 200, page.text
    done = client.post("/app/sign-in", data={"email": email, "password": password, "next": "/app/",
                                             "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303, done.text


@dataclass
class WebWorld:
    app: FastAPI
    api: TestClient
    #: A signed-in browser per user: admin, planner, viewer (council A) and other_admin (council B).
    as_: dict[str, TestClient] = field(default_factory=dict)
    bearer: dict[str, dict[str, str]] = field(default_factory=dict)
    dataset_id: str = ""
    run_id: str = ""
    scenario_id: str = ""


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    """The sample borough uploaded by A's admin, a scenario, and one finished full run with its reports."""
    settings = Settings(mode="test", database_url=sqlite_url(tmp_path_factory.mktemp("web")),
                        rate_limit_per_minute=100_000, sign_in_per_minute=1000)
    app = create_app(settings, pipeline=few_draws)
    with TestClient(app, base_url=BASE) as api:
        with app.state.sufficiency.sessions.begin() as session:
            create_admin(session, "Trafford Council", "admin@trafford.example", PASSWORD)
            create_admin(session, "Stockport Council", "admin@stockport.example", PASSWORD)
        world = WebWorld(app, api)
        world.bearer["admin"] = sign_in(api, "admin@trafford.example", PASSWORD)
        for role in ("planner", "viewer"):
            created = api.post("/users", headers=world.bearer["admin"],
                               json={"email": f"{role}@trafford.example", "password": PASSWORD, "role": role})
            assert created.status_code == 201, created.text
        for name, email in (("admin", "admin@trafford.example"), ("planner", "planner@trafford.example"),
                            ("viewer", "viewer@trafford.example"), ("other_admin", "admin@stockport.example")):
            world.as_[name] = browser(app)
            web_sign_in(world.as_[name], email)
        uploaded = api.post("/datasets", headers=world.bearer["admin"], files=sample_files(),
                            data={"name": "Sample borough"})
        assert uploaded.status_code == 201, uploaded.text
        world.dataset_id = uploaded.json()["id"]
        scenario = api.post("/scenarios", headers=world.bearer["admin"],
                            json={"name": "five years", "settings": {"horizon": 5}})
        assert scenario.status_code == 201, scenario.text
        world.scenario_id = scenario.json()["id"]
        started = api.post("/runs", headers=world.bearer["admin"],
                           json={"dataset_id": world.dataset_id, "scenario_id": world.scenario_id, "kind": "full",
                                 "reports": ["html", "xlsx", "scap"]})
        assert started.status_code == 202, started.text
        world.run_id = started.json()["id"]
        run = wait_for(api, world.run_id, world.bearer["admin"], seconds=600)
        assert run["status"] == "succeeded", run
        yield world
