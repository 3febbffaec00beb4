"""Tiny planning problems whose optimal plans are known by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import OptimiserConfig, SpecificationError, greedy_plan, run_plan
from optimiser.testing import cohort_demand, school

BASE = 2024
YEARS = range(2025, 2035)


def _plan(intake, schools, config=None, options=None, years=YEARS):
    demand = cohort_demand(intake, "A", years)
    return run_plan(demand, pd.DataFrame(schools), config or OptimiserConfig(), options, base_year=BASE)


def test_bulge_beats_expansion_for_one_year_peak():
    # 55 children start Reception in 2027 only; 29 in every other year fit the 30 places with margin.
    plan = _plan(lambda y: 55 if y == 2027 else 29, [school("S1", "A", max_forms_of_entry=3)])
    assert plan.status == "optimal"
    assert plan.schemes[["kind", "school_id", "year"]].values.tolist() == [["bulge", "S1", 2027]]
    assert plan.costs["capital"] == pytest.approx(30 * 9_935)  # DfE primary temporary cost per place
    assert plan.total_shortfall == 0
    # 55 x 1.02 - 30 = 26.1 places short, in one intake only.
    assert ("meets a deficit of 26 places in Reception, A, 2027/28 (intake short in 1 year)"
            in plan.schemes.at[0, "reason"])


def test_expansion_beats_repeated_bulges_for_lasting_rise():
    plan = _plan(lambda y: 55 if y >= 2027 else 29, [school("S1", "A", max_forms_of_entry=3)],
                 years=range(2025, 2037))
    assert plan.schemes[["kind", "school_id", "year", "forms_of_entry"]].values.tolist() == [["expand", "S1", 2027, 1]]
    assert plan.costs["capital"] == pytest.approx(210 * 21_014)  # 1 FE over 7 year groups
    # The greedy baseline bulges every year; the optimum is cheaper.
    assert set(plan.baseline.schemes["kind"]) == {"bulge"}
    assert plan.solve.objective < plan.baseline.solve.objective


def test_reduction_when_rolls_fall():
    # A 2 FE school with 25 children a year: one form of entry stands empty for good.
    plan = _plan(lambda y: 25, [school("S1", "A", pan=60, max_forms_of_entry=2)])
    assert plan.schemes[["kind", "year", "places"]].values.tolist() == [["reduce", BASE + 2, -210]]
    after = plan.sufficiency_after
    assert after.loc[(after["year"] == 2026) & (after["ncy"] == 0), "capacity"].item() == 30
    assert after.loc[(after["year"] == 2026) & (after["ncy"] == 1), "capacity"].item() == 60  # phases in
    assert plan.total_shortfall == 0
    # Without the reduction: 60 places - 25 x 1.02 = 34.5 spare beyond the margin, 138% of 25 pupils.
    assert "Reception in A would have 34 spare places beyond the margin in 2026/27 (138% of pupils)" in \
        plan.schemes.at[0, "reason"]


@pytest.mark.parametrize("seen, expected", [(3, []), (1, [["reduce", 2034]])])
def test_no_cut_rests_on_the_last_years_of_the_forecast_alone(seen, expected):
    # A full 2 FE school (58 a year fit 60 places with the 2% margin) whose intake halves only in
    # 2034, the forecast's last year: cutting then saves a year of 30 empty Reception places, but
    # nothing shows the fall lasts.
    plan = _plan(lambda y: 25 if y >= 2034 else 58, [school("S1", "A", pan=60, max_forms_of_entry=2)],
                 OptimiserConfig(reduction_years_seen=seen))
    assert plan.schemes[["kind", "year"]].values.tolist() == expected
    assert plan.total_shortfall == 0


def test_new_school_when_no_site_can_expand():
    full = school("S1", "A", max_forms_of_entry=1, can_bulge=False)
    plan = _plan(lambda y: 85 if y >= 2027 else 29, [full])
    assert plan.schemes[["kind", "planning_area_id", "year", "forms_of_entry"]].values.tolist() == [
        ["new_school", "A", 2027, 2]]
    assert plan.costs["capital"] == pytest.approx(420 * 25_089)  # DfE primary new school cost per place
    assert plan.total_shortfall == 0


def test_tight_budget_reports_shortfall_not_infeasible():
    plan = _plan(lambda y: 55 if y >= 2027 else 29, [school("S1", "A", max_forms_of_entry=3)],
                 OptimiserConfig(capital_budget=0))
    assert plan.status == "optimal"
    assert plan.schemes.empty
    # 55 x 1.02 - 30 = 26.1 places short in each year group each cohort reaches.
    short = plan.shortfall.query("year == 2027 and ncy == 0")["shortfall"].item()
    assert short == pytest.approx(26.1)
    assert not plan.shortfall.empty and plan.costs["shortfall_penalty"] > 0


def test_lead_time_leaves_early_shortfall():
    # A new school takes 3 years: the 2025 and 2026 deficit cannot be met and is reported.
    full = school("S1", "A", max_forms_of_entry=1, can_bulge=False)
    plan = _plan(lambda y: 85, [full])
    assert set(plan.shortfall["year"]) >= {2025, 2026}
    assert plan.schemes["year"].min() >= BASE + 3


def test_greedy_plan_is_a_plan_of_the_same_shape():
    baseline = greedy_plan(cohort_demand(lambda y: 55 if y == 2027 else 29, "A", YEARS),
                           pd.DataFrame([school("S1", "A")]), base_year=BASE)
    assert baseline.status == "greedy"
    assert baseline.schemes["kind"].tolist() == ["bulge"]


def test_specification_errors_name_the_problem():
    schools = pd.DataFrame([school("S1", "A", pan=120, max_forms_of_entry=2)])
    with pytest.raises(SpecificationError, match="S1 admits 120"):
        run_plan(cohort_demand(lambda y: 30, "A", YEARS), schools, base_year=BASE)
    with pytest.raises(SpecificationError, match="missing column"):
        run_plan(pd.DataFrame({"planning_area_id": ["A"]}), schools, base_year=BASE)
    bad = pd.DataFrame([{"option_id": "X", "kind": "expand", "school_id": "nope"}])
    with pytest.raises(SpecificationError, match="nope"):
        run_plan(cohort_demand(lambda y: 30, "A", YEARS), pd.DataFrame([school("S1", "A")]), options=bad,
                 base_year=BASE)


def test_an_intake_is_never_grown_and_later_cut():
    # A junior school (Year 3 entry, where no bulge class is offered) facing three large intakes of
    # 85 and then 25 a year. Growing by 1 FE in 2027 and cutting 1 FE in 2030 would be a costly
    # bulge in disguise; the plan grows and keeps the places instead.
    demand = cohort_demand(lambda y: 85 if 2027 <= y <= 2029 else (58 if y < 2027 else 25), "A", YEARS,
                           ncy_low=3, ncy_high=6)
    plan = run_plan(demand, pd.DataFrame([school("J", "A", pan=60, ncy_low=3, ncy_high=6, max_forms_of_entry=3)]),
                    base_year=BASE)
    assert plan.schemes[["kind", "year", "places"]].values.tolist() == [["expand", 2027, 120]]
    assert plan.total_shortfall == 0
