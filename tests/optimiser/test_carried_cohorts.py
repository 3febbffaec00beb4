"""Cohorts on roll above their places keep them as they move up: a past bulge class is not a shortfall."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import SpecificationError, run_plan
from optimiser.testing import cohort_demand, school

BASE = 2024
YEARS = range(2025, 2035)
SCHOOLS = pd.DataFrame([school("S1", "A", pan=30, max_forms_of_entry=2)])


def _intake(year: int) -> int:
    # The 2022 Reception intake had a bulge class (45 on roll, 44 forecast to stay); 2027 brings a
    # new one-year peak of 55 that no place yet serves; every other cohort has 29.
    return {2022: 44, 2027: 55}.get(year, 29)


def _rolls() -> pd.DataFrame:
    # 2024 census: the 2022 cohort is in Year 2 with 45 pupils, every other year group 29.
    return pd.DataFrame({"school_id": "S1", "year": BASE, "ncy": range(7),
                         "pupils": [45 if g == 2 else 29 for g in range(7)]})


def test_past_bulge_class_is_not_a_shortfall_but_a_new_rise_is_met():
    demand = cohort_demand(_intake, "A", YEARS)
    plan = run_plan(demand, SCHOOLS, base_year=BASE, rolls=_rolls())
    after = plan.sufficiency_after.set_index(["year", "ncy"])
    # The 2022 cohort keeps its 45 places in Years 3-6 (2025-2028); its 44 pupils are on roll and
    # need 44 of them (no margin is asked for a cohort already in school).
    for year, ncy in [(2025, 3), (2026, 4), (2027, 5), (2028, 6)]:
        assert after.at[(year, ncy), "capacity"] == 45
        assert after.at[(year, ncy), "shortfall"] == 0
    assert after.at[(2029, 6), "capacity"] == 30  # the bulge cohort has left
    # The new peak of 55 in 2027 is a real need: a bulge class meets it.
    assert plan.schemes[["kind", "school_id", "year"]].values.tolist() == [["bulge", "S1", 2027]]
    assert plan.total_shortfall == 0
    assert plan.baseline.total_shortfall == 0


def test_without_rolls_the_past_bulge_class_shows_as_shortfall():
    plan = run_plan(cohort_demand(_intake, "A", YEARS), SCHOOLS, base_year=BASE)
    short = plan.shortfall.set_index(["year", "ncy"])["shortfall"]
    # 44 x 1.02 - 30 = 14.88 places short in each of the four years the cohort has left.
    assert short.to_dict() == pytest.approx({(2025, 3): 14.88, (2026, 4): 14.88, (2027, 5): 14.88, (2028, 6): 14.88})
    assert plan.schemes["kind"].tolist() == ["bulge"]
    # Without rolls the cohort is not known to be in school; its intake (2022) is before any
    # scheme could open, so no scheme reaches it.
    assert set(plan.shortfall["cause"]) == {"no scheme in time"}


def test_carried_cohort_growing_beyond_its_places_is_a_shortfall():
    # Four pupils join the carried cohort of 45: 45 + 4 x 1.02 - 45 = 4.08 places short in 2025,
    # in Year 3 (margin only on the newcomers), which no scheme can reach.
    demand = cohort_demand(lambda y: 49 if y == 2022 else 29, "A", YEARS)
    plan = run_plan(demand, SCHOOLS, base_year=BASE, rolls=_rolls())
    assert plan.shortfall.set_index(["year", "ncy"]).at[(2025, 3), "shortfall"] == pytest.approx(4.08)
    assert plan.shortfall.set_index(["year", "ncy"]).at[(2025, 3), "cause"] == "in school"


def test_shortfall_a_scheme_could_meet_but_the_budget_forbids_is_put_down_to_limits():
    from optimiser import OptimiserConfig

    plan = run_plan(cohort_demand(_intake, "A", YEARS), SCHOOLS, OptimiserConfig(capital_budget=0.0),
                    base_year=BASE, rolls=_rolls())
    # The 2027 peak of 55 needs 55 x 1.02 - 30 = 26.1 places in each of its seven years; the
    # bulge class that would meet it costs money the budget does not have.
    peak = plan.shortfall[plan.shortfall["year"] - plan.shortfall["ncy"] == 2027]
    assert len(peak) == 7 and peak["shortfall"].to_numpy() == pytest.approx([26.1] * 7)
    assert set(peak["cause"]) == {"limits"}


def test_rolls_without_the_base_year_are_refused():
    with pytest.raises(SpecificationError, match="base year 2024"):
        run_plan(cohort_demand(_intake, "A", YEARS), SCHOOLS, base_year=BASE, rolls=_rolls().assign(year=2020))
