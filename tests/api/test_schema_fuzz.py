"""Property-based requests from the service's own OpenAPI schema: never a server error.

A bounded schemathesis run (a few examples per operation), signed in as an admin so every
operation is reachable, against its own throwaway database: SQLite, then PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import World, make_world
from tests.store.conftest import DATABASES, fresh_database

EXAMPLES_PER_OPERATION = 8


@pytest.fixture(scope="module", params=DATABASES)
def fuzz_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A service on SQLite, then on PostgreSQL (skipped, saying why, when no server answers); national runs
    off: a fuzzed POST /national/runs would start a Dask job over every authority."""
    with fresh_database(request.param, Path(tmp_path_factory.mktemp("fuzz"))) as url:
        yield from make_world(url, rate_limit_per_minute=1_000_000, national_runs=False)


def _operations(world: World) -> list:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
def test_no_server_errors_from_schema_generated_requests(fuzz_world: World) -> None:
    operations = _operations(fuzz_world)
    assert len(operations) >= 25
    failures: list[str] = []
    for operation in operations:
        _fuzz(fuzz_world, operation, failures)
    assert failures == []


def _fuzz(world: World, operation, failures: list[str]) -> None:
    """Send bounded, schema-generated requests to one operation, collecting any server error."""

    @given(data=st.data())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        response = case.call(headers=world.as_["admin"])
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")
        elif response.status_code >= 400 and "json" in str(response.headers.get("content-type")):
            assert set(response.json()) == {"error"}, f"{case.method} {case.formatted_path}: {response.text[:300]}"

    check()
