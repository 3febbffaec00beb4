"""A stage added in this folder alone runs from the command line, the API, the scenario and the report.

Nothing outside tests/toy_stage/ names it: it is found through SUFFICIENCY_STAGES (a separate
process) or registered in this process, exactly as an installed engine is found through its entry
point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency.core.stages import REGISTRY, registered
from sufficiency.sample import sample_dir
from tests.toy_stage.stage import STAGE

ROOT = Path(__file__).resolve().parents[2]


def expected_counts(scale: float = 1.0) -> pd.Series:
    """Pupils per planning area in the sample's last year, from the CSV files themselves."""
    rolls = pd.read_csv(sample_dir() / "rolls.csv", dtype={"school_id": str})
    schools = pd.read_csv(sample_dir() / "schools.csv", dtype={"school_id": str})
    latest = rolls[rolls["year"] == 2024].merge(schools[["school_id", "planning_area_id"]], on="school_id")
    return latest.groupby("planning_area_id")["pupils"].sum() * scale


@pytest.fixture
def toy() -> Iterator[None]:
    with registered(STAGE):
        yield


def test_the_toy_runs_from_the_command_line_found_through_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "SUFFICIENCY_STAGES": "tests.toy_stage.stage:STAGE",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    listed = subprocess.run([sys.executable, "-m", "sufficiency", "stages"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "toy" in listed.stdout and "scaled (a test stage)" in listed.stdout
    done = subprocess.run([sys.executable, "-m", "sufficiency", "toy", str(sample_dir()), "--out",
                           str(tmp_path / "out"), "--scale", "2"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    written = pd.read_csv(tmp_path / "out" / "toy_counts.csv", dtype={"planning_area_id": str})
    pd.testing.assert_series_equal(written.set_index("planning_area_id")["pupils"], expected_counts(2.0),
                                   check_names=False, check_dtype=False)


def test_the_toy_is_a_stage_of_the_generic_run_command_and_its_settings_are_checked(toy: None, tmp_path: Path) -> None:
    from sufficiency.cli import build_app

    app = build_app()
    folder = tmp_path / "data"
    folder.mkdir()
    for path in sample_dir().iterdir():
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    with (folder / "scenario.yaml").open("a") as scenario:
        scenario.write("toy:\n  scale: 3\n  label: children\n")
    result = CliRunner().invoke(app, ["run", str(folder), "--stage", "toy", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Toy: children on roll in 2024" in result.output
    written = pd.read_csv(tmp_path / "out" / "toy_counts.csv", dtype={"planning_area_id": str})
    assert written["pupils"].sum() == pytest.approx(expected_counts(3.0).sum())
    with (folder / "scenario.yaml").open("a") as scenario:
        scenario.write("  scael: 2\n")
    refused = CliRunner().invoke(app, ["validate", str(folder)])
    assert refused.exit_code == 1 and "toy.scael" in refused.output


def test_the_toy_runs_from_the_api_with_its_tables_and_its_own_route(toy: None, tmp_path: Path) -> None:
    from sufficiency.app.store.testing import sqlite_url
    from tests.api.conftest import make_world, upload_sample, wait_for

    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=100_000):
        listed = world.client.get("/stages", headers=world.as_["viewer"]).json()
        assert "toy" in [s["name"] for s in listed]
        dataset = upload_sample(world)
        started = world.client.post("/runs", headers=world.as_["planner"],
                                    json={"dataset_id": dataset, "kind": "stages", "stages": ["toy"]})
        assert started.status_code == 202, started.text
        assert started.json()["stages"] == ["toy"]
        run = wait_for(world.client, started.json()["id"], world.as_["viewer"])
        assert run["status"] == "succeeded", run
        counts = world.client.get(f"/runs/{run['id']}/stages/toy/counts", headers=world.as_["viewer"])
        assert counts.status_code == 200, counts.text
        got = pd.DataFrame(counts.json()["rows"]).set_index("planning_area_id")["pupils"]
        pd.testing.assert_series_equal(got.sort_index(), expected_counts(), check_names=False, check_dtype=False)
        csv = world.client.get(f"/runs/{run['id']}/stages/toy/counts?format=csv", headers=world.as_["viewer"])
        assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("planning_area_id,pupils")
        # Its pupil-level table is for admins only, never cached; another council sees nothing of the run.
        assert world.client.get(f"/runs/{run['id']}/stages/toy/secret", headers=world.as_["viewer"]).status_code == 403
        secret = world.client.get(f"/runs/{run['id']}/stages/toy/secret", headers=world.as_["admin"])
        assert secret.status_code == 200 and secret.headers["cache-control"] == "no-store"
        assert world.client.get(f"/runs/{run['id']}/stages/toy/counts",
                                headers=world.as_["other_admin"]).status_code == 404
        # Its own route, written against the core's ports, behind the service's sign-in.
        total = world.client.get(f"/toy/runs/{run['id']}/total", headers=world.as_["viewer"])
        assert total.status_code == 200, total.text
        assert total.json()["total"] == pytest.approx(expected_counts().sum())
        assert world.client.get(f"/toy/runs/{run['id']}/total").status_code == 401
        assert world.client.get(f"/toy/runs/{run['id']}/total", headers=world.as_["other_admin"]).status_code == 404
        assert "/toy/runs/{run_id}/total" in world.client.get("/openapi.json").json()["paths"]
        unknown = world.client.post("/runs", headers=world.as_["planner"],
                                    json={"dataset_id": dataset, "kind": "stages", "stages": ["toys"]})
        assert unknown.status_code == 422 and "there is no stage 'toys'" in unknown.json()["error"]["message"]


def test_the_toy_adds_its_section_to_the_report(toy: None, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from reports import write_reports
    from sufficiency.core.inputs import load_inputs
    from sufficiency.core.result import run_scenario

    result = run_scenario(load_inputs(sample_dir()), ["forecast", "toy"])
    written = write_reports(result, tmp_path, ["html", "xlsx"], workers=1)
    html = next(p for p in written if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Toy stage: pupils on roll" in html and "Toy counts (pupils)" in html
    book = load_workbook(next(p for p in written if p.suffix == ".xlsx"), read_only=True)
    assert "Toy counts (pupils)" in book.sheetnames


def test_the_toy_leaves_no_trace_once_unregistered() -> None:
    assert not REGISTRY.has("toy")
    assert "toy" not in REGISTRY.full()
