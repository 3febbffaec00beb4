"""``sufficiency national`` from the command line: tables written, the run recorded in the store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency.app.store import make_engine, session_factory
from sufficiency.app.store.models import NationalRun
from sufficiency.cli import app

pytestmark = pytest.mark.slow


def test_the_command_writes_the_national_tables_and_records_the_run(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["national", "--authority", "201", "--authority", "836", "--paths", "50",
                                      "--workers", "1", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "dashboard" in result.output and "failed 836 at load" in result.output
    for name in ("places_needed", "authorities_short", "england", "programme_cost", "failures"):
        assert (out / f"{name}.csv").is_file()
    assert list(pd.read_csv(out / "failures.csv", dtype=str)["la_code"]) == ["836"]
    engine = make_engine(f"sqlite:///{store}")
    with session_factory(engine)() as session:
        run = session.query(NationalRun).one()
        assert run.status == "succeeded" and run.workers == 1
        assert {(a.la_code, a.status) for a in run.authorities} == {("201", "succeeded"), ("836", "failed")}
    engine.dispose()
