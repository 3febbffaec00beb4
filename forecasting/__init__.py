"""Pupil forecasts by planning area, school, year group and year, with honest intervals.

Cohort survival with shrunk progression ratios, intake from births or its own damped trend,
transfer between planning areas, staying-on ratios, pupils from new housing, bootstrap
prediction intervals, school-level apportioning and a rolling-origin backtest. The models are
scikit-learn estimators, and `RollingOrigin` lets grid search choose their settings.
"""

import lazy_loader

# Loaded on first use: importing the package (for its stage declaration) costs nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "backtest": ["backtest"],
    "cohort": ["CohortSurvival", "Persistence"],
    "config": ["ForecastConfig", "Variant"],
    "forecast": ["Forecast", "run_forecast", "run_variants"],
    "housing": ["HousingYield"],
    "intake": ["IntakeModel"],
    "panel": ["ForecastInputError", "Panel"],
    "selection": ["RollingOrigin"],
    "uncertainty": ["simulate_intervals"],
})
