"""Rule toggles change the plan as they should; CBC and HiGHS agree; constraints hold when recomputed."""

from __future__ import annotations

import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser import OptimiserConfig, SpecificationError, build_model, check_inputs, run_plan, solve
from optimiser.config import BanRule, MinimumSizeRule, PreferenceRule, Rules
from optimiser.testing import cohort_demand, constraint_residuals, generate_authority, school

BASE = 2024
YEARS = range(2025, 2037)
RISE = cohort_demand(lambda y: 55 if y >= 2027 else 29, "A", YEARS)  # lasting rise of 26 a year
RISE_TWO = cohort_demand(lambda y: 85 if y >= 2027 else 55, "A", YEARS)  # two 1 FE schools need a third FE


def _two_schools(**s2):
    return pd.DataFrame([school("S1", "A", first_preferences=60, ofsted="Good"),
                         school("S2", "A", **({"first_preferences": 10, "ofsted": "Requires improvement"} | s2))])


OWN_OPTIONS = pd.DataFrame([  # the council prices its own two expansions; S2's is cheaper
    {"option_id": "E1", "kind": "expand", "school_id": "S1", "forms_of_entry": 1, "capital_cost": 4_500_000},
    {"option_id": "E2", "kind": "expand", "school_id": "S2", "forms_of_entry": 1, "capital_cost": 4_300_000},
])


def _chosen(plan) -> list[str]:
    return plan.schemes["option_id"].tolist()


@pytest.mark.parametrize("enabled, expected", [(True, ["E1"]), (False, ["E2"])])
def test_prefer_popular_good_schools(enabled, expected):
    cfg = OptimiserConfig(generate_options=False, rules=Rules(prefer_popular_good=PreferenceRule(enabled=enabled)))
    plan = run_plan(RISE_TWO, _two_schools(), cfg, OWN_OPTIONS, base_year=BASE)
    assert _chosen(plan) == expected
    # The weighting steers the choice but is not money: capital is the chosen option's own cost.
    assert plan.costs["capital"] == (4_500_000 if enabled else 4_300_000)


def test_no_expansion_at_inadequate_school():
    rules = Rules(prefer_popular_good=PreferenceRule(enabled=False), no_expansion_inadequate=BanRule(enabled=False))
    schools = _two_schools(ofsted="Inadequate", first_preferences=30)
    plan = run_plan(RISE_TWO, schools, OptimiserConfig(generate_options=False, rules=rules), OWN_OPTIONS,
                    base_year=BASE)
    assert _chosen(plan) == ["E2"]
    # With the rule on, the council's own expansion at the Inadequate school could never be chosen:
    # it is refused, naming its row and the rule, rather than dropped in silence.
    rules = Rules(prefer_popular_good=PreferenceRule(enabled=False))
    with pytest.raises(SpecificationError) as refused:
        run_plan(RISE_TWO, schools, OptimiserConfig(generate_options=False, rules=rules), OWN_OPTIONS, base_year=BASE)
    assert "options row 3 (option E2), school_id" in str(refused.value)
    assert "optimiser.rules.no_expansion_inadequate" in str(refused.value)


def test_inadequate_rule_as_weight_marks_up_instead_of_banning():
    rules = Rules(prefer_popular_good=PreferenceRule(enabled=False), no_expansion_inadequate=BanRule(weight=0.01))
    schools = _two_schools(ofsted="Inadequate", first_preferences=30)
    plan = run_plan(RISE_TWO, schools, OptimiserConfig(generate_options=False, rules=rules), OWN_OPTIONS,
                    base_year=BASE)
    assert _chosen(plan) == ["E2"]  # 1% on £4.3m still under £4.5m


@pytest.mark.parametrize("enabled, fe", [(True, 2), (False, 1)])
def test_minimum_new_school_size(enabled, fe):
    full = pd.DataFrame([school("S1", "A", max_forms_of_entry=1, can_bulge=False)])
    cfg = OptimiserConfig(rules=Rules(minimum_new_school=MinimumSizeRule(enabled=enabled)))
    plan = run_plan(RISE, full, cfg, base_year=BASE)
    assert plan.schemes[["kind", "forms_of_entry"]].values.tolist() == [["new_school", fe]]


def test_pupils_walk_to_a_neighbouring_area_with_room():
    # Area B has an empty form of entry 1 mile away; A's one-year peak is met there, not by a bulge.
    demand = pd.concat([cohort_demand(lambda y: 40 if y == 2027 else 29, "A", YEARS),
                        cohort_demand(lambda y: 20, "B", YEARS)])
    schools = pd.DataFrame([school("S1", "A", can_bulge=True), school("S2", "B", pan=60, max_forms_of_entry=2)])
    distances = pd.DataFrame([[0, 1609], [1609, 0]], index=["A", "B"], columns=["A", "B"])
    cfg = OptimiserConfig(max_reduction_fe=0)
    moved = run_plan(demand, schools, cfg, distances=distances, base_year=BASE)
    assert moved.schemes.empty and len(moved.transfers) > 0 and moved.total_shortfall == 0
    # Year 3 and above may walk 3 miles, Reception to Year 2 only 2: at 2.5 miles only the older move.
    far = distances * 2.5
    plan = run_plan(demand, schools, cfg, distances=far, base_year=BASE)
    assert plan.transfers.empty or plan.transfers["ncy"].min() >= 3
    nomove = run_plan(demand, schools, OptimiserConfig(max_reduction_fe=0, allow_travel=False), distances=distances,
                      base_year=BASE)
    assert nomove.transfers.empty and nomove.schemes["kind"].tolist() == ["bulge"]


@pytest.mark.skipif(not {"HiGHS", "PULP_CBC_CMD"} <= set(pulp.listSolvers(onlyAvailable=True)),
                    reason="needs both HiGHS and CBC")
def test_cbc_and_highs_agree_on_the_optimum():
    g = generate_authority(n_schools=16, n_areas=4, n_years=6, seed=3)
    cfg = OptimiserConfig(gap=0.0)
    objectives = {}
    for name in ("highs", "cbc"):
        inputs = check_inputs(g["demand"], g["schools"], cfg, None, g["distances"], g["planning_areas"], BASE)
        model = build_model(inputs)
        result = solve(model, solver=name)
        assert result.solver == name and result.status == "optimal"
        objectives[name] = result.objective
    assert objectives["highs"] == pytest.approx(objectives["cbc"], rel=1e-6)


def test_every_constraint_holds_when_recomputed_on_a_generated_authority():
    g = generate_authority(n_schools=40, n_areas=6, n_years=8, seed=1)
    inputs = check_inputs(g["demand"], g["schools"], OptimiserConfig(), None, g["distances"], g["planning_areas"], BASE)
    model = build_model(inputs)
    assert solve(model).status == "optimal"
    residuals = constraint_residuals(model)
    assert all(v <= 1e-6 for v in residuals.values()), residuals


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes=st.lists(st.integers(0, 120), min_size=8, max_size=8),
       pan=st.sampled_from([30, 45, 60]), budget=st.sampled_from([None, 0.0, 3e6]),
       bulge=st.booleans())
def test_plan_meets_demand_plus_margin_or_reports_shortfall(intakes, pan, budget, bulge):
    demand = cohort_demand(lambda y: intakes[(y - 2018) % 8], "A", range(2025, 2033))
    schools = pd.DataFrame([school("S1", "A", pan=pan, can_bulge=bulge, max_forms_of_entry=pan / 30 + 1)])
    cfg = OptimiserConfig(capital_budget=budget)
    plan = run_plan(demand, schools, cfg, base_year=BASE)
    after = plan.sufficiency_after
    assert (after["capacity"] + after["shortfall"] >= after["demand"] * (1 + cfg.margin) - 1e-6).all()
    assert (after["shortfall"] >= 0).all()
    if budget is not None:
        assert plan.costs["capital"] <= budget + 1e-6
    assert plan.solve.objective <= plan.baseline.solve.objective + 1e-6 * abs(plan.baseline.solve.objective)


def test_a_thread_count_keeps_highs_after_other_solves():
    # HiGHS sizes a scheduler per thread at its first solve and refused a later solve asking for
    # another number of threads, so optimiser.threads used to fall back to CBC unasked.
    run_plan(RISE_TWO, _two_schools(), OptimiserConfig(generate_options=False), OWN_OPTIONS, base_year=BASE)
    for threads in (1, 2, 1):
        plan = run_plan(RISE_TWO, _two_schools(), OptimiserConfig(generate_options=False, threads=threads),
                        OWN_OPTIONS, base_year=BASE)
        assert (plan.solve.solver, plan.solve.message) == ("highs", "Optimal"), threads


def test_a_time_limit_spent_before_the_solve_leaves_the_solvers_start():
    # The limit covers the whole plan. The greedy baseline always finishes; when it has used the
    # time, the solver stops at once with the plan it was started from, never dearer than greedy.
    cfg = OptimiserConfig(generate_options=False)
    full = run_plan(RISE_TWO, _two_schools(), cfg, OWN_OPTIONS, base_year=BASE)
    tight = run_plan(RISE_TWO, _two_schools(), cfg.model_copy(update={"time_limit": 1e-9}), OWN_OPTIONS,
                     base_year=BASE)
    assert full.status == "optimal" and tight.status == "feasible"
    assert tight.solve.objective <= tight.baseline.solve.objective + 1e-6
    cold = cfg.model_copy(update={"time_limit": 1e-9, "warm_start": False})
    with pytest.raises(ValueError, match="optimiser.time_limit"):
        run_plan(RISE_TWO, _two_schools(), cold, OWN_OPTIONS, base_year=BASE)
