"""Pupil forecasts by planning area, school, year group and year, with honest intervals.

Cohort survival with shrunk progression ratios, intake from births or its own damped trend,
transfer between planning areas, staying-on ratios, pupils from new housing, bootstrap
prediction intervals, school-level apportioning and a rolling-origin backtest.
"""

from __future__ import annotations

from forecasting.cohort import CohortSurvival, Persistence
from forecasting.config import ForecastConfig, Variant
from forecasting.panel import ForecastInputError, Panel

__all__ = ["CohortSurvival", "ForecastConfig", "ForecastInputError", "Panel", "Persistence", "Variant"]
