"""Real results of the sample borough, run once per test session, and the reports written from them.

Under pytest-xdist the workers share one run and one set of files (built by whichever worker
comes first, under a file lock), so the slow pipeline and render happen once, not per worker.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports import build_report_data, write_reports
from sufficiency.core.result import run_scenario


def _once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per session, shared by every xdist worker through a pickle."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build()
    root = tmp_path_factory.getbasetemp().parent  # this session's folder, shared by its workers
    path = root / f"reports-{name}.pickle"
    with open(root / f"reports-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = build()
        path.write_bytes(pickle.dumps(value))
        return value


def _run(inputs, stages=("forecast", "accuracy", "plan", "standards", "post16")):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_scenario(inputs, stages)


@pytest.fixture(scope="session")
def principal(sample_inputs, tmp_path_factory):
    """The sample borough's principal scenario with every stage (forecast, accuracy, plan, standards, post-16)."""
    return _once(tmp_path_factory, "principal", lambda: _run(sample_inputs))


@pytest.fixture(scope="session")
def low(sample_inputs):
    """The low variant, forecast only (no plan): a real second scenario for the comparison."""
    scenario = sample_inputs.scenario.model_copy(update={"name": "low"})
    scenario.forecast = scenario.forecast.model_copy(update={"variant": "low"})
    return _run(sample_inputs.replace(scenario=scenario), stages=("forecast",))


@pytest.fixture(scope="session")
def data(principal, low):
    return build_report_data([principal, low])


@pytest.fixture(scope="session")
def written(principal, low, tmp_path_factory) -> dict[str, Path]:
    """Every format written once for the principal scenario compared with the low one."""

    def render() -> dict[str, Path]:
        out = tmp_path_factory.mktemp("report")
        return {p.name: p for p in write_reports([principal, low], out)}

    return _once(tmp_path_factory, "written", render)
