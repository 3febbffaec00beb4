"""Places and places needed, counted as DfE counts them: no offsetting across year groups."""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.core.capacity import places_by_year_group, sufficiency_table


def test_places_by_year_group_with_sixth_form() -> None:
    schools = pd.DataFrame({
        "school_id": ["p", "s"], "planning_area_id": ["P1", "S1"], "ncy_low": [0, 7], "ncy_high": [6, 13],
        "pan": [30, 180], "net_capacity": [210, 1200],
    })
    places = places_by_year_group(schools)
    assert places[places["school_id"] == "p"]["places"].tolist() == [30] * 7
    sec = places[places["school_id"] == "s"].set_index("ncy")["places"]
    # 1,200 - 5 × 180 = 300 sixth-form places over two year groups.
    assert sec.loc[7:11].tolist() == [180] * 5 and sec.loc[12:13].tolist() == [150, 150]


def test_no_offsetting_across_year_groups() -> None:
    pupils = pd.DataFrame({"planning_area_id": ["P1", "P1"], "year": [2025, 2025], "ncy": [0, 1],
                           "pupils": [70, 40]})
    places = pd.DataFrame({"planning_area_id": ["P1", "P1"], "ncy": [0, 1], "places": [60, 60]})
    t = sufficiency_table(pupils, places).set_index("ncy")
    # Reception needs 10 places even though Year 1 has 20 spare: they are not netted off.
    assert t.loc[0, "places_needed"] == 10 and t.loc[0, "surplus"] == 0
    assert t.loc[1, "surplus"] == 20 and t.loc[1, "places_needed"] == 0
    assert t.loc[1, "surplus_rate"] == pytest.approx(20 / 60)


def test_schools_in_one_area_offset_each_other() -> None:
    pupils = pd.DataFrame({"planning_area_id": ["P1"], "year": [2025], "ncy": [0], "pupils": [55]})
    places = pd.DataFrame({"planning_area_id": ["P1", "P1", "P2"], "ncy": [0, 0, 0], "places": [30, 30, 90]})
    t = sufficiency_table(pupils, places)
    p1 = t[t["planning_area_id"] == "P1"].iloc[0]
    assert p1["places"] == 60 and p1["surplus"] == 5
    p2 = t[t["planning_area_id"] == "P2"].iloc[0]
    assert p2["pupils"] == 0 and p2["surplus"] == 90  # places with no pupils still count


def test_cohorts_on_roll_keep_their_places() -> None:
    from sufficiency.core.capacity import places_by_year

    schools = pd.DataFrame({"school_id": ["p"], "planning_area_id": ["P1"], "ncy_low": [0], "ncy_high": [6],
                            "pan": [30], "net_capacity": [210]})
    # 2024: a bulge class of 60 in Year 4 and an ordinary Year 5 of 28.
    rolls = pd.DataFrame({"school_id": "p", "year": 2024, "ncy": [4, 5], "pupils": [60, 28]})
    places = places_by_year(schools, rolls, 2024, [2025, 2026, 2027]).set_index(["year", "ncy"])["places"]
    assert places.loc[(2025, 5)] == 60 and places.loc[(2026, 6)] == 60  # the bulge moves up
    assert places.loc[(2027, 6)] == 30                                   # and leaves
    assert places.loc[(2025, 6)] == 30                                   # 28 < 30: standard places
    assert places.loc[(2025, 0)] == 30 and len(places) == 21


def test_cohorts_do_not_carry_places_across_a_point_of_entry() -> None:
    from sufficiency.core.capacity import places_by_year

    # An 11-18 school with 180 a year in Years 7-11 and 120 in the sixth form (net capacity 1,140).
    schools = pd.DataFrame({"school_id": ["s", "a"], "planning_area_id": ["S1", "A1"], "ncy_low": [7, 0],
                            "ncy_high": [13, 11], "pan": [180, 30], "net_capacity": [1140, 360]})
    rolls = pd.DataFrame({"school_id": ["s", "s", "a"], "year": 2024, "ncy": [10, 11, 6], "pupils": [200, 190, 45]})
    places = places_by_year(schools, rolls, 2024, [2025, 2026]).set_index(["school_id", "year", "ncy"])["places"]
    assert places.loc[("s", 2025, 11)] == 200          # Year 10's 200 move up into Year 11
    assert places.loc[("s", 2026, 12)] == places.loc[("s", 2025, 12)]  # but not into the sixth form
    assert places.loc[("s", 2025, 12)] < 190            # Year 11's 190 do not carry into Year 12
    assert places.loc[("a", 2025, 7)] == 30             # an all-through school's Year 6 of 45 stops at Year 7
