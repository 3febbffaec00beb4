"""Prediction intervals from a bootstrap of historical ratio errors.

Each bootstrap path re-runs the projection with every progression ratio perturbed, year by
year, by an error drawn from that transition's pool of historical errors (standardised to a
typical cohort and rescaled to each area's size), and with intake perturbed by its own
historical errors, which accumulate over the years for a trend. Quantiles across paths give the
intervals. Everything is vectorised over paths, areas and year groups; only the years ahead
are stepped through, because each year depends on the one before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from forecasting.cohort import CohortSurvival, _check_horizon
from forecasting.feeders import previous_cohort_paths
from forecasting.intake import IntakeModel
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
    rng = np.random.default_rng(random_state)
    probs = interval_probs(levels)
    n_groups, n_areas = model.panel_.values.shape[2], model.panel_.values.shape[0]
    cells = np.empty((len(probs), n_areas, horizon, n_groups), dtype=np.float32)
    totals = np.empty((len(probs), n_areas, horizon), dtype=np.float32)
    for k, state in enumerate(_steps(model, horizon, n_paths, variant, rng)):
        cells[:, :, k] = quantiles_last_axis(state, probs).transpose(2, 1, 0)
        totals[:, :, k] = quantiles_last_axis(state.sum(axis=0), probs).T
    return Intervals(probs, cells, totals)


def simulate_paths(
    model: CohortSurvival,
    horizon: int,
    n_paths: int = 1000,
    variant: dict | None = None,
    random_state: int | np.random.Generator | None = None,
    chunk_size: int = 250,
) -> Iterator[np.ndarray]:
    """Bootstrap ``n_paths`` futures of a fitted model, ``chunk_size`` paths at a time.

    Each chunk is an array of pupils shaped ``(years ahead, year groups, areas, paths in the chunk)``,
    drawn as :func:`simulate_intervals` draws them; only one chunk is held at once, so memory does not
    grow with ``n_paths``. The same seed and chunk size give the same paths.
    """
    _check_horizon(horizon)
    if n_paths < 1 or chunk_size < 1:
        raise ValueError("n_paths and chunk_size must be 1 or more")
    rng = np.random.default_rng(random_state)
    for start in range(0, n_paths, chunk_size):
        size = min(chunk_size, n_paths - start)
        yield np.stack(list(_steps(model, horizon, size, variant, rng)))


def _steps(model: CohortSurvival, horizon: int, n_paths: int, variant: dict | None,
           rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Simulated pupils year by year, each shaped ``(year groups, areas, paths)``."""
    fit = model.survival_
    # Layout (year groups, areas, paths): paths last, so quantiles run over contiguous memory,
    # and a whole year group is one slab for the feeder matrix product.
    ratios, intake = model.shifted(horizon, variant)
    ratios = ratios.T.astype(np.float32)[:, :, None]
    scale = (fit.sd * fit.inflation).T.astype(np.float32)[:, :, None]
    intake_sd, cumulative = _intake_noise(model.intake_)
    start = model.panel_.values[:, -1].T.astype(np.float32)
    state = np.repeat(start[:, :, None], n_paths, axis=2)
    n_areas = start.shape[1]
    level_error = np.zeros((n_areas, n_paths), dtype=np.float32)
    for k in range(horizon):  # years depend on the year before; all else is vectorised
        step_error = _draw(model.intake_.trend_, rng, n_areas, n_paths)[0]
        if cumulative is not None:
            step_error = np.where(cumulative[:, None], step_error,
                                  _draw(model.intake_.entry_, rng, n_areas, n_paths)[0])
        step_error *= intake_sd[:, None]
        level_error = (level_error + step_error if cumulative is None
                       else np.where(cumulative[:, None], level_error + step_error, step_error))
        factor = _draw(fit, rng, n_areas, n_paths)
        factor *= scale
        factor += ratios
        np.maximum(factor, 0.0, out=factor)
        nxt = np.empty_like(state)
        np.multiply(previous_cohort_paths(state, model.self_feed_, model.feeders_), factor, out=nxt[1:])
        nxt[0] = np.maximum(intake[:, k, None].astype(np.float32) * (1.0 + level_error), 0.0)
        state = nxt
        yield state


def quantiles_last_axis(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles over the last axis, linearly interpolated as numpy's default method.

    A full sort is used rather than `np.partition`: numpy's vectorised sort of float32 is
    several times faster than a partition at several order statistics.
    """
    n = x.shape[-1]
    pos = probs * (n - 1)
    lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
    weight = (pos - lo).astype(np.float32)
    ordered = np.sort(x, axis=-1)
    return ordered[..., lo] * (1 - weight) + ordered[..., hi] * weight


def _draw(fit: RatioFit, rng: np.random.Generator, n_areas: int, n_paths: int) -> np.ndarray:
    """Resample whole rows of standardised errors (one historical area-year) per (area, path).

    Drawing rows, not single cells, keeps the correlation between year groups of one year.
    Returns shape (transitions, areas, paths).
    """
    pool = np.ascontiguousarray(fit.errors.T, dtype=np.float32)  # (transitions, pool rows)
    return pool[:, rng.integers(0, pool.shape[1], size=(n_areas, n_paths), dtype=np.intp)]


def _intake_noise(intake: IntakeModel) -> tuple[np.ndarray, np.ndarray | None]:
    """Relative intake error scale per area, and which areas accumulate it (trend) or not.

    A trend's error is an error in its growth, so it compounds year on year; an intake ratio on
    known births errs afresh each year.
    """
    trend = intake.trend_
    trend_sd = (trend.sd[:, 0] * trend.inflation).astype(np.float32)
    if intake.entry_ is None:
        return trend_sd, None
    entry = intake.entry_
    ratio = np.where(entry.ratio[:, 0] > 0, entry.ratio[:, 0], 1.0)
    entry_sd = entry.sd[:, 0] * entry.inflation / ratio
    return np.where(intake.use_entry_, entry_sd, trend_sd).astype(np.float32), ~intake.use_entry_
