"""The SCAP-format export: every planning area × year group × year of the return, and nothing else."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from reports.scap import scap_tables, write_scap

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables(principal):
    return scap_tables(principal)


def test_forecasts_cover_every_area_year_group_and_year(tables, principal):
    forecasts = tables["scap_pupil_forecasts"]
    base = principal.forecast.base_year
    expected = set()
    for area in pd.DataFrame(principal.inputs.planning_areas).itertuples():
        ncys, years = (range(0, 7), range(1, 6)) if area.phase == "primary" else (range(7, 12), range(1, 8))
        expected |= {(area.planning_area_id, n, base + y) for n, y in itertools.product(ncys, years)}
    got = list(zip(forecasts["planning_area_id"], forecasts["ncy"], forecasts["year"], strict=True))
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == expected


def test_forecast_pupils_are_the_forecast_rounded(tables, principal):
    forecasts = tables["scap_pupil_forecasts"]
    source = principal.forecast.by_area.set_index(["planning_area_id", "year", "ncy"])["pupils"]
    key = pd.MultiIndex.from_frame(forecasts[["planning_area_id", "year", "ncy"]])
    np.testing.assert_array_equal(forecasts["pupils"].to_numpy(), np.rint(source.loc[key].to_numpy()))
    assert set(forecasts["year_group"]) == {"R", *(f"Y{n}" for n in range(1, 12))}


def test_capacity_and_planned_changes(tables, principal):
    capacity = tables["scap_school_capacity"]
    assert sorted(capacity["school_id"]) == sorted(principal.inputs.schools["school_id"])
    assert capacity["net_capacity"].sum() == principal.inputs.schools["net_capacity"].sum()
    changes = tables["scap_planned_changes"]
    base = principal.forecast.base_year
    schemes = principal.plan.schemes
    soon = schemes[(schemes["year"] > base) & (schemes["year"] <= base + 3)]
    assert len(changes) == len(soon)
    assert changes["places_change"].sum() == pytest.approx(soon["places"].sum())
    assert changes["year"].between(base + 1, base + 3).all()
    assert (~changes.loc[changes["change_type"] == "Bulge class", "permanent"]).all()


def test_files_hold_the_same_tables(principal, tables, tmp_path):
    written = {p.name: p for p in write_scap(principal, tmp_path)}
    for stem, frame in tables.items():
        csv = pd.read_csv(written[f"{stem}.csv"], dtype={"school_id": str, "planning_area_id": str})
        assert len(csv) == len(frame)
        assert list(csv.columns) == list(frame.columns)
    book = pd.read_excel(written["scap_return.xlsx"], sheet_name=None, dtype={"school_id": str})
    assert set(book) == {"Pupil forecasts", "School capacity", "Planned place changes"}
    np.testing.assert_array_equal(book["Pupil forecasts"]["pupils"], tables["scap_pupil_forecasts"]["pupils"])


def test_short_forecast_gives_only_the_years_it_covers(sample_inputs):
    import warnings

    from sufficiency.core.result import run_scenario

    scenario = sample_inputs.scenario.model_copy(update={"horizon": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_scenario(sample_inputs.replace(scenario=scenario), stages=("forecast",))
    forecasts = scap_tables(result)["scap_pupil_forecasts"]
    base = result.forecast.base_year
    assert set(forecasts["year"]) == {base + 1, base + 2, base + 3}
    areas = pd.DataFrame(sample_inputs.planning_areas)
    per_year = 7 * (areas["phase"] == "primary").sum() + 5 * (areas["phase"] == "secondary").sum()
    assert len(forecasts) == 3 * per_year
    assert scap_tables(result)["scap_planned_changes"].empty  # no plan was run
