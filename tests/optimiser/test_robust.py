"""The robust plan (two-stage stochastic programme): a case worked by hand on both sides of its threshold,
and properties every robust plan keeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from optimiser import OptimiserConfig
from optimiser.config import PhaseCosts, RobustConfig
from optimiser.run import preparer
from optimiser.stochastic import DemandScenario, first_stage_keys, solve_robust
from optimiser.testing import cohort_demand, constraint_residuals, school

BASE = 2024
YEARS = range(2025, 2037)
RATE = 0.035


def _d(year: int) -> float:
    return (1 + RATE) ** -(year - BASE)


def _annuity(life: int) -> float:
    return RATE / (1 - (1 + RATE) ** -life)


def _hand(expansion_per_place: float, p_rise: float) -> tuple[str, float]:
    """The case by hand: one 1 FE primary school (30 places, room for 1 FE more); Reception is 29 a year, or,
    with probability ``p_rise``, 55 a year from 2027 for good. With 55 the school needs a second class for each
    cohort from 2027: a permanent 1 FE expansion (210 places) or a bulge class (30 temporary places) a year.

    The expansion is decided before the rise is known, so it is paid in both futures, and in the flat one its
    30 places a year group stand empty (£500 a place a year); bulge classes are bought only if the rise comes.
    Committing in year t costs the expansion from t, its empty places without the rise, and bulge classes for
    the cohorts before t with it; waiting costs bulge classes for every cohort from 2027 with the rise. Capital
    is charged as annuities (3.5%, 60 years for a building, 7 for a bulge class's cohort) in use within the
    horizon, all discounted at 3.5% from 2024. Returns ("expand", year) or ("bulge", 0) and the expected cost.
    """
    years = list(YEARS)

    def expansion(t: int) -> float:
        return 210 * expansion_per_place * _annuity(60) * sum(_d(y) for y in years if y >= t)

    def empty(t: int) -> float:  # 30 more empty places in each year group the expansion has reached
        return 30 * 500 * sum(_d(y) for y in years for g in range(7) if y - g >= t)

    def bulge(t: int) -> float:
        return 30 * 9_935 * _annuity(7) * sum(_d(y) for y in years if t <= y <= t + 6)

    flat_empty = 500 * sum(_d(y) for y in years for _ in range(7))  # 1 place spare of 30 in every cell, always
    risen_empty = 500 * 5 * sum(_d(y) for y in years for g in range(7) if y - g >= 2027)  # 60 places, 55 pupils
    risen_empty += 500 * sum(_d(y) for y in years for g in range(7) if y - g < 2027)
    base = (1 - p_rise) * flat_empty + p_rise * risen_empty
    options = {("expand", t): expansion(t) + (1 - p_rise) * empty(t) + p_rise * sum(bulge(u) for u in range(2027, t))
               for t in range(2027, 2037)}
    options[("bulge", 0)] = p_rise * sum(bulge(u) for u in range(2027, 2037))
    best = min(options, key=options.get)
    return best, options[best] + base


def _robust(expansion_per_place: float, p_rise: float = 0.5, **robust):
    costs = PhaseCosts(new_school=25_089, permanent_expansion=expansion_per_place, temporary=9_935)
    config = OptimiserConfig(primary_costs=costs, gap=1e-6)
    schools = pd.DataFrame([school("S1", "A", max_forms_of_entry=2)])
    prepare = preparer(schools, config, base_year=BASE)
    rise = DemandScenario("rise", cohort_demand(lambda y: 55 if y >= 2027 else 29, "A", YEARS), p_rise)
    flat = DemandScenario("flat", cohort_demand(lambda y: 29, "A", YEARS), 1 - p_rise)
    settings = RobustConfig(gap=1e-6, time_limit=30, **robust)
    return solve_robust([flat, rise], prepare, config, settings, principal_name="flat")


@pytest.mark.parametrize("per_place", [21_014, 8_000])
def test_two_scenarios_match_the_hand_solution(per_place):
    # DfE's £21,014 a place: the expansion's expected saving over bulge classes (half the time) is less than its
    # cost, so the plan waits and bulges if the rise comes. At £8,000 a place the expansion pays: commit in 2027.
    (kind, year), cost = _hand(per_place, 0.5)
    result = _robust(per_place)
    committed = result.schemes[result.schemes["status"] == "committed"]
    contingent = result.schemes[result.schemes["status"] == "contingent"]
    if kind == "expand":
        assert per_place == 8_000 and year == 2027
        assert committed[["kind", "year", "forms_of_entry"]].values.tolist() == [["expand", 2027, 1]]
        assert contingent.empty
    else:
        assert per_place == 21_014
        assert committed.empty
        assert contingent["kind"].eq("bulge").all()
        assert sorted(contingent["year"]) == list(range(2027, 2037))
        assert contingent["probability"].eq(0.5).all() and contingent["scenarios"].eq("rise").all()
        # The trigger: 30 places hold 29 pupils with the 2% margin; a 30th needs the bulge.
        assert contingent["trigger"].iloc[0] == "if Reception in A exceeds 29 pupils in 2027/28"
    assert result.value["robust_objective"] == pytest.approx(cost, rel=1e-6)
    assert result.value["robust_shortfall"] == pytest.approx(0.0, abs=1e-6)
    assert result.solve.status == "optimal"


def test_hand_threshold_lies_between_the_two_cases():
    # The same hand calculation with the rise certain: the expansion wins (as the deterministic plan finds).
    assert _hand(21_014, 1.0)[0] == ("expand", 2027)
    assert _hand(21_014, 0.5)[0] == ("bulge", 0)
    assert _hand(8_000, 0.5)[0] == ("expand", 2027)


def test_value_of_the_stochastic_solution_against_the_flat_plan():
    # Planned on the flat forecast alone, the principal plan builds nothing and bulges when the rise comes:
    # here that is the robust plan too (VSS 0). At £8,000 a place the robust plan expands; VSS > 0 and
    # EVPI > 0 (knowing the future would save the expansion in the flat one).
    wait = _robust(21_014)
    assert wait.value["vss_objective"] == pytest.approx(0.0, abs=1.0)
    commit = _robust(8_000)
    assert commit.value["vss_objective"] > 1_000
    assert commit.value["evpi_objective"] > 1_000
    regret = commit.regret.set_index("scenario")
    assert regret.at["flat", "controllable"] > 0  # the expansion stands empty in the flat future
    assert regret.at["rise", "controllable"] == pytest.approx(0.0, abs=1.0)


def test_first_stage_is_one_decision_and_every_recourse_meets_its_forecast():
    result = _robust(8_000)
    models = result.models
    keys = first_stage_keys(models[0])
    for m in models[1:]:
        assert all(m.units[k] is models[0].units[k] for k in keys)
        assert all(m.units[k].varValue == models[0].units[k].varValue for k in keys)
    for m in models:
        assert max(constraint_residuals(m).values()) <= 1e-6
        cells = m.inputs.demand
        required = (1 + m.inputs.config.margin) * cells["pupils"].to_numpy()
        capacity = np.array([m.capacity[c].value() for c in range(len(cells))])
        short = np.array([m.shortfall[c].varValue for c in range(len(cells))]) + m.unavoidable
        assert (capacity + short >= required - 1e-6).all()


def test_must_hold_and_shortfall_cap_keep_the_rise_covered():
    # Without a bulge option the rise can be met only by expanding; at £60,000 a place expected cost alone
    # prefers to leave the rise short (the penalty is a weighting), unless the plan must hold under it.
    costs = PhaseCosts(new_school=25_089_000, permanent_expansion=60_000, temporary=9_935)
    config = OptimiserConfig(primary_costs=costs, shortfall_penalty=1_000.0)
    schools = pd.DataFrame([school("S1", "A", max_forms_of_entry=2, can_bulge=False)])
    prepare = preparer(schools, config, base_year=BASE)
    rise = DemandScenario("rise", cohort_demand(lambda y: 55 if y >= 2027 else 29, "A", YEARS), 0.1)
    flat = DemandScenario("flat", cohort_demand(lambda y: 29, "A", YEARS), 0.9)
    loose = solve_robust([flat, rise], prepare, config, RobustConfig(time_limit=30), principal_name="flat")
    assert loose.schemes.empty
    held = solve_robust([flat, rise], prepare, config, RobustConfig(time_limit=30, must_hold=["rise"]),
                        principal_name="flat")
    assert held.schemes[["status", "kind", "year"]].values.tolist() == [["committed", "expand", 2027]]
    capped = solve_robust([flat, rise], prepare, config,
                          RobustConfig(time_limit=30, max_shortfall_probability=0.05), principal_name="flat")
    assert capped.schemes[["kind", "year"]].values.tolist() == [["expand", 2027]]
    cvar = solve_robust([flat, rise], prepare, config, RobustConfig(time_limit=30, cvar_weight=1e6, cvar_level=0.8),
                        principal_name="flat")
    assert cvar.schemes[["kind", "year"]].values.tolist() == [["expand", 2027]]


def test_progressive_hedging_finds_the_hand_solution():
    # The same case solved by progressive hedging: the same plan, and bounds around its expected cost.
    (kind, year), cost = _hand(8_000, 0.5)
    result = _robust(8_000, method="hedging", hedging_iterations=6)
    committed = result.schemes[result.schemes["status"] == "committed"]
    assert committed[["kind", "year"]].values.tolist() == [[kind, year]]
    assert result.value["robust_objective"] == pytest.approx(cost, rel=1e-6)
    assert result.solve.bound <= result.value["robust_objective"] + 1e-6


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # each example solves MILPs: no shrinking
@given(seed=st.integers(0, 50), scales=st.lists(st.floats(0.8, 1.3), min_size=2, max_size=3))
def test_every_scenario_recourse_holds_and_the_first_stage_is_shared(seed, scales):
    """On a generated authority with futures scaled from one forecast: every scenario's plan, recounted school by
    school, has capacity >= pupils plus margin in each area, year group and year or reports the shortfall; every
    row of every scenario's model holds; the permanent schemes are the same in every scenario."""
    from optimiser.testing import generate_authority, recount_sufficiency

    g = generate_authority(n_schools=20, n_areas=4, n_years=6, seed=seed)
    config = OptimiserConfig(time_limit=20)
    prepare = preparer(g["schools"], config, None, g["distances"], g["planning_areas"], BASE)
    # Every future keeps the principal forecast's reduction band (as optimiser.scenarios.same_band gives it).
    demand = g["demand"].assign(upper_80=g["demand"]["pupils"])
    scenarios = [DemandScenario(f"x{i}", demand.assign(pupils=demand["pupils"] * s), 1.0)
                 for i, s in enumerate([1.0, *scales])]
    result = solve_robust(scenarios, prepare, config, RobustConfig(time_limit=20, gap=0.01, evpi=False))
    permanent = []
    for scenario, plan, model in zip(scenarios, result.scenario_plans, result.models, strict=True):
        recount = recount_sufficiency(plan, scenario.demand, g["schools"], None, BASE, config)
        after = plan.sufficiency_after
        np.testing.assert_allclose(recount["capacity"].astype(float), after["capacity"], atol=1e-6)
        np.testing.assert_allclose(recount["shortfall"].astype(float), after["shortfall"], atol=1e-6)
        required = (1 + config.margin) * after["demand"]
        assert (after["capacity"] + after["shortfall"] >= required - 1e-6).all()
        assert max(constraint_residuals(model).values()) <= 1e-6
        rows = plan.schemes[plan.schemes["kind"] != "bulge"][["option_id", "year", "forms_of_entry"]]
        permanent.append(rows.sort_values(["option_id", "year"]).values.tolist())
    assert all(p == permanent[0] for p in permanent)
    assert result.value["robust_objective"] <= result.value["principal_objective"] + 1e-6


def test_the_report_page_compares_the_plans_and_draws_the_fan():
    from types import SimpleNamespace

    from reports.robust import sections

    result = _robust(8_000)
    schools = pd.DataFrame({"school_id": ["S1"], "name": ["Hill Primary"]})
    (page,) = sections(SimpleNamespace(results={"robust": result}, inputs=SimpleNamespace(schools=schools)))
    shown = dict(page.tables)["Robust programme: committed and contingent schemes (places, £, %; triggers in pupils)"]
    # At £8,000 a place the expansion pays: a form of entry committed for 2027, by name and in words, its
    # 7 year groups of 30 places costed at 8,000 x 210 = £1,680,000
    expansion = shown[shown["kind"] == "Expansion"].iloc[0]
    assert (expansion["status"], expansion["opens"], expansion["school"]) == ("committed", "2027/28",
                                                                               "Hill Primary (S1)")
    assert (expansion["places"], expansion["capital (£)"], expansion["chance (%)"]) == (210, 1_680_000, 100)
    assert any("count pupils plus the 2% operating margin the optimiser keeps" in p for p in page.paragraphs)
    # A saved run (pickled: its plan without the solved model) says the same when its report is written again.
    import pickle

    (again,) = sections(SimpleNamespace(results={"robust": pickle.loads(pickle.dumps(result))}))
    assert again.paragraphs == page.paragraphs
    captions = [caption for caption, _ in page.tables]
    assert captions[0].startswith("The principal (deterministic) plan beside the robust plan")
    comparison = page.tables[0][1].set_index("measure")
    assert comparison.loc["shortfall, expected (place-years short of pupils plus the 2% margin)"].tolist() == [0.0, 0.0]
    assert page.figures and page.figures[0][1][:8] == b"\x89PNG\r\n\x1a\n"
    assert any("Value of the stochastic solution" in p for p in page.paragraphs)
    assert set(result.tables()) == {"schemes", "scenarios", "outcomes", "regret", "value", "fan", "solve", "warnings"}


def test_paths_reduce_to_real_paths_with_their_clusters_shares():
    from optimiser.scenarios import reduce_paths

    rng = np.random.default_rng(0)
    low, high = rng.normal(100, 1, (30, 12)), rng.normal(140, 1, (10, 12))  # two kinds of future, 3:1
    pupils = np.vstack([low, high])
    picked, weights = reduce_paths(pupils, 2, "kmeans", seed=0)
    assert sorted(weights.tolist()) == [0.25, 0.75]
    assert sorted(pupils[picked].mean(axis=1).round(-1).tolist()) == [100.0, 140.0]  # real paths, one of each
    first, equal = reduce_paths(pupils, 3, "sample")
    assert first.tolist() == [0, 1, 2] and np.allclose(equal, 1 / 3)


def test_a_bulge_every_scenario_needs_is_committed_and_says_why():
    """A one-year spike to 45 in 2030 in both futures: the bulge class is no condition still to come."""
    config = OptimiserConfig(gap=1e-6)
    prepare = preparer(pd.DataFrame([school("S1", "A", max_forms_of_entry=2)]), config, base_year=BASE)
    spike = [DemandScenario(name, cohort_demand(lambda y: 45 if y == 2030 else 29, "A", YEARS), 0.5)
             for name in ("one", "two")]
    result = solve_robust(spike, prepare, config, RobustConfig(gap=1e-6, time_limit=30), principal_name="one")
    bulges = result.schemes[result.schemes["kind"] == "bulge"]
    assert bulges[["status", "year", "probability"]].values.tolist() == [["committed", 2030, 1.0]]
    assert bulges["trigger"].iloc[0] == "needed in every scenario: Reception in A exceeds 29 pupils in 2030/31"


def test_a_futures_own_plan_is_never_worse_than_the_robust_plan_for_it():
    from optimiser.stochastic import best_known, decision_value
    from optimiser.twostage import OUTCOME_COLUMNS

    # Future "b"'s own solve stopped on a plan worse than the robust plan's for b (objective 130 against 120):
    # the robust plan is a plan for b alone, so b's best known is the robust plan's outcome.
    row = dict.fromkeys(OUTCOME_COLUMNS, 0.0)
    robust = pd.DataFrame([{**row, "objective": 100.0, "controllable": 90.0, "shortfall": 1.0},
                           {**row, "objective": 120.0, "controllable": 100.0, "shortfall": 2.0}])
    own = pd.DataFrame([{**row, "objective": 95.0, "controllable": 95.0, "shortfall": 0.0},
                        {**row, "objective": 130.0, "controllable": 80.0, "shortfall": 5.0}])
    best = best_known(own, robust)
    assert best["objective"].tolist() == [95.0, 120.0]
    assert best["controllable"].tolist() == [95.0, 100.0] and best["shortfall"].tolist() == [0.0, 2.0]
    outcomes = pd.concat([robust.assign(scenario=["a", "b"], plan="robust"),
                          best.assign(scenario=["a", "b"], plan="own")], ignore_index=True)
    value = decision_value(outcomes, np.array([0.5, 0.5]))
    assert value["evpi_objective"] == pytest.approx(0.5 * 5 + 0.5 * 0)  # never negative


def test_the_console_says_what_each_robust_figure_counts():
    """Capital as spent (page one's figure), controllable cost discounted, shortfall with the margin named."""
    from optimiser.cli import print_robust
    from sufficiency.core.display import console

    result = _robust(8_000)
    with console.capture() as captured:
        print_robust(result, pd.DataFrame({"school_id": ["S1"], "name": ["Hill Primary"]}))
    out = " ".join(captured.get().split())
    assert "capital in pounds as spent; controllable cost in discounted pounds" in out
    assert "place-years short of pupils plus the 2% operating margin" in out
    assert "Hill Primary" in out
