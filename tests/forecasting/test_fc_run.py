"""run_forecast end to end: columns, years, reconciliation, variants, housing, base year."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting import ForecastConfig, ForecastInputError, run_forecast, run_variants
from forecasting.forecast import AREA_COLUMNS

PLAIN = dict(ratio_method="mean", shrinkage="none", intake_damping=0.0, n_paths=200)


def test_columns_years_and_exact_reconciliation(two_areas):
    fc = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=4)
    assert list(fc.by_area.columns) == AREA_COLUMNS
    assert sorted(fc.by_area.year.unique()) == [2025, 2026, 2027, 2028]
    assert list(fc.by_school.columns) == ["school_id", "planning_area_id", "year", "ncy", "pupils"]
    keys = ["planning_area_id", "year", "ncy"]
    summed = fc.by_school.groupby(keys)["pupils"].sum()
    area = fc.by_area.set_index(keys)["pupils"]
    assert np.allclose(summed.reindex(area.index).fillna(0), area, rtol=0, atol=1e-9)
    assert (fc.by_area.lower_95 <= fc.by_area.lower_80).all()
    assert (fc.by_area.lower_80 <= fc.by_area.pupils).all() and (fc.by_area.pupils <= fc.by_area.upper_80).all()


def test_school_shares_by_hand(two_areas):
    fc = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=1)
    s = fc.by_school.set_index(["school_id", "ncy"])["pupils"]
    assert s[("b1", 1)] == pytest.approx(38 * 87 / 116)
    assert s[("b2", 1)] == pytest.approx(38 * 29 / 116)
    assert s[("a1", 1)] == pytest.approx(111)


def test_base_year_ignores_later_years(two_areas):
    extra = pd.DataFrame({"school_id": ["a1", "a1", "a1"], "year": [2025] * 3, "ncy": [0, 1, 2], "pupils": [999] * 3})
    longer = type(two_areas)(**{**vars(two_areas), "rolls": pd.concat([two_areas.rolls, extra])})
    a = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=2)
    b = run_forecast(longer, ForecastConfig(**PLAIN), base_year=2024, horizon=2)
    assert np.allclose(a.by_area.pupils, b.by_area.pupils)
    assert b.base_year == 2024 and b.history.year.max() == 2024


def test_base_year_outside_rolls_is_refused(two_areas):
    with pytest.raises(ForecastInputError, match="outside the rolls"):
        run_forecast(two_areas, base_year=2030)


def test_high_and_low_variants_bracket_the_principal(two_areas):
    runs = run_variants(two_areas, ForecastConfig(n_paths=100), horizon=5)
    total = {name: fc.by_area.pupils.sum() for name, fc in runs.items()}
    assert total["low"] < total["principal"] < total["high"]


def test_unknown_variant_is_refused(two_areas):
    with pytest.raises(ForecastInputError, match="unknown variant"):
        run_variants(two_areas, names=["central"])


def _housing():
    housing = pd.DataFrame({"site_id": ["s1"], "planning_area_id": ["A"], "year": [2025], "dwellings": [100],
                            "dwelling_type": ["house"], "tenure": ["market"], "bedrooms": [3]})
    yields = pd.DataFrame({"phase": ["primary", "primary"], "dwelling_type": ["house"] * 2, "tenure": ["market"] * 2,
                           "years_since_completion": [0, 1], "pupils_per_dwelling": [0.1, 0.3]})
    return housing, yields


def test_housing_adds_yield_spread_by_year_group(two_areas, make_bundle):
    housing, yields = _housing()
    with_h = make_bundle(two_areas.schools, two_areas.rolls, housing=housing, pupil_yields=yields)
    base = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=3)
    more = run_forecast(with_h, ForecastConfig(**PLAIN, housing_above_trend=False), horizon=3)
    diff = (more.by_area.pupils - base.by_area.pupils).to_numpy()
    extra = more.by_area.assign(extra=diff).groupby(["planning_area_id", "year"])["extra"].sum()
    # 100 dwellings x 0.1 in their first year, 0.3 once mature; all in area A.
    assert extra[("A", 2025)] == pytest.approx(10)
    assert extra[("A", 2026)] == pytest.approx(30)
    assert extra[("A", 2027)] == pytest.approx(30)
    assert extra[("B", 2026)] == pytest.approx(0)
    # Spread in proportion to A's 2024 rolls (120, 99, 95).
    a26 = more.by_area.assign(extra=diff).query("planning_area_id == 'A' and year == 2026")["extra"].to_numpy()
    assert a26 == pytest.approx(30 * np.array([120, 99, 95]) / 314)


def test_housing_above_trend_discounts_the_usual_build_rate(two_areas, make_bundle):
    housing, yields = _housing()
    past = housing.assign(site_id="old", year=2023, dwellings=40)
    with_h = make_bundle(two_areas.schools, two_areas.rolls, housing=pd.concat([housing, past]), pupil_yields=yields)
    base = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=2)
    more = run_forecast(with_h, ForecastConfig(**PLAIN, housing_above_trend=True), horizon=2)
    extra = (more.by_area.pupils - base.by_area.pupils).to_numpy().reshape(2, 2, 3).sum(axis=2)
    # Historic rate: 40 a year over the one past year, so only 60 of the 100 dwellings count.
    assert extra[0] == pytest.approx([6, 18])


def test_housing_site_outside_every_area_goes_to_the_nearest_with_a_warning(two_areas, make_bundle):
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    areas = gpd.GeoDataFrame({"planning_area_id": ["A", "B"], "phase": ["primary"] * 2},
                             geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:27700")
    housing, yields = _housing()
    housing = housing.drop(columns="planning_area_id").assign(x=[500.0], y=[50.0])
    with_h = make_bundle(two_areas.schools, two_areas.rolls, housing=housing, pupil_yields=yields, planning_areas=areas)
    fc = run_forecast(with_h, ForecastConfig(**PLAIN, housing_above_trend=False), horizon=1)
    assert any("nearest" in w for w in fc.warnings)
    assert fc.housing.groupby("planning_area_id").pupils.sum()["B"] == pytest.approx(10)


def test_only_schools_and_rolls_needed(two_areas):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fc = run_forecast(two_areas)
    assert fc.horizon == 7 and len(fc.by_area) == 2 * 7 * 3


def test_notes_say_what_reception_rests_on(two_area_rolls):
    from forecasting import CohortSurvival
    from forecasting.forecast import reception_notes

    births_to_2026 = pd.DataFrame({"planning_area_id": ["A"] * 5 + ["B"] * 5, "year": list(range(2022, 2027)) * 2,
                                   "cohort": [200, 220, 240, 250, 260, 80, 80, 80, 80, 80]})
    model = CohortSurvival().fit(two_area_rolls, entry_cohort=births_to_2026)
    # Known two years past 2024: nothing to say for two years ahead; from 2027/28 the cohort is continued.
    assert reception_notes(model, 2024, 2) == []
    (note,) = reception_notes(model, 2024, 8)
    assert note.startswith("Reception from 2027/28 counts children not yet born")
    assert "for 3 years (to 2029/30), then ebb back towards the level of the last year given" in note
    assert "7.7% five years on" in note
    (short,) = reception_notes(model, 2024, 4)
    assert "to the end of the forecast" in short
    trend = CohortSurvival().fit(two_area_rolls)
    (alone,) = reception_notes(trend, 2024, 5)
    assert alone.startswith("Reception in 2 planning areas (A, B) has no births or population given")
    assert "(to 2027/28), then ebb back" in alone and alone.endswith("give births or population where they exist.")


def test_forecast_notes_reach_the_forecast(two_areas):
    fc = run_forecast(two_areas, ForecastConfig(**PLAIN), horizon=4)
    assert len(fc.notes) == 1 and fc.notes[0].startswith("Reception in 2 planning areas (A, B)")
    assert "its numbers hold at the level of the last year given" in fc.notes[0]  # intake_damping 0: no trend
