"""Progression ratios: summaries, shrinkage and zero cohorts, against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.panel import Panel
from forecasting.ratios import fit_ratios, summary_weights


def _arrays(rolls):
    p = Panel.from_long(rolls)
    return p.values[:, 1:, 1:], p.values[:, :-1, :-1]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("mean", [1, 1, 1]),
        ("weighted", [1, 2, 3]),
        ("exponential", [0.25, 0.5, 1]),
        ("last", [0, 0, 1]),
    ],
)
def test_summary_weights(method, expected):
    w = summary_weights(3, method, n_years=5, alpha=0.5)
    assert np.allclose(w, np.array(expected) / sum(expected))


def test_summary_weights_keep_only_the_last_n_years():
    assert np.allclose(summary_weights(5, "mean", n_years=3, alpha=0.5), [0, 0, 1 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize(
    ("method", "a01", "b01"),
    [
        ("mean", 0.925, 0.95),  # (0.95 + 0.90) / 2 ; (0.90 + 1.00) / 2
        ("exponential", (0.5 * 0.95 + 0.90) / 1.5, (0.5 * 0.90 + 1.00) / 1.5),
        ("last", 0.90, 1.00),
        ("median", 0.925, 0.95),
    ],
)
def test_hand_checked_ratios_without_shrinkage(two_area_rolls, method, a01, b01):
    fit = fit_ratios(*_arrays(two_area_rolls), method=method, shrinkage="none")
    assert fit.ratio[:, 0] == pytest.approx([a01, b01])
    assert fit.ratio[:, 1] == pytest.approx([1.0, 1.0])


def test_authority_ratio_pools_pupils_not_ratios(two_area_rolls):
    fit = fit_ratios(*_arrays(two_area_rolls), method="mean", shrinkage="none")
    assert fit.pooled[0] == pytest.approx((131 / 140 + 139 / 150) / 2)


def test_fixed_shrinkage_halves_at_the_strength(two_area_rolls):
    # Area A's cohorts behind the 0->1 ratio average (100 + 110) / 2 = 105 pupils.
    fit = fit_ratios(*_arrays(two_area_rolls), method="mean", shrinkage="fixed", strength=105)
    pooled = (131 / 140 + 139 / 150) / 2
    assert fit.weight_own[0, 0] == pytest.approx(0.5)
    assert fit.ratio[0, 0] == pytest.approx(0.5 * 0.925 + 0.5 * pooled)


def test_empirical_bayes_pools_areas_that_differ_only_by_noise(make_synthetic):
    rolls = make_synthetic(40, 5, 4, seed=3, ratio=0.97, size=60)
    fit = fit_ratios(*_arrays(rolls), method="mean", shrinkage="empirical_bayes")
    own_err = np.abs(fit.own - 0.97).mean()
    shrunk_err = np.abs(fit.ratio - 0.97).mean()
    assert fit.weight_own.mean() < 0.5
    assert shrunk_err < own_err


def test_empirical_bayes_keeps_areas_that_truly_differ():
    # Two big areas with steady, very different ratios: nothing to shrink.
    nxt = np.array([[[500.0], [500.0]], [[800.0], [800.0]]])
    prev = np.array([[[1000.0], [1000.0]], [[1000.0], [1000.0]]])
    nxt[0, 1, 0] = 502.0
    fit = fit_ratios(nxt, prev, method="mean")
    assert fit.weight_own.min() > 0.99
    assert fit.ratio[:, 0] == pytest.approx([0.501, 0.8], abs=1e-3)


def test_zero_cohort_does_not_divide_by_zero():
    nxt = np.array([[[0.0], [0.0]], [[50.0], [55.0]]])
    prev = np.array([[[0.0], [0.0]], [[50.0], [50.0]]])
    with np.errstate(all="raise"):
        fit = fit_ratios(nxt, prev, method="mean")
    assert np.isfinite(fit.ratio).all()
    assert fit.ratio[0, 0] == 0.0  # never had pupils in the later year group
    assert fit.ratio[1, 0] == pytest.approx(1.05)
