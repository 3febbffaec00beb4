"""A second starting plan for the solver: the relaxation's schemes rounded to whole classes.

The greedy baseline is what officers do by hand, and on a large authority it can be far from the
optimum (it never reduces, and it meets each deficit on its own). Starting the branch and bound
from a poor plan leaves its improvement heuristics searching among plans that accept shortfall.
Rounding the relaxation gives a plan that already builds about the right amount in about the
right places: growth (expansions, new schools, bulge classes) rounds up, so no place the
relaxation provided is lost; reductions and closures round down, so none is removed that it
kept. Rows that only schemes enter (site limits, new schools per area, closures, budgets) that
the rounding breaks are repaired by rounding their schemes down instead, which the relaxation's
own values then satisfy.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pulp

from optimiser.model import PlanModel
from optimiser.solve import UNTIL_DONE, solve

GROWTH = ("expand", "new_school", "bulge")


def relaxation_values(model: PlanModel, solver: str | None = None) -> dict[tuple[str, int], float] | None:
    """Solve the linear relaxation and return the scheme variables' values (None if it fails)."""
    saved = {v.name: v.cat for v in model.problem.variables()}
    try:
        for v in model.problem.variables():
            v.cat = pulp.LpContinuous
        result = solve(model, solver=solver, time_limit=UNTIL_DONE)
    finally:
        for v in model.problem.variables():
            v.cat = saved[v.name]
    if result.status not in ("optimal", "feasible"):
        return None
    return {k: float(v.varValue or 0.0) for k, v in model.units.items()}


def rounded_decisions(model: PlanModel, solver: str | None = None) -> dict[tuple[str, int], int] | None:
    """Whole-unit scheme decisions from the relaxation, repaired to keep every scheme-only row."""
    relaxed = relaxation_values(model, solver)
    if relaxed is None:
        return None
    kind = model.inputs.options.set_index("option_id")["kind"].to_dict()
    values = {k: (math.ceil(x - 1e-6) if kind[k[0]] in GROWTH else math.floor(x + 1e-6)) for k, x in relaxed.items()}
    floored = {k: math.floor(x + 1e-6) for k, x in relaxed.items()}
    # Where the rounding both grows and cuts one point of entry, keep the growth (no place the
    # relaxation provided is lost) and drop the cut, as the model's one-way rule asks.
    for grows, cuts in model.one_way:
        if any(v > 0 for k, v in values.items() if k[0] in grows):
            values.update({k: 0 for k in values if k[0] in cuts})
    var_key = {v.name: k for k, v in model.units.items()}
    keys_of: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for k in values:
        keys_of[k[0]].append(k)
    rows = [c for c in model.problem.constraints.values() if c and all(v.name in var_key for v in c)]
    for _ in range(len(rows) + 1):
        broken = [c for c in rows if not constraint_holds(c, values, var_key)]
        if not broken:
            return values
        for option in {var_key[v.name][0] for c in broken for v in c}:
            for k in keys_of[option]:
                values[k] = floored[k]
    return None


def constraint_holds(row: pulp.LpConstraint, values: dict, var_key: dict) -> bool:
    """Whether ``values`` (by unit key; ``var_key`` maps a variable's name to its key) meet ``row``, to 1e-6."""
    lhs = sum(coef * values[var_key[v.name]] for v, coef in row.items()) + row.constant
    if row.sense == pulp.LpConstraintLE:
        return lhs <= 1e-6
    if row.sense == pulp.LpConstraintGE:
        return lhs >= -1e-6
    return abs(lhs) <= 1e-6
