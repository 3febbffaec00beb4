"""Pupils from new housing: completions × pupil yield, spread over year groups, added to the trend.

A dwelling completed in year c holds, in academic year y, ``pupils_per_dwelling`` children of a
phase at ``years_since_completion = y - c`` (yields past the last tabulated year stay at that
year's value: the development has matured). Only completions after the base year count, since
earlier ones are already in the rolls; with ``above_trend`` only dwellings beyond the area's
historic build rate count, because the usual rate of building is already in the roll trend.
`HousingYield` is the estimator: ``fit`` keeps the completions that count, ``predict_array``
turns them into pupils by planning area, year and year group.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils._param_validation import Interval  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils.validation import check_is_fitted

from forecasting.panel import Panel
from sufficiency.core.phases import PHASE_NCY, PRIMARY, SECONDARY, SIXTH_FORM

#: Year groups of each yield phase under the English coding (DfE pupil yield guidance, 2023,
#: reports yields for primary 4-10, secondary 11-15 and post-16 16-18 year olds).
PHASE_NCYS: dict[str, tuple[int, ...]] = {
    PRIMARY: PHASE_NCY[PRIMARY],
    SECONDARY: PHASE_NCY[SECONDARY],
    "post16": PHASE_NCY[SIXTH_FORM],
    SIXTH_FORM: PHASE_NCY[SIXTH_FORM],
}


class HousingYield(BaseEstimator):
    """Pupils from new dwellings: completions after the base year × pupil yield by phase.

    Parameters
    ----------
    above_trend : bool, default=True
        Count only dwellings above the area's historic build rate: pupils from the usual rate
        of building are already in the roll trend.
    yields_shift : float, default=0.0
        Proportional change of every yield (0.25 = +25%), at least -1: a variant's shift.

    Attributes
    ----------
    base_year_ : int
        Last year of rolls; completions after it count.
    dwellings_ : DataFrame or None
        The completions that count, one row a site and year (``planning_area_id, year,
        dwellings`` and the yield keys), or None without housing or yields.
    pupil_yields_ : DataFrame or None
        The yields, ``phase, years_since_completion, pupils_per_dwelling`` and optional keys.
    """

    _parameter_constraints: dict = {
        "above_trend": ["boolean"],
        "yields_shift": [Interval(Real, -1, None, closed="left")],
    }

    def __init__(self, *, above_trend: bool = True, yields_shift: float = 0.0) -> None:
        self.above_trend = above_trend
        self.yields_shift = yields_shift

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame | None, y: None = None, *, pupil_yields: pd.DataFrame | None = None,
            base_year: int) -> HousingYield:
        """Keep the completions after the base year that count, less the historic build rate if asked.

        Parameters
        ----------
        X : DataFrame or None
            Canonical ``housing``, with ``planning_area_id`` resolved.
        y : None
            Ignored.
        pupil_yields : DataFrame or None
            Canonical ``pupil_yields``.
        base_year : int
            Last year of rolls.

        Returns
        -------
        self
        """
        self.base_year_ = int(base_year)
        self.dwellings_: pd.DataFrame | None = None
        self.pupil_yields_: pd.DataFrame | None = None
        if X is None or pupil_yields is None or X.empty or pupil_yields.empty:
            return self
        self.dwellings_ = _future_dwellings(X, self.base_year_, self.above_trend)
        self.pupil_yields_ = pupil_yields
        return self

    def predict_array(self, panel: Panel, horizon: int, feeders: np.ndarray | None = None) -> np.ndarray:
        """Extra pupils from new dwellings, shape (areas, horizon, year groups).

        Parameters
        ----------
        panel : Panel
            Rolls up to the base year: the forecast's axes, and the latest year's profile over
            which each phase's pupils are spread (evenly where an area has none).
        horizon : int
            Years ahead.
        feeders : ndarray, optional
            Feeder matrix; pupils of a phase an area does not teach (secondary pupils from homes
            in a primary planning area) go on to the areas it feeds.
        """
        check_is_fitted(self)
        if panel.years[-1] != self.base_year_:
            raise ValueError(f"the panel ends in {panel.years[-1]}, not the base year {self.base_year_} fitted")
        out = np.zeros((len(panel.areas), horizon, len(panel.ncys)))
        if self.dwellings_ is None:
            return out
        per_phase = _yield_by_year(self.dwellings_, self.pupil_yields_, self.base_year_, horizon)
        per_phase["pupils"] = per_phase["pupils"] * (1.0 + self.yields_shift)
        for phase, ncy_range in PHASE_NCYS.items():  # a handful of phases, each vectorised
            cols = np.isin(panel.ncys, list(ncy_range))
            rows = per_phase[per_phase["phase"] == phase]
            if cols.any() and not rows.empty:
                pupils = _by_area_and_year(rows, panel.areas, horizon, self.base_year_)
                out[:, :, cols] += _spread(pupils, panel.values[:, -1][:, cols], feeders)
        return out


def _by_area_and_year(rows: pd.DataFrame, areas: np.ndarray, horizon: int, base_year: int) -> np.ndarray:
    """One phase's pupils as (areas × years ahead); rows naming an unknown area are dropped with a warning."""
    pupils = np.zeros((len(areas), horizon))
    ai = np.searchsorted(areas, rows["planning_area_id"].to_numpy(str))
    known = (ai < len(areas)) & (areas[np.minimum(ai, len(areas) - 1)] == rows["planning_area_id"].to_numpy(str))
    if (~known).any():
        warnings.warn(f"housing: {int((~known).sum())} row(s) name planning areas with no schools; ignored",
                      stacklevel=3)
    np.add.at(pupils, (ai[known], rows["year"].to_numpy(int)[known] - base_year - 1),
              rows["pupils"].to_numpy(float)[known])
    return pupils


def _future_dwellings(housing: pd.DataFrame, base_year: int, above_trend: bool) -> pd.DataFrame:
    """Completions after the base year, less the historic build rate when asked."""
    h = housing.assign(planning_area_id=housing["planning_area_id"].astype(str))
    future = h[h["year"] > base_year].copy()
    if not above_trend or future.empty:
        return future
    past = h[h["year"] <= base_year]
    if past.empty:
        return future
    n_years = past["year"].nunique()
    rate = past.groupby("planning_area_id")["dwellings"].sum() / n_years
    total = future.groupby(["planning_area_id", "year"])["dwellings"].transform("sum")
    usual = future["planning_area_id"].map(rate).fillna(0.0)
    # Each site keeps its share of the area's building above the usual rate that year.
    future["dwellings"] = future["dwellings"] * np.clip(1.0 - usual / total.where(total > 0), 0.0, 1.0).fillna(0.0)
    return future


def _yield_by_year(sites: pd.DataFrame, yields: pd.DataFrame, base_year: int, horizon: int) -> pd.DataFrame:
    """Pupils by planning area, phase and forecast year from the completions."""
    keys = [k for k in ("dwelling_type", "tenure") if k in sites.columns and k in yields.columns]
    years = pd.DataFrame({"year": base_year + np.arange(1, horizon + 1)})
    grid = sites.rename(columns={"year": "completed"}).merge(years, how="cross")
    grid = grid[grid["year"] >= grid["completed"]]
    grid["years_since_completion"] = grid["year"] - grid["completed"]
    y = yields
    grid = grid.merge(y[["phase"]].drop_duplicates(), how="cross")
    # Past the last tabulated year a development has matured: its yield stays put.
    mature = grid["phase"].map(y.groupby("phase")["years_since_completion"].max())
    grid["years_since_completion"] = np.minimum(grid["years_since_completion"], mature)
    merged = grid.merge(y, on=["phase", "years_since_completion", *keys], how="inner")
    merged["pupils"] = merged["dwellings"] * merged["pupils_per_dwelling"]
    return merged.groupby(["planning_area_id", "phase", "year"], as_index=False)["pupils"].sum()


def _spread(pupils: np.ndarray, shape: np.ndarray, feeders: np.ndarray | None) -> np.ndarray:
    """Spread (areas × years) pupils over year groups by the areas' own profile of the phase."""
    total = shape.sum(axis=1, keepdims=True)
    profile = np.where(total > 0, shape / np.where(total > 0, total, 1.0), 1.0 / shape.shape[1])
    teaches = total[:, 0] > 0
    if feeders is not None and (~teaches).any():
        moved = feeders[~teaches][:, teaches].T @ pupils[~teaches]  # to the areas they feed
        pupils = np.where(teaches[:, None], pupils, 0.0)
        pupils[teaches] += moved
    return pupils[:, :, None] * profile[:, None, :]
