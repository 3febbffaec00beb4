"""The SQLite file is its owner's only, and runners leave no folders behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api.jobs import JOBS_PREFIX, JobRunner, remove_orphaned_folders
from sufficiency.app.store import make_engine, session_factory, upgrade

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would leave the file world-readable
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'store.db'}")
        upgrade(engine)
        engine.dispose()
    finally:
        os.umask(old)
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        if (tmp_path / "data" / name).exists():
            assert _mode(tmp_path / "data" / name) & 0o077 == 0, name
    assert _mode(tmp_path / "data") & 0o077 == 0


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_a_runner_removes_its_folder_when_it_stops(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    runner = JobRunner(session_factory(engine), workers=1)
    folder = Path(runner._workdir.name)
    (folder / "dataset").mkdir()
    (folder / "dataset" / "schools.csv").write_text("x")
    runner.shutdown(wait=True)
    engine.dispose()
    assert not folder.exists()


def test_folders_of_runners_whose_process_died_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    orphan = tmp_path / f"{JOBS_PREFIX}{dead.stdout.strip()}-abc"
    alive = tmp_path / f"{JOBS_PREFIX}{os.getppid()}-def"  # a process that runs
    for folder in (orphan, alive):
        (folder / "d").mkdir(parents=True)
    assert remove_orphaned_folders(str(tmp_path)) == [orphan]
    assert not orphan.exists() and alive.exists()
