"""Engines, sessions and migrations: SQLite by default, PostgreSQL by URL, same code for both."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sufficiency.app.store.guard import install_text_guard

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


#: Connections an engine keeps when the caller does not say (the command line, migrations, tests).
DEFAULT_CONNECTIONS = 10


def make_engine(url: str, connections: int = DEFAULT_CONNECTIONS, wait_seconds: float = 30.0,
                **kwargs: Any) -> Engine:
    """An engine for ``url`` whose pool holds ``connections``; SQLite gets WAL mode, foreign keys and a
    wait for locks.

    The service sizes ``connections`` to what it does at once (requests it admits plus its run
    workers, :func:`api.main.create_app`), so a request never waits on the pool behind requests that
    wait for a thread (that deadlock stalled requests for the pool's whole timeout). A checkout that still
    finds the pool empty gives up after ``wait_seconds`` with :class:`sqlalchemy.exc.TimeoutError` (the
    service answers 503).

    SQLite serialises writers, so concurrent runs wait for the lock (up to 60 s) instead of failing
    with "database is locked"; WAL lets readers continue while a run's results are written.
    """
    # An error's message never carries the statement's parameters (password and key hashes, pupils' data):
    # the statement alone is logged.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    pool = {"pool_size": connections, "max_overflow": 0, "pool_timeout": wait_seconds}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        else:  # an in-memory database lives in one connection: SQLAlchemy's own pool for it takes no size
            pool = {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **pool, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return install_text_guard(engine)
    return install_text_guard(create_engine(url, pool_pre_ping=True, **pool, **kwargs))


def _private_file(path: Path) -> None:
    """The SQLite file (and its folder, when made here) readable by its owner only; an existing file loses any
    group or world permission. SQLite gives its -wal and -shm files the permissions of the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        try:
            os.chmod(path, mode & 0o700)
            log.warning("%s was readable by other users; it is now readable by its owner only", path)
        except OSError:  # not ours to change: say so, and carry on
            log.warning("%s is readable by other users; run: chmod 600 %s", path, path)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    # In WAL mode NORMAL is safe from corruption and skips a sync on every commit (a power cut may lose
    # the last commits, never the database).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session] | None:
    """Sessions for requests that only read, or None where the plain sessions are as cheap (SQLite).

    On PostgreSQL their connections run in autocommit: a read-only request then costs no BEGIN and no
    ROLLBACK round trip when its connection goes back to the pool, and the server keeps the statements
    psycopg prepared (a ROLLBACK discards them). Each statement reads its own snapshot, which a read of
    committed rows (a run is written in one transaction) does not notice. Writing through such a session
    would commit statement by statement: requests that write use :func:`session_factory`.
    """
    if engine.dialect.name != "postgresql":
        return None
    return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """Alembic configured in code (no alembic.ini), so an installed package can migrate itself."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (the latest by default)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
