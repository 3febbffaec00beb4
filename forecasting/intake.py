"""Where Reception comes from: births four years earlier, the population aged four, or its trend.

The intake ratio is Reception ÷ the "entry cohort" of the same academic year. This module turns
births (by calendar year) or mid-year population by single year of age into that entry cohort
by planning area and academic year, and `IntakeModel` projects Reception from it (the ratio is
fitted like any progression ratio) or, without it, from Reception's own damped trend.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import get_args

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils._param_validation import Interval, StrOptions  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils.validation import check_is_fitted

from forecasting.config import BIRTHS_SHIFT_CAP, MAX_HORIZON, RatioMethod
from forecasting.panel import Panel, as_panel
from forecasting.ratios import RatioFit, RatioSettings

#: A child starts Reception in the September after their fourth birthday (School Admissions
#: Code 2021, para 2.17). Of babies born in calendar year b, those born January-August (8/12)
#: start in academic year b+4 and those born September-December (4/12) in b+5.
SHARE_STARTING_AFTER_FOUR = 8 / 12

#: Age at mid-year (30 June) of the children who start Reception the following September.
RECEPTION_AGE = 4

#: Median absolute % error of Reception's own trend (damped by 0.9, stopped after 3 years, its gain then ebbing
#: by half a year) by years ahead, with each of 150 English LAs' live births 1992-2022 as the series (ONS;
#: origins 1998-2021): the last table of ``python -m benchmarks forecast_accuracy_england``, recomputed by a
#: test. A trend that carries births on past the last year given is the same continuation, and errs alike.
TREND_MEDIAN_ERROR = {1: 2.5, 3: 5.5, 5: 7.7, 10: 11.9}


def entry_cohort(
    births: pd.DataFrame | None,
    population: pd.DataFrame | None,
    wards: pd.DataFrame | None,
    source: str = "auto",
) -> pd.DataFrame | None:
    """Children of Reception age by planning area and academic year.

    Parameters
    ----------
    births, population
        Canonical tables; ``area_id`` may be a planning area id or a ward id (mapped through
        ``wards.primary_planning_area_id``).
    source
        'births', 'population', 'auto' (births, else population) or 'trend' (none).

    Returns
    -------
    DataFrame or None
        Columns ``planning_area_id, year, cohort``; None when there is nothing to use.
    """
    if source == "trend":
        return None
    if source in ("auto", "births") and births is not None and len(births):
        b = _to_planning_area(births.rename(columns={"births": "value"}), wards)
        early = b.assign(year=b["year"] + 4, cohort=b["value"] * SHARE_STARTING_AFTER_FOUR)
        late = b.assign(year=b["year"] + 5, cohort=b["value"] * (1 - SHARE_STARTING_AFTER_FOUR))
        out = pd.concat([early, late]).groupby(["planning_area_id", "year"], as_index=False)["cohort"].sum()
        # The first and last years would have only one of their two birth years: drop them.
        span = out.groupby("planning_area_id")["year"].transform
        return out[(out["year"] > span("min")) & (out["year"] < span("max"))].reset_index(drop=True)
    if source in ("auto", "population") and population is not None and len(population):
        p = population[population["age"].between(0, RECEPTION_AGE)]
        p = _to_planning_area(p.rename(columns={"population": "value"}), wards, keys=("year", "age"))
        p = p.assign(entry=p["year"] + RECEPTION_AGE - p["age"])
        # The latest estimate of a cohort wins: a later mid-year estimate has seen more moves.
        p = p.sort_values("year").drop_duplicates(["planning_area_id", "entry"], keep="last")
        return p.rename(columns={"value": "cohort"})[["planning_area_id", "entry", "cohort"]].rename(
            columns={"entry": "year"}).reset_index(drop=True)
    return None


def _to_planning_area(df: pd.DataFrame, wards: pd.DataFrame | None, keys: tuple[str, ...] = ("year",)) -> pd.DataFrame:
    """Sum a table keyed by ward or planning area to primary planning areas."""
    df = df.assign(area_id=df["area_id"].astype(str))
    if wards is not None and len(wards) and df["area_id"].isin(wards["ward_id"].astype(str)).any():
        lookup = wards[["ward_id", "primary_planning_area_id"]].astype(str)
        df = df.merge(lookup, left_on="area_id", right_on="ward_id", how="left")
        df["planning_area_id"] = df["primary_planning_area_id"].fillna(df["area_id"])
    else:
        df = df.assign(planning_area_id=df["area_id"])
    return df.groupby(["planning_area_id", *keys], as_index=False)["value"].sum()


def cohort_matrix(cohort: pd.DataFrame | None, areas: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Entry cohort as an (areas × years) array; NaN where unknown."""
    out = np.full((len(areas), len(years)), np.nan)
    if cohort is None or cohort.empty:
        return out
    c = cohort[cohort["planning_area_id"].astype(str).isin(set(areas)) & cohort["year"].between(years[0], years[-1])]
    ai = np.searchsorted(areas, c["planning_area_id"].astype(str).to_numpy())
    out[ai, c["year"].to_numpy(int) - years[0]] = c["cohort"].to_numpy(float)
    return out


class IntakeModel(BaseEstimator):
    """Reception by planning area: the entry cohort times an intake ratio, else Reception's own trend.

    An area's Reception comes from its entry cohort (see `entry_cohort`) when the cohort is known
    for at least two years of the history and for the first year ahead; beyond the last known
    year the cohort follows its own damped trend. Any other area's Reception grows from its base
    year value by a damped growth ratio. Either trend runs ``trend_years`` past its last known year
    and then stops, the gain it made ebbing (``trend_ebb``). Ratios are summarised and shrunk like
    progression ratios.

    Parameters
    ----------
    damping : float, default=0.9
        Damping per year of the intake (and entry cohort) trend, in [0, 1]: the growth rate
        left after k years ahead is ``damping ** k`` of the fitted one; 0 holds the last value.
    source : {'auto', 'births', 'population', 'trend'}, default='auto'
        Where Reception comes from. 'trend' ignores any entry cohort given to `fit`; the others
        use it, and name the table `entry_cohort` builds it from (births, population, or births
        else population).
    growth_method : {'exponential', 'weighted', 'mean', 'median', 'last'} or None, default=None
        How Reception's yearly growth ratios are summarised for the trend; None uses the
        model's ratio method (`CohortSurvival.ratio_method`).
    growth_shrinkage : {'empirical_bayes', 'fixed', 'none'} or None, default=None
        How small areas' Reception growth is pulled towards the authority-wide growth; None uses
        the model's shrinkage (`CohortSurvival.shrinkage`).
    entry_weight : float, default=1.0
        Where the entry cohort is used, Reception is this share of the cohort-based forecast plus
        the rest of Reception's own trend (a forecast combination); 1 uses the cohort alone. Once
        Reception's own trend stops (``trend_years``), its share fades to nothing (`own_trend_share`).
    ratio_method : {'exponential', 'weighted', 'mean', 'median', 'last', 'combination'} or None, \
default=None
        How each area's yearly intake ratios (Reception ÷ entry cohort) are summarised:
        'exponential' is simple exponential smoothing with the model's ``smoothing_alpha`` (the
        latest ratio weighs alpha, the one before alpha(1 - alpha), ..., normalised over the
        model's ``n_years``), the optimal forecast of a level that walks at random under yearly
        noise (Muth 1960, JASA 55:299-306); None uses the model's ratio method
        (`CohortSurvival.ratio_method`).
    ratio_trend_damping : float or None, default=None
        With a value phi in [0, 1], the intake ratio follows the authority-wide intake ratio's
        linear trend, damped by phi a year (`forecasting.ratios.national_drift`); None fits none.
    trend_ebb : float, default=0.5
        Share of a trend's gain (or loss) kept each year after it stops (``trend_years``): 1 holds
        the level it reached, 0.5 halves its distance from the last known level each year, 0
        returns to that level at once.
    trend_years : int or None, default=3
        Years a trend runs past its last known year before it stops (see ``trend_ebb``): Reception's own trend
        (years ahead) and the entry cohort's continuation (years past the last known births or
        population). None lets the damped trend run on for the whole horizon.

    Attributes
    ----------
    last_ : ndarray of shape (n_areas,)
        Reception in the base year.
    trend_ : RatioFit
        Year-on-year growth ratio of Reception, per area.
    use_entry_ : ndarray of bool, shape (n_areas,)
        Areas whose Reception comes from the entry cohort.
    entry_ : RatioFit or None
        Intake ratio, Reception ÷ entry cohort; None when no area uses it.
    entry_future_ : ndarray of shape (n_areas, MAX_HORIZON) or None
        Entry cohort after the base year, known or continued by its damped trend.
    entry_known_ : ndarray of int, shape (n_areas,), or None
        Years after the base year whose entry cohort is known (given); later years are continued.
    entry_growth_ : RatioFit or None
        Year-on-year growth of the entry cohort, per area: the trend that continues it, and the
        errors from which the bootstrap draws the unknown cohorts' uncertainty.
    """

    _parameter_constraints: dict = {
        "damping": [Interval(Real, 0, 1, closed="both")],
        "source": [StrOptions({"auto", "births", "population", "trend"})],
        "growth_method": [StrOptions({"exponential", "weighted", "mean", "median", "last"}), None],
        "ratio_method": [StrOptions(set(get_args(RatioMethod))), None],
        "ratio_trend_damping": [Interval(Real, 0, 1, closed="both"), None],
        "entry_weight": [Interval(Real, 0, 1, closed="both")],
        "growth_shrinkage": [StrOptions({"empirical_bayes", "fixed", "none"}), None],
        "trend_years": [Interval(Integral, 0, MAX_HORIZON, closed="both"), None],
        "trend_ebb": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, damping: float = 0.9, source: str = "auto", growth_method: str | None = None,
                 growth_shrinkage: str | None = None, ratio_method: str | None = None,
                 ratio_trend_damping: float | None = None, entry_weight: float = 1.0,
                 trend_years: int | None = 3, trend_ebb: float = 0.5) -> None:
        self.damping = damping
        self.source = source
        self.growth_method = growth_method
        self.growth_shrinkage = growth_shrinkage
        self.ratio_method = ratio_method
        self.entry_weight = entry_weight
        self.ratio_trend_damping = ratio_trend_damping
        self.trend_years = trend_years
        self.trend_ebb = trend_ebb

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame | Panel, y: None = None, *, entry_cohort: pd.DataFrame | None = None,
            ratio_settings: RatioSettings | None = None) -> IntakeModel:
        """Learn Reception's growth and the intake ratio from the rolls' lowest year group.

        Parameters
        ----------
        X : Panel or DataFrame
            Rolls, as for `CohortSurvival.fit`; only the lowest year group (Reception) is used.
        y : None
            Ignored.
        entry_cohort : DataFrame, optional
            ``planning_area_id, year, cohort`` from `entry_cohort`, including future years if known.
        ratio_settings : RatioSettings, optional
            How ratios are summarised and shrunk; `CohortSurvival` passes its own.

        Returns
        -------
        self
        """
        panel = as_panel(X)
        settings = ratio_settings or RatioSettings()
        self.last_ = panel.values[:, -1, 0]
        # The 100% survival baseline fixes progression, not intake: Reception keeps its mean growth.
        trend_method = "mean" if settings.method == "unity" else self.growth_method
        growth = settings if self.growth_shrinkage is None else replace(settings, shrinkage=self.growth_shrinkage)
        prev, nxt = panel.ratio_bases()  # a school missing from one census is left out of both years
        self.trend_ = growth.fit_ratios(nxt[:, 1:, :1], prev[:, :-1, :1], trend_method)
        self._fit_entry(None if self.source == "trend" else entry_cohort, panel, settings)
        return self

    def _fit_entry(self, entry_cohort: pd.DataFrame | None, panel: Panel, settings: RatioSettings) -> None:
        """Intake ratio from the entry cohort, where the cohort covers history and future."""
        years = panel.years
        cohort = cohort_matrix(entry_cohort, panel.areas, np.arange(years[0], years[-1] + MAX_HORIZON + 1))
        past, future = cohort[:, : len(years)], cohort[:, len(years):]
        reception = panel.values[:, :, :1]
        if panel.gap is not None:  # an area-year short of a school's Reception says nothing of the intake ratio
            past = np.where(panel.gap, np.nan, past)
        self.use_entry_ = ((np.isfinite(past).sum(axis=1) >= 2) & np.isfinite(future[:, 0])
                           & (reception[:, :, 0].sum(axis=1) > 0))
        self.entry_: RatioFit | None = None
        self.entry_future_: np.ndarray | None = None
        self.entry_known_: np.ndarray | None = None
        self.entry_growth_: RatioFit | None = None
        if not self.use_entry_.any():
            return
        self.entry_ = settings.fit_ratios(reception, np.where(np.isfinite(past), past, 0.0)[:, :, None],
                                          self.ratio_method, trend_damping=self.ratio_trend_damping)
        last = np.where(np.isfinite(cohort), np.arange(cohort.shape[1]), -1).max(axis=1)  # last known year
        self.entry_known_ = np.clip(last - (len(years) - 1), 0, None)
        continued, self.entry_growth_ = self._continued(cohort, last, settings)
        self.entry_future_ = continued[:, len(years):]

    def _continued(self, cohort: np.ndarray, last: np.ndarray, settings: RatioSettings) -> tuple[np.ndarray, RatioFit]:
        """The cohort (areas × years) with the years after its ``last`` known one on its damped trend, and
        the cohort's fitted year-on-year growth."""
        pairs = np.isfinite(cohort[:, 1:]) & np.isfinite(cohort[:, :-1])  # only year pairs both known
        growth = settings.fit_ratios(np.where(pairs, cohort[:, 1:], 0.0)[:, :, None],
                                     np.where(pairs, cohort[:, :-1], 0.0)[:, :, None], "mean")
        level = np.take_along_axis(np.nan_to_num(cohort), np.maximum(last, 0)[:, None], axis=1)[:, 0]
        steps = np.arange(cohort.shape[1])[None, :] - last[:, None]
        trend = _damped_path(level, growth.ratio[:, 0], self.damping, int(steps.max()) + 1, self.trend_years,
                             self.trend_ebb)
        return np.where(np.isfinite(cohort), cohort, np.take_along_axis(trend, np.clip(steps, 0, None), axis=1)), growth

    def predict_array(self, horizon: int, births_shift_per_year: float = 0.0,
                      births_shift_cap: float = BIRTHS_SHIFT_CAP) -> np.ndarray:
        """Projected Reception by area, shape (areas, horizon).

        Parameters
        ----------
        horizon : int
            Years ahead.
        births_shift_per_year, births_shift_cap : float
            A births variant's proportional shift, growing each year ahead up to the cap (see
            `forecasting.config.Variant`).
        """
        check_is_fitted(self)
        out = _damped_path(self.last_, self.trend_.ratio[:, 0], self.damping, horizon + 1, self.trend_years,
                           self.trend_ebb)[:, 1:]
        if self.entry_ is not None:
            ratio = np.stack([self.entry_.at(k)[:, 0] for k in range(horizon)], axis=1)
            from_entry = ratio * self.entry_future_[:, :horizon]
            share = own_trend_share(self.entry_weight, horizon, self.trend_years)
            blend = (1 - share) * from_entry + share * out
            out = np.where(self.use_entry_[:, None], blend, out)
        shift = np.clip(births_shift_per_year * np.arange(1, horizon + 1), -births_shift_cap, births_shift_cap)
        return np.maximum(out * (1.0 + shift)[None, :], 0.0)


def own_trend_share(entry_weight: float, horizon: int, trend_years: int | None) -> np.ndarray:
    """Share of Reception's own trend in the combination with the entry cohort, 1 to ``horizon`` years ahead.

    ``1 - entry_weight`` while the trend runs (``trend_years``), then falling by ``1 / (trend_years + 1)`` a year
    to nothing (a quarter a year after 3 years): a stopped trend keeps Reception near the level its past growth
    reached, which says nothing of cohorts whose births are known to be smaller or larger. Scored on the DfE
    School Places Scorecards' rolls of 2023/24-2025/26 (7-11 years after the census panel's origins, births
    known), the primary totals' median error fell from 2.70, 3.04, 3.53% to 2.27, 2.66, 2.85% and their bias
    from +3.0-4.5% to +1.4-1.7% (``python -m benchmarks forecast_accuracy_england``, "later years"); every 1-3
    year figure of the census backtest is unchanged. None (the trend runs on) keeps the share throughout.
    """
    share = np.full(horizon, 1.0 - entry_weight)
    if trend_years is not None:
        beyond = np.arange(1, horizon + 1) - trend_years
        share *= np.clip(1.0 - beyond / (trend_years + 1), 0.0, 1.0)
    return share


def _damped_path(level: np.ndarray, growth: np.ndarray, phi: float, n: int, years: int | None = None,
                 ebb: float = 1.0) -> np.ndarray:
    """Level at steps 0..n-1 under damped multiplicative growth: g-1 shrinks by phi each step; after
    ``years`` steps (None: never) the growth stops, and the gain reached ebbs: ``ebb`` of its log kept
    each step after (1 holds the level reached, 0 returns to ``level``)."""
    k = np.arange(n)
    # Cumulative factor prod_{j=1..k} (1 + (g-1) phi^j), in logs for stability.
    excess = (growth - 1.0)[:, None] * phi ** k[None, :]
    excess[:, 0] = 0.0
    log_factor = np.cumsum(np.log(np.maximum(1.0 + excess, 1e-9)), axis=1)
    if years is not None:
        log_factor[:, years + 1:] = log_factor[:, [min(years, n - 1)]] * ebb ** (k[years + 1:] - years)
    return level[:, None] * np.exp(log_factor)
