"""Prediction intervals from a bootstrap of historical ratio errors.

Each bootstrap path re-runs the projection with every progression ratio perturbed by three
errors: a shock shared by every area in that year (a wild bootstrap of the historical year
effects), the area's own yearly error (drawn from that transition's pool of historical errors,
standardised to a typical cohort and rescaled to each area's size) and the error of estimating
the ratio from a few years, drawn once per path. Intake is perturbed alike; its yearly errors
accumulate (a trend's growth noise as a local linear trend, an intake ratio's drifting level), and
past the last births (or population) given, the entry cohort's continued trend errs as Reception's
own trend does. Quantiles across paths give the intervals of cells, area totals, the authority's
total (the sum of all areas, which carries the shared shocks) and, when asked, groups of year
groups such as phases. Everything is vectorised over paths, areas and year groups; only the
years ahead are stepped through, because each year depends on the one before.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from forecasting.cohort import CohortSurvival, _check_horizon
from forecasting.config import MAX_HORIZON
from forecasting.feeders import previous_cohort_paths
from forecasting.intake import IntakeModel, own_trend_share
from forecasting.ratios import RatioFit

#: Share of each year's own ratio error that stays in the area's ratio for the years after (a
#: local level, the error of an ARIMA(0,1,1): ratios drift as migration patterns change). 0.4
#: brought the 80% intervals of English LA totals 1-3 years ahead with births to 0.79, 0.78, 0.77
#: (0.79, 0.76, 0.72 with independent yearly errors) and their secondary totals 3 years ahead from
#: 0.70 to 0.80, leaving LA × year group at 0.80-0.81; it was chosen on that backtest (0.3-0.6
#: tried), not estimated from each area's own few years.
LEVEL_DRIFT = 0.4

#: Reception's own trend, and births carried on past the last year given, err as a local linear trend
#: (Harvey 1989, Forecasting, Structural Time Series Models and the Kalman Filter, s.2.3): of each
#: year's growth error, this share also stays in the growth for the years after (the trend itself
#: turns, as births did in 2002 and 2012), ``TREND_TRANSIENT_SHARE`` is that year's noise alone, and
#: the rest moves the level for good. Chosen with it on 150 English LAs' live births 1992-2022 as the
#: series (the only history long enough to see trends turn; 0-0.3 tried), with the trend's gain ebbing
#: after 3 years (`forecasting.config.ForecastConfig.intake_trend_ebb`): the 80% interval covered 0.85,
#: 0.85, 0.81, 0.81, 0.80, 0.81 and 0.84 of outturns 1, 2, 3, 4, 5, 7 and 10 years ahead (0.15 gave 0.84-0.88
#: from 7 years on: too wide once the centre ebbs back; 0.05 gave 0.75-0.78 from 5 years on); every error
#: moving the level for good gave 0.66 ten years ahead. The English and NYC census backtests (1-3 years
#: ahead) moved by 0.01 at most, NYC's Kindergarten-Grade 5 totals 2 years ahead by 0.03 (one district).
TREND_SLOPE_SHARE = 0.10
#: See `TREND_SLOPE_SHARE`.
TREND_TRANSIENT_SHARE = 0.15


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
    authority
        Quantiles of the sum over every area and year group, shape ``(len(probs), 1, h)``.
    groups
        Quantiles of each area's total over each group of year groups (e.g. phases), shape
        ``(len(probs), A, h, n_groups)``, when groups were asked for.
    """

    probs: np.ndarray
    cells: np.ndarray
    totals: np.ndarray
    authority: np.ndarray | None = None
    groups: np.ndarray | None = None

    def bounds(self, level: float, totals: bool | str = False) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the central ``level`` interval.

        ``totals``: False (or "cells") for area × year group, True (or "totals") for area
        totals, "authority" for the sum over all areas, "groups" for the groups' totals.
        """
        kind = {False: "cells", True: "totals"}.get(totals, totals) if isinstance(totals, bool) else totals
        src = {"cells": self.cells, "totals": self.totals, "authority": self.authority, "groups": self.groups}[kind]
        if src is None:
            raise ValueError(f"these intervals hold no '{kind}' quantiles")
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
    groups: np.ndarray | None = None,
    drift_share: float = LEVEL_DRIFT,
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
    groups
        Optional boolean array (n_groups, year groups): each row a set of year groups (a phase)
        whose per-area total gets its own quantiles (`Intervals.groups`).
    drift_share
        Share of each year's own ratio error that stays in the area's ratio for the years after
        (see `LEVEL_DRIFT`); 0 draws the yearly errors independently.
    """
    _check_horizon(horizon)
    rng = np.random.default_rng(random_state)
    probs = interval_probs(levels)
    n_areas, _, n_groups = model.panel_.values.shape
    cells = np.empty((len(probs), n_areas, horizon, n_groups), dtype=np.float32)
    totals = np.empty((len(probs), n_areas, horizon), dtype=np.float32)
    authority = np.empty((len(probs), 1, horizon), dtype=np.float32)
    group_q = None if groups is None else np.empty((len(probs), n_areas, horizon, len(groups)), dtype=np.float32)

    def summarise(k: int, state: np.ndarray) -> None:
        """Year k's quantiles, written into its own slices of the outputs."""
        cells[:, :, k] = quantiles_last_axis(state, probs).transpose(2, 1, 0)
        area_sum = state.sum(axis=0)
        totals[:, :, k] = quantiles_last_axis(area_sum, probs).T
        authority[:, 0, k] = quantiles_last_axis(area_sum.sum(axis=0), probs)
        if group_q is not None and groups is not None:
            for j, members in enumerate(groups):  # a phase or two
                group_q[:, :, k, j] = quantiles_last_axis(state[members].sum(axis=0), probs).T

    # A year's quantiles (a sort over the paths, about 40% of the time) are taken on a second thread while the
    # next year is simulated: numpy releases the GIL in both, so on two cores the wall time falls by about a
    # third. Each year's state is a new array, never written again, and each year writes its own slices; at
    # most one year waits, so memory holds two years' paths at most.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quantiles") as pool:
        waiting: Future | None = None
        for k, state in enumerate(_steps(model, horizon, n_paths, variant, rng, drift_share)):
            if waiting is not None:
                waiting.result()
            waiting = pool.submit(summarise, k, state)
        if waiting is not None:
            waiting.result()
    return Intervals(probs, cells, totals, authority, group_q)


def simulate_paths(
    model: CohortSurvival,
    horizon: int,
    n_paths: int = 1000,
    variant: dict | None = None,
    random_state: int | np.random.Generator | None = None,
    chunk_size: int = 250,
    drift_share: float = LEVEL_DRIFT,
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
        yield np.stack(list(_steps(model, horizon, size, variant, rng, drift_share)))


def _steps(model: CohortSurvival, horizon: int, n_paths: int, variant: dict | None, rng: np.random.Generator,
           drift_share: float) -> Iterator[np.ndarray]:
    """Simulated pupils year by year, each shaped ``(year groups, areas, paths)``."""
    fit = model.survival_
    # Layout (year groups, areas, paths): paths last, so quantiles run over contiguous memory,
    # and a whole year group is one slab for the feeder matrix product.
    ratios, intake = model.shifted(horizon, variant)
    ratios = ratios.transpose(0, 2, 1).astype(np.float32)[..., None]  # (horizon, year groups, areas, 1)
    scale = _idio_sd(fit).T.astype(np.float32)[:, :, None]
    intake_sd, intake_carry, cumulative = _intake_noise(model.intake_)
    start = model.panel_.values[:, -1].T.astype(np.float32)
    state = np.repeat(start[:, :, None], n_paths, axis=2)
    n_areas = start.shape[1]
    # Errors that stay for the whole path: the error of estimating each ratio from a few years
    # (sd · sqrt(sum w²), Var of a weighted mean), the area's own and the part shared by all areas.
    carry = np.float32(np.sqrt(max(fit.inflation**2 - 1.0, 0.0)))
    own_level = _draw(fit, rng, n_areas, n_paths)
    own_level *= scale * carry
    persistent = _shared_shock(fit, rng, n_paths) * carry
    intake_level = _intake_draw(model.intake_, rng, n_areas, n_paths, cumulative) * (intake_sd * intake_carry)[:, None]
    intake_shared = _intake_shared(model.intake_, rng, n_paths, horizon)
    trend_area = np.ones(n_areas, dtype=bool) if cumulative is None else cumulative
    accumulated = _TrendError(trend_area, n_paths)
    # The estimation error persists: in an intake ratio it stays as it is; in a trend's growth it
    # compounds, damped as the growth itself is, and on after the trend stops (IntakeModel.trend_years:
    # the level beyond is no better known).
    estimation_error = np.where(trend_area[:, None], np.float32(0.0), intake_level)
    phi = np.float32(model.intake_.damping)
    unborn = _UnknownCohorts.of(model.intake_, n_paths)
    for k in range(horizon):  # years depend on the year before; all else is vectorised
        # Fresh yearly errors accumulate: a trend's growth noise (a local linear trend, see
        # TREND_SLOPE_SHARE), and the drift of an intake ratio's level (a local level: on the English
        # backtest, treating the ratio's yearly deviations as independent left 2-3-year primary
        # intervals far too narrow).
        step_error = _intake_draw(model.intake_, rng, n_areas, n_paths, cumulative)
        step_error *= intake_sd[:, None]
        step_error += intake_shared[k]
        estimation_error += np.where(trend_area[:, None], intake_level * phi ** (k + 1), np.float32(0.0))
        total_error = accumulated.add(step_error) + estimation_error
        if unborn is not None:
            total_error += unborn.step(k, rng, phi)
        factor = _draw(fit, rng, n_areas, n_paths)
        factor *= scale
        # A local level: part of each year's error stays in the area's ratio for the years after.
        kept = factor * np.float32(drift_share) if drift_share else None
        factor += own_level
        factor += ratios[k]
        if kept is not None:
            own_level += kept
        factor += (_shared_shock(fit, rng, n_paths) + persistent)[:, None, :]
        np.maximum(factor, 0.0, out=factor)
        nxt = np.empty_like(state)
        np.multiply(previous_cohort_paths(state, model.self_feed_, model.feeders_), factor, out=nxt[1:])
        nxt[0] = np.maximum(intake[:, k, None].astype(np.float32) * (1.0 + total_error), 0.0)
        state = nxt
        yield state


class _UnknownCohorts:
    """The error of the entry cohorts (births, population aged 4) beyond the last year given.

    Past its last known year an area's entry cohort is continued by its own damped trend
    (`IntakeModel.entry_future_`); that continuation errs as Reception's own trend does: each year's
    growth misses by a draw from the cohort's historical growth errors (the area's own part and a
    part shared by every area, as births across an authority rise and fall together), and these
    accumulate; the error of estimating the growth from a few years compounds, damped. Without it
    the intervals of later years counted only the intake ratio's error, as if those children's
    numbers were known. Scaled by the share of Reception that comes from the cohort that year
    (`forecasting.intake.own_trend_share`: all of it once Reception's own trend has faded out).
    """

    def __init__(self, growth: RatioFit, known: np.ndarray, use: np.ndarray, cohort_share: np.ndarray,
                 n_paths: int) -> None:
        self.growth, self.known, self.n_paths = growth, known, n_paths
        self.use = use.astype(np.float32)
        self.cohort_share = cohort_share.astype(np.float32)
        self.scale = (_idio_sd(growth)[:, 0] * self.use).astype(np.float32)
        self.carry = np.float32(np.sqrt(max(growth.inflation**2 - 1.0, 0.0)))
        self.level: np.ndarray | None = None  # drawn once the first unknown year comes
        # Every area errs as a trend once past its last known year (before it, its errors are zero).
        self.trend = _TrendError(np.ones(len(known), dtype=bool), n_paths)
        self.estimation = np.zeros((len(known), n_paths), dtype=np.float32)
        self.error = np.zeros((len(known), n_paths), dtype=np.float32)

    @classmethod
    def of(cls, intake: IntakeModel, n_paths: int) -> _UnknownCohorts | None:
        growth, known = intake.entry_growth_, intake.entry_known_
        if growth is None or known is None:  # no area's Reception comes from an entry cohort
            return None
        share = 1.0 - own_trend_share(float(intake.entry_weight), MAX_HORIZON, intake.trend_years)
        return cls(growth, known, intake.use_entry_, share, n_paths)

    def step(self, k: int, rng: np.random.Generator, phi: np.float32) -> np.ndarray:
        """The accumulated relative error of the cohorts ``k + 1`` years ahead, (areas, paths)."""
        past = (k + 1 > self.known)[:, None]
        if past.any():
            if self.level is None:
                self.level = _draw(self.growth, rng, len(self.known), self.n_paths)[0] * self.carry
            beyond = phi ** np.maximum(k + 1 - self.known, 1).astype(np.float32)
            fresh = _draw(self.growth, rng, len(self.known), self.n_paths)[0] * self.scale[:, None]
            fresh += _shared_shock(self.growth, rng, self.n_paths)[0][None, :] * self.use[:, None]
            self.estimation += np.where(past, self.level * (beyond * self.scale)[:, None], np.float32(0.0))
            self.error = self.trend.add(np.where(past, fresh, np.float32(0.0))) + self.estimation
        return self.error * self.cohort_share[k]


class _TrendError:
    """A trend's accumulated relative error, (areas, paths): a local linear trend's level and growth
    (`TREND_SLOPE_SHARE`, `TREND_TRANSIENT_SHARE`) in the ``trend`` areas, a plain running sum in the others."""

    def __init__(self, trend: np.ndarray, n_paths: int) -> None:
        mask = trend[:, None]
        self.kept = np.where(mask, 1 - TREND_TRANSIENT_SHARE, 1.0).astype(np.float32)
        self.passing = np.where(mask, TREND_TRANSIENT_SHARE, 0.0).astype(np.float32)
        self.turning = np.where(mask, TREND_SLOPE_SHARE, 0.0).astype(np.float32)
        self.level = np.zeros((len(trend), n_paths), dtype=np.float32)
        self.slope = np.zeros((len(trend), n_paths), dtype=np.float32)

    def add(self, error: np.ndarray) -> np.ndarray:
        """Take this year's ``error`` and return the error now."""
        self.level += self.kept * error + self.slope
        self.slope += self.turning * error
        return self.level + self.passing * error


def _idio_sd(fit: RatioFit) -> np.ndarray:
    """The area's own ratio noise, once the shocks shared by all areas are taken out."""
    return fit.sd if fit.idio_sd is None else fit.idio_sd


def _shared_shock(fit: RatioFit | None, rng: np.random.Generator, n_paths: int) -> np.ndarray:
    """One shock per path shared by every area, shape (transitions, paths).

    A wild bootstrap of the historical year effects: a whole year's row (keeping the correlation
    between transitions) times a standard normal, so even two or three years of history give a
    smooth, symmetric spread with the year effects' variance.
    """
    if fit is None or fit.common is None or not fit.common.size:
        g = 1 if fit is None else fit.ratio.shape[1]
        return np.zeros((g, n_paths), dtype=np.float32)
    rows = rng.integers(0, fit.common.shape[0], size=n_paths)
    return (fit.common[rows].T * rng.standard_normal(n_paths)[None, :]).astype(np.float32)


def _intake_shared(intake: IntakeModel, rng: np.random.Generator, n_paths: int, horizon: int) -> np.ndarray:
    """Relative intake shocks shared by every area, per year ahead: shape (horizon, areas, paths).

    The trend's common error is in its growth rate; the intake ratio's is divided by the
    authority-wide ratio to be relative.
    """
    trend = np.stack([_shared_shock(intake.trend_, rng, n_paths)[0] for _ in range(horizon)])
    if intake.entry_ is None:
        return np.broadcast_to(trend[:, None, :], (horizon, len(intake.last_), n_paths))
    pooled = float(intake.entry_.pooled[0]) or 1.0
    entry = np.stack([_shared_shock(intake.entry_, rng, n_paths)[0] / pooled for _ in range(horizon)])
    return np.where(intake.use_entry_[None, :, None], entry[:, None, :], trend[:, None, :]).astype(np.float32)


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
    errors = fit.errors if fit.idio_errors is None else fit.idio_errors
    pool = np.ascontiguousarray(errors.T, dtype=np.float32)  # (transitions, pool rows)
    # np.take, not pool[:, idx]: the same gather, several times faster in numpy 2.
    return np.take(pool, rng.integers(0, pool.shape[1], size=(n_areas, n_paths), dtype=np.intp), axis=1)


def _intake_draw(intake: IntakeModel, rng: np.random.Generator, n_areas: int, n_paths: int,
                 cumulative: np.ndarray | None) -> np.ndarray:
    """Standardised intake errors (areas, paths): the trend's pool, or the intake ratio's."""
    out = _draw(intake.trend_, rng, n_areas, n_paths)[0]
    if cumulative is not None and intake.entry_ is not None:
        out = np.where(cumulative[:, None], out, _draw(intake.entry_, rng, n_areas, n_paths)[0])
    return out


def _intake_noise(intake: IntakeModel) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Relative intake error scale per area, the factor of its persistent part, and which areas
    accumulate it (trend) or not.

    A trend's error is an error in its growth, so it compounds year on year; an intake ratio on
    known births errs afresh each year, around a ratio whose own estimation error persists.
    """
    trend = intake.trend_
    trend_sd = _idio_sd(trend)[:, 0].astype(np.float32)
    trend_carry = np.full(len(trend_sd), np.sqrt(max(trend.inflation**2 - 1.0, 0.0)), dtype=np.float32)
    if intake.entry_ is None:
        return trend_sd, trend_carry, None
    entry = intake.entry_
    ratio = np.where(entry.ratio[:, 0] > 0, entry.ratio[:, 0], 1.0)
    entry_sd = _idio_sd(entry)[:, 0] / ratio
    entry_carry = np.sqrt(max(entry.inflation**2 - 1.0, 0.0))
    use = intake.use_entry_
    return (np.where(use, entry_sd, trend_sd).astype(np.float32),
            np.where(use, entry_carry, trend_carry).astype(np.float32), ~use)
