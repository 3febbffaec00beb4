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


def test_short_help_and_version() -> None:
    from importlib.metadata import version

    assert runner.invoke(app, ["-h"]).exit_code == 0
    short = runner.invoke(app, ["validate", "-h"])
    assert short.exit_code == 0 and "Usage" in short.output
    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output.strip() == f"sufficiency {version('sufficiency')}"


def test_value_types_read_as_words() -> None:
    import re

    python_types = re.compile(r"<(list\[)?(str|int|float|bool|path|file|directory)\]?>")
    for command in ("run", "forecast", "report", "serve", "admissions", "backtest", "plan", "standards"):
        text = runner.invoke(app, [command, "--help"]).output
        assert not python_types.search(text), (command, text)  # no <list[str]>, <path>, <int>, <bool>
    text = runner.invoke(app, ["run", "--help"]).output
    assert "TEXT..." in text and "PATH" in text and "DATA_DIR" in text


def test_progress_is_logged_with_stage_and_elapsed_time_off_a_terminal(sample_copy: Path, tmp_path: Path) -> None:
    import re

    # The runner's output is not a terminal, as in a log file or CI: a spinner would show nothing.
    result = runner.invoke(app, ["run", str(sample_copy), "--stage", "forecast", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if re.match(r"\[ *\d+\.\d s\] run: ", line)]
    assert [line.split("] ", 1)[1] for line in lines] == [
        "run: Working...", "run: current: Current sufficiency...", "run: forecast: Forecasting pupils...",
        "run: every stage done"]
    # The sample's population runs four years past 2024/25; the forecast says what Reception rests on after.
    assert "note: Reception from 2029/30 counts children not yet born" in " ".join(result.output.split())
    seconds = [float(re.match(r"\[ *(\d+\.\d) s\]", line).group(1)) for line in lines]
    assert seconds == sorted(seconds)


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """`sufficiency --help` stays quick: building the command line loads no pandas, solver or learner
    (each engine loads them when one of its commands runs)."""
    import subprocess
    import sys

    code = ("import sys; from sufficiency.cli import build_app; build_app(); "
            "print(sorted(m for m in ('pandas', 'pulp', 'highspy', 'sklearn', 'scipy', 'geopandas') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
