"""Prediction intervals from a bootstrap of historical ratio errors.

Each bootstrap path re-runs the projection with every progression ratio perturbed, year by
year, by an error drawn from that transition's pool of historical errors (standardised to a
typical cohort and rescaled to each area's size), and with intake perturbed by its own
historical errors, which accumulate over the years for a trend. Quantiles across paths give the
intervals. Everything is vectorised over paths, areas and year groups; only the years ahead
are stepped through, because each year depends on the one before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.cohort import CohortSurvival, _check_horizon
from forecasting.ratios import RatioFit


@dataclass(frozen=True)
class Intervals:
    """Quantiles of simulated pupils.

    Attributes
    ----------
    probs
        Quantile probabilities, ascending (e.g. 0.025, 0.1, 0.9, 0.975).
    cells
        Quantiles by area, year ahead and year group, shape ``(len(probs), A, h, G)``.
    totals
        Quantiles of each area's all-year-group total, shape ``(len(probs), A, h)``.
    """

    probs: np.ndarray
    cells: np.ndarray
    totals: np.ndarray

    def bounds(self, level: float, totals: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the central ``level`` interval."""
        src = self.totals if totals else self.cells
        lo = int(np.argmin(np.abs(self.probs - (1 - level) / 2)))
        hi = int(np.argmin(np.abs(self.probs - (1 + level) / 2)))
        return src[lo], src[hi]


def interval_probs(levels: tuple[float, ...] | list[float]) -> np.ndarray:
    """Quantile probabilities for central intervals at ``levels``."""
    return np.unique(np.concatenate([[(1 - lv) / 2, (1 + lv) / 2] for lv in levels]))


def simulate_intervals(
    model: CohortSurvival,
    horizon: int,
    levels: tuple[float, ...] = (0.8, 0.95),
    n_paths: int = 1000,
    variant: dict | None = None,
    random_state: int | np.random.Generator | None = None,
) -> Intervals:
    """Bootstrap ``n_paths`` futures of a fitted model and return their quantiles.

    Parameters
    ----------
    model
        A fitted `CohortSurvival`.
    horizon
        Years ahead.
    levels
        Central interval levels, e.g. (0.8, 0.95).
    n_paths
        Number of bootstrap paths.
    variant
        Shifts as in `CohortSurvival.predict_array`.
    random_state
        Seed or generator; the same seed gives the same intervals.
    """
    _check_horizon(horizon)
    variant = variant or {}
    rng = np.random.default_rng(random_state)
    probs = interval_probs(levels)
    fit = model.survival_
    ratios = model.ratios(variant.get("migration_shift_sd", 0.0)).astype(np.float32)
    scale = (fit.sd * fit.inflation).astype(np.float32)
    intake = model.intake(horizon, variant.get("births_shift_per_year", 0.0), variant.get("births_shift_cap", 0.138))
    intake_sd, cumulative = _intake_noise(model)
    start = model.panel_.values[:, -1].astype(np.float32)
    state = np.broadcast_to(start, (n_paths, *start.shape))
    n_areas, n_groups = start.shape
    cells = np.empty((len(probs), n_areas, horizon, n_groups), dtype=np.float32)
    totals = np.empty((len(probs), n_areas, horizon), dtype=np.float32)
    level_error = np.zeros((n_paths, n_areas), dtype=np.float32)
    for k in range(horizon):  # years depend on the year before; all else is vectorised
        noise = _draw(fit, rng, (n_paths, n_areas)) * scale
        step_error = _draw(model.intake_trend_, rng, (n_paths, n_areas))[..., 0]
        if cumulative is not None:
            step_error = np.where(cumulative, step_error, _draw(model.entry_, rng, (n_paths, n_areas))[..., 0])
        step_error = step_error * intake_sd
        level_error = level_error + step_error if cumulative is None else np.where(cumulative, level_error + step_error, step_error)
        paths_intake = np.maximum(intake[:, k].astype(np.float32) * (1.0 + level_error), 0.0)
        state = model.step(state, np.maximum(ratios + noise, 0.0), paths_intake)
        cells[:, :, k] = np.quantile(state, probs, axis=0)
        totals[:, :, k] = np.quantile(state.sum(axis=-1), probs, axis=0)
    return Intervals(probs, cells, totals)


def _draw(fit: RatioFit | None, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Resample whole rows of standardised errors (one historical area-year) per (path, area).

    Drawing rows, not single cells, keeps the correlation between year groups of one year.
    """
    pool = fit.errors.astype(np.float32)
    return pool[rng.integers(0, pool.shape[0], size=shape, dtype=np.int32)]


def _intake_noise(model: CohortSurvival) -> tuple[np.ndarray, np.ndarray | None]:
    """Relative intake error scale per area, and which areas accumulate it (trend) or not.

    A trend's error is an error in its growth, so it compounds year on year; an intake ratio on
    known births errs afresh each year.
    """
    trend = model.intake_trend_
    trend_sd = (trend.sd[:, 0] * trend.inflation).astype(np.float32)
    if model.entry_ is None:
        return trend_sd, None
    entry = model.entry_
    ratio = np.where(entry.ratio[:, 0] > 0, entry.ratio[:, 0], 1.0)
    entry_sd = entry.sd[:, 0] * entry.inflation / ratio
    return np.where(model.use_entry_, entry_sd, trend_sd).astype(np.float32), ~model.use_entry_
