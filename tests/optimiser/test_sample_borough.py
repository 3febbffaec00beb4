"""The sample borough end to end: forecast, plan, recompute every constraint, and the CLI."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from optimiser import run_plan
from optimiser.distances import area_distances
from optimiser.testing import constraint_residuals

forecasting = pytest.importorskip("forecasting")


@pytest.fixture(scope="module")
def sample_plan(sample_inputs):
    forecast = forecasting.run_forecast(sample_inputs)
    return run_plan(forecast.by_area, sample_inputs.schools, sample_inputs.scenario.optimiser, sample_inputs.options,
                    area_distances(sample_inputs), sample_inputs.planning_areas, forecast.base_year,
                    rolls=sample_inputs.rolls)


def test_sample_solves_to_optimality_and_every_constraint_holds(sample_plan):
    assert sample_plan.status == "optimal" and sample_plan.gap <= 1e-3
    residuals = constraint_residuals(sample_plan.model)
    assert all(v <= 1e-6 for v in residuals.values()), residuals


def test_the_sample_plan_recounted_school_by_school_is_the_plan_solved(sample_plan, sample_inputs):
    """plan.csv, recounted at each school against the schools table and the base-year rolls, gives
    sufficiency_after.csv's capacity, pupils and shortfall exactly."""
    from optimiser.testing import recount_sufficiency

    forecast = forecasting.run_forecast(sample_inputs)
    recount = recount_sufficiency(sample_plan, forecast.by_area, sample_inputs.schools, sample_inputs.rolls,
                                  forecast.base_year, sample_plan.model.inputs.config)
    after = sample_plan.sufficiency_after
    for column in ("capacity", "demand", "shortfall"):
        assert recount[column].to_numpy() == pytest.approx(after[column].to_numpy(), abs=1e-6), column
    # Every cut names the rule behind it.
    cuts = sample_plan.schemes[sample_plan.schemes["kind"] == "reduce"]
    assert len(cuts) and cuts["reason"].str.contains("optimiser.rules.cut_weaker_first").all()
    assert cuts["reason"].str.contains("optimiser.reduction_band").all()
    assert (cuts["reason"].str.contains("optimiser.rules.own_admissions") == cuts["needs_agreement"]).all()


def test_plan_command_writes_both_files(tmp_path):
    from typer.testing import CliRunner

    from sufficiency.cli import app
    from sufficiency.sample import sample_dir

    result = CliRunner().invoke(app, ["plan", str(sample_dir()), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv")
    after = pd.read_csv(tmp_path / "sufficiency_after.csv")
    assert list(after.columns) == ["planning_area_id", "year", "ncy", "demand", "capacity", "surplus", "shortfall",
                                   "places_short"]
    assert plan["reason"].notna().all() and len(plan) > 0
    assert "Capital programme" in result.output
    # The shortfall line gives the report's figure beside the plan's own (whole pupils above whole places).
    by_hand = (after["demand"].round() - after["capacity"].round()).clip(lower=0).sum()
    output = " ".join(result.output.split())
    assert f"the report counts pupils above places alone: {by_hand:,.0f} place-years" in output
    # The file's own whole count sums to that figure, whatever its one-decimal pupils round to.
    printed = re.search(r"the report counts pupils above places alone: ([\d,]+) place-years", output)
    assert printed and after["places_short"].sum() == int(printed.group(1).replace(",", ""))
    assert (after["places_short"] == after["places_short"].round()).all()
    # The causes printed under the shortfall add up to the shortfall printed above them.
    total = re.search(r"Shortfall: ([\d,]+) place-years short", output)
    parts = re.findall(r"\b([\d,]+) place-years (?:in cohorts already in school|where no candidate scheme)", output)
    assert total and parts
    assert sum(int(p.replace(",", "")) for p in parts) == int(total.group(1).replace(",", ""))


def test_a_runs_sufficiency_after_file_sums_to_the_reports_place_years(tmp_path):
    """A run writes figures to one decimal place (467.52 pupils as 467.5), which can round a cell the other way;
    the file's places_short column is the report's own count, cell by cell, so it sums to the printed figure."""
    from typer.testing import CliRunner

    from sufficiency.cli import app
    from sufficiency.sample import sample_dir

    result = CliRunner().invoke(app, ["run", str(sample_dir()), "--stage", "plan", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    after = pd.read_csv(tmp_path / "sufficiency_after.csv")
    printed = re.search(r"the report counts pupils above places alone: ([\d,]+) place-years",
                        " ".join(result.output.split()))
    assert printed and after["places_short"].sum() == int(printed.group(1).replace(",", ""))
    # and each cell is whole pupils above whole places, never spare places offsetting it
    assert (after["places_short"] >= 0).all() and (after["places_short"] == after["places_short"].round()).all()
    assert (after.loc[after["places_short"] > 0, "surplus"] < 0).all()
