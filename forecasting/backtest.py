"""Rolling-origin backtest: fit on years up to T, forecast T+1..T+h, score against the outturn.

Our model is scored beside three baselines an LA spreadsheet might use: persistence (every
cell stays as it is), 100% survival (every cohort moves up unchanged) and cohort survival with
the 3-year mean of progression ratios (with the entry cohort where one is given, so Reception
comes from births for them too). Scores are by horizon at three levels: the authority total,
planning-area totals, and planning area × year group, and, when phases are named, area × phase
totals. `backtest_errors` keeps every scored cell (with its area, size, phase, forecast and
outturn) so the median, size bands or regional sums can be taken from it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from forecasting.cohort import CohortSurvival, Persistence
from forecasting.config import ForecastConfig
from forecasting.forecast import make_model, model_inputs, resolve_config
from forecasting.intake import IntakeModel
from forecasting.panel import ForecastInputError, Panel, area_rolls, with_gaps
from forecasting.selection import percentage_errors
from forecasting.uncertainty import Intervals, simulate_intervals

METRIC_COLUMNS = ["model", "horizon", "level", "mape", "mean_signed_error", "coverage_80", "coverage_95", "n"]
LEVELS = ("authority_total", "area_total", "area_ncy")


def baselines() -> dict[str, BaseEstimator]:
    """The comparison models (unfitted): without an entry cohort, Reception held at its last value;
    with one, the cohort models take Reception from it by the 3-year-mean (or 100%) ratio.

    The cohort models share our transfer mapping (a secondary area's Year 7 from its feeders'
    Year 6), as an LA spreadsheet would; without it they would forecast no Year 7 at all.
    """
    return {
        "persistence": Persistence(),
        "survival_100": CohortSurvival(ratio_method="unity", intake=IntakeModel(damping=0.0)),
        "csr_mean_3": CohortSurvival(ratio_method="mean", n_years=3, shrinkage="none", intake=IntakeModel(damping=0.0)),
    }


def backtest(
    inputs: Any,
    origins: list[int],
    horizon: int,
    config: ForecastConfig | None = None,
    model_name: str = "sufficiency",
) -> pd.DataFrame:
    """Score our forecast and the baselines from each origin year.

    Parameters
    ----------
    inputs
        An `Inputs` bundle (schools, rolls, optional births/population/wards), or a long table
        of area rolls ``planning_area_id, year, ncy, pupils``.
    origins
        Base years to forecast from; each needs enough history before it and outturn after it.
    horizon
        Longest horizon scored (shorter where the data end sooner).

    Returns
    -------
    DataFrame
        Columns ``model, horizon, level, mape, mean_signed_error, coverage_80, coverage_95, n``;
        errors in percent of the outturn, coverage as a share of outturns inside the interval.
    """
    errors = backtest_errors(inputs, origins, horizon, config, model_name)
    return summarise_errors(errors[errors["level"].isin(LEVELS)])


def backtest_errors(
    inputs: Any,
    origins: list[int],
    horizon: int,
    config: ForecastConfig | None = None,
    model_name: str = "sufficiency",
    *,
    cohort_at: Callable[[int], pd.DataFrame | None] | None = None,
    models: dict[str, BaseEstimator] | None = None,
    phases: dict[str, tuple[int, int]] | None = None,
    intervals: bool = True,
) -> pd.DataFrame:
    """Every scored cell's percentage error, from each origin, for our forecast and the baselines.

    Parameters
    ----------
    inputs, origins, horizon, config, model_name
        As for `backtest`.
    cohort_at
        The entry cohort known at an origin (``origin -> planning_area_id, year, cohort``);
        default: built from the births or population in ``inputs``, as a forecast would.
    models
        Comparison models (unfitted); default `baselines`.
    phases
        Name -> (first, last) year group, e.g. ``{"primary": (0, 6)}``, scored as area × phase
        totals (level ``area_phase``); area × year-group cells carry their phase too.
    intervals
        Whether to simulate our intervals (and score their coverage).

    Returns
    -------
    DataFrame
        ``model, origin, horizon, level, phase, ncy, area, size, forecast, actual, pe, ape, in_80,
        in_95``: one row per scored cell (``ncy`` -1 for totals); ``size`` is the area's roll (all year groups) in
        the origin year, ``phase`` is "all" for whole-area totals and the phase (or "other")
        otherwise. An area without pupils in each of the ``min_history_years`` to an origin (new
        since, or under a code that began since) is left out of that origin's fit and scores.
    """
    config = resolve_config(inputs, config)
    panel = _panel(inputs)
    _check_origins(panel, origins, config.min_history_years)
    phase_of = _phase_labels(panel.ncys, phases or {})
    rows = []
    for origin in origins:  # a handful of origins; each forecast is vectorised
        h = min(horizon, int(panel.years[-1] - origin))
        actual = panel.values[:, panel.years > origin][:, :h]
        cut = panel.up_to(origin)
        # An area without pupils in each of the last min_history_years to the origin (one that opened,
        # or a code that began, since) has nothing to forecast from: it is left out of the fit and the score.
        kept = (cut.values.sum(axis=2)[:, -config.min_history_years:] > 0).all(axis=1)
        if not kept.all():
            left = [str(a) for a in cut.areas[~kept]]
            warnings.warn(f"backtest from {origin}: {len(left)} planning area(s) left out, without pupils in each of "
                          f"the {config.min_history_years} years to {origin} ({', '.join(left[:5])}"
                          f"{f' and {len(left) - 5} more' if len(left) > 5 else ''})", stacklevel=2)
            cut, actual = cut.take(kept), actual[kept]
        cohort, feeders = model_inputs(inputs if not isinstance(inputs, pd.DataFrame) else object(), config, origin)
        if cohort_at is not None:
            cohort = cohort_at(origin)
        ours = make_model(config).fit(cut, entry_cohort=cohort, feeders=feeders)
        named = [p for p in dict.fromkeys(phase_of) if p != "other"]
        groups = np.array([phase_of == p for p in named]) if named else None
        iv = (simulate_intervals(ours, h, (0.8, 0.95), config.n_paths, random_state=config.random_state,
                                 groups=groups) if intervals else None)
        scored = {model_name: (ours.predict_array(h), iv)}
        for name, model in (baselines() if models is None else models).items():
            scored[name] = (clone(model).fit(cut, entry_cohort=cohort, feeders=feeders).predict_array(h), None)
        size = cut.values[:, -1].sum(axis=1)
        for name, (forecast, bounds) in scored.items():
            rows += _score(name, forecast, actual, origin, bounds, cut.areas, size, phase_of, panel.ncys)
    return pd.concat(rows, ignore_index=True)


def summarise_errors(errors: pd.DataFrame, by: tuple[str, ...] = ("model", "horizon", "level")) -> pd.DataFrame:
    """Collapse cell errors to metrics by model, horizon and level (or the keys in ``by``).

    ``by`` other than the default adds ``median_ape`` after ``mape``.
    """
    keys = list(by)
    g = errors.groupby(keys, sort=False)
    out = g.agg(
        mape=("ape", "mean"), median_ape=("ape", "median"), mean_signed_error=("pe", "mean"),
        coverage_80=("in_80", "mean"), coverage_95=("in_95", "mean"), n=("pe", "size"),
    ).reset_index()
    order = {name: i for i, name in enumerate(errors["model"].unique())}
    levels = {lv: i for i, lv in enumerate((*LEVELS, "area_phase"))}

    def sort_key(s: pd.Series) -> pd.Series:
        if s.name == "model":
            return s.map(order)
        if s.name == "level":
            return s.map(levels)
        return s

    sort_by = [k for k in ("level", "phase", "horizon", "model") if k in keys] + [
        k for k in keys if k not in ("level", "phase", "horizon", "model")]
    out = out.sort_values(sort_by, key=sort_key)
    if keys == ["model", "horizon", "level"]:
        return out[METRIC_COLUMNS].reset_index(drop=True)
    columns = [*keys, "mape", "median_ape", "mean_signed_error", "coverage_80", "coverage_95", "n"]
    return out[columns].reset_index(drop=True)


def _phase_labels(ncys: np.ndarray, phases: dict[str, tuple[int, int]]) -> np.ndarray:
    """The phase name of each year group ("other" outside every phase)."""
    out = np.full(len(ncys), "other", dtype=object)
    for name, (first, last) in phases.items():
        out[(ncys >= first) & (ncys <= last)] = name
    return out


def _score(name: str, forecast: np.ndarray, actual: np.ndarray, origin: int, iv: Intervals | None,
           areas: np.ndarray, size: np.ndarray, phase_of: np.ndarray, ncys: np.ndarray) -> list[pd.DataFrame]:
    """Percentage errors of every scored cell, with interval hits when intervals exist.

    Arrays are (areas, horizon[, year groups]); cells with no pupils in the outturn are skipped.
    """
    n_areas, h = actual.shape[:2]
    area_idx = np.arange(n_areas)
    levels: dict[str, tuple[np.ndarray, np.ndarray, str | None, np.ndarray, np.ndarray]] = {
        "authority_total": (forecast.sum(axis=(0, 2))[None], actual.sum(axis=(0, 2))[None], "authority",
                            np.zeros((1, h), int), np.full((1, h), "all", dtype=object)),
        "area_total": (forecast.sum(axis=2), actual.sum(axis=2), "totals",
                       np.broadcast_to(area_idx[:, None], (n_areas, h)), np.full((n_areas, h), "all", dtype=object)),
        "area_ncy": (forecast, actual, "cells", np.broadcast_to(area_idx[:, None, None], actual.shape),
                     np.broadcast_to(phase_of[None, None, :], actual.shape)),
    }
    named = [p for p in dict.fromkeys(phase_of) if p != "other"]
    if named:
        f = np.stack([forecast[:, :, phase_of == p].sum(axis=2) for p in named], axis=2)
        a = np.stack([actual[:, :, phase_of == p].sum(axis=2) for p in named], axis=2)
        levels["area_phase"] = (f, a, "groups", np.broadcast_to(area_idx[:, None, None], a.shape),
                                np.broadcast_to(np.array(named, dtype=object)[None, None, :], a.shape))
    out = []
    for level, (f, a, kind, where, phase) in levels.items():
        hits = {lv: np.full(a.shape, np.nan) for lv in (0.8, 0.95)}
        if iv is not None and kind is not None:
            for lv in hits:
                lo, hi = iv.bounds(lv, kind)
                hits[lv] = ((a >= lo) & (a <= hi)).astype(float)
        step = np.broadcast_to(np.arange(1, a.shape[1] + 1).reshape((1, -1) + (1,) * (a.ndim - 2)), a.shape)
        ok, pe = percentage_errors(f, a)
        idx = where[ok]
        ncy = np.broadcast_to(ncys[None, None, :], a.shape)[ok] if level == "area_ncy" else -1
        out.append(pd.DataFrame({
            "model": name, "origin": origin, "horizon": step[ok], "level": level, "phase": phase[ok], "ncy": ncy,
            "area": areas[idx] if level != "authority_total" else "all",
            "size": size[idx] if level != "authority_total" else size.sum(),
            "forecast": f[ok], "actual": a[ok],
            "pe": pe, "ape": np.abs(pe), "in_80": hits[0.8][ok], "in_95": hits[0.95][ok],
        }))
    return out


def _panel(inputs: Any) -> Panel:
    if isinstance(inputs, pd.DataFrame):
        return Panel.from_long(inputs)
    return with_gaps(Panel.from_long(area_rolls(inputs.rolls, inputs.schools)), inputs.rolls, inputs.schools)


def _check_origins(panel: Panel, origins: list[int], min_years: int) -> None:
    """Each origin needs ``min_years`` of history and at least one year of outturn."""
    first, last = int(panel.years[0]), int(panel.years[-1])
    earliest = first + min_years - 1
    bad = [o for o in origins if o < earliest or o >= last]
    if earliest > last - 1:
        raise ForecastInputError(
            f"rolls run {first}-{last}, too short to backtest: an origin needs {min_years} years of history "
            f"before it and a year of outturn after, so at least {min_years + 1} years of rolls"
        )
    if not origins or bad:
        raise ForecastInputError(
            f"origins {bad or origins} cannot be backtested: rolls run {first}-{last}, so origins must lie "
            f"in {earliest}-{last - 1} ({min_years} years of history before, one year of outturn after)"
        )
