"""Sixth-form demand on a small hand-built forecast and schools table."""

from __future__ import annotations

import pandas as pd
import pytest

from post16.sixth_form import post16_places, sixth_form_demand, sixth_form_summary


@pytest.fixture()
def schools() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_id": ["A", "B", "C"],
            "planning_area_id": ["S1", "S1", "S2"],
            "ncy_low": [7, 7, 7],
            "ncy_high": [13, 13, 11],  # C has no sixth form
            "pan": [150, 120, 180],
            "post16_capacity": [None, 200, None],  # B states its post-16 places
        }
    )


@pytest.fixture()
def forecast() -> pd.DataFrame:
    rows = [
        # school, year, ncy, pupils
        ("A", 2025, 11, 150), ("A", 2025, 12, 140), ("A", 2025, 13, 130),
        ("A", 2026, 12, 160), ("A", 2026, 13, 126),
        ("B", 2025, 12, 110), ("B", 2025, 13, 95),
        ("B", 2026, 12, 105), ("B", 2026, 13, 99),
    ]
    return pd.DataFrame(rows, columns=["school_id", "year", "ncy", "pupils"])


def test_places_from_pan_unless_given(schools):
    places = post16_places(schools).set_index("school_id")
    assert places.loc["A", "places"] == 300 and places.loc["A", "places_basis"] == "admission number"
    assert places.loc["B", "places"] == 200 and places.loc["B", "places_basis"] == "post16_capacity"
    assert "C" not in places.index


def test_one_basis_for_sixth_form_places_across_the_product(schools):
    """With net capacity, a sixth form has what it leaves after the main school: 1,150 - 5 x 150 = 400
    for A, shared 200 a year group by the current position, and 400 in the post-16 section."""
    from sufficiency.core.capacity import places_by_year_group

    with_capacity = schools.assign(net_capacity=[1_150, 900, 900])
    post16 = post16_places(with_capacity).set_index("school_id")
    assert post16.loc["A", "places"] == 400
    assert post16.loc["A", "places_basis"] == "net capacity less the main school"
    current = places_by_year_group(with_capacity).set_index(["school_id", "ncy"])["places"]
    assert current.loc[("A", 12)] + current.loc[("A", 13)] == post16.loc["A", "places"] == 400
    assert current.loc[("B", 12)] + current.loc[("B", 13)] == post16.loc["B", "places"] == 200
    assert "C" not in post16.index


def test_by_school_shortfall_and_dropout(forecast, schools):
    out = sixth_form_demand(forecast, schools).set_index(["school_id", "year"])
    a26, b25, b26 = out.loc[("A", 2026)], out.loc[("B", 2025)], out.loc[("B", 2026)]
    assert (a26["year12"], a26["year13"], a26["pupils"], a26["places"]) == (160, 126, 286, 300)
    assert a26["surplus"] == 14 and a26["shortfall"] == 0
    # B: 110 + 95 = 205 pupils in 200 places -> 5 short; Year 11 rows are ignored.
    assert b25["shortfall"] == 5 and b25["surplus"] == -5
    assert b25["utilisation_pct"] == pytest.approx(102.5)
    # Retention: A's Year 13 in 2026 (126) over its Year 12 in 2025 (140) = 90%.
    assert a26["retention_12_to_13_pct"] == pytest.approx(90.0)
    assert a26["dropout_12_to_13_pct"] == pytest.approx(10.0)
    assert b26["retention_12_to_13_pct"] == pytest.approx(90.0)  # 99 / 110
    assert pd.isna(b25["retention_12_to_13_pct"])  # no earlier year


def test_by_planning_area_and_totals_do_not_offset(forecast, schools):
    by_area = (
        forecast.assign(planning_area_id=forecast["school_id"].map({"A": "S1", "B": "S1"}))
        .groupby(["planning_area_id", "year", "ncy"], as_index=False)["pupils"].sum()
    )
    out = sixth_form_demand(by_area, schools).set_index(["planning_area_id", "year"])
    assert out.loc[("S1", 2025), "places"] == 500
    assert out.loc[("S1", 2025), "pupils"] == 475
    totals = sixth_form_summary(sixth_form_demand(forecast, schools)).set_index("year")
    # 2025: A has 30 spare, B is 5 short: the shortfall stays 5 though the LA has 25 spare overall.
    assert totals.loc[2025, "shortfall"] == 5 and totals.loc[2025, "surplus"] == 25
    assert totals.loc[2025, "providers_short"] == 1
    assert totals.loc[2026, "retention_12_to_13_pct"] == pytest.approx(100 * 225 / 250, abs=0.05)


def test_demand_without_a_key_is_refused(schools):
    with pytest.raises(ValueError, match="school_id"):
        sixth_form_demand(pd.DataFrame({"year": [2025], "ncy": [12], "pupils": [1]}), schools)


def test_run_post16_reports_providers_and_planning_areas(forecast, schools):
    from post16.config import Post16Config
    from post16.result import run_post16

    result = run_post16(Post16Config(), la="358", demand=forecast, schools=schools, demand_source="test")
    by_area = result.sixth_form_by_area.set_index(["planning_area_id", "year"])
    # S1 holds A and B: 2025 pupils 140+130+110+95 = 475 in 300+200 = 500 places.
    assert by_area.loc[("S1", 2025), "pupils"] == 475 and by_area.loc[("S1", 2025), "places"] == 500
    assert by_area.loc[("S1", 2025), "shortfall"] == 0  # B's 5 short are offset inside the area
    assert result.sixth_form.set_index(["school_id", "year"]).loc[("B", 2025), "shortfall"] == 5
    assert {"sixth_form", "sixth_form_by_area", "sixth_form_totals"} <= set(result.tables())
