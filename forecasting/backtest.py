"""Rolling-origin backtest: fit on years up to T, forecast T+1..T+h, score against the outturn.

Our model is scored beside three baselines an LA spreadsheet might use: persistence (every
cell stays as it is), 100% survival (every cohort moves up unchanged) and cohort survival with
the 3-year mean of progression ratios. Scores are by horizon at three levels: the authority
total, planning-area totals, and planning area × year group.
"""

from __future__ import annotations

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
from forecasting.uncertainty import simulate_intervals

METRIC_COLUMNS = ["model", "horizon", "level", "mape", "mean_signed_error", "coverage_80", "coverage_95", "n"]
LEVELS = ("authority_total", "area_total", "area_ncy")


def baselines() -> dict[str, BaseEstimator]:
    """The comparison models (unfitted), each holding Reception at its last value (no births used).

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
    config = resolve_config(inputs, config)
    panel = _panel(inputs)
    _check_origins(panel, origins, config.min_history_years)
    rows = []
    for origin in origins:  # a handful of origins; each forecast is vectorised
        h = min(horizon, int(panel.years[-1] - origin))
        actual = panel.values[:, panel.years > origin][:, :h]
        cut = panel.up_to(origin)
        cohort, feeders = model_inputs(inputs if not isinstance(inputs, pd.DataFrame) else object(), config, origin)
        ours = make_model(config).fit(cut, entry_cohort=cohort, feeders=feeders)
        iv = simulate_intervals(ours, h, (0.8, 0.95), config.n_paths, random_state=config.random_state)
        rows += _score(model_name, ours.predict_array(h), actual, origin, iv)
        for name, model in baselines().items():
            rows += _score(name, clone(model).fit(cut, feeders=feeders).predict_array(h), actual, origin, None)
    return summarise_errors(pd.concat(rows, ignore_index=True))


def summarise_errors(errors: pd.DataFrame) -> pd.DataFrame:
    """Collapse cell errors to metrics by model, horizon and level."""
    g = errors.groupby(["model", "horizon", "level"], sort=False)
    out = g.agg(
        mape=("ape", "mean"), mean_signed_error=("pe", "mean"),
        coverage_80=("in_80", "mean"), coverage_95=("in_95", "mean"), n=("pe", "size"),
    ).reset_index()
    order = {name: i for i, name in enumerate(errors["model"].unique())}
    out = out.sort_values(["level", "horizon", "model"], key=lambda s: s.map(order) if s.name == "model" else
                          (s.map({lv: i for i, lv in enumerate(LEVELS)}) if s.name == "level" else s))
    return out[METRIC_COLUMNS].reset_index(drop=True)


def _score(name: str, forecast: np.ndarray, actual: np.ndarray, origin: int, iv: Any) -> list[pd.DataFrame]:
    """Percentage errors of every scored cell, with interval hits when intervals exist.

    Arrays are (areas, horizon[, year groups]); cells with no pupils in the outturn are skipped.
    """
    levels = {
        "authority_total": (forecast.sum(axis=(0, 2))[None], actual.sum(axis=(0, 2))[None], None),
        "area_total": (forecast.sum(axis=2), actual.sum(axis=2), True),
        "area_ncy": (forecast, actual, False),
    }
    out = []
    for level, (f, a, totals) in levels.items():
        hits = {lv: np.full(a.shape, np.nan) for lv in (0.8, 0.95)}
        if iv is not None and totals is not None:
            for lv in hits:
                lo, hi = iv.bounds(lv, totals=totals)
                hits[lv] = ((a >= lo) & (a <= hi)).astype(float)
        step = np.broadcast_to(np.arange(1, a.shape[1] + 1).reshape((1, -1) + (1,) * (a.ndim - 2)), a.shape)
        ok, pe = percentage_errors(f, a)
        out.append(pd.DataFrame({
            "model": name, "origin": origin, "horizon": step[ok], "level": level, "pe": pe, "ape": np.abs(pe),
            "in_80": hits[0.8][ok], "in_95": hits[0.95][ok],
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
