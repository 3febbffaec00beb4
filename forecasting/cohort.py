"""Cohort survival: the estimator at the heart of the forecast.

Each year group next year is this year's year group below times a progression ratio, per
planning area and transition (cohort survival; transfer into Year 7 from feeder areas; staying
on into Years 12 and 13). Reception comes from the entry cohort (births or population aged 4)
times an intake ratio, or, without either, from Reception's own damped trend. All ratios are
summarised and shrunk by `forecasting.ratios.fit_ratios`.

The estimator follows scikit-learn conventions: hyperparameters in ``__init__``, ``fit``
returns ``self``, learned attributes end in ``_``, ``predict`` is pure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.config import BIRTHS_SHIFT_CAP
from forecasting.feeders import feeder_matrix, previous_cohort, self_feeding
from forecasting.intake import cohort_matrix
from forecasting.panel import Panel, check_history
from forecasting.ratios import RatioFit, fit_ratios

#: Longest horizon the engine projects (the DfE asks for at most 7; long-term planning 15).
MAX_HORIZON = 15


class CohortSurvival:
    """Cohort-survival forecaster over planning areas × year groups.

    Parameters
    ----------
    ratio_method, n_years, smoothing_alpha, shrinkage, shrinkage_strength
        How ratios are summarised and shrunk; see `forecasting.config.ForecastConfig`.
        ``ratio_method='unity'`` fixes every ratio at 1 (the 100% survival baseline).
    intake_damping
        Damping per year of the intake (and entry cohort) trend; 0 holds the last value.
    transfer_self_share
        Threshold for an area feeding its own next year group (see `forecasting.feeders`).
    residual_scale_exponent
        Ratio noise scales as cohort size to the minus this power.
    min_history_years
        Fewest years of rolls accepted.
    """

    def __init__(
        self,
        ratio_method: str = "exponential",
        n_years: int = 5,
        smoothing_alpha: float = 0.5,
        shrinkage: str = "empirical_bayes",
        shrinkage_strength: float = 30.0,
        intake_damping: float = 0.9,
        transfer_self_share: float = 0.5,
        residual_scale_exponent: float = 0.5,
        min_history_years: int = 3,
    ) -> None:
        self.ratio_method = ratio_method
        self.n_years = n_years
        self.smoothing_alpha = smoothing_alpha
        self.shrinkage = shrinkage
        self.shrinkage_strength = shrinkage_strength
        self.intake_damping = intake_damping
        self.transfer_self_share = transfer_self_share
        self.residual_scale_exponent = residual_scale_exponent
        self.min_history_years = min_history_years

    def _ratios(self, nxt: np.ndarray, prev: np.ndarray, method: str | None = None) -> RatioFit:
        return fit_ratios(
            nxt, np.nan_to_num(prev), method or self.ratio_method, self.n_years, self.smoothing_alpha,
            self.shrinkage, self.shrinkage_strength, self.residual_scale_exponent,
        )

    def fit(
        self,
        rolls: pd.DataFrame | Panel,
        entry_cohort: pd.DataFrame | None = None,
        feeders: pd.DataFrame | None = None,
    ) -> CohortSurvival:
        """Learn progression, transfer, staying-on and intake ratios from the roll history.

        Parameters
        ----------
        rolls
            A `Panel`, or a long table ``planning_area_id, year, ncy, pupils``.
        entry_cohort
            Optional ``planning_area_id, year, cohort``: children of Reception age by academic
            year (from `forecasting.intake.entry_cohort`), including future years if known.
        feeders
            Optional ``from_area, to_area, weight`` mapping for transfer between areas.

        Returns
        -------
        self
        """
        panel = rolls if isinstance(rolls, Panel) else Panel.from_long(rolls)
        check_history(panel, self.min_history_years)
        h = panel.values
        self.panel_ = panel
        self.self_feed_ = self_feeding(h, self.transfer_self_share)
        self.feeders_ = feeder_matrix(panel.areas, h, self.self_feed_, feeders)
        prev = previous_cohort(np.moveaxis(h[:, :-1], 1, 0), self.self_feed_, self.feeders_)
        self.survival_ = self._ratios(h[:, 1:, 1:], np.moveaxis(prev, 0, 1))
        intake = h[:, :, :1]
        # Intake trend: last year's Reception grows by a damped, shrunk growth ratio.
        self.intake_trend_ = self._ratios(intake[:, 1:], intake[:, :-1], "mean" if self.ratio_method == "unity" else None)
        self._fit_entry(entry_cohort, intake)
        return self

    def _fit_entry(self, entry_cohort: pd.DataFrame | None, intake: np.ndarray) -> None:
        """Intake ratio from the entry cohort, where the cohort covers history and future."""
        years = self.panel_.years
        all_years = np.arange(years[0], years[-1] + MAX_HORIZON + 1)
        cohort = cohort_matrix(entry_cohort, self.panel_.areas, all_years)
        past, future = cohort[:, : len(years)], cohort[:, len(years):]
        self.use_entry_ = (np.isfinite(past).sum(axis=1) >= 2) & np.isfinite(future[:, 0]) & (intake[:, :, 0].sum(axis=1) > 0)
        self.entry_ = None
        self.entry_future_ = None
        if not self.use_entry_.any():
            return
        self.entry_ = self._ratios(intake, np.where(np.isfinite(past), past, 0.0)[:, :, None])
        # Beyond the last known cohort, the cohort follows its own damped trend.
        known = np.isfinite(cohort)
        last = np.where(known, np.arange(cohort.shape[1]), -1).max(axis=1)
        pairs = np.isfinite(cohort[:, 1:]) & np.isfinite(cohort[:, :-1])  # only year pairs both known
        growth = self._ratios(np.where(pairs, cohort[:, 1:], 0.0)[:, :, None],
                              np.where(pairs, cohort[:, :-1], 0.0)[:, :, None], "mean")
        level = np.take_along_axis(np.nan_to_num(cohort), np.maximum(last, 0)[:, None], axis=1)[:, 0]
        steps = np.arange(cohort.shape[1])[None, :] - last[:, None]
        trend = _damped_path(level, growth.ratio[:, 0], self.intake_damping, int(steps.max()) + 1)
        filled = np.where(known, cohort, np.take_along_axis(trend, np.clip(steps, 0, None), axis=1))
        self.entry_future_ = filled[:, len(years):]

    def intake(self, horizon: int, births_shift_per_year: float = 0.0,
               births_shift_cap: float = BIRTHS_SHIFT_CAP) -> np.ndarray:
        """Projected Reception by area, shape (areas, horizon)."""
        last = self.panel_.values[:, -1, 0]
        out = _damped_path(last, self.intake_trend_.ratio[:, 0], self.intake_damping, horizon + 1)[:, 1:]
        if self.entry_ is not None:
            from_entry = self.entry_.ratio[:, :1] * self.entry_future_[:, :horizon]
            out = np.where(self.use_entry_[:, None], from_entry, out)
        shift = np.clip(births_shift_per_year * np.arange(1, horizon + 1), -births_shift_cap, births_shift_cap)
        return np.maximum(out * (1.0 + shift)[None, :], 0.0)

    def ratios(self, migration_shift_sd: float = 0.0) -> np.ndarray:
        """Progression ratios (areas × transitions), shifted by a migration variant."""
        return np.maximum(self.survival_.ratio + migration_shift_sd * self.survival_.sd, 0.0)

    def shifted(self, horizon: int, variant: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Progression ratios and projected Reception under a variant's shifts (see `Variant`)."""
        variant = variant or {}
        ratios = self.ratios(variant.get("migration_shift_sd", 0.0))
        intake = self.intake(horizon, variant.get("births_shift_per_year", 0.0),
                             variant.get("births_shift_cap", BIRTHS_SHIFT_CAP))
        return ratios, intake

    def predict_array(self, horizon: int, variant: dict | None = None) -> np.ndarray:
        """Projected pupils, shape (areas, horizon, year groups). Pure: no state changes."""
        _check_horizon(horizon)
        ratios, intake = self.shifted(horizon, variant)
        state = self.panel_.values[:, -1]
        out = np.empty((state.shape[0], horizon, state.shape[1]))
        for k in range(horizon):  # years are sequential; areas and year groups are vectorised
            state = self.step(state, ratios, intake[:, k])
            out[:, k] = state
        return out

    def step(self, state: np.ndarray, ratios: np.ndarray, intake: np.ndarray) -> np.ndarray:
        """One year on: (..., areas, year groups) → the same shape a year later."""
        nxt = np.empty_like(state)
        nxt[..., 1:] = previous_cohort(state, self.self_feed_, self.feeders_) * ratios
        nxt[..., 0] = intake
        return nxt

    def predict(self, horizon: int, variant: dict | None = None) -> pd.DataFrame:
        """Projected pupils as a long table ``planning_area_id, year, ncy, pupils``."""
        years = self.panel_.years[-1] + np.arange(1, horizon + 1)
        return self.panel_.to_long(self.predict_array(horizon, variant), years)


class Persistence:
    """Baseline: every cell stays at its last observed value."""

    def __init__(self, min_history_years: int = 3) -> None:
        self.min_history_years = min_history_years

    def fit(self, rolls: pd.DataFrame | Panel, **_: object) -> Persistence:
        """Remember the last year of rolls."""
        self.panel_ = rolls if isinstance(rolls, Panel) else Panel.from_long(rolls)
        check_history(self.panel_, self.min_history_years)
        return self

    def predict_array(self, horizon: int, variant: dict | None = None) -> np.ndarray:
        """The last year repeated, shape (areas, horizon, year groups)."""
        return np.repeat(self.panel_.values[:, -1:], horizon, axis=1)


def _damped_path(level: np.ndarray, growth: np.ndarray, phi: float, n: int) -> np.ndarray:
    """Level at steps 0..n-1 under damped multiplicative growth: g-1 shrinks by phi each step."""
    k = np.arange(n)
    # Cumulative factor prod_{j=1..k} (1 + (g-1) phi^j), in logs for stability.
    excess = (growth - 1.0)[:, None] * phi ** k[None, :]
    excess[:, 0] = 0.0
    factor = np.exp(np.cumsum(np.log(np.maximum(1.0 + excess, 1e-9)), axis=1))
    return level[:, None] * factor


def _check_horizon(horizon: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon {horizon} must be between 1 and {MAX_HORIZON} years")
