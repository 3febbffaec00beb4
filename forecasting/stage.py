"""The forecasting engine's stage: pupils by planning area, school, year group and year."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sufficiency.core.stages import Stage, StageContext, StageSkipped

if TYPE_CHECKING:
    import pandas as pd

    from forecasting.accuracy import Accuracy
    from forecasting.forecast import Forecast


def run(context: StageContext) -> Forecast:
    """Forecast under the scenario's base year and horizon, with its ``forecast`` settings, and the
    forecast against today's places (``Forecast.sufficiency_before``)."""
    from forecasting.forecast import run_forecast
    from sufficiency.core.capacity import places_by_year, sufficiency_table

    inputs = context.inputs
    forecast = run_forecast(inputs, context.settings, base_year=context.scenario.base_year,
                            horizon=context.scenario.horizon)
    years = sorted(int(y) for y in forecast.by_area["year"].unique())
    places = places_by_year(inputs.schools, inputs.rolls, forecast.base_year, years)
    forecast.sufficiency_before = sufficiency_table(forecast.by_area, places)
    return forecast


def tables(forecast: Forecast) -> dict[str, pd.DataFrame]:
    """What the forecast says of itself, stored with the run: its warnings (input it set aside or could not
    use) and its notes (what Reception rests on past the births or population given)."""
    import pandas as pd

    return {"warnings": pd.DataFrame({"warning": list(forecast.warnings)}, dtype=object),
            "notes": pd.DataFrame({"note": list(forecast.notes)}, dtype=object)}


def files(forecast: Forecast) -> dict[str, pd.DataFrame]:
    """What a run writes: forecast.csv, forecast_by_school.csv and sufficiency_before.csv."""
    return {"forecast": forecast.by_area, "forecast_by_school": forecast.by_school,
            "sufficiency_before": forecast.sufficiency_before}


STAGE = Stage(
    name="forecast",
    title="Forecasting pupils",
    heading="Forecast",
    description="Pupils by planning area, school, year group and year, with 80% and 95% intervals.",
    run=run,
    settings="forecasting.config:ForecastConfig",
    commands="forecasting.cli:register",
    input_checks="forecasting.inputs:check",
    printer="forecasting.cli:print_result",
    tables=tables,
    files=files,
    order=10,
)


def run_accuracy(context: StageContext) -> Accuracy:
    """The forecast (under the scenario's ``forecast`` settings) made again from the latest years of the rolls and
    scored on the years after, beside the 3-year mean and the council's own forecasts (``la_code``)."""
    from forecasting.accuracy import assess
    from forecasting.panel import ForecastInputError

    try:
        return assess(context.inputs, context.scenario.forecast, context.settings, la=context.scenario.la_code)
    except ForecastInputError as exc:
        raise StageSkipped(str(exc)) from None


def accuracy_tables(accuracy: Accuracy) -> dict[str, pd.DataFrame]:
    """headline, measures, council and notes (:meth:`forecasting.accuracy.Accuracy.tables`)."""
    return accuracy.tables()


def accuracy_files(accuracy: Accuracy) -> dict[str, pd.DataFrame]:
    """What a run writes: forecast_accuracy.csv (every measure)."""
    return {"forecast_accuracy": accuracy.measures}


ACCURACY_STAGE = Stage(
    name="accuracy",
    title="Scoring the forecast on past years",
    heading="Forecast accuracy",
    description="The forecast made again from the latest years of the rolls and scored on the years after, beside "
                "the 3-year mean and the council's own forecasts (DfE School Places Scorecards).",
    run=run_accuracy,
    settings="forecasting.config:AccuracyConfig",
    printer="forecasting.cli:print_accuracy",
    tables=accuracy_tables,
    files=accuracy_files,
    report="forecasting.report:sections",
    order=12,
)
