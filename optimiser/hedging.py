r"""Progressive hedging across scenarios (Rockafellar and Wets 1991; for integer first stages, Watson and
Woodruff 2011), warm-started from the deterministic plan, with a Lagrangian lower bound.

Each scenario's model is solved alone with its own copy :math:`x_s` of the permanent schemes' units and
two terms that pull the copies together: a price :math:`w_s` on each unit and a proximal penalty
:math:`\rho\,|x_s - \bar x|` (the absolute value, so HiGHS solves a MILP, not a quadratic one). After each
round :math:`\bar x = \sum_s \pi_s x_s` and :math:`w_s \mathrel{+}= \rho (x_s - \bar x)`, so
:math:`\sum_s \pi_s w_s = 0`. Every scenario's :math:`x_s` is a first stage every scenario admits (the
first-stage rows are the same in each), so each round's candidate (the copy nearest :math:`\bar x`) is
costed with every scenario's best recourse: the best so far is the upper bound, starting from the
deterministic plan's. The lower bound is the Lagrangian dual: :math:`\sum_s \pi_s \min_x f_s(x) + w_s x`
with the final prices (each subproblem's own proved bound, so it holds with a gap), and at least the
wait-and-see bound.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pulp

from optimiser.config import RobustConfig
from optimiser.model import PlanModel, capital_weights
from optimiser.solve import SolveResult, solve
from optimiser.twostage import DemandScenario, expected, first_stage_keys, recourse, scenario_models

#: The proximal weight on a unit, as a share of what one unit opened in its first year costs in the objective.
RHO_SHARE = 0.5


def _rho(model: PlanModel, keys: list[tuple[str, int]]) -> dict[tuple[str, int], float]:
    """Cost-proportional proximal weights (Watson and Woodruff): a share of each scheme's own unit cost."""
    opts = model.inputs.options.set_index("option_id")
    out = {}
    for oid, group in pd.Series(keys).groupby(pd.Series([k[0] for k in keys])):
        weights = capital_weights(model, next(opts.loc[[oid]].reset_index().itertuples(index=False)))
        first = max(weights.values()) if weights else 0.0
        for key in group:
            out[key] = RHO_SHARE * max(first, 1_000.0)
    return out


def progressive_hedging(
    scenarios: Sequence[DemandScenario],
    prepare,
    probabilities: np.ndarray,
    shared: list[PlanModel],
    start_values: dict[tuple[str, int], int],
    start_objective: float,
    robust: RobustConfig,
    solver: str | None = None,
    reference: float = 1.0,
) -> tuple[dict[tuple[str, int], int], SolveResult, pd.DataFrame]:
    """Progressive hedging over ``scenarios``; ``shared`` are the scenarios' models with one set of first-stage
    variables (for costing candidates), ``start_values`` the deterministic plan's first stage and
    ``start_objective`` its expected objective; the rounds stop when the best plan is within ``robust.gap`` of
    ``reference`` (the start's expected controllable cost) of the bound. Returns the best first stage, the
    solve's summary (bounds on the expected objective) and one row per round (upper bound, spread of the
    copies; the lower bound on the last)."""
    if robust.cvar_weight > 0 or robust.max_shortfall_probability is not None or robust.must_hold:
        raise ValueError("robust: progressive hedging takes expected cost only; use method 'extensive' for "
                         "cvar_weight, max_shortfall_probability or must_hold")
    start = time.perf_counter()
    deadline = start + robust.time_limit
    models = scenario_models(scenarios, prepare, shared=False)
    keys = first_stage_keys(models[0])
    rho = _rho(models[0], keys)
    p = np.asarray(probabilities, dtype=float)
    xbar = {k: float(start_values.get(k, 0)) for k in keys}
    w = [dict.fromkeys(keys, 0.0) for _ in models]
    originals = [m.problem.objective for m in models]
    prox_rows = []
    for i, m in enumerate(models):
        rows = {}
        for j, k in enumerate(keys):
            up = pulp.LpVariable(f"s{i}_ph_up_{j}", 0)
            down = pulp.LpVariable(f"s{i}_ph_down_{j}", 0)
            name = f"s{i}_ph_{j}"
            m.problem += m.units[k] - up + down == xbar[k], name
            rows[k] = (name, up, down)
        prox_rows.append(rows)
    best_values, best = dict(start_values), float(start_objective)
    lower = -np.inf
    first_bounds: list[float] = []
    history = []
    seen: set[tuple] = {tuple(start_values.get(k, 0) for k in keys)}
    for round_ in range(robust.hedging_iterations):
        left = deadline - time.perf_counter()
        if left <= 1.0:
            break
        copies = []
        for i, m in enumerate(models):
            for k, (name, _, _) in prox_rows[i].items():
                m.problem.constraints[name].constant = -xbar[k]
            weight = 0.0 if round_ == 0 else 1.0
            m.problem.setObjective(originals[i]
                                   + pulp.LpAffineExpression([(m.units[k], w[i][k]) for k in keys])
                                   + weight * pulp.LpAffineExpression(
                                       [(v, rho[k]) for k, (_, up, down) in prox_rows[i].items() for v in (up, down)]))
            result = solve(m, solver=solver, warm=round_ > 0,
                           time_limit=max(1.0, (deadline - time.perf_counter()) / (len(models) - i + len(models))))
            if result.status not in ("optimal", "feasible"):
                raise ValueError(f"progressive hedging: scenario {scenarios[i].name} found no plan ({result.message})")
            if round_ == 0:  # no prices and no proximal term yet: each scenario's own optimum, a bound (WS)
                first_bounds.append(result.bound if np.isfinite(result.bound) else -np.inf)
            copies.append({k: int(round(m.units[k].varValue or 0.0)) for k in keys})
        matrix = np.array([[c[k] for k in keys] for c in copies], dtype=float)
        mean = p @ matrix
        xbar = dict(zip(keys, mean.tolist(), strict=True))
        for i in range(len(models)):
            for j, k in enumerate(keys):
                w[i][k] += rho[k] * (matrix[i, j] - mean[j])
        spread = float(np.abs(matrix - mean).max()) if len(keys) else 0.0
        # The copy nearest the mean, costed with every scenario's best recourse.
        nearest = int(np.argmin(np.abs(matrix - mean).sum(axis=1)))
        candidate = copies[nearest]
        tag = tuple(candidate[k] for k in keys)
        if tag not in seen and time.perf_counter() < deadline:
            seen.add(tag)
            table, _ = recourse(shared, candidate, solver, max(5.0, robust.time_limit / 10))
            value = float(expected(table, p)["objective"])
            if value < best:
                best, best_values = value, dict(candidate)
        history.append({"round": round_ + 1, "upper": best, "spread": spread})
        if spread < 1e-9:
            break
        # Stop once the best plan is within the gap of the wait-and-see bound (round one's bounds).
        if len(first_bounds) == len(models) and best - float(p @ np.array(first_bounds)) <= robust.gap * reference:
            break
    # Lagrangian bound with the final prices: no proximal term, each subproblem's proved bound.
    bounds = []
    for i, m in enumerate(models):
        for name, _, _ in prox_rows[i].values():
            m.problem.constraints[name].constant = 0.0
        saved = {name: m.problem.constraints.pop(name) for name, _, _ in prox_rows[i].values()}
        m.problem.setObjective(originals[i] + pulp.LpAffineExpression([(m.units[k], w[i][k]) for k in keys]))
        result = solve(m, solver=solver, time_limit=max(5.0, robust.time_limit / 10))
        m.problem.constraints.update(saved)
        bounds.append(result.bound if np.isfinite(result.bound) else -np.inf)
    lower = float(p @ np.array(bounds))
    if len(first_bounds) == len(models):
        lower = max(lower, float(p @ np.array(first_bounds)))
    if history:
        history[-1]["lower"] = lower
    seconds = time.perf_counter() - start
    table, _ = recourse(shared, best_values, solver, max(5.0, robust.time_limit / 10))
    controllable = float(expected(table, p)["controllable"])
    gap = max(0.0, best - lower) / max(controllable, 1.0) if np.isfinite(lower) else float("inf")
    status = "optimal" if gap <= robust.gap + 1e-9 else "feasible"
    summary = SolveResult(solver or models[0].inputs.config.solver, status, best, lower, gap, seconds,
                          f"progressive hedging, {len(history)} rounds", controllable)
    return best_values, summary, pd.DataFrame(history)
