"""The ``sufficiency report`` command: arguments and scenario choices (the full run is tested elsewhere)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from reports.cli import scenario_overrides
from sufficiency.cli import app

runner = CliRunner()


def test_report_is_registered():
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "--format" in result.output and "--scenario" in result.output


def test_unknown_format_is_refused_before_running(sample_copy):
    result = runner.invoke(app, ["report", str(sample_copy), "--format", "html,docx"])
    assert result.exit_code == 2
    assert "docx" in result.output


def test_scenario_from_variant_or_yaml(sample_inputs, tmp_path):
    assert scenario_overrides("high", sample_inputs) == {"name": "high", "forecast": {"variant": "high"}}
    path = tmp_path / "tight.yaml"
    path.write_text("optimiser:\n  capital_budget: 5000000\n", encoding="utf-8")
    assert scenario_overrides(str(path), sample_inputs) == {"optimiser": {"capital_budget": 5000000}, "name": "tight"}
    with pytest.raises(typer.BadParameter, match="neither"):
        scenario_overrides("medium", sample_inputs)


def test_a_run_without_a_forecast_is_refused_with_what_to_run(sample_copy, tmp_path):
    ran = runner.invoke(app, ["run", str(sample_copy), "--stage", "accuracy", "--out", str(tmp_path / "run")])
    assert ran.exit_code == 0, ran.output
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--out", str(tmp_path / "report")])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "has no forecast to report on (the run made: accuracy)" in said and "--stage forecast" in said
    assert not (tmp_path / "report").exists() or not any((tmp_path / "report").iterdir())  # nothing half-written
