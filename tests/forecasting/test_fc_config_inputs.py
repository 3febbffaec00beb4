"""Config, scenario overrides, entry cohort from births/population, feeders from wards."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from forecasting import ForecastConfig, run_forecast
from forecasting.feeders import feeders_from_wards
from forecasting.intake import entry_cohort

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "forecasting" / "two_areas"


def test_every_setting_is_described_and_unknown_keys_refused():
    for name, field in ForecastConfig.model_fields.items():
        assert field.description and len(field.description) > 20, name
    with pytest.raises(ValidationError, match="extra"):
        ForecastConfig(ratio_methd="mean")
    with pytest.raises(ValidationError, match="variant"):
        ForecastConfig(variant="central")


def test_scenario_yaml_overrides_the_forecast(tmp_path):
    from sufficiency import load_inputs

    folder = tmp_path / "two"
    shutil.copytree(FIXTURE, folder)
    (folder / "scenario.yaml").write_text(
        "horizon: 2\nforecast:\n  ratio_method: mean\n  shrinkage: none\n  intake_damping: 0\n  n_paths: 100\n")
    fc = run_forecast(load_inputs(folder))
    assert fc.horizon == 2 and fc.config.ratio_method == "mean"
    a = fc.by_area.query("planning_area_id == 'A' and year == 2025").sort_values("ncy").pupils.tolist()
    assert a == pytest.approx([120, 111, 99])


def test_a_variant_shift_in_a_scenario_changes_only_that_shift():
    from sufficiency.core.scenario import load_scenario

    scenario, problems = load_scenario(None, {"forecast": {"variants": {
        "high": {"births_shift_per_year": 0.02}, "boom": {"births_shift_per_year": 0.05}}}})
    assert not problems
    variants = scenario.section("forecast").variants
    default = ForecastConfig().variants
    # High keeps its migration and yields shifts; principal and low stay; a new name adds a variant.
    assert variants["high"] == default["high"].model_copy(update={"births_shift_per_year": 0.02})
    assert variants["principal"] == default["principal"] and variants["low"] == default["low"]
    assert variants["boom"].births_shift_per_year == 0.05 and variants["boom"].migration_shift_sd == 0.0


def test_births_split_over_two_reception_years():
    births = pd.DataFrame({"area_id": ["A"] * 3, "year": [2018, 2019, 2020], "births": [120, 240, 360]})
    c = entry_cohort(births, None, None).set_index("year")["cohort"]
    # Academic year 2023: 8/12 of 2019 births + 4/12 of 2018 births; first/last years dropped.
    assert c[2023] == pytest.approx(240 * 8 / 12 + 120 * 4 / 12)
    assert c[2024] == pytest.approx(360 * 8 / 12 + 240 * 4 / 12)
    assert list(c.index) == [2023, 2024]


def test_population_aged_four_and_younger_by_ward():
    wards = pd.DataFrame({"ward_id": ["w1", "w2"], "primary_planning_area_id": ["A", "A"],
                          "secondary_planning_area_id": ["S", "S"]})
    pop = pd.DataFrame({"area_id": ["w1", "w2", "w1", "w2"], "year": [2024] * 4, "age": [4, 4, 2, 2],
                        "population": [50, 60, 70, 80]})
    c = entry_cohort(None, pop, wards).set_index("year")["cohort"]
    assert c[2024] == 110  # aged 4 at mid-2024 start Reception in 2024/25
    assert c[2026] == 150  # aged 2 start two years later


def test_feeders_from_ward_lookup():
    wards = pd.DataFrame({"ward_id": ["w1", "w2", "w3"], "primary_planning_area_id": ["P1", "P1", "P2"],
                          "secondary_planning_area_id": ["S1", "S2", "S2"]})
    f = feeders_from_wards(wards).set_index(["from_area", "to_area"])["weight"]
    assert f.to_dict() == {("P1", "S1"): 1, ("P1", "S2"): 1, ("P2", "S2"): 1}


def test_secondary_area_forecast_from_primary_feeders_end_to_end(make_bundle):
    years = [2021, 2022, 2023]
    rows = [("p1", y, g, 60) for y in years for g in range(7)] + [("p2", y, g, 30) for y in years for g in range(7)]
    rows += [("s1", y, g, 88) for y in years for g in range(7, 12)]
    rolls = pd.DataFrame(rows, columns=["school_id", "year", "ncy", "pupils"])
    schools = pd.DataFrame({"school_id": ["p1", "p2", "s1"], "planning_area_id": ["P1", "P2", "S1"]})
    wards = pd.DataFrame({"ward_id": ["w1", "w2"], "primary_planning_area_id": ["P1", "P2"],
                          "secondary_planning_area_id": ["S1", "S1"]})
    fc = run_forecast(make_bundle(schools, rolls, wards=wards), ForecastConfig(n_paths=100), horizon=3)
    y7 = fc.by_area.query("planning_area_id == 'S1' and ncy == 7").pupils.to_numpy()
    assert y7 == pytest.approx(np.full(3, 88.0))  # 90 Year 6 pupils x transfer ratio 88/90
    assert fc.by_area.query("planning_area_id == 'P1' and ncy >= 7").pupils.sum() == 0


def test_feeders_from_boundary_overlap():
    import geopandas as gpd
    from shapely.geometry import box

    from forecasting.feeders import feeders_from_overlap

    # P1 lies wholly in S1; P2 is split half and half between S1 and S2.
    areas = gpd.GeoDataFrame(
        {"planning_area_id": ["P1", "P2", "S1", "S2"], "phase": ["primary", "primary", "secondary", "secondary"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 0, 1500, 1000), box(1500, 0, 2000, 1000)],
        crs="EPSG:27700")
    f = feeders_from_overlap(areas).set_index(["from_area", "to_area"])["weight"]
    assert f.to_dict() == {("P1", "S1"): 1_000_000.0, ("P2", "S1"): 500_000.0, ("P2", "S2"): 500_000.0}
