"""Real results of the sample borough, run once per test session, and the reports written from them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from reports import build_report_data, write_reports
from sufficiency.result import run_scenario


@pytest.fixture(scope="session")
def principal(sample_inputs):
    """The sample borough's principal scenario with every stage (forecast, plan, standards, post-16)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_scenario(sample_inputs)


@pytest.fixture(scope="session")
def low(sample_inputs):
    """The low variant, forecast only (no plan): a real second scenario for the comparison."""
    scenario = sample_inputs.scenario.model_copy(update={"name": "low"})
    scenario.forecast = scenario.forecast.model_copy(update={"variant": "low"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_scenario(sample_inputs.replace(scenario=scenario), stages=("forecast",))


@pytest.fixture(scope="session")
def data(principal, low):
    return build_report_data([principal, low])


@pytest.fixture(scope="session")
def written(principal, low, tmp_path_factory) -> dict[str, Path]:
    """Every format written once for the principal scenario compared with the low one."""
    out = tmp_path_factory.mktemp("report")
    paths = write_reports([principal, low], out)
    return {p.name: p for p in paths}
