"""ScenarioResult: everything one run produced, with its provenance.

Reports, the API and the store all read this one object; no stage reaches into another's
internals. ``run_scenario`` builds it from an :class:`~sufficiency.core.inputs.Inputs` bundle.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from sufficiency import __version__
from sufficiency.core.capacity import places_by_year, sufficiency_table
from sufficiency.core.inputs import Inputs
from sufficiency.core.scenario import Scenario
from sufficiency.core.summary import CurrentSummary, current_summary

if TYPE_CHECKING:
    from forecasting import Forecast
    from optimiser import Plan
    from post16 import Post16Result
    from standards import StandardsResult

Stage = Literal["forecast", "plan", "standards", "post16"]
ALL_STAGES: tuple[Stage, ...] = ("forecast", "plan", "standards", "post16")
_PACKAGES = ("numpy", "pandas", "geopandas", "scikit-learn", "pulp", "highspy", "pydantic")


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: inputs, software, settings, timings and solver."""

    source_hashes: dict[str, str]
    software_version: str
    package_versions: dict[str, str]
    scenario: dict[str, Any]
    created_at: str
    stage_seconds: dict[str, float] = field(default_factory=dict)
    python: str = platform.python_version()


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's results, stage by stage (a stage not run is ``None``)."""

    scenario: Scenario
    inputs: Inputs
    current: CurrentSummary
    provenance: Provenance
    forecast: Forecast | None = None
    #: Forecast demand against today's places: planning_area_id, year, ncy, pupils, places,
    #: surplus, places_needed, surplus_rate (before any scheme of the plan).
    sufficiency_before: pd.DataFrame | None = None
    plan: Plan | None = None
    standards: StandardsResult | None = None
    post16: Post16Result | None = None

    @property
    def name(self) -> str:
        return self.scenario.name


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _plan(inputs: Inputs, forecast: Forecast, scenario: Scenario) -> Plan:
    """The optimiser on a forecast, with distances between planning areas from the geodata."""
    from optimiser import run_plan
    from optimiser.cli import area_distances

    demand = forecast.by_area[["planning_area_id", "year", "ncy", "pupils"]]
    return run_plan(demand, inputs.schools, config=scenario.optimiser, options=inputs.options,
                    distances=area_distances(inputs), planning_areas=inputs.planning_areas,
                    base_year=forecast.base_year, rolls=inputs.rolls)


def run_scenario(inputs: Inputs, stages: tuple[Stage, ...] = ALL_STAGES, progress: Any = None) -> ScenarioResult:
    """Run the chosen stages of the pipeline on loaded inputs.

    Parameters
    ----------
    inputs
        A validated bundle from :func:`sufficiency.load_inputs`; its ``scenario`` is used.
    stages
        Which stages to run. ``plan`` needs ``forecast`` and runs it if not listed.
    progress
        Optional callable ``progress(stage_name)`` told as each stage starts (for progress bars).
    """
    scenario = inputs.scenario
    seconds: dict[str, float] = {}
    results: dict[str, Any] = {}

    def timed(name: str, fn: Any) -> Any:
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        value = fn()
        seconds[name] = round(time.perf_counter() - start, 3)
        return value

    current = timed("current", lambda: current_summary(inputs))
    if "forecast" in stages or "plan" in stages:
        from forecasting import run_forecast

        forecast = timed("forecast", lambda: run_forecast(
            inputs, config=scenario.forecast, base_year=scenario.base_year, horizon=scenario.horizon))
        results["forecast"] = forecast
        years = sorted(forecast.by_area["year"].unique())
        places = places_by_year(inputs.schools, inputs.rolls, forecast.base_year, years)
        results["sufficiency_before"] = sufficiency_table(forecast.by_area, places)
    if "plan" in stages:
        results["plan"] = timed("plan", lambda: _plan(inputs, results["forecast"], scenario))
    if "standards" in stages and inputs.school_indicators is not None:
        from standards import run_standards

        results["standards"] = timed("standards", lambda: run_standards(
            inputs.school_indicators, inputs.schools, inputs.rolls, config=scenario.standards,
            base_dir=inputs.folder))
    if "post16" in stages:
        from post16 import run_post16

        demand = results["forecast"].by_area if "forecast" in results else None
        results["post16"] = timed("post16", lambda: run_post16(
            scenario.post16, demand=demand, schools=inputs.schools))
    provenance = Provenance(
        source_hashes=dict(inputs.source_hashes), software_version=__version__, package_versions=_versions(),
        scenario=scenario.model_dump(mode="json"), created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        stage_seconds=seconds,
    )
    return ScenarioResult(scenario=scenario, inputs=inputs, current=current, provenance=provenance, **results)
