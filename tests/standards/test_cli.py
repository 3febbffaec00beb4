"""The ``sufficiency standards`` commands on a copy of the sample borough."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from standards.lait import DATA_DIR
from standards.config import StandardsConfig
from standards.result import run_standards
from sufficiency.cli import app

runner = CliRunner()


@pytest.fixture()
def folder(sample_copy: Path) -> Path:
    """The sample borough with the standards module's school indicators added."""
    shutil.copy(DATA_DIR / "sample_school_indicators.csv", sample_copy / "school_indicators.csv")
    shutil.copy(DATA_DIR / "trafford_targets.yaml", sample_copy / "targets.yaml")
    return sample_copy


def test_standards_command_prints_and_writes_csv(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["standards", str(folder), "--la-number", "358", "--targets",
                                 "targets.yaml", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("Schools by risk category", "KPI table one: primary", "KPI table two: secondary",
                 "Strategy targets", "Against every English LA", "not available"):
        assert text in result.output
    written = {p.name for p in out.iterdir()}
    assert {"standards_risk_schools.csv", "standards_risk_summary.csv",
            "standards_kpi_table_one_primary.csv", "standards_kpi_table_two_secondary.csv",
            "standards_benchmark.csv", "standards_targets.csv"} <= written
    kpi = pd.read_csv(out / "standards_kpi_table_one_primary.csv", keep_default_na=False)
    recheck = kpi.set_index("kpi_id").loc["phonics_y2_recheck"]
    assert recheck["value"] == "not available" and recheck["national"] == "not available"
    schools = pd.read_csv(out / "standards_risk_schools.csv", dtype={"school_id": str})
    assert len(schools) == 85 and set(schools["category"]) <= {"Red", "Amber", "Yellow", "Green"}


def test_cli_matches_the_pure_function(folder: Path, tmp_path: Path, sample_inputs) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["standards", str(folder), "--la-number", "358", "--out", str(out)])
    written = pd.read_csv(out / "standards_risk_summary.csv")
    indicators = pd.read_csv(DATA_DIR / "sample_school_indicators.csv", dtype=str)
    result = run_standards(indicators, sample_inputs.schools, sample_inputs.rolls,
                           StandardsConfig(la_number=358))
    assert written["this_year"].tolist() == result.risk_summary["this_year"].tolist()
    # The capital report's annex: risk and Ofsted for schools proposed for expansion.
    flags = result.flags_for(["106283", "no-such-school"]).set_index("school_id")
    assert flags.loc["106283", "ofsted"] == "Good"
    assert flags.loc["no-such-school", "category"] == "not assessed"


def test_folder_without_indicators_is_explained(sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "school_indicators.csv").unlink(missing_ok=True)
    result = runner.invoke(app, ["standards", str(sample_copy), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no school_indicators file" in " ".join(result.output.split())


def test_override_and_escalation_commands(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "standards.db"
    ok = runner.invoke(app, ["standards-override", "106283", "2024", "Amber", "--store", str(store),
                             "--reason", "Interim head since Easter; governors asked for help",
                             "--author", "C Adviser", "--date", "2025-10-01"])
    assert ok.exit_code == 0, ok.output
    short = runner.invoke(app, ["standards-override", "106283", "2024", "Amber", "--store",
                                str(store), "--reason", "because", "--author", "C"])
    assert short.exit_code == 1 and "at least 15 characters" in " ".join(short.output.split())
    illegal = runner.invoke(app, ["standards-escalate", str(folder), "106283", "communicated",
                                  "--store", str(store), "--actor", "C Adviser"])
    assert illegal.exit_code == 1 and "no open concern" in " ".join(illegal.output.split())
    raised = runner.invoke(app, ["standards-escalate", str(folder), "106283", "concern_raised",
                                 "--store", str(store), "--actor", "C Adviser"])
    assert raised.exit_code == 0
    assert "Allowed next: communicated, resolved" in " ".join(raised.output.split())
    out = tmp_path / "out"
    run = runner.invoke(app, ["standards", str(folder), "--store", str(store), "--out", str(out)])
    assert run.exit_code == 0, run.output
    schools = pd.read_csv(out / "standards_risk_schools.csv", dtype={"school_id": str},
                          keep_default_na=False).set_index("school_id")
    row = schools.loc["106283"]
    assert row["category"] == "Amber" and row["override_author"] == "C Adviser"
