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
    # empty places that whole classes leave.
    assert _relaxation(with_cuts) > _relaxation(without) * 1.001
    a, b = solve(with_cuts), solve(without)
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-6)
