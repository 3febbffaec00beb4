"""Backtest metrics and the forecast/backtest commands."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecasting import ForecastInputError, backtest
from forecasting.backtest import METRIC_COLUMNS


@pytest.fixture()
def longer(make_synthetic):
    return make_synthetic(6, 7, 5, seed=5)


def test_backtest_table_shape(longer):
    m = backtest(longer, [2013, 2014], 3)
    assert list(m.columns) == METRIC_COLUMNS
    assert set(m.model) == {"sufficiency", "persistence", "survival_100", "csr_mean_3"}
    assert set(m.level) == {"authority_total", "area_total", "area_ncy"}
    # Data end 2016: origin 2013 scores horizons 1-3, origin 2014 only 1-2; 6 areas each.
    area = m[(m.level == "area_total") & (m.model == "persistence")]
    assert area.n.tolist() == [12, 12, 6]
    ours = m[(m.model == "sufficiency") & (m.level != "authority_total")]
    assert ours.coverage_80.between(0, 1).all() and m[m.model == "persistence"].coverage_80.isna().all()


def test_persistence_errors_by_hand(two_area_rolls):
    extended = pd.concat([two_area_rolls, pd.DataFrame({
        "planning_area_id": ["A"] * 3 + ["B"] * 3, "year": [2025] * 6, "ncy": [0, 1, 2] * 2,
        "pupils": [132, 110, 99, 40, 40, 40]})])
    m = backtest(extended, [2024], 1)
    row = m[(m.model == "persistence") & (m.level == "area_total")].iloc[0]
    # A: 314 forecast against 341 actual; B: 116 against 120.
    errors = np.array([(314 - 341) / 341, (116 - 120) / 120]) * 100
    assert row.mape == pytest.approx(np.abs(errors).mean())
    assert row.mean_signed_error == pytest.approx(errors.mean())


def test_origins_without_history_or_outturn_are_refused(two_area_rolls):
    with pytest.raises(ForecastInputError, match="too short to backtest"):
        backtest(two_area_rolls, [2023], 1)
    with pytest.raises(ForecastInputError):
        backtest(two_area_rolls, [2024], 1)


@pytest.fixture()
def folder(tmp_path):
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "data" / "forecasting" / "two_areas"
    dest = tmp_path / "two_areas"
    shutil.copytree(src, dest)
    return dest


def test_forecast_command_writes_both_files(folder, tmp_path):
    from sufficiency.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["forecast", str(folder), "--horizon", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    area = pd.read_csv(out / "forecast.csv")
    assert list(area.columns) == ["planning_area_id", "year", "ncy", "pupils", "lower_80", "upper_80", "lower_95",
                                  "upper_95"]
    assert sorted(area.year.unique()) == [2025, 2026, 2027]
    school = pd.read_csv(out / "forecast_by_school.csv")
    assert school.pupils.sum() == pytest.approx(area.pupils.sum())
    # The folder has no births: the officer is told Reception follows its own trend, and for how long.
    assert "note: Reception in 2 planning areas (A, B) has no births or population given" in " ".join(
        result.output.split())


def test_forecast_command_base_year_and_variants(folder, tmp_path):
    from sufficiency.cli import app

    out = tmp_path / "out"
    args = ["forecast", str(folder), "--base-year", "2024", "--horizon", "2", "--out", str(out),
            "--variant", "principal", "--variant", "high", "--variant", "low"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    compare = pd.read_csv(out / "comparison.csv")
    assert list(compare.columns) == ["year", "principal", "high", "low"]
    assert (compare.high > compare.principal).all() and (compare.low < compare.principal).all()


def test_backtest_command_needs_history(folder, tmp_path):
    from sufficiency.cli import app

    result = CliRunner().invoke(app, ["backtest", str(folder), "--origins", "2023", "2024", "--horizon", "1",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "too short to backtest" in message and "at least 4 years of rolls" in message


def test_forecast_command_blames_the_scenario_file_with_the_mistake(folder, tmp_path):
    from sufficiency.cli import app

    good = tmp_path / "high.yaml"
    good.write_text("forecast:\n  variant: high\n")
    bad = tmp_path / "typo.yaml"
    bad.write_text("forecast:\n  ratio_methd: mean\n")
    result = CliRunner().invoke(app, ["forecast", str(folder), "--scenario", str(good), "--scenario", str(bad),
                                      "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "typo.yaml cannot be used" in message and "forecast.ratio_methd" in message
    assert "is not a scenario setting" in message
    assert "scenario.yaml" not in message and not (tmp_path / "out" / "forecast.csv").exists()


def test_forecast_command_compares_scenario_files(folder, tmp_path):
    from sufficiency.cli import app

    (tmp_path / "high.yaml").write_text("forecast:\n  variant: high\n")
    (tmp_path / "low.yaml").write_text("forecast:\n  variant: low\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["forecast", str(folder), "--horizon", "2", "--out", str(out),
                                      "--scenario", str(tmp_path / "high.yaml"),
                                      "--scenario", str(tmp_path / "low.yaml")])
    assert result.exit_code == 0, result.output
    compare = pd.read_csv(out / "comparison.csv")
    assert list(compare.columns) == ["year", "high", "low"]
    assert (compare.high > compare.low).all()
    assert pd.read_csv(out / "forecast.csv").equals(pd.read_csv(out / "forecast_high.csv"))


def test_backtest_command_prints_and_writes_the_metrics(make_synthetic, tmp_path):
    from sufficiency.cli import app

    rolls = make_synthetic(3, 6, 7, seed=2)
    folder = tmp_path / "data"
    folder.mkdir()
    areas = rolls["planning_area_id"].unique()
    pd.DataFrame({"school_id": [f"s{a}" for a in areas], "planning_area_id": areas}).to_csv(folder / "schools.csv",
                                                                                           index=False)
    rolls.assign(school_id="s" + rolls["planning_area_id"], pupils=rolls["pupils"].astype(int)).drop(
        columns="planning_area_id").to_csv(folder / "rolls.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["backtest", str(folder), "--origins", "2012,2013", "--horizon", "2",
                                      "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "backtest.csv")
    assert list(written.columns) == METRIC_COLUMNS and set(written.horizon) == {1, 2}
    row = written[(written.model == "sufficiency") & (written.level == "area_total") & (written.horizon == 1)].iloc[0]
    printed = next(line for line in result.output.splitlines() if "sufficiency" in line and "area_total" in line)
    assert f"{row.mape:.2f}" in printed and f"{row.coverage_80:.2f}" in printed
    baseline = next(line for line in result.output.splitlines() if "persistence" in line and "area_total" in line)
    assert "–" in baseline and "nan" not in result.output


def test_backtest_command_names_an_area_it_leaves_out(make_synthetic, tmp_path):
    """A planning area whose school opened after the first year is too new to forecast from an early origin:
    the command says so rather than scoring it from nothing."""
    from sufficiency.cli import app

    rolls = make_synthetic(3, 6, 7, seed=2)
    areas = rolls["planning_area_id"].unique()
    new = areas[-1]
    rolls = rolls[(rolls["planning_area_id"] != new) | (rolls["year"] >= rolls["year"].min() + 2)]
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"school_id": [f"s{a}" for a in areas], "planning_area_id": areas}).to_csv(folder / "schools.csv",
                                                                                           index=False)
    rolls.assign(school_id="s" + rolls["planning_area_id"], pupils=rolls["pupils"].astype(int)).drop(
        columns="planning_area_id").to_csv(folder / "rolls.csv", index=False)
    result = CliRunner().invoke(app, ["backtest", str(folder), "--origins", "2012,2014", "--horizon", "1",
                                      "--out", str(tmp_path / "out")], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"note: backtest from 2012: 1 planning area(s) left out, without pupils in each of the 3 years to 2012 " \
           f"({new})" in text
    written = pd.read_csv(tmp_path / "out" / "backtest.csv")
    n = written[(written.model == "sufficiency") & (written.level == "area_total")].set_index("horizon")["n"]
    assert n[1] == 2 + 3  # two areas from 2012; all three from 2014, the new area's third year of rolls
    assert "backtest from 2014" not in text
