"""The sample borough end to end: forecast, plan, recompute every constraint, and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import OptimiserConfig, build_model, check_inputs, solve
from optimiser.distances import area_distances
from optimiser.testing import constraint_residuals

forecasting = pytest.importorskip("forecasting")


@pytest.fixture(scope="module")
def sample_model(sample_inputs):
    forecast = forecasting.run_forecast(sample_inputs)
    inputs = check_inputs(forecast.by_area[["planning_area_id", "year", "ncy", "pupils"]], sample_inputs.schools,
                          OptimiserConfig(), sample_inputs.options, area_distances(sample_inputs),
                          sample_inputs.planning_areas, forecast.base_year)
    model = build_model(inputs)
    return model, solve(model)


def test_sample_solves_to_optimality_and_every_constraint_holds(sample_model):
    model, result = sample_model
    assert result.status == "optimal" and result.gap <= 1e-3
    residuals = constraint_residuals(model)
    assert all(v <= 1e-6 for v in residuals.values()), residuals


def test_plan_command_writes_both_files(tmp_path):
    from typer.testing import CliRunner

    from sufficiency.cli import app
    from sufficiency.sample import sample_dir

    result = CliRunner().invoke(app, ["plan", str(sample_dir()), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv")
    after = pd.read_csv(tmp_path / "sufficiency_after.csv")
    assert list(after.columns) == ["planning_area_id", "year", "ncy", "demand", "capacity", "surplus", "shortfall"]
    assert plan["reason"].notna().all() and len(plan) > 0
    assert "Capital programme" in result.output
