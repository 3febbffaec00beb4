"""Databases for the store tests: SQLite always, PostgreSQL when the test server answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sufficiency.app.store import make_engine, upgrade
from sufficiency.app.store.testing import postgres_schema, postgres_url, sqlite_url

#: Parameters of a fixture run on both databases.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database's URL: a SQLite file in ``folder``, or a throwaway PostgreSQL schema (the test is
    skipped with the reason when the server is not there)."""
    if kind == "sqlite":
        yield sqlite_url(folder)
        return
    url, reason = postgres_url()
    if url is None:
        pytest.skip(reason)
    with postgres_schema(url) as scoped:
        yield scoped


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, then a throwaway PostgreSQL schema (skipped with the reason)."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated, empty database."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
