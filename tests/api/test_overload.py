"""Under overload the service answers 503 with Retry-After, never hangs on its connection pool."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy import text

from api.limits import AdmissionMiddleware
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import make_world


def test_the_pool_holds_a_connection_for_every_request_served_at_once_and_every_run_worker(tmp_path: Path) -> None:
    # The deadlock: 40 request threads shared a pool of 5 (+10 overflow); requests holding a connection waited for
    # a thread while the threads waited for a connection.
    for world in make_world(sqlite_url(tmp_path), concurrent_requests=48, job_workers=3):
        pool = world.client.app.state.sufficiency.engine.pool
        assert pool.size() + max(0, pool._max_overflow) >= 48 + 3


def test_a_request_finding_no_free_connection_gets_503_with_retry_after(tmp_path: Path) -> None:
    for world in make_world(sqlite_url(tmp_path), concurrent_requests=2, job_workers=1, queue_seconds=0.2):
        engine = world.client.app.state.sufficiency.engine
        held = []
        try:
            while len(held) < engine.pool.size():  # every connection of the pool taken elsewhere
                connection = engine.connect()
                connection.execute(text("SELECT 1"))
                held.append(connection)
            response = world.client.get("/datasets", headers=world.as_["admin"])
        finally:
            for connection in held:
                connection.close()
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"].isdigit()
        assert response.json()["error"]["code"] == "unavailable"
        assert "try again" in response.json()["error"]["message"].lower()
        # Once connections are free again the service answers as before.
        assert world.client.get("/datasets", headers=world.as_["admin"]).status_code == 200


def test_requests_beyond_those_served_at_once_wait_their_turn_then_get_503() -> None:
    release = asyncio.Event()
    served: list[str] = []

    async def slow_app(scope, receive, send) -> None:
        served.append(scope["path"])
        if scope["path"] == "/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        app = AdmissionMiddleware(slow_app, concurrent=1, queue_seconds=0.05)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            first = asyncio.create_task(client.get("/slow"))
            while not served:  # the first request holds the only slot
                await asyncio.sleep(0)
            refused = await client.get("/other")
            release.set()
            return await first, refused, await client.get("/other")

    first, refused, later = asyncio.run(scenario())
    assert first.status_code == 200
    assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
    assert refused.json()["error"]["code"] == "unavailable"
    assert later.status_code == 200
    assert served == ["/slow", "/other"]
