"""The /post16 routes over a full run with a SYNTHETIC pupil cohort: values, roles, councils, privacy, retention."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.app.store import retention
from sufficiency.app.store.testing import sqlite_url
from tests.api.conftest import World
from tests.api.strategy_world import start_full_run, stored, strategy_world
from tests.api.test_security import assert_error


@pytest.fixture(scope="module")
def pw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from strategy_world(sqlite_url(Path(tmp_path_factory.mktemp("post16"))))


def get(world: World, path: str, who: str = "viewer", **params) -> dict:
    response = world.client.get(path, headers=world.as_[who], params=params)
    assert response.status_code == 200, response.text
    return response.json()


def path(world: World, tail: str) -> str:
    return f"/post16/runs/{world.run_id}/{tail}"


AGGREGATE = ["participation", "participation/groups", "attainment19", "sixth-form", "roni/evaluation"]


@pytest.mark.parametrize("tail", [*AGGREGATE, "roni"])
def test_every_route_needs_sign_in_and_stays_in_the_council(pw: World, tail: str) -> None:
    assert_error(pw.client.get(path(pw, tail)), 401, "not_authenticated")
    assert_error(pw.client.get(path(pw, tail), headers=pw.as_["other_admin"]), 404, "not_found", pw.run_id)
    who = "admin" if tail == "roni" else "viewer"
    assert pw.client.get(path(pw, tail), headers=pw.as_[who]).status_code == 200


def test_participation_is_the_runs_against_the_target(pw: World) -> None:
    page = get(pw, path(pw, "participation"))
    frame = stored(pw, "post16", "participation")
    rows = pd.DataFrame(page["rows"])
    assert page["count"] == len(frame) > 0
    np.testing.assert_allclose(rows["la"].astype(float), frame["la"].astype(float), equal_nan=True)
    assert list(rows["rank"].fillna(-1)) == list(frame["rank"].fillna(-1))
    part = get(pw, path(pw, "participation"), measure="participation_pct")
    assert part["count"] == (frame["measure"] == "participation_pct").sum() > 0
    assert all(r["target"] == 95.0 for r in part["rows"])
    latest = max(r["year"] for r in part["rows"])
    one = get(pw, path(pw, "participation"), measure="participation_pct", year=latest)["rows"]
    assert len(one) == 1 and one[0]["meets_target"] == (one[0]["la"] >= 95.0)
    csv = pw.client.get(path(pw, "participation"), headers=pw.as_["viewer"], params={"format": "csv"})
    assert len(pd.read_csv(io.StringIO(csv.text))) == len(frame)


def test_groups_and_attainment_are_the_runs(pw: World) -> None:
    for tail, name in (("participation/groups", "groups"), ("attainment19", "attainment19")):
        page = get(pw, path(pw, tail))
        frame = stored(pw, "post16", name)
        assert page["count"] == len(frame) > 0
        np.testing.assert_allclose([r["la"] for r in page["rows"]], frame["la"].astype(float))


def test_sixth_form_demand_rows_and_totals(pw: World) -> None:
    page = get(pw, path(pw, "sixth-form"))
    frame, totals = stored(pw, "post16", "sixth_form"), stored(pw, "post16", "sixth_form_totals")
    assert page["count"] == len(frame) > 0 and len(page["totals"]) == len(totals)
    rows = pd.DataFrame(page["rows"])
    np.testing.assert_allclose(rows["pupils"], rows["year12"] + rows["year13"])
    np.testing.assert_allclose([t["pupils"] for t in page["totals"]], totals["pupils"])
    np.testing.assert_allclose(rows.groupby("year")["pupils"].sum(), totals.set_index("year")["pupils"])
    area = rows["planning_area_id"].iloc[0]
    one = get(pw, path(pw, "sixth-form"), planning_area_id=area, year=2026)
    assert {(r["planning_area_id"], r["year"]) for r in one["rows"]} == {(area, 2026)}


def test_model_evaluation_is_aggregate_and_for_everyone(pw: World) -> None:
    page = get(pw, path(pw, "roni/evaluation"))
    metrics = stored(pw, "post16", "roni_metrics").iloc[0]
    assert page["synthetic"] is True
    # Wherever the AUC is shown, so is what it cannot say.
    assert page["caveat"].startswith("Trained and tested on SYNTHETIC pupils") and page["caveat"] == metrics["caveat"]
    assert page["metrics"]["validated_on"].startswith("the latest cohort")
    assert page["metrics"]["roc_auc"] == pytest.approx(metrics["roc_auc"]) and page["metrics"]["n"] == metrics["n"]
    assert len(page["fairness"]) == len(stored(pw, "post16", "roni_fairness"))
    assert "pupil_ref" not in str(page)


@pytest.mark.parametrize("who", ["viewer", "planner"])
def test_the_pupil_list_is_forbidden_to_non_admins(pw: World, who: str) -> None:
    for params in ({}, {"format": "csv"}, {"factors": True}):
        response = pw.client.get(path(pw, "roni"), headers=pw.as_[who], params=params)
        error = assert_error(response, 403, "forbidden", "admin role")
        assert "pupil_ref" not in str(error)


def test_admins_get_the_ranked_pseudonymised_list(pw: World) -> None:
    response = pw.client.get(path(pw, "roni"), headers=pw.as_["admin"])
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = response.json()
    ranked = stored(pw, "post16", "roni_ranked")
    assert page["synthetic"] is True and page["count"] == len(ranked) > 0
    assert page["delete_after"] == ranked["delete_after"].iloc[0]
    assert page["flagged"] == int(ranked["flagged"].sum())
    rows = pd.DataFrame(page["rows"])
    assert list(rows["pupil_ref"]) == list(ranked["pupil_ref"]) and list(rows["rank"]) == list(range(1, len(rows) + 1))
    assert (rows["risk"].diff().dropna() <= 0).all()
    assert rows["pupil_ref"].str.fullmatch(r"[0-9a-f]{16}").all() and "pupil_id" not in rows

    flagged = get(pw, path(pw, "roni"), who="admin", flagged=True, ncy=[9, 10])
    assert flagged["count"] == (ranked["flagged"] & ranked["ncy"].isin([9, 10])).sum() > 0
    top = get(pw, path(pw, "roni"), who="admin", limit=5, factors=True)
    assert [r["pupil_ref"] for r in top["rows"]] == list(ranked["pupil_ref"].head(5))
    detail = stored(pw, "post16", "roni_factors")
    for row in top["rows"]:
        mine = detail[detail["pupil_ref"] == row["pupil_ref"]]
        assert [f["factor"] for f in row["factors"]] == list(mine["factor"])
        assert "; ".join(f["factor"] for f in row["factors"]) == row["top_factors"]
    csv = pw.client.get(path(pw, "roni"), headers=pw.as_["admin"], params={"format": "csv", "limit": 10})
    assert csv.headers["cache-control"] == "no-store" and "SYNTHETIC" in csv.headers["content-disposition"]
    assert list(pd.read_csv(io.StringIO(csv.text))["pupil_ref"]) == list(ranked["pupil_ref"].head(10))


def test_no_pupil_reference_reaches_the_logs(pw: World, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        page = get(pw, path(pw, "roni"), who="admin", factors=True)
        pw.client.get(path(pw, "roni"), headers=pw.as_["admin"], params={"format": "csv"})
        pw.client.get(path(pw, "roni"), headers=pw.as_["viewer"])
        pw.client.get(path(pw, "roni"), headers=pw.as_["admin"], params={"limit": "not a number"})
    refs = [r["pupil_ref"] for r in page["rows"]]
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert caplog.records and refs and not [ref for ref in refs if ref in logged]


def test_a_list_past_its_delete_after_date_is_deleted(pw: World, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = start_full_run(pw)  # its own run, so the other tests keep theirs
    listed = get(pw, f"/post16/runs/{run_id}/roni", who="admin", limit=1)
    expiry = dt.date.fromisoformat(listed["delete_after"])
    monkeypatch.setattr(retention, "today", lambda: expiry)
    assert get(pw, f"/post16/runs/{run_id}/roni", who="admin", limit=1)["count"] == 1  # the last day still serves
    monkeypatch.setattr(retention, "today", lambda: expiry + dt.timedelta(days=1))
    gone = pw.client.get(f"/post16/runs/{run_id}/roni", headers=pw.as_["admin"])
    assert_error(gone, 410, "retention_expired", "delete-after date", str(expiry), "post16.list_retention_days")
    again = pw.client.get(f"/post16/runs/{run_id}/roni", headers=pw.as_["admin"])
    assert_error(again, 404, "not_found", "no risk-of-NEET pupil list")
    section = get(pw, f"/runs/{run_id}/post16", who="admin")
    assert not {"roni_ranked", "roni_factors"} & {t["name"] for t in section["tables"]}
    assert get(pw, f"/post16/runs/{run_id}/roni/evaluation")["synthetic"] is True  # aggregates stay


@pytest.mark.parametrize("route", ["post16", "report.xlsx"])
def test_an_expired_list_leaves_by_no_other_route(pw: World, monkeypatch: pytest.MonkeyPatch, route: str) -> None:
    from openpyxl import load_workbook

    from sufficiency.app.store.retention import expired_runs, purge_expired

    run_id = start_full_run(pw)
    expiry = dt.date.fromisoformat(get(pw, f"/post16/runs/{run_id}/roni", who="admin", limit=1)["delete_after"])

    def personal_names() -> set[str]:
        if route == "post16":
            return {t["name"] for t in get(pw, f"/runs/{run_id}/post16", who="admin")["tables"]}
        body = pw.client.get(f"/runs/{run_id}/report.xlsx", headers=pw.as_["admin"])
        assert body.status_code == 200
        return {name for name in load_workbook(io.BytesIO(body.content), read_only=True).sheetnames}

    monkeypatch.setattr(retention, "today", lambda: expiry)
    assert any("roni_ranked" in n for n in personal_names())  # the admin still gets it on its last day
    monkeypatch.setattr(retention, "today", lambda: expiry + dt.timedelta(days=1))
    assert not any("roni_ranked" in n or "roni_factors" in n for n in personal_names())
    # and it is gone from the store, so a start-up purge finds nothing left
    with pw.client.app.state.sufficiency.sessions() as session:
        assert expired_runs(session, expiry + dt.timedelta(days=1), run_id) == []
        assert purge_expired(session, expiry + dt.timedelta(days=1), run_id) == []
