"""One full run (forecast, plan, standards, post-16) through the API, and who may see what of it."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sufficiency.sample import sample_dir
from tests.api.conftest import World, wait_for


@pytest.fixture(scope="module")
def full_run(world: World) -> str:
    """A full run of the sample borough (its school indicators, targets file and LA) with a SYNTHETIC pupil cohort."""
    started = world.client.post("/runs", headers=world.as_["planner"], json={
        "dataset_id": world.dataset_id, "kind": "full", "synthetic_pupils": True, "reports": ["scap", "xlsx"]})
    assert started.status_code == 202, started.text
    run = wait_for(world.client, started.json()["id"], world.as_["viewer"], seconds=300)
    assert run["status"] == "succeeded", run["error"]
    assert set(run["provenance"]["stage_seconds"]) >= {"forecast", "plan", "standards", "post16"}
    return run["id"]


@pytest.mark.slow
def test_plan_costs_add_up_and_close_the_gaps(world: World, full_run: str) -> None:
    plan = world.client.get(f"/runs/{full_run}/plan", headers=world.as_["viewer"]).json()
    assert plan["summary"]["status"] in ("optimal", "feasible")
    schemes = pd.DataFrame(plan["schemes"])
    assert plan["count"] == len(schemes)
    assert plan["summary"]["costs"]["capital"] == pytest.approx(schemes["capital_cost"].sum() if len(schemes) else 0.0)
    after = pd.DataFrame(world.client.get(f"/runs/{full_run}/sufficiency", params={"stage": "after"},
                                          headers=world.as_["viewer"]).json()["rows"])
    np.testing.assert_allclose(after["surplus"], after["capacity"] - after["demand"], atol=1e-6)
    assert after["shortfall"].sum() == pytest.approx(plan["summary"]["total_shortfall"])
    # Beside the plan's own measure (pupils plus its margin), the pages' one: whole pupils above whole places.
    by_hand = sum(max(round(d) - round(c), 0) for d, c in zip(after["demand"], after["capacity"], strict=True))
    assert plan["summary"]["places_short_after"] == by_hand
    csv = world.client.get(f"/runs/{full_run}/plan", params={"format": "csv"}, headers=world.as_["viewer"])
    assert len(pd.read_csv(io.StringIO(csv.text))) == len(schemes)


@pytest.mark.slow
def test_standards_tables_cover_every_school_with_indicators(world: World, full_run: str) -> None:
    section = world.client.get(f"/runs/{full_run}/standards", headers=world.as_["viewer"]).json()
    tables = {t["name"]: pd.DataFrame(t["rows"], columns=t["columns"]) for t in section["tables"]}
    assert {"risk_schools", "risk_summary", "kpi_table_one_primary", "kpi_table_two_secondary"} <= set(tables)
    indicators = pd.read_csv(sample_dir() / "school_indicators.csv", dtype={"school_id": str})
    assert set(tables["risk_schools"]["school_id"].astype(str)) == set(indicators["school_id"])
    assert set(tables["risk_schools"]["category"]) <= {"Red", "Amber", "Yellow", "Green"}


@pytest.mark.slow
def test_pupil_level_risk_of_neet_lists_go_to_admins_only(world: World, full_run: str) -> None:
    planner = world.client.get(f"/runs/{full_run}/post16", headers=world.as_["planner"]).json()
    assert sorted(planner["withheld"]) == ["roni_factors", "roni_ranked"]
    assert not {"roni_factors", "roni_ranked"} & {t["name"] for t in planner["tables"]}
    assert {"participation", "roni_metrics", "roni_fairness"} <= {t["name"] for t in planner["tables"]}
    admin = world.client.get(f"/runs/{full_run}/post16", headers=world.as_["admin"]).json()
    assert admin["withheld"] == []
    ranked = next(t for t in admin["tables"] if t["name"] == "roni_ranked")
    ranked = pd.DataFrame(ranked["rows"], columns=ranked["columns"])
    assert len(ranked) > 0 and ranked["synthetic"].all()
    assert (ranked["risk"].diff().dropna() <= 1e-12).all()  # ranked by descending risk
    book = world.client.get(f"/runs/{full_run}/report.xlsx", headers=world.as_["planner"])
    names = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True).sheetnames
    assert {"sufficiency_after", "plan_schemes", "post16_participation"} <= set(names)
    assert not {"post16_roni_ranked", "post16_roni_factors"} & set(names)


@pytest.mark.slow
def test_reports_asked_for_are_kept_for_download(world: World, full_run: str) -> None:
    files = world.client.get(f"/runs/{full_run}/files", headers=world.as_["viewer"]).json()
    names = {f["name"]: f for f in files}
    assert {"scap_pupil_forecasts.csv", "scap_return.xlsx"} <= set(names)
    assert any(n.startswith("report_") and n.endswith(".xlsx") for n in names)
    got = world.client.get(f"/runs/{full_run}/files/scap_pupil_forecasts.csv", headers=world.as_["viewer"])
    assert got.headers["content-type"].startswith("text/csv")
    assert len(got.content) == names["scap_pupil_forecasts.csv"]["size"] > 0
    missing = world.client.get(f"/runs/{full_run}/files/nothing.pdf", headers=world.as_["viewer"])
    assert missing.status_code == 404 and "GET /runs/" in missing.json()["error"]["message"]
