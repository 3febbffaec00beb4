"""Building blocks of the robust plan shared by its solution methods (:mod:`optimiser.stochastic`, the extensive
form, and :mod:`optimiser.hedging`): the scenarios, one deterministic model per scenario with the permanent
schemes' variables shared, each scenario's best recourse for given permanent schemes, and expected outcomes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from optimiser.model import CONTROLLABLE, PERSISTENT, WEIGHTINGS, PlanModel, build_model
from optimiser.solve import SolveResult, solve

#: Parts of each scenario's outcome, by unit: pounds, the objective (pounds plus weightings) and place-years.
OUTCOME_COLUMNS = ["capital", "controllable", "objective", "shortfall", "shortfall_avoidable"]


@dataclass(frozen=True)
class DemandScenario:
    """One future: its forecast (``planning_area_id, year, ncy, pupils`` and optionally a band column),
    its probability, and where it came from (``variant``, ``file`` or ``path``)."""

    name: str
    demand: pd.DataFrame
    probability: float
    source: str = "variant"


def first_stage_keys(model: PlanModel) -> list[tuple[str, int]]:
    """The unit variables decided once for every scenario: permanent schemes, by year."""
    kinds = model.inputs.options.set_index("option_id")["kind"]
    return [k for k in model.units if kinds[k[0]] in PERSISTENT]


def scenario_models(scenarios: Sequence[DemandScenario], prepare, shared: bool = True) -> list[PlanModel]:
    """One model per scenario from ``prepare(demand) -> PlanInputs``; with ``shared`` the permanent schemes'
    variables are one set for all. Each model's own variables are renamed ``s<i>_...`` so that one
    problem can hold them all."""
    models: list[PlanModel] = []
    for i, scenario in enumerate(scenarios):
        inputs = prepare(scenario.demand)
        if models and not inputs.options["option_id"].equals(models[0].inputs.options["option_id"]):
            raise ValueError(f"scenario {scenario.name} has other candidate schemes than {scenarios[0].name}")
        common = {k: models[0].units[k] for k in first_stage_keys(models[0])} if (models and shared) else None
        model = build_model(inputs, shared=common)
        common_ids = {id(v) for v in (common or {}).values()}
        for var in model.problem.variables():
            if id(var) not in common_ids:
                var.name = f"s{i}_{var.name}"
        models.append(model)
    return models


@contextmanager
def fixed(model: PlanModel, values: dict[tuple[str, int], int]) -> Iterator[None]:
    """Hold the unit variables named in ``values`` at those values (bounds restored afterwards)."""
    saved = {k: (model.units[k].lowBound, model.units[k].upBound) for k in values}
    try:
        for k, v in values.items():
            model.units[k].lowBound = model.units[k].upBound = v
        yield
    finally:
        for k, (lo, hi) in saved.items():
            model.units[k].lowBound, model.units[k].upBound = lo, hi


def stage_values(model: PlanModel) -> dict[tuple[str, int], int]:
    """The solved first-stage decisions, rounded to whole schemes."""
    return {k: int(round(model.units[k].varValue or 0.0)) for k in first_stage_keys(model)}


def least_shortfall(model: PlanModel, solver: str | None = None, time_limit: float = 30.0) -> float:
    """The least avoidable shortfall any plan leaves in ``model``'s scenario (place-years), whatever it costs:
    what "the plan must hold under this scenario" asks of the robust plan there."""
    objective = model.problem.objective
    model.problem.setObjective(pulp.lpSum(model.shortfall.values()))
    try:
        result = solve(model, solver=solver, time_limit=time_limit)
    finally:
        model.problem.setObjective(objective)
    return float(result.objective) if np.isfinite(result.objective) else 0.0


def outcome_of(model: PlanModel) -> dict[str, float]:
    costs = {k: float(model.costs[k].value() or 0.0) for k in ("capital", *CONTROLLABLE, *WEIGHTINGS)}
    avoidable = float(sum(v.varValue or 0.0 for v in model.shortfall.values()))
    return {"capital": costs["capital"], "controllable": sum(costs[k] for k in CONTROLLABLE),
            "objective": sum(costs[k] for k in (*CONTROLLABLE, *WEIGHTINGS)),
            "shortfall": avoidable + float(model.unavoidable.sum()), "shortfall_avoidable": avoidable}


def recourse(models: list[PlanModel], values: dict[tuple[str, int], int], solver: str | None = None,
             time_limit: float = 30.0) -> tuple[pd.DataFrame, list[SolveResult]]:
    """Each scenario's best recourse (bulge classes, moves, shortfall) with the first stage held at ``values``:
    its outcome (``OUTCOME_COLUMNS``), one row per model. The models keep the solved values."""
    rows, results = [], []
    for m in models:
        with fixed(m, values):
            result = solve(m, solver=solver, time_limit=time_limit)
        if result.status not in ("optimal", "feasible"):
            raise ValueError(f"a scenario admits no recourse for these permanent schemes ({result.status}: "
                             f"{result.message}); a cut beyond a scenario's own reduction band does this: give every "
                             "scenario the principal forecast's band (optimiser.scenarios.same_band)")
        rows.append(outcome_of(m))
        results.append(result)
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS), results


def snapshot_values(models: list[PlanModel]) -> dict[str, float]:
    return {v.name: v.varValue for m in models for v in m.problem.variables()}


def restore_values(problem: pulp.LpProblem, values: dict[str, float]) -> None:
    """Put saved values back into the variables of ``problem`` (for a warm start)."""
    for v in problem.variables():
        if values.get(v.name) is not None:
            v.varValue = values[v.name]


def expected(outcome: pd.DataFrame, probabilities: np.ndarray) -> pd.Series:
    """Probability-weighted mean of each outcome column."""
    return outcome[OUTCOME_COLUMNS].mul(probabilities, axis=0).sum()
