"""Pupil forecasts by planning area, school, year group and year, with honest intervals.

Cohort survival with shrunk progression ratios, intake from births or its own damped trend,
transfer between planning areas, staying-on ratios, pupils from new housing, bootstrap
prediction intervals, school-level apportioning and a rolling-origin backtest.
"""

from __future__ import annotations

from forecasting.backtest import backtest
from forecasting.cohort import CohortSurvival, Persistence
from forecasting.config import ForecastConfig, Variant
from forecasting.forecast import Forecast, run_forecast, run_variants
from forecasting.panel import ForecastInputError, Panel
from forecasting.uncertainty import simulate_intervals

__all__ = [
    "CohortSurvival", "Forecast", "ForecastConfig", "ForecastInputError", "Panel", "Persistence", "Variant",
    "backtest", "run_forecast", "run_variants", "simulate_intervals",
]
