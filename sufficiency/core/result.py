"""ScenarioResult: everything one run produced, with its provenance, and the runner that makes it.

Reports, the API and the store all read this one object. Each stage's result is kept under the
stage's name (``result.results["forecast"]``, or ``result.forecast``); a stage that did not run
reads as ``None``. :func:`run_scenario` runs the stages asked for, and the stages they require,
in order, from the registry (:mod:`sufficiency.core.stages`).
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from sufficiency import __version__
from sufficiency.core.inputs import Inputs
from sufficiency.core.scenario import Scenario
from sufficiency.core.stages import REGISTRY, StageContext, StageSkipped
from sufficiency.core.summary import CurrentSummary, current_summary

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
    #: Stages asked for that had nothing to work on, with the reason (say, no school_indicators table).
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's results, stage by stage.

    ``result.forecast``, ``result.plan`` and so on read ``results`` by stage name: ``None`` for a
    registered stage that did not run, an ``AttributeError`` for a name no stage has.
    """

    scenario: Scenario
    inputs: Inputs
    current: CurrentSummary
    provenance: Provenance
    results: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.scenario.name

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the dataclass does not have: stage results by name.
        if name.startswith("_"):
            raise AttributeError(name)
        results = self.__dict__.get("results", {})
        if name in results:
            return results[name]
        if REGISTRY.has(name):
            return None
        raise AttributeError(f"ScenarioResult has no attribute or stage '{name}'")

    def with_result(self, name: str, value: Any, seconds: float | None = None) -> ScenarioResult:
        """A copy with one stage's result replaced (and its time recorded)."""
        from dataclasses import replace

        stage_seconds = dict(self.provenance.stage_seconds)
        if seconds is not None:
            stage_seconds[name] = round(seconds, 3)
        provenance = replace(self.provenance, stage_seconds=stage_seconds)
        return replace(self, results={**self.results, name: value}, provenance=provenance)


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_scenario(inputs: Inputs, stages: Iterable[str] | None = None, progress: Callable[[str], None] | None = None,
                 options: Mapping[str, Any] | None = None, earlier: Mapping[str, Any] | None = None) -> ScenarioResult:
    """Run the chosen stages of the pipeline on loaded inputs.

    Parameters
    ----------
    inputs
        A validated bundle from :func:`sufficiency.load_inputs`; its ``scenario`` is used.
    stages
        Names of the stages to run (every stage of a full run when None). A stage's required stages
        run first even when not listed (``plan`` runs ``forecast``).
    progress
        Optional callable ``progress(stage_name)`` told as each stage starts (for progress bars, and
        to cancel: an exception it raises stops the run).
    options
        Run options passed to every stage (a command's flags, an API run's fields).
    earlier
        Results of stages already run on these inputs and this scenario, by stage name: they are not
        run again.
    """
    scenario = inputs.scenario
    plan = REGISTRY.plan(REGISTRY.full() if stages is None else stages)
    seconds: dict[str, float] = {}
    skipped: dict[str, str] = {}
    results: dict[str, Any] = dict(earlier or {})

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        value = fn()
        seconds[name] = round(time.perf_counter() - start, 3)
        return value

    current = timed("current", lambda: current_summary(inputs))
    for stage in plan:
        if stage.name in results:
            continue
        missing = [needed for needed in stage.requires if needed not in results]
        if missing:
            skipped[stage.name] = f"needs the {', '.join(missing)} stage, which did not run ({skipped[missing[0]]})"
            continue
        context = StageContext(inputs=inputs, scenario=scenario, results=dict(results), options=dict(options or {}),
                               stage=stage)
        try:
            results[stage.name] = timed(stage.name, lambda: stage.function()(context))  # noqa: B023 - called at once
        except StageSkipped as exc:
            skipped[stage.name] = str(exc)
    provenance = Provenance(
        source_hashes=dict(inputs.source_hashes), software_version=__version__, package_versions=_versions(),
        scenario=scenario.model_dump(mode="json"), created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        stage_seconds=seconds, skipped=skipped,
    )
    return ScenarioResult(scenario=scenario, inputs=inputs, current=current, provenance=provenance, results=results)
