"""Shared fixtures: the sample borough, the shared open-data folder (skipped when absent), and a store of
the session's own for the commands that use one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sufficiency.sample import sample_dir

ROOT = Path(__file__).resolve().parents[1]
#: The open data beside the checkout; tests that read it skip cleanly when it is absent.
SHARED_DATA = Path(os.environ.get("SUFFICIENCY_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared open-data folder, or a skip with the reason when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared open data is not at {SHARED_DATA} (set SUFFICIENCY_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_inputs():
    """The embedded sample borough, loaded and validated once per test session."""
    from sufficiency import load_inputs

    return load_inputs(sample_dir())


@pytest.fixture()
def sample_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample borough folder, for tests that break it on purpose."""
    dest = tmp_path / "sample"
    shutil.copytree(sample_dir(), dest)
    return dest


@pytest.fixture(scope="session", autouse=True)
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Commands that read or write the store (the standards audit trail) use a folder of this session's, never
    the user's data folder or a database named in the environment; a test names its own store to use one."""
    folder = tmp_path_factory.mktemp("data_dir")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUFFICIENCY_DATA_DIR", str(folder))
        patch.delenv("SUFFICIENCY_DATABASE_URL", raising=False)
        yield folder
