"""Helpers for testing against a real database: a fresh SQLite file, or a throwaway PostgreSQL schema.

PostgreSQL is used when ``SUFFICIENCY_TEST_DATABASE_URL`` names a server that answers; each
database made here lives in its own schema (dropped afterwards), so tests can run again and side
by side on one server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sufficiency.app.store.audit import StoreAuditTrail

TEST_URL_VARIABLE = "SUFFICIENCY_TEST_DATABASE_URL"


def postgres_url() -> tuple[str | None, str]:
    """The PostgreSQL test server's URL, or None and the reason it cannot be used."""
    url = os.environ.get(TEST_URL_VARIABLE)
    if not url:
        return None, f"{TEST_URL_VARIABLE} is not set, so the PostgreSQL leg is skipped (SQLite ran)"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, saying why
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} is unreachable ({first_line})"
    return url, ""


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped on exit."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.db'}"


def organisation_trail(url: str, organisation: str = "Trafford Council") -> StoreAuditTrail:
    """The audit trail of ``organisation`` (created if new) in the migrated store at ``url``."""
    from sqlalchemy import select

    from sufficiency.app.store import Organisation, make_engine, session_factory, upgrade
    from sufficiency.app.store.audit import StoreAuditTrail

    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        found = session.scalars(select(Organisation).where(Organisation.name == organisation)).first()
        if found is None:
            found = Organisation(name=organisation)
            session.add(found)
            session.flush()
        organisation_id = found.id
    return StoreAuditTrail(sessions, organisation_id)
