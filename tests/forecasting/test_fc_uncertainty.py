"""Bootstrap prediction intervals: ordering, reproducibility and honest coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import CohortSurvival, simulate_intervals
from forecasting.panel import Panel


@pytest.fixture()
def fitted(make_synthetic):
    return CohortSurvival().fit(make_synthetic(20, 6, 7, seed=1))


def test_intervals_are_ordered_and_widen(fitted):
    iv = simulate_intervals(fitted, 5, n_paths=400, random_state=0)
    lo80, hi80 = iv.bounds(0.8)
    lo95, hi95 = iv.bounds(0.95)
    assert (lo95 <= lo80 + 1e-6).all() and (hi80 <= hi95 + 1e-6).all()
    width = (hi80 - lo80).sum(axis=(0, 2))
    assert np.all(np.diff(width) > 0)  # uncertainty grows with the horizon
    assert (lo95 >= 0).all()


def test_same_seed_same_intervals(fitted):
    a = simulate_intervals(fitted, 3, n_paths=200, random_state=7)
    b = simulate_intervals(fitted, 3, n_paths=200, random_state=7)
    assert np.array_equal(a.cells, b.cells)


def test_point_forecast_sits_inside_the_interval(fitted):
    iv = simulate_intervals(fitted, 3, n_paths=400, random_state=0)
    point = fitted.predict_array(3)
    lo, hi = iv.bounds(0.95)
    inside = (point >= lo - 1e-6) & (point <= hi + 1e-6)
    assert inside.mean() > 0.95


def test_coverage_is_honest_on_data_with_known_noise(make_synthetic):
    """Binomial progression with a known ratio: the 80% interval should cover about 80%."""
    rolls = make_synthetic(60, 8, 6, seed=11, ratio=0.97, size=150)
    panel = Panel.from_long(rolls)
    model = CohortSurvival().fit(panel.up_to(2015))
    iv = simulate_intervals(model, 2, n_paths=500, random_state=0)
    actual = panel.values[:, -2:]
    lo, hi = iv.bounds(0.8)
    covered = ((actual >= lo) & (actual <= hi))[:, :, 1:].mean()  # Reception is a trend, not a ratio
    assert 0.7 <= covered <= 0.92


def test_the_paths_are_the_ones_the_intervals_summarise(fitted):
    from forecasting.uncertainty import interval_probs, quantiles_last_axis, simulate_paths

    iv = simulate_intervals(fitted, 4, n_paths=300, random_state=3)
    chunks = list(simulate_paths(fitted, 4, n_paths=300, random_state=3, chunk_size=300))
    assert len(chunks) == 1  # (years ahead, year groups, areas, paths) → (paths, areas, years ahead, year groups)
    paths = chunks[0].transpose(3, 2, 0, 1)
    assert paths.shape[0] == 300 and paths.shape[2] == 4
    again = quantiles_last_axis(np.moveaxis(paths, 0, -1), interval_probs((0.8, 0.95)))
    np.testing.assert_allclose(np.moveaxis(again, -1, 0), iv.cells, rtol=1e-6)


def test_reception_is_less_certain_past_the_last_births_given(make_synthetic):
    """Entry cohorts given for two years ahead, then continued by their trend: the same point forecast
    as when those continued cohorts are given as known, but wider intervals from the third year ahead
    (the children not yet born are not known), and the same before it."""
    rolls = make_synthetic(12, 6, 3, seed=5)
    areas = sorted(rolls.planning_area_id.unique())
    rng = np.random.default_rng(0)
    short = pd.DataFrame([(a, y, 200 * (1 + 0.01 * (y - 2010)) + rng.normal(0, 8)) for a in areas
                          for y in range(2010, 2018)], columns=["planning_area_id", "year", "cohort"])
    model = CohortSurvival().fit(rolls, entry_cohort=short)
    assert model.intake_.entry_known_.tolist() == [2] * 12
    continued = model.intake_.entry_future_[:, :6]
    given = pd.concat([short, pd.DataFrame([(a, 2016 + k, continued[i, k]) for i, a in enumerate(areas)
                                            for k in range(6)], columns=short.columns)])
    known = CohortSurvival().fit(rolls, entry_cohort=given.drop_duplicates(["planning_area_id", "year"]))
    np.testing.assert_allclose(model.predict_array(6), known.predict_array(6), rtol=1e-9)
    widths = []
    for m in (model, known):
        lo, hi = simulate_intervals(m, 6, (0.8,), n_paths=2000, random_state=4).bounds(0.8)
        widths.append((hi - lo)[:, :, 0].mean(axis=0))  # Reception, mean over areas, by year ahead
    np.testing.assert_allclose(widths[0][:2], widths[1][:2], rtol=0.05)
    assert (widths[0][2:] > widths[1][2:] * 1.05).all()
