"""One authority's task graph: load → forecast → paths → plan → write, each step a function of its own.

Each step is a Dask task in a national run (:mod:`national.job`), and the same functions run one authority
alone (:func:`run_authority`), so a national table is the gathering of what each authority gives alone.
A step that fails gives an :class:`AuthorityFailed` naming the step and the reason, which the later steps
pass on and the write step records in the failures table; the authority's results are
written atomically (a folder renamed into place), so a job stopped half way leaves whole results or none.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from national.folder import Authority, load_authority
from sufficiency.core.phases import PHASE_NCY

#: Where each authority's results go under a national run's output folder.
AUTHORITIES_DIR = "authorities"
FAILURES_DIR = "failures"
SUMMARY = "summary.json"

PLACES_COLUMNS = ["la_code", "la_name", "phase", "year", "pupils", "places", "places_needed"]


class AuthorityFailed(Exception):
    """An authority whose step could not be done: ``step`` and ``reason`` say which and why."""

    def __init__(self, la_code: str, step: str, reason: str) -> None:
        super().__init__(la_code, step, reason)
        self.la_code, self.step, self.reason = la_code, step, reason

    def __str__(self) -> str:
        return f"{self.la_code}: {self.step}: {self.reason}"


@dataclass(frozen=True)
class Settings:
    """What a national run asks of every authority; its ``key`` tells a resumed run whether results can be
    kept."""

    n_paths: int = 1000
    plan: bool = False
    #: Score the forecast on each authority's own past years (the accuracy stage) beside its own forecasts.
    accuracy: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)
    chunk: int = 250
    #: What the data folder held (its files' names, sizes and times; set by the job), so that results of
    #: changed data are not kept by a resumed run.
    source: str = ""

    @property
    def key(self) -> str:
        return json.dumps({"n_paths": self.n_paths, "plan": self.plan, "accuracy": self.accuracy,
                           "overrides": self.overrides,
                           "chunk": self.chunk, "source": self.source}, sort_keys=True, default=str)


def _step(authority: Authority, step: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)``, or the :class:`AuthorityFailed` saying why not. A failure is returned, not raised, so
    that the later steps pass it on (a failed authority is an outcome of the job, not an error of Dask's)."""
    earlier = next((a for a in args if isinstance(a, AuthorityFailed)), None)
    if earlier is not None:
        return earlier
    try:
        return fn(*args)
    except Exception as exc:  # bad data, an infeasible plan: the authority fails, the job goes on
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if hasattr(exc, "problems"):  # the core's InputError: every problem of the folder
            reason = "; ".join(f"{p.file}" + (f" row {p.row}" if p.row else "") + f": {p.message}"
                               for p in exc.problems[:5]) + (" ..." if len(exc.problems) > 5 else "")
        return AuthorityFailed(authority.la_code, step, reason)


def load(data: Path, authority: Authority, work: Path, settings: Settings) -> Any:
    """The authority's inputs, loaded and checked as any data folder is."""
    return _step(authority, "load", load_authority, data, authority, work, settings.overrides)


def _stage(name: str, inputs: Any, results: dict[str, Any]) -> Any:
    """One stage's result, as the pipeline runs it (``run_scenario`` less the current position, which a
    national run does not use)."""
    from sufficiency.core.stages import REGISTRY, StageContext

    stage = REGISTRY.get(name)
    return stage.function()(StageContext(inputs=inputs, scenario=inputs.scenario, results=results, stage=stage))


def forecast(authority: Authority, inputs: Any) -> Any:
    """The forecast stage's result (pupils and today's places by year group and year)."""

    def run(inputs: Any) -> Any:
        missing = [] if "pan" not in inputs.schools else inputs.schools.loc[inputs.schools["pan"].isna(), "school_id"]
        if "pan" not in inputs.schools or len(missing):
            raise ValueError("no places (pan) for school(s) " + ", ".join(map(str, missing)) + ": places needed "
                             "cannot be counted")
        return _stage("forecast", inputs, {})

    return _step(authority, "forecast", run, inputs)


def paths(authority: Authority, result: Any, settings: Settings) -> pd.DataFrame:
    """Places needed by phase and year over the sampled futures, with the chance of being short."""
    from national.montecarlo import places_needed_paths

    def run(found: Any) -> pd.DataFrame:
        return places_needed_paths(found, found.sufficiency_before, settings.n_paths, authority.la_code,
                                   settings.chunk)

    return _step(authority, "paths", run, result)


def plan(authority: Authority, inputs: Any, result: Any) -> dict[str, Any]:
    """The least-cost capital programme's cost, places and solver status."""

    def run(inputs: Any, result: Any) -> dict[str, Any]:
        found = _stage("plan", inputs, {"forecast": result})
        schemes = found.schemes
        growth = schemes[schemes["places"] > 0] if len(schemes) else schemes
        return {"capital": float(found.costs.get("capital", 0.0)), "schemes": len(schemes),
                "places_added": float(growth["places"].sum()) if len(growth) else 0.0,
                "shortfall_place_years": float(found.costs.get("shortfall", 0.0)),
                "solver_status": found.solve.status, "gap": float(found.solve.gap)}

    return _step(authority, "plan", run, inputs, result)


def accuracy(authority: Authority, inputs: Any) -> pd.DataFrame | None | AuthorityFailed:
    """The forecast scored on the authority's own past years (the accuracy stage's headline, with its la_code:
    this forecast, the 3-year mean and the authority's own forecasts from the DfE scorecards), or None when its
    rolls are too short to score."""

    def run(inputs: Any) -> pd.DataFrame | None:
        from sufficiency.core.stages import StageSkipped

        try:
            headline = _stage("accuracy", inputs, {}).headline()
        except StageSkipped:
            return None
        headline.insert(0, "la_name", authority.la_name)
        headline.insert(0, "la_code", authority.la_code)
        return headline

    return _step(authority, "accuracy", run, inputs)


def places_table(authority: Authority, result: Any) -> pd.DataFrame:
    """Pupils, places and places needed by phase and year: the forecast's own table, summed per phase (places
    needed counted per year group, as DfE counts)."""
    before = result.sufficiency_before
    phase = pd.Series({n: p for p, group in PHASE_NCY.items() for n in group})
    table = (before.assign(phase=before["ncy"].map(phase))
             .groupby(["phase", "year"], as_index=False)[["pupils", "places", "places_needed"]].sum())
    table.insert(0, "la_name", authority.la_name)
    table.insert(0, "la_code", authority.la_code)
    return table[PLACES_COLUMNS]


def write(out: Path, authority: Authority, settings: Settings, result: Any, mc: pd.DataFrame,
          costs: dict[str, Any] | None, started: float | None = None,
          scored: pd.DataFrame | AuthorityFailed | None = None) -> dict[str, Any]:
    """Write the authority's results atomically under ``out/authorities/<la_code>`` and return its summary (or,
    for a failed authority, record the failure and return it). The accuracy scores (``scored``) are written as
    ``accuracy.csv`` when made; an authority whose scoring failed keeps its other results, and its summary
    says why."""
    failed = next((a for a in (result, mc, costs) if isinstance(a, AuthorityFailed)), None)
    if failed is not None:
        return write_failure(out, failed)

    def run() -> dict[str, Any]:
        target = Path(out) / AUTHORITIES_DIR / authority.la_code
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        tmp.mkdir(parents=True)
        places_table(authority, result).to_csv(tmp / "places_needed.csv", index=False)
        mc.assign(la_code=authority.la_code).to_csv(tmp / "paths.csv", index=False)
        if isinstance(scored, pd.DataFrame):
            scored.to_csv(tmp / "accuracy.csv", index=False)
        summary = {"la_code": authority.la_code, "la_name": authority.la_name, "settings": settings.key,
                   "base_year": result.base_year, "horizon": result.horizon, "plan": costs,
                   "accuracy": ("scored" if isinstance(scored, pd.DataFrame) else
                                f"not scored: {scored.reason}" if isinstance(scored, AuthorityFailed) else
                                "not scored: rolls too short" if settings.accuracy else "not asked for"),
                   "worker_pid": os.getpid(), "finished": time.time(),
                   "seconds": None if started is None else round(time.time() - started, 3)}
        (tmp / SUMMARY).write_text(json.dumps(summary, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        failed = Path(out) / FAILURES_DIR / f"{authority.la_code}.json"
        failed.unlink(missing_ok=True)
        return summary

    return _step(authority, "write", run)


def write_failure(out: Path, failure: AuthorityFailed) -> dict[str, Any]:
    """Record a failed authority (atomically) under ``out/failures``; a resumed run tries it again."""
    folder = Path(out) / FAILURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    record = {"la_code": failure.la_code, "step": failure.step, "reason": failure.reason, "failed": True}
    tmp = folder / f".{failure.la_code}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, folder / f"{failure.la_code}.json")
    return record


def finished(out: Path, authority: Authority, settings: Settings) -> bool:
    """Whether a run with the same settings has already written this authority's results."""
    path = Path(out) / AUTHORITIES_DIR / authority.la_code / SUMMARY
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("settings") == settings.key
    except (OSError, ValueError):
        return False


def run_authority(data: Path, authority: Authority, out: Path, settings: Settings) -> dict[str, Any]:
    """One authority alone, step by step in this process (what each national task graph does); its summary,
    or its failure (``"failed": True``)."""
    started = time.time()
    inputs = load(data, authority, Path(out) / "work", settings)
    result = forecast(authority, inputs)
    mc = paths(authority, result, settings)
    costs = plan(authority, inputs, result) if settings.plan else None
    scored = accuracy(authority, inputs) if settings.accuracy else None
    return write(out, authority, settings, result, mc, costs, started, scored)
