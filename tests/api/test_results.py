"""Results of a finished forecast run: JSON and CSV agree, filters hold, sums and identities hold."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests.api.conftest import World
from tests.api.test_security import assert_error


def _get(world: World, path: str, **params) -> dict:
    response = world.client.get(f"/runs/{world.run_id}/{path}", headers=world.as_["viewer"], params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_forecast_covers_every_area_year_group_and_year_of_the_horizon(world: World) -> None:
    page = _get(world, "forecast")
    rows = pd.DataFrame(page["rows"])
    assert page["count"] == len(rows) > 0 and page["level"] == "area"
    assert sorted(rows["year"].unique()) == list(range(2025, 2032))  # base year 2024, horizon 7
    assert not rows.duplicated(["planning_area_id", "year", "ncy"]).any()
    assert (rows["lower_95"] <= rows["lower_80"]).all() and (rows["upper_80"] <= rows["upper_95"]).all()
    assert ((rows["lower_80"] <= rows["pupils"]) & (rows["pupils"] <= rows["upper_80"])).mean() > 0.95


def test_school_forecasts_sum_to_their_planning_area(world: World) -> None:
    areas = pd.DataFrame(_get(world, "forecast")["rows"]).set_index(["planning_area_id", "year", "ncy"])["pupils"]
    schools = pd.DataFrame(_get(world, "forecast", level="school")["rows"])
    assert schools["school_id"].notna().all()
    summed = schools.groupby(["planning_area_id", "year", "ncy"])["pupils"].sum()
    np.testing.assert_allclose(summed.reindex(areas.index, fill_value=0.0).to_numpy(), areas.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize(("params", "check"), [
    ({"planning_area_id": "P01"}, lambda r: (r["planning_area_id"] == "P01").all()),
    ({"planning_area_id": ["P01", "S02"]}, lambda r: set(r["planning_area_id"]) == {"P01", "S02"}),
    ({"year": [2026, 2028]}, lambda r: set(r["year"]) == {2026, 2028}),
    ({"phase": "primary"}, lambda r: r["ncy"].between(0, 6).all()),
    ({"phase": "secondary"}, lambda r: r["ncy"].between(7, 11).all()),
])
def test_forecast_filters(world: World, params: dict, check) -> None:
    rows = pd.DataFrame(_get(world, "forecast", **params)["rows"])
    assert len(rows) > 0 and check(rows)
    everything = pd.DataFrame(_get(world, "forecast")["rows"])
    assert len(rows) < len(everything)


def test_csv_holds_the_same_rows_as_json(world: World) -> None:
    response = world.client.get(f"/runs/{world.run_id}/forecast", headers=world.as_["viewer"],
                                params={"format": "csv", "phase": "primary", "level": "school"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    from_csv = pd.read_csv(io.StringIO(response.text), dtype={"school_id": str})
    from_json = pd.DataFrame(_get(world, "forecast", phase="primary", level="school")["rows"])
    assert list(from_csv.columns) == list(from_json.columns)
    np.testing.assert_allclose(from_csv["pupils"], from_json["pupils"])
    assert (from_csv["school_id"] == from_json["school_id"]).all()


def test_sufficiency_before_the_plan_never_offsets(world: World) -> None:
    rows = pd.DataFrame(_get(world, "sufficiency")["rows"])
    gap = rows["capacity"] - rows["demand"]
    np.testing.assert_allclose(rows["surplus"], gap.clip(lower=0))
    np.testing.assert_allclose(rows["shortfall"], (-gap).clip(lower=0))
    demand = rows.groupby(["planning_area_id", "year", "ncy"])["demand"].sum()
    forecast = pd.DataFrame(_get(world, "forecast")["rows"]).set_index(["planning_area_id", "year", "ncy"])["pupils"]
    np.testing.assert_allclose(demand.reindex(forecast.index), forecast)


def test_a_forecast_run_has_no_plan_standards_or_post16(world: World) -> None:
    for path, words in (("plan", "made no plan"), ("sufficiency?stage=after", "no plan"),
                        ("standards", "did not include the standards stage"),
                        ("post16", "did not include the post16 stage")):
        response = world.client.get(f"/runs/{world.run_id}/{path}", headers=world.as_["viewer"])
        assert_error(response, 404, "not_found", words)


def test_the_workbook_holds_every_table(world: World) -> None:
    response = world.client.get(f"/runs/{world.run_id}/report.xlsx", headers=world.as_["viewer"])
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"run", "forecast_area", "forecast_school", "sufficiency_before"} <= set(book.sheetnames)
    assert book["forecast_area"].max_row == _get(world, "forecast")["count"] + 1


def test_bad_filters_are_422_with_the_parameter_named(world: World) -> None:
    response = world.client.get(f"/runs/{world.run_id}/forecast", headers=world.as_["viewer"],
                                params={"phase": "nursery", "year": "soon"})
    problems = assert_error(response, 422, "invalid")["problems"]
    assert {(p["file"], p["column"]) for p in problems} == {("query", "phase"), ("query", "year.0")}


@pytest.mark.parametrize("path", ["/runs/{run}/forecast", "/runs/{run}/sufficiency", "/standards/overrides"])
def test_a_year_no_record_can_hold_is_refused_not_a_server_error(world: World, path: str) -> None:
    # Found by the schema fuzz: 2**63 overflowed SQLite's integer and answered 500.
    response = world.client.get(path.format(run=world.run_id), headers=world.as_["viewer"],
                                params={"year": 2**63})
    error = assert_error(response, 422, "invalid")
    assert any(p.get("column") == "year" or "year" in str(p) for p in error["problems"])
