"""Hand-solved cases a capital board would check, and the rules councils work under.

Every number asserted here is worked out by hand in the comment beside it. Base year 2024; the
decision is taken in the summer before its September (tests/optimiser/conftest.py), so a scheme
opens from 2024 plus its lead time: a bulge class from 2025, an expansion or a reduction from 2026.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from optimiser import OptimiserConfig, SpecificationError, run_plan
from optimiser.config import Rules
from optimiser.testing import cohort_demand, constraint_residuals, recount_sufficiency, school

BASE = 2024
YEARS = range(2025, 2035)


def _plan(demand, schools, config=None, **kwargs):
    return run_plan(demand, pd.DataFrame(schools), config or OptimiserConfig(), base_year=BASE, **kwargs)


def _kinds(plan) -> list[list]:
    return plan.schemes[["kind", "school_id", "year"]].values.tolist()


def _holds(plan) -> None:
    residuals = constraint_residuals(plan.model)
    assert all(v <= 1e-6 for v in residuals.values()), residuals


@pytest.mark.parametrize("spike", [2027, 2030, 2034])
def test_a_one_year_spike_gets_a_bulge_class_in_any_year_the_last_included(spike):
    # 55 children start Reception in one year only; 29 fit the 30 places with the 2% margin.
    # Capital is charged for its years in use: a 1 FE expansion (£4.41m over 60 years at 3.5%, about
    # £176k a year) costs more than a bulge class (£298k over its cohort's 7 years, about £49k a
    # year) whatever year the spike comes, so the last year no longer makes a building almost free.
    plan = _plan(cohort_demand(lambda y: 55 if y == spike else 29, "A", YEARS),
                 [school("S1", "A", max_forms_of_entry=3)])
    assert _kinds(plan) == [["bulge", "S1", spike]]
    assert plan.costs["capital"] == pytest.approx(30 * 9_935)  # DfE primary temporary cost per place
    assert plan.total_shortfall == 0
    _holds(plan)


def test_linked_infant_and_junior_schools_never_grow_and_shrink_together():
    # An infant school (Reception-Year 2) and its junior school (Year 3-6) on one site, 2 FE each.
    # Reception falls to 28 a year, so the infant school has a form of entry to spare; 75 children a
    # year arrive in Year 3, so the junior school needs a third form of entry (75 x 1.02 > 60).
    infant = school("I", "A", pan=60, ncy_high=2, max_forms_of_entry=2, can_bulge=False)
    junior = school("J", "A", pan=60, ncy_low=3, max_forms_of_entry=3, can_bulge=False)
    demand = pd.concat([cohort_demand(lambda y: 28, "A", YEARS, 0, 2), cohort_demand(lambda y: 75, "A", YEARS, 3, 6)])
    apart = _plan(demand, [infant, junior],
                  OptimiserConfig(rules=Rules(linked_schools={"enabled": False})))
    assert sorted(_kinds(apart)) == [["expand", "J", 2026], ["reduce", "I", 2026]]
    linked = _plan(demand, [infant, junior])
    # The pair moves together: the junior school grows, and the infant school keeps its places.
    assert _kinds(linked) == [["expand", "J", 2026]]
    _holds(linked)
    # A links table says the same when the schools are not on one site.
    far = [dict(infant, x=5_000.0), junior]
    assert _kinds(_plan(demand, far)) == _kinds(apart) or sorted(_kinds(_plan(demand, far))) == sorted(_kinds(apart))
    tabled = _plan(demand, far, links=pd.DataFrame({"infant_id": ["I"], "junior_id": ["J"]}))
    assert _kinds(tabled) == [["expand", "J", 2026]]


def test_an_oversubscribed_outstanding_school_is_never_cut_in_a_falling_area():
    # Two 2 FE schools, 70 children a year: one form of entry of the four can go (70 x 1.05 = 73.5
    # leaves 30 + 60 = 90 places enough). S1 is Outstanding with 90 first preferences for 60 places.
    popular = school("S1", "A", pan=60, ofsted="Outstanding", first_preferences=90, max_forms_of_entry=2)
    weaker = school("S2", "A", pan=60, ofsted="Requires improvement", first_preferences=40, max_forms_of_entry=2)
    demand = cohort_demand(lambda y: 70, "A", YEARS)
    plan = _plan(demand, [popular, weaker])
    assert _kinds(plan) == [["reduce", "S2", 2026]]
    reason = plan.schemes.at[0, "reason"]
    assert "a school rated below Good or less popular is cut before a good or popular one" in reason
    assert "School S1 is not cut: more first preferences than places" in plan.schemes.at[0, "reason"]
    # With the popular school alone, nothing is cut at all.
    alone = _plan(cohort_demand(lambda y: 25, "A", YEARS), [popular])
    assert alone.schemes.empty


def test_a_cut_at_an_academy_is_a_proposal_needing_its_agreement():
    academy = school("S2", "A", pan=60, governance="academy", first_preferences=40, max_forms_of_entry=2)
    plan = _plan(cohort_demand(lambda y: 25, "A", YEARS), [academy])
    assert _kinds(plan) == [["reduce", "S2", 2026]]
    assert bool(plan.schemes.at[0, "needs_agreement"])
    assert "a proposal needing School S2's agreement: it sets its own admission number" in plan.schemes.at[0, "reason"]
    barred = _plan(cohort_demand(lambda y: 25, "A", YEARS), [academy],
                   OptimiserConfig(rules=Rules(own_admissions={"allow_cuts": False})))
    assert barred.schemes.empty


def test_a_cut_leaves_the_forecasts_upper_band_and_the_surplus_kept_for_choice():
    # 2 FE school, central forecast 25 a year but an upper 80% band of 32: a cut to 30 places would
    # leave less than 32 x 1.05 = 33.6, so no cut; with the band at 27, 30 >= 28.35 and it goes.
    schools = [school("S1", "A", pan=60, first_preferences=30, max_forms_of_entry=2)]
    wide = cohort_demand(lambda y: 25, "A", YEARS).assign(upper_80=32.0)
    assert _plan(wide, schools).schemes.empty
    narrow = cohort_demand(lambda y: 25, "A", YEARS).assign(upper_80=27.0)
    assert _kinds(_plan(narrow, schools)) == [["reduce", "S1", 2026]]
    kept = _plan(narrow, schools, OptimiserConfig(reduction_keep_surplus=0.2))  # 27 x 1.2 = 32.4 > 30
    assert kept.schemes.empty


def test_an_11_to_18_school_is_charged_and_credited_for_years_7_to_11_only():
    # A 5 FE school with a sixth form; 175 a year from 2026 need a sixth form of entry
    # (175 x 1.02 = 178.5: above 150 places, within 180).
    s = school("S1", "S", pan=150, ncy_low=7, ncy_high=13, max_forms_of_entry=6, can_bulge=False)
    demand = cohort_demand(lambda y: 175 if y >= 2026 else 140, "S", YEARS, 7, 11)
    plan = _plan(demand, [s])
    assert _kinds(plan) == [["expand", "S1", 2026]]
    # 30 places in each of Years 7-11 at the DfE secondary expansion cost per place: 150 places, £4.34m.
    assert plan.schemes.at[0, "places"] == 150
    assert plan.costs["capital"] == pytest.approx(150 * 28_902)
    assert set(plan.sufficiency_after["ncy"]) == set(range(7, 12))
    # A one-year spike gets a bulge class that moves up to Year 11 and creates no sixth-form places.
    spike = _plan(cohort_demand(lambda y: 170 if y == 2028 else 140, "S", YEARS, 7, 11),
                  [dict(s, can_bulge=True)])
    assert _kinds(spike) == [["bulge", "S1", 2028]]
    assert spike.costs["capital"] == pytest.approx(30 * 11_153)
    assert spike.sufficiency_after["ncy"].max() == 11


def test_a_cohort_on_roll_stays_at_its_school_next_to_an_area_with_spare_places():
    # Area A's Year 2 (30 on roll in 2024, its 30 places full) grows to 40 from Year 3 (2025); area B,
    # 1 km away, has room. No scheme can add places to a cohort already in school, and a child on roll
    # is not moved: the places short stay with the cohort as shortfall 'in school', outside the
    # objective. Each year: 40 x 1.02 - 0.02 x 30 (no margin on pupils on roll) - 30 = 10.2 places,
    # in Years 3 to 6 (2025-2028): 40.8 place-years. New cohorts fit their own area.
    a = school("SA", "A", pan=30, x=0.0, y=0.0, max_forms_of_entry=1, can_bulge=False)
    b = school("SB", "B", pan=60, x=1_000.0, y=0.0, max_forms_of_entry=2, can_bulge=False,
               first_preferences=60)
    rolls = pd.DataFrame([("SA", 2024, g, 28 if g != 2 else 30) for g in range(7)]
                         + [("SB", 2024, g, 30) for g in range(7)], columns=["school_id", "year", "ncy", "pupils"])
    area_a = cohort_demand(lambda y: 28, "A", YEARS)
    grown = (area_a["year"] - area_a["ncy"] == 2022)
    area_a.loc[grown, "pupils"] = 40.0
    demand = pd.concat([area_a, cohort_demand(lambda y: 30, "B", YEARS)])
    distances = pd.DataFrame([[0, 1_000], [1_000, 0]], index=["A", "B"], columns=["A", "B"], dtype=float)
    plan = _plan(demand, [a, b], OptimiserConfig(rules=Rules(cut_weaker_first={"enabled": False})),
                 distances=distances, rolls=rolls)
    assert plan.transfers.empty
    short = plan.shortfall.set_index(["year", "ncy"])
    assert short.loc[(2025, 3), "shortfall"] == pytest.approx(10.2)
    assert set(short["cause"]) == {"in school"}
    assert plan.costs["shortfall_unavoidable"] == pytest.approx(40.8)
    assert plan.costs["shortfall_penalty"] == 0  # unavoidable: out of the objective
    _holds(plan)


def test_a_site_at_its_limit_takes_no_bulge_class():
    # S1 (2 FE, Outstanding, popular) is at its 2 FE site limit; S2 (1 FE) has room for one more.
    # 80 a year fit the 90 places (80 x 1.02 = 81.6); a one-year spike of 95 (96.9 with the margin)
    # needs a bulge class, and the rules would put it at the popular school were its site not full.
    full = school("S1", "A", pan=60, max_forms_of_entry=2, ofsted="Outstanding", first_preferences=80)
    room = school("S2", "A", pan=30, max_forms_of_entry=2, ofsted="Requires improvement", first_preferences=20)
    plan = _plan(cohort_demand(lambda y: 95 if y == 2028 else 80, "A", YEARS), [full, room])
    assert _kinds(plan) == [["bulge", "S2", 2028]]
    _holds(plan)


def test_selective_and_single_sex_schools_do_not_meet_general_basic_need():
    # The grammar school is more popular and Outstanding, so the rules would otherwise grow it.
    grammar = school("G", "S", pan=150, ncy_low=7, ncy_high=11, max_forms_of_entry=6, ofsted="Outstanding",
                     first_preferences=300, selective=True, can_bulge=False)
    comp = school("C", "S", pan=150, ncy_low=7, ncy_high=11, max_forms_of_entry=6, ofsted="Good",
                  first_preferences=150, can_bulge=False)
    demand = cohort_demand(lambda y: 320 if y >= 2026 else 290, "S", YEARS, 7, 11)  # 320 x 1.02 = 326.4: 1 FE more
    assert _kinds(_plan(demand, [grammar, comp])) == [["expand", "C", 2026]]
    allowed = _plan(demand, [grammar, comp], OptimiserConfig(rules=Rules(basic_need={"at_selective": True})))
    assert _kinds(allowed) == [["expand", "G", 2026]]
    girls = dict(grammar, selective=False, single_sex=True)
    assert _kinds(_plan(demand, [girls, comp])) == [["expand", "C", 2026]]


def test_no_scheme_opens_before_the_september_after_the_decision_plus_its_lead_time():
    # Decided on 2 December 2026: the next September is 2027, so a bulge class (1 year) opens from
    # 2028 and an expansion (2 years) from 2029, whatever the data's base year.
    cfg = OptimiserConfig(decision_date=dt.date(2026, 12, 2))
    plan = _plan(cohort_demand(lambda y: 55 if y == 2027 else 29, "A", YEARS), [school("S1", "A")], cfg)
    assert plan.schemes.empty  # the 2027 spike cannot be met in time
    assert set(plan.shortfall["cause"]) == {"no scheme in time"}
    assert any("more than a year before the decision date 2026-12-02" in w for w in plan.warnings)
    later = _plan(cohort_demand(lambda y: 55 if y == 2028 else 29, "A", YEARS), [school("S1", "A")], cfg)
    assert _kinds(later) == [["bulge", "S1", 2028]]


def test_the_gap_is_on_the_controllable_cost():
    plan = _plan(cohort_demand(lambda y: 55 if y >= 2027 else 29, "A", YEARS),
                 [school("S1", "A", max_forms_of_entry=3)])
    s = plan.solve
    assert plan.controllable_cost == pytest.approx(plan.costs[["capital_annualised", "surplus_revenue",
                                                               "travel_penalty"]].sum())
    assert s.gap == pytest.approx(max(0.0, s.objective - s.bound) / plan.controllable_cost)
    assert plan.status == "optimal" and s.gap <= 1e-3


def test_a_councils_option_that_cannot_be_used_is_refused_with_its_row_and_column():
    schools = pd.DataFrame([school("S1", "A", pan=60, max_forms_of_entry=2)])
    demand = cohort_demand(lambda y: 70, "A", YEARS)
    options = pd.DataFrame([
        {"option_id": "N1", "kind": "new_school", "planning_area_id": "A", "forms_of_entry": 1},
        {"option_id": "L1", "kind": "expand", "school_id": "S1", "forms_of_entry": 1, "earliest_year": 2040},
        {"option_id": "R1", "kind": "reduce", "school_id": "S1", "forms_of_entry": 2},
    ])
    with pytest.raises(SpecificationError) as refused:
        run_plan(demand, schools, OptimiserConfig(), options, base_year=BASE, files={"options": "options.csv"})
    text = str(refused.value)
    assert "options.csv row 2 (option N1), forms_of_entry: a new school of 1 FE is below the minimum of 2 FE" in text
    assert "options.csv row 3 (option L1), earliest_year: it cannot open before 2040" in text
    assert "options.csv row 4 (option R1), forms_of_entry: School S1 can give up at most 1 FE" in text


def test_the_library_checks_what_the_folder_loader_checks():
    options = pd.DataFrame([{"option_id": "X", "kind": "expand", "school_id": "S1", "capital_cost": -5}])
    refused = r"options, row 2, column 'capital_cost': '-5(\.0)?' must be £0 or more"
    with pytest.raises(SpecificationError, match=refused):
        run_plan(cohort_demand(lambda y: 29, "A", YEARS), pd.DataFrame([school("S1", "A")]), OptimiserConfig(), options,
                 base_year=BASE)


def test_a_negative_annual_budget_is_refused_naming_the_setting():
    from sufficiency.core.scenario import load_scenario

    _, problems = load_scenario(None, {"optimiser": {"annual_budget": -1_000}})
    assert problems and problems[0].column.startswith("optimiser.annual_budget")


@pytest.mark.parametrize("seed", [0, 3])
def test_the_plan_recounted_school_by_school_is_the_plan_solved(seed):
    from optimiser.testing import generate_authority

    g = generate_authority(n_schools=40, n_areas=6, n_years=8, seed=seed)
    plan = run_plan(g["demand"], g["schools"], OptimiserConfig(time_limit=60), None, g["distances"],
                    g["planning_areas"], BASE)
    recount = recount_sufficiency(plan, g["demand"], g["schools"], None, BASE, plan.model.inputs.config)
    after = plan.sufficiency_after
    np.testing.assert_allclose(recount["capacity"], after["capacity"], atol=1e-6)
    np.testing.assert_allclose(recount["demand"], after["demand"], atol=1e-6)
    np.testing.assert_allclose(recount["shortfall"], after["shortfall"], atol=1e-6)
    assert (plan.schemes["kind"] == "reduce").any() or (plan.schemes["kind"] == "expand").any()
    _holds(plan)


def test_the_recheck_catches_a_row_too_strict_as_well_as_one_too_loose(monkeypatch):
    """A margin with the wrong sign (pupils x 0.98 instead of x 1.02) keeps every row satisfied but
    makes the plan leave too few places: the recheck finds shortfall the model did not report."""
    import pulp

    import optimiser.model as model_module

    def flipped(model):
        m = model.inputs.config.margin
        model.unavoidable = model_module.unavoidable_shortfall(model)
        for cell, cap in model.capacity.items():
            s = model.shortfall[cell] = pulp.LpVariable(f"short_{cell}", 0)
            v = model.empty[cell] = pulp.LpVariable(f"empty_{cell}", 0)
            model.problem += cap + s - (1.0 - m) * model.served[cell] >= 0, f"sufficiency_{cell}"
            model.problem += v - cap + model.served[cell] >= 0, f"empty_{cell}"

    demand = cohort_demand(lambda y: 30, "A", YEARS)  # 30 x 1.02 = 30.6 > 30 places; 30 x 0.98 fits
    honest = _plan(demand, [school("S1", "A", can_bulge=False, max_forms_of_entry=1)])
    _holds(honest)
    monkeypatch.setattr(model_module, "define_sufficiency", flipped)
    wrong = _plan(demand, [school("S1", "A", can_bulge=False, max_forms_of_entry=1)])
    residuals = constraint_residuals(wrong.model)
    # 30.6 places needed, 30 offered and none reported short: 0.6 in every cell.
    assert residuals["sufficiency"] == pytest.approx(0.6) and residuals["shortfall_is_exact"] == pytest.approx(0.6)
