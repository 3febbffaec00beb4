"""Databases for the store tests: SQLite always, PostgreSQL when the test server answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sufficiency.app.store import make_engine, upgrade
from sufficiency.app.store.testing import postgres_schema, postgres_url, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, then a throwaway PostgreSQL schema (skipped with the reason)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url, reason = postgres_url()
    if url is None:
        pytest.skip(reason)
    with postgres_schema(url) as scoped:
        yield scoped


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated, empty database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
