"""The command line through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sufficiency.cli import app

runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "validate", "current"):
        assert command in result.output


def test_each_command_explains_itself() -> None:
    for command in ("demo", "validate", "current"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_validate_sample_is_clean(sample_copy: Path) -> None:
    result = runner.invoke(app, ["validate", str(sample_copy)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output


def test_validate_reports_and_fails(sample_copy: Path) -> None:
    rolls = pd.read_csv(sample_copy / "rolls.csv", dtype=str)
    rolls.loc[3, "pupils"] = "-5"
    rolls.to_csv(sample_copy / "rolls.csv", index=False)
    result = runner.invoke(app, ["validate", str(sample_copy), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.output)
    assert problems == [{"severity": "error", "file": "rolls.csv", "row": 5, "column": "pupils",
                         "message": "'-5' must be 0 or more pupils",
                         "fix": "Correct the value; expected pupils on roll, a whole number of 0 or more"}]


def test_current_writes_tables_and_geopackage(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["current", str(sample_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sufficiency_current.csv")
    assert {"planning_area_id", "year", "ncy", "pupils", "places", "surplus", "places_needed"} <= set(table.columns)
    assert ((table["surplus"] == 0) | (table["places_needed"] == 0)).all()
    import geopandas as gpd

    areas = gpd.read_file(out / "sufficiency.gpkg", layer="planning_areas")
    assert len(areas) == 11 and areas.crs.to_epsg() == 27700
    schools = gpd.read_file(out / "sufficiency.gpkg", layer="schools")
    assert len(schools) == 85


def test_bad_folder_exits_nonzero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["current", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "does not exist" in " ".join(result.output.split())
