"""The rounding cuts tighten the relaxation without cutting off any plan."""

from __future__ import annotations

import pulp
import pytest

from optimiser import OptimiserConfig, build_model, check_inputs, solve
from optimiser.testing import generate_authority


def _model(cuts: bool):
    g = generate_authority(n_schools=24, n_areas=4, n_years=6, seed=1)
    inputs = check_inputs(g["demand"], g["schools"], OptimiserConfig(gap=0.0, time_limit=60), None,
                          g["distances"], g["planning_areas"], 2024)
    model = build_model(inputs)
    names = [n for n in model.problem.constraints if n.startswith(("round_up_", "round_down_"))]
    if not cuts:
        for n in names:
            del model.problem.constraints[n]
    return model, len(names)


def _relaxation(model) -> float:
    saved = {v.name: v.cat for v in model.problem.variables()}
    try:
        for v in model.problem.variables():
            v.cat = pulp.LpContinuous
        model.problem.solve(pulp.HiGHS(msg=False))
        return pulp.value(model.problem.objective)
    finally:
        for v in model.problem.variables():
            v.cat = saved[v.name]


def test_cuts_leave_the_optimum_unchanged_and_raise_the_relaxation():
    with_cuts, n = _model(True)
    without, _ = _model(False)
    assert n > 0
    # The relaxation of the model with cuts is strictly tighter: it pays for the shortfall or the
    # empty places that whole classes leave (here over £100k more, beside a shortfall penalty that no
    # scheme can avoid in this short horizon and that both relaxations carry alike).
    assert _relaxation(with_cuts) > _relaxation(without) + 100_000
    a, b = solve(with_cuts), solve(without)
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-6)


@pytest.mark.parametrize("budget", [None, 3_000_000.0])  # 3m binds: the relaxation spends all of it
def test_rounded_relaxation_is_a_whole_plan_that_keeps_every_scheme_row(budget):
    from optimiser.greedy import evaluate_decisions
    from optimiser.rounding import constraint_holds, relaxation_values, rounded_decisions

    g = generate_authority(n_schools=24, n_areas=4, n_years=6, seed=1)
    inputs = check_inputs(g["demand"], g["schools"], OptimiserConfig(capital_budget=budget), None,
                          g["distances"], g["planning_areas"], 2024)
    model = build_model(inputs)
    relaxed = relaxation_values(model)
    values = rounded_decisions(model)
    assert values is not None and set(values) == set(model.units)
    assert all(isinstance(v, int) for v in values.values())
    kind = inputs.options.set_index("option_id")["kind"]
    # Growth never falls below the relaxation except where a row forced it down to the floor;
    # reductions never exceed it.
    for k, v in values.items():
        if kind[k[0]] in ("reduce", "close"):
            assert v <= relaxed[k] + 1e-6
        else:
            assert v >= int(relaxed[k] + 1e-6)
    var_key = {v.name: k for k, v in model.units.items()}
    rows = [c for c in model.problem.constraints.values() if c and all(v.name in var_key for v in c)]
    assert rows and all(constraint_holds(c, values, var_key) for c in rows)
    if budget is not None:
        capital = inputs.options.set_index("option_id")["capital_cost"]
        assert any(n.startswith("budget") for n in model.problem.constraints)
        spent = sum(capital[o] * v for (o, t), v in values.items()
                    if kind[o] == "bulge" or t == max(tt for (oo, tt) in values if oo == o))
        assert spent <= budget + 1e-6
    assert evaluate_decisions(model, values).status == "greedy"
