"""Cohort survival: the estimator at the heart of the forecast.

Each year group next year is this year's year group below times a progression ratio, per
planning area and transition (cohort survival; transfer into Year 7 from feeder areas; staying
on into Years 12 and 13). Reception comes from the intake model (`forecasting.intake.IntakeModel`):
the entry cohort (births or population aged 4) times an intake ratio, or, without either,
Reception's own damped trend. All ratios are summarised and shrunk by `forecasting.ratios.fit_ratios`.

The forecasters are scikit-learn estimators: keyword-only hyperparameters stored unchanged by
``__init__`` and validated by ``fit``, ``fit`` returns ``self``, learned attributes end in ``_``,
``predict`` is pure, and ``score`` is higher for a better forecast; so `sklearn.base.clone`,
``get_params``/``set_params`` and `sklearn.model_selection.GridSearchCV` (with
`forecasting.selection.RollingOrigin`) work on them.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context, clone  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils._param_validation import Interval, StrOptions  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils.validation import check_is_fitted

from forecasting.config import BIRTHS_SHIFT_CAP, MAX_HORIZON
from forecasting.feeders import feeder_matrix, previous_cohort, self_feeding, sources_by_errors
from forecasting.intake import IntakeModel
from forecasting.panel import Panel, as_panel, check_history
from forecasting.ratios import RatioSettings
from forecasting.selection import percentage_errors

#: Two years of rolls give one transition, the least a ratio can be estimated from.
_HISTORY_YEARS = Interval(Integral, 2, None, closed="left")


class _RollsForecaster(BaseEstimator):
    """What the roll forecasters share: a long-table prediction and a score against the outturn."""

    panel_: Panel

    def predict_array(self, horizon: int, variant: dict | None = None) -> np.ndarray:
        """Projected pupils, shape (areas, horizon, year groups)."""
        raise NotImplementedError

    def predict(self, horizon: int, variant: dict | None = None) -> pd.DataFrame:
        """Projected pupils as a long table ``planning_area_id, year, ncy, pupils``."""
        check_is_fitted(self)
        years = self.panel_.years[-1] + np.arange(1, horizon + 1)
        return self.panel_.to_long(self.predict_array(horizon, variant), years)

    def score(self, X: pd.DataFrame | Panel, y: None = None) -> float:
        """Minus the mean absolute percentage error of the forecast against the outturn in ``X``.

        The backtest's ``area_ncy`` level: every planning area × year group × year of ``X`` after
        the fit's base year with at least one pupil is scored; earlier years, and areas or year
        groups the fit never saw, are not. Higher is better, as scikit-learn expects of a score.

        Parameters
        ----------
        X : Panel or DataFrame
            Rolls as for ``fit``, holding the outturn of years after the base year.
        y : None
            Not used.

        Returns
        -------
        float
            ``-MAPE`` in percent (0 for a perfect forecast).

        Raises
        ------
        ValueError
            When ``X`` holds no outturn of at least one pupil after the base year.
        """
        _no_target(y)
        check_is_fitted(self)
        actual = self._outturn(as_panel(X))
        _, errors = percentage_errors(self.predict_array(actual.shape[1]), actual)
        if not errors.size:
            raise ValueError(f"X holds no cell of at least one pupil after the base year {self.panel_.years[-1]} "
                             "in the areas and year groups fitted: nothing to score")
        return -float(np.abs(errors).mean())

    def _outturn(self, outturn: Panel) -> np.ndarray:
        """Pupils after the base year on the fitted axes, shape (areas, years ahead, year groups)."""
        base = int(self.panel_.years[-1])
        ahead = outturn.years > base
        if not ahead.any():
            raise ValueError(f"X holds no rolls after the base year {base}: nothing to score")
        areas = pd.Index(self.panel_.areas).get_indexer(outturn.areas)
        ncys = pd.Index(self.panel_.ncys).get_indexer(outturn.ncys)
        actual = np.zeros((len(self.panel_.areas), int(outturn.years[-1]) - base, len(self.panel_.ncys)))
        actual[np.ix_(areas[areas >= 0], outturn.years[ahead] - base - 1, ncys[ncys >= 0])] = (
            outturn.values[np.ix_(areas >= 0, ahead, ncys >= 0)])
        return actual


class CohortSurvival(_RollsForecaster):
    """Cohort-survival forecaster over planning areas × year groups.

    Parameters
    ----------
    ratio_method : {'exponential', 'weighted', 'mean', 'median', 'last', 'unity', 'combination'}, \
default='exponential'
        How each area's history of ratios is summarised (see `forecasting.config.ForecastConfig`);
        'unity' fixes every ratio at 1 (the 100% survival baseline); 'combination' weighs the
        area's 3-year mean, its exponential smoothing and the authority-wide 3-year mean by their
        errors on the area's own past (`forecasting.ratios.combination_weights`). The product's
        defaults are `ForecastConfig`'s (`forecasting.forecast.make_model`), not these.
    n_years : int, default=5
        Transitions used by the summary, the most recent ones; at least 1.
    smoothing_alpha : float, default=0.5
        Weight of the latest ratio in exponential smoothing, in (0, 1].
    shrinkage : {'empirical_bayes', 'fixed', 'none'}, default='empirical_bayes'
        How small areas are pulled towards the authority-wide ratio.
    shrinkage_strength : float, default=30.0
        With ``shrinkage='fixed'``, the cohort size at which an area gets half its own ratio.
    intake : IntakeModel, default=None
        How Reception is projected; None means ``IntakeModel()`` (not a default instance, which
        every model would share). Its parameters are this model's ``intake__damping`` and
        ``intake__source``.
    transfer_self_share : float, default=0.5
        Threshold for an area feeding its own next year group (see `forecasting.feeders`).
    transfer_test_share : float or None, default=None
        At a transfer, where a self-feeding area's earlier year group is below this share of the
        later one, its later year group comes from its own cohort or from its feeders', whichever
        forecast its past years better (`forecasting.feeders.sources_by_errors`); None tests none.
    residual_scale_exponent : float, default=0.5
        Ratio noise scales as cohort size to the minus this power, in [0, 1].
    min_history_years : int, default=3
        Fewest years of rolls accepted; at least 2.
    ratio_trend_damping : float or None, default=None
        With a value phi in [0, 1], progression ratios follow the authority-wide ratio's linear
        trend over the summary's window, damped by phi a year (`forecasting.ratios.national_drift`);
        None fits no trend.

    Attributes
    ----------
    panel_ : Panel
        The rolls fitted on; its last year is the base year.
    self_feed_ : ndarray of bool, shape (n_areas, n_transitions)
        Whether each area feeds its own next year group.
    feeders_ : ndarray of shape (n_areas, n_areas)
        Share of each area's pupils that moves on to each other area at a transfer.
    survival_ : RatioFit
        Progression ratios per area and transition.
    intake_ : IntakeModel
        The fitted copy of ``intake``.
    """

    _parameter_constraints: dict = {
        "ratio_method": [StrOptions({"exponential", "weighted", "mean", "median", "last", "unity", "combination"})],
        "n_years": [Interval(Integral, 1, None, closed="left")],
        "smoothing_alpha": [Interval(Real, 0, 1, closed="right")],
        "shrinkage": [StrOptions({"empirical_bayes", "fixed", "none"})],
        "shrinkage_strength": [Interval(Real, 0, None, closed="left")],
        "intake": [IntakeModel, None],
        "transfer_self_share": [Interval(Real, 0, 1, closed="both")],
        "transfer_test_share": [Interval(Real, 0, 1, closed="both"), None],
        "residual_scale_exponent": [Interval(Real, 0, 1, closed="both")],
        "min_history_years": [_HISTORY_YEARS],
        "ratio_trend_damping": [Interval(Real, 0, 1, closed="both"), None],
    }

    def __init__(
        self,
        *,
        ratio_method: str = "exponential",
        n_years: int = 5,
        smoothing_alpha: float = 0.5,
        shrinkage: str = "empirical_bayes",
        shrinkage_strength: float = 30.0,
        intake: IntakeModel | None = None,
        transfer_self_share: float = 0.5,
        transfer_test_share: float | None = None,
        residual_scale_exponent: float = 0.5,
        min_history_years: int = 3,
        ratio_trend_damping: float | None = None,
    ) -> None:
        self.ratio_method = ratio_method
        self.n_years = n_years
        self.smoothing_alpha = smoothing_alpha
        self.shrinkage = shrinkage
        self.shrinkage_strength = shrinkage_strength
        self.intake = intake
        self.transfer_self_share = transfer_self_share
        self.transfer_test_share = transfer_test_share
        self.residual_scale_exponent = residual_scale_exponent
        self.min_history_years = min_history_years
        self.ratio_trend_damping = ratio_trend_damping

    def set_params(self, **params: object) -> CohortSurvival:
        """Set hyperparameters, including the intake model's as ``intake__damping`` and so on.

        With ``intake=None`` a nested parameter applies to a new ``IntakeModel()``, the model that
        None stands for, so a grid over ``intake__damping`` needs no explicit intake model.
        """
        if self.intake is None and "intake" not in params and any(k.startswith("intake__") for k in params):
            params = {"intake": IntakeModel(), **params}
        return super().set_params(**params)

    # Not skipped: the intake model is the user's object, and its parameters are checked too.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: pd.DataFrame | Panel,
        y: None = None,
        *,
        entry_cohort: pd.DataFrame | None = None,
        feeders: pd.DataFrame | None = None,
    ) -> CohortSurvival:
        """Learn progression, transfer, staying-on and intake ratios from the roll history.

        Parameters
        ----------
        X : Panel or DataFrame
            A `Panel`, or a long table ``planning_area_id, year, ncy, pupils`` (rows of one
            area, year and year group are summed); a table with ``school_id`` and no
            ``planning_area_id`` treats each school as an area.
        y : None
            Not used; anything else is refused, so an entry cohort passed in its place is not
            silently dropped.
        entry_cohort : DataFrame, optional
            ``planning_area_id, year, cohort``: children of Reception age by academic year
            (from `forecasting.intake.entry_cohort`), including future years if known.
        feeders : DataFrame, optional
            ``from_area, to_area, weight`` mapping for transfer between areas.

        Returns
        -------
        self

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When a hyperparameter (or the intake model's) is out of range, naming it.
        ForecastInputError
            When the rolls cannot support a forecast.
        """
        _no_target(y)
        panel = as_panel(X)
        check_history(panel, self.min_history_years)
        settings = RatioSettings(self.ratio_method, self.n_years, self.smoothing_alpha, self.shrinkage,
                                 self.shrinkage_strength, self.residual_scale_exponent)
        # The intake model first: a bad parameter of it is refused before anything is learned.
        intake = IntakeModel() if self.intake is None else clone(self.intake)
        intake.fit(panel, entry_cohort=entry_cohort, ratio_settings=settings)
        h = panel.values
        self.panel_ = panel
        # A school missing from one census is left out of both years of the ratios it touches.
        h_prev, h_next = panel.ratio_bases()
        self.self_feed_ = self_feeding(h, self.transfer_self_share)
        if self.transfer_test_share is not None:
            self.self_feed_ = sources_by_errors(h_prev, h_next, self.self_feed_, panel.areas, h, feeders,
                                                self.transfer_test_share)
        self.feeders_ = feeder_matrix(panel.areas, h, self.self_feed_, feeders)
        prev = previous_cohort(np.moveaxis(h_prev[:, :-1], 1, 0), self.self_feed_, self.feeders_)
        self.survival_ = settings.fit_ratios(h_next[:, 1:, 1:], np.moveaxis(prev, 0, 1),
                                             trend_damping=self.ratio_trend_damping)
        self.intake_ = intake
        return self

    def ratios(self, migration_shift_sd: float = 0.0, horizon: int = 1) -> np.ndarray:
        """Progression ratios (years ahead × areas × transitions), shifted by a migration variant."""
        fit = self.survival_
        base = fit.ratio + migration_shift_sd * fit.sd
        drift = np.ones((horizon, base.shape[1])) if fit.drift is None else fit.drift[:horizon]
        return np.maximum(base[None] * drift[:, None, :], 0.0)

    def shifted(self, horizon: int, variant: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Progression ratios (horizon, areas, transitions) and Reception (areas, horizon) under a
        variant's shifts (see `Variant`)."""
        variant = variant or {}
        ratios = self.ratios(variant.get("migration_shift_sd", 0.0), horizon)
        intake = self.intake_.predict_array(horizon, variant.get("births_shift_per_year", 0.0),
                                            variant.get("births_shift_cap", BIRTHS_SHIFT_CAP))
        return ratios, intake

    def predict_array(self, horizon: int, variant: dict | None = None) -> np.ndarray:
        """Projected pupils, shape (areas, horizon, year groups). Pure: no state changes."""
        check_is_fitted(self)
        _check_horizon(horizon)
        ratios, intake = self.shifted(horizon, variant)
        state = self.panel_.values[:, -1]
        out = np.empty((state.shape[0], horizon, state.shape[1]))
        for k in range(horizon):  # years are sequential; areas and year groups are vectorised
            state = self.step(state, ratios[k], intake[:, k])
            out[:, k] = state
        return out

    def step(self, state: np.ndarray, ratios: np.ndarray, intake: np.ndarray) -> np.ndarray:
        """One year on: (..., areas, year groups) → the same shape a year later."""
        nxt = np.empty_like(state)
        nxt[..., 1:] = previous_cohort(state, self.self_feed_, self.feeders_) * ratios
        nxt[..., 0] = intake
        return nxt


class Persistence(_RollsForecaster):
    """Baseline: every cell stays at its last observed value.

    Parameters
    ----------
    min_history_years : int, default=3
        Fewest years of rolls accepted (as `CohortSurvival`, so both score on the same origins).

    Attributes
    ----------
    panel_ : Panel
        The rolls fitted on; its last year is repeated.
    """

    _parameter_constraints: dict = {"min_history_years": [_HISTORY_YEARS]}

    def __init__(self, *, min_history_years: int = 3) -> None:
        self.min_history_years = min_history_years

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame | Panel, y: None = None, *, entry_cohort: pd.DataFrame | None = None,
            feeders: pd.DataFrame | None = None) -> Persistence:
        """Remember the last year of rolls; ``entry_cohort`` and ``feeders`` are accepted and not used."""
        _no_target(y)
        self.panel_ = as_panel(X)
        check_history(self.panel_, self.min_history_years)
        return self

    def predict_array(self, horizon: int, variant: dict | None = None) -> np.ndarray:
        """The last year repeated, shape (areas, horizon, year groups)."""
        check_is_fitted(self)
        return np.repeat(self.panel_.values[:, -1:], horizon, axis=1)


def _no_target(y: object) -> None:
    """Refuse a target: the rolls are X, and the second argument was once the entry cohort."""
    if y is not None:
        raise TypeError("y is not used (the rolls are X); pass entry_cohort= and feeders= by keyword")


def _check_horizon(horizon: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon {horizon} must be between 1 and {MAX_HORIZON} years")
