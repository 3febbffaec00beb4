"""The /standards routes over a full run of the sample borough: values, roles, councils, overrides, escalation."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.app.store.testing import postgres_schema, postgres_url, sqlite_url
from tests.api.conftest import World, wait_for
from tests.api.strategy_world import stored, strategy_world
from tests.api.test_security import assert_error

REASON = "Monitoring visit in October found the new leadership has turned attendance round."


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sw(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Council A with a finished full run, on SQLite and then on PostgreSQL (skipped with the reason)."""
    if request.param == "sqlite":
        yield from strategy_world(sqlite_url(Path(tmp_path_factory.mktemp("standards"))))
        return
    url, reason = postgres_url()
    if url is None:
        pytest.skip(reason)
    with postgres_schema(url) as scoped:
        yield from strategy_world(scoped)


def get(world: World, path: str, who: str = "viewer", **params) -> dict:
    response = world.client.get(path, headers=world.as_[who], params=params)
    assert response.status_code == 200, response.text
    return response.json()


def risk_path(world: World, tail: str = "risk") -> str:
    return f"/standards/runs/{world.run_id}/{tail}"


def expected_risk(world: World) -> pd.DataFrame:
    """The run's stored risk list with the latest override of each school and year applied, by hand."""
    schools = stored(world, "standards", "risk_schools").astype({"school_id": str}).set_index("school_id")
    for override in get(world, "/standards/overrides"):
        if override["year"] == schools.loc[override["school_id"], "year"]:
            schools.loc[override["school_id"], "category"] = override["category"]
    return schools


def school_of(world: World, governance: tuple[str, ...], skip: int = 0) -> str:
    schools = stored(world, "standards", "risk_schools")
    return str(schools[schools["governance"].isin(governance)]["school_id"].astype(str).iloc[skip])


ROUTES = ["risk", "risk/106285", "risk-summary", "kpis/primary", "kpis/secondary", "benchmark", "targets"]


@pytest.mark.parametrize("tail", ROUTES)
def test_every_read_needs_sign_in_and_stays_in_the_council(sw: World, tail: str) -> None:
    path = risk_path(sw, tail)
    assert_error(sw.client.get(path), 401, "not_authenticated", "Sign in")
    assert_error(sw.client.get(path, headers=sw.as_["other_admin"]), 404, "not_found", sw.run_id)
    assert sw.client.get(path, headers=sw.as_["viewer"]).status_code == 200


def test_risk_list_and_counts_are_the_runs_own(sw: World) -> None:
    page = get(sw, risk_path(sw))
    expected = expected_risk(sw)
    rows = pd.DataFrame(page["rows"]).set_index("school_id")
    assert page["count"] == len(rows) == len(expected) > 0
    assert page["year"] == int(expected["year"].max())
    assert (rows["category"] == expected["category"].reindex(rows.index)).all()
    assert (rows["computed_category"] == expected["computed_category"].reindex(rows.index)).all()
    assert page["counts"] == {c: int((expected["category"] == c).sum()) for c in ("Red", "Amber", "Yellow", "Green")}
    fired = stored(sw, "standards", "risk_rules_fired").astype({"school_id": str})
    fired = fired[fired["year"] == page["year"]]
    for school, row in rows.iterrows():
        assert sorted(r["rule_id"] for r in row["reasons"]) == sorted(fired[fired["school_id"] == school]["rule_id"])
        assert "; ".join(r["rule_id"] for r in row["reasons"]) == (expected.loc[school, "rules_fired"] or "")
        assert all(r["reason"] and r["description"] for r in row["reasons"])
        # Each reason carries its evidence, as the run recorded it.
        for reason in row["reasons"]:
            recorded = fired[(fired["school_id"] == school) & (fired["rule_id"] == reason["rule_id"])].iloc[0]
            assert reason["evidence"] == recorded["evidence"] and reason["year_label"] == recorded["year_label"]
            assert reason["school_value"] == pytest.approx(recorded["school_value"])
            assert reason["comparison_basis"] == recorded["comparison_basis"] and reason["unit"]


def test_risk_filters_and_csv(sw: World) -> None:
    everything = pd.DataFrame(get(sw, risk_path(sw))["rows"])
    primary = pd.DataFrame(get(sw, risk_path(sw), phase="primary")["rows"])
    assert len(primary) == (everything["phase"] == "primary").sum() > 0 and (primary["phase"] == "primary").all()
    amber = get(sw, risk_path(sw), category=["Amber", "Red"])
    assert amber["count"] == everything["category"].isin(["Amber", "Red"]).sum() > 0
    one = get(sw, risk_path(sw), school_id="106285")
    assert [r["school_id"] for r in one["rows"]] == ["106285"]
    assert get(sw, risk_path(sw, "risk/106285")) == one["rows"][0]
    csv = sw.client.get(risk_path(sw), headers=sw.as_["viewer"], params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(csv.text), dtype={"school_id": str})
    assert list(frame["school_id"]) == list(everything["school_id"])
    assert list(frame["category"]) == list(everything["category"])
    missing = sw.client.get(risk_path(sw, "risk/999999"), headers=sw.as_["viewer"])
    assert_error(missing, 404, "not_found", "999999", "GET /standards/runs/")


def test_risk_summary_counts_each_phase_and_compares_with_last_year(sw: World) -> None:
    summary = get(sw, risk_path(sw, "risk-summary"))
    rows = pd.DataFrame(summary["rows"]).set_index(["phase", "category"])
    expected = expected_risk(sw)
    for (phase, category), row in rows.iterrows():
        chosen = expected if phase == "all" else expected[expected["phase"] == phase]
        assert row["this_year"] == (chosen["category"] == category).sum()
    run_summary = stored(sw, "standards", "risk_summary").set_index(["phase", "category"])
    assert (rows["last_year"] == run_summary["last_year"].reindex(rows.index)).all()
    np.testing.assert_array_equal(rows["change"], rows["this_year"] - rows["last_year"])
    assert summary["overrides_applied"] == len({o["school_id"] for o in get(sw, "/standards/overrides")})


@pytest.mark.parametrize(("table", "name"), [("primary", "kpi_table_one_primary"),
                                             ("secondary", "kpi_table_two_secondary")])
def test_kpi_tables_are_the_runs_with_not_available_as_null(sw: World, table: str, name: str) -> None:
    page = get(sw, risk_path(sw, f"kpis/{table}"))
    frame = stored(sw, "standards", name)
    rows = pd.DataFrame(page["rows"])
    assert page["count"] == len(frame) > 0 and list(rows["kpi_id"]) == list(frame["kpi_id"])
    np.testing.assert_allclose(rows["value"].astype(float), frame["value"].astype(float), equal_nan=True)
    missing = frame["value"].isna()
    assert rows.loc[missing.to_numpy(), "value"].isna().all()  # never 0 for missing data
    csv = pd.read_csv(io.StringIO(sw.client.get(risk_path(sw, f"kpis/{table}"), headers=sw.as_["viewer"],
                                                params={"format": "csv"}).text))
    assert list(csv["kpi_id"]) == list(frame["kpi_id"])
    assert_error(sw.client.get(risk_path(sw, "kpis/tertiary"), headers=sw.as_["viewer"]), 422, "invalid")


def test_benchmark_and_targets_are_the_runs(sw: World) -> None:
    bench = get(sw, risk_path(sw, "benchmark"))
    frame = stored(sw, "standards", "benchmark")
    assert bench["count"] == len(frame) > 0
    assert [r["rank"] for r in bench["rows"]] == [None if np.isnan(v) else int(v) for v in frame["rank"]]
    topic = frame["topic"].iloc[0]
    assert get(sw, risk_path(sw, "benchmark"), topic=topic)["count"] == (frame["topic"] == topic).sum()
    targets = get(sw, risk_path(sw, "targets"))
    frame = stored(sw, "standards", "targets")
    assert [r["status"] for r in targets["rows"]] == list(frame["status"])
    assert [r["indicator"] for r in targets["rows"]] == list(frame["indicator"])


def test_a_run_without_standards_answers_404_saying_how_to_get_them(sw: World) -> None:
    started = sw.client.post("/runs", headers=sw.as_["planner"], json={"dataset_id": sw.dataset_id, "kind": "forecast"})
    run = wait_for(sw.client, started.json()["id"], sw.as_["viewer"])
    response = sw.client.get(f"/standards/runs/{run['id']}/risk", headers=sw.as_["viewer"])
    assert_error(response, 404, "not_found", "has no standards results", "'full' run")


def test_overrides_are_planners_audited_and_applied(sw: World) -> None:
    school = school_of(sw, ("maintained",), skip=3)
    before = get(sw, risk_path(sw, f"risk/{school}"))
    new = next(c for c in ("Red", "Green") if c != before["category"])
    body = {"run_id": sw.run_id, "school_id": school, "category": new, "reason": REASON, "date": "2025-10-03"}
    assert_error(sw.client.post("/standards/overrides", headers=sw.as_["viewer"], json=body), 403, "forbidden",
                 "planner role")
    assert_error(sw.client.post("/standards/overrides", json=body), 401, "not_authenticated")
    made = sw.client.post("/standards/overrides", headers=sw.as_["planner"], json=body)
    assert made.status_code == 201, made.text
    record = made.json()
    assert record["author"] == "planner@trafford.example" and record["category"] == new
    assert record["computed_category"] == before["computed_category"] and record["year"] == before["year"]
    assert record["date"] == "2025-10-03" and record["run_id"] == sw.run_id

    after = get(sw, risk_path(sw, f"risk/{school}"))
    assert after["category"] == new and after["computed_category"] == before["computed_category"]
    assert after["override_reason"] == REASON and after["override_author"] == "planner@trafford.example"
    assert after["override_date"] == "2025-10-03"
    counts = get(sw, risk_path(sw))["counts"]
    assert counts == {c: int((expected_risk(sw)["category"] == c).sum()) for c in counts}

    # Withdrawing is a second override back to the computed category; both stay in the trail.
    back = dict(body, category=before["computed_category"], reason="Withdrawn: the October concerns were confirmed.")
    assert sw.client.post("/standards/overrides", headers=sw.as_["planner"], json=back).status_code == 201
    trail = get(sw, "/standards/overrides", school_id=school)
    assert [o["category"] for o in trail] == [new, before["computed_category"]]
    assert get(sw, risk_path(sw, f"risk/{school}"))["category"] == before["computed_category"]
    assert get(sw, f"/standards/overrides/{record['id']}") == record

    # The trail cannot be edited, and another council sees none of it.
    for method in ("PATCH", "PUT", "DELETE"):
        response = sw.client.request(method, f"/standards/overrides/{record['id']}", headers=sw.as_["admin"], json={})
        assert_error(response, 405, "method_not_allowed", "accepts GET")
    assert get(sw, "/standards/overrides", who="other_admin") == []
    assert_error(sw.client.get(f"/standards/overrides/{record['id']}", headers=sw.as_["other_admin"]), 404, "not_found")
    assert_error(sw.client.post("/standards/overrides", headers=sw.as_["other_admin"], json=body), 404, "not_found")


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"reason": "too short"}, 422, ("at least 15",)),
    ({"category": "Purple"}, 422, ()),
    ({"school_id": "999999"}, 422, ("999999", "was not assessed")),
    ({"year": 2019}, 422, ("was not assessed in 2019",)),
    ({"date": "2999-01-01"}, 422, ("after today",)),
    ({"run_id": "0" * 32}, 404, ("No run",)),
])
def test_overrides_refused_say_why(sw: World, change: dict, status: int, words: tuple[str, ...]) -> None:
    body = {"run_id": sw.run_id, "school_id": school_of(sw, ("maintained",)), "category": "Red", "reason": REASON}
    response = sw.client.post("/standards/overrides", headers=sw.as_["planner"], json={**body, **change})
    assert_error(response, status, "invalid" if status == 422 else "not_found", *words)


def _step(world: World, school: str, step: str, date: str, who: str = "planner"):
    return world.client.post(f"/standards/escalations/{school}/steps", headers=world.as_[who],
                             json={"step": step, "date": date, "note": f"{step} recorded"})


def test_escalation_of_a_maintained_school_follows_the_procedure(sw: World) -> None:
    school = school_of(sw, ("maintained",))
    opened_body = {"run_id": sw.run_id, "school_id": school, "date": "2025-09-10", "note": "Amber this autumn."}
    assert_error(sw.client.post("/standards/escalations", headers=sw.as_["viewer"], json=opened_body), 403, "forbidden")
    opened = sw.client.post("/standards/escalations", headers=sw.as_["planner"], json=opened_body)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["governance"] == "maintained" and case["open"] and case["current_step"] == "concern_raised"
    assert [s["step"] for s in case["allowed_next"]] == ["communicated", "resolved"]
    assert case["steps"][0]["actor"] == "planner@trafford.example" and case["steps"][0]["run_id"] == sw.run_id

    again = sw.client.post("/standards/escalations", headers=sw.as_["planner"], json=opened_body)
    assert_error(again, 409, "illegal_transition", "is at 'concern raised'", "Allowed next")
    skip = _step(sw, school, "warning_notice", "2025-09-20")
    error = assert_error(skip, 409, "illegal_transition", school, "'statutory warning notice' is not allowed next",
                         "'communicated to the headteacher and chair of governors'", "'resolved'")
    assert error["problems"] == []
    assert_error(_step(sw, school, "communicated", "2025-09-01"), 409, "illegal_transition", "before the last step")
    assert_error(_step(sw, school, "communicated", "2025-09-20", who="viewer"), 403, "forbidden")
    assert_error(_step(sw, school, "inspection", "2025-09-20"), 422, "invalid")

    for step, date in (("communicated", "2025-09-15"), ("support_brokered", "2025-10-01"),
                       ("pre_warning_notice", "2025-11-01")):
        response = _step(sw, school, step, date)
        assert response.status_code == 201, response.text
    assert_error(_step(sw, school, "trust_letter", "2025-11-02"), 409, "illegal_transition", "a maintained school")
    case = _step(sw, school, "warning_notice", "2025-12-01").json()
    assert [s["step"] for s in case["allowed_next"]] == ["additional_governors", "interim_executive_board",
                                                         "budget_suspension", "academy_order", "resolved"]
    assert [s["seq"] for s in case["steps"]] == [1, 2, 3, 4, 5]
    # The statutory interventions: an interim executive board, then only an academy order (or resolution).
    case = _step(sw, school, "interim_executive_board", "2025-12-10").json()
    assert [s["step"] for s in case["allowed_next"]] == ["academy_order", "resolved"]
    assert_error(_step(sw, school, "additional_governors", "2025-12-11"), 409, "illegal_transition",
                 "'academy order (Academies Act 2010, s.4)', 'resolved'")
    assert school in [c["school_id"] for c in get(sw, "/standards/escalations")]
    case = _step(sw, school, "resolved", "2026-01-15").json()
    assert not case["open"] and [s["step"] for s in case["allowed_next"]] == ["concern_raised"]
    assert case["next_review"] is None and case["steps"][-1]["next_review"] is None
    assert school not in [c["school_id"] for c in get(sw, "/standards/escalations")]
    assert school in [c["school_id"] for c in get(sw, "/standards/escalations", status="resolved")]
    assert get(sw, f"/standards/escalations/{school}") == case

    # A resolved school can have a new concern raised; the history is kept.
    reopened = sw.client.post("/standards/escalations", headers=sw.as_["planner"],
                              json={**opened_body, "date": "2026-02-01"}).json()
    assert reopened["open"] and reopened["opened_on"] == "2026-02-01" and len(reopened["steps"]) == 8


def test_escalation_of_an_academy_goes_through_the_trust(sw: World) -> None:
    school = school_of(sw, ("academy", "free"))
    opened = sw.client.post("/standards/escalations", headers=sw.as_["planner"],
                            json={"run_id": sw.run_id, "school_id": school, "date": "2025-09-10"})
    assert opened.status_code == 201, opened.text
    for step, date in (("communicated", "2025-09-12"), ("support_brokered", "2025-09-30")):
        assert _step(sw, school, step, date).status_code == 201
    assert_error(_step(sw, school, "pre_warning_notice", "2025-10-01"), 409, "illegal_transition", "an academy",
                 "'letter to the trust'")
    for step, date in (("trust_letter", "2025-10-02"), ("challenge_meeting", "2025-10-20"),
                       ("termly_update", "2026-01-10"), ("termly_update", "2026-04-10")):
        assert _step(sw, school, step, date).status_code == 201
    case = get(sw, f"/standards/escalations/{school}")
    assert case["governance"] in ("academy", "free") and case["current_step"] == "termly_update"
    assert [s["step"] for s in case["allowed_next"]] == ["termly_update", "statement_of_action", "referral",
                                                         "resolved"]
    assert_error(_step(sw, school, "interim_executive_board", "2026-04-20"), 409, "illegal_transition", "an academy")
    for step, date in (("statement_of_action", "2026-04-20"), ("referral", "2026-05-01")):
        assert _step(sw, school, step, date).status_code == 201
    case = get(sw, f"/standards/escalations/{school}")
    assert case["current_label"] == "referred to the Regional Director / HMCI"
    assert [s["step"] for s in case["allowed_next"]] == ["termly_update", "resolved"]


def test_escalations_stay_in_the_council(sw: World) -> None:
    school = school_of(sw, ("maintained",), skip=1)
    assert sw.client.post("/standards/escalations", headers=sw.as_["planner"],
                          json={"run_id": sw.run_id, "school_id": school}).status_code == 201
    assert get(sw, "/standards/escalations", who="other_admin", status="all") == []
    assert_error(sw.client.get(f"/standards/escalations/{school}", headers=sw.as_["other_admin"]), 404, "not_found",
                 "POST /standards/escalations")
    assert_error(_step(sw, school, "communicated", "2025-10-01", who="other_admin"), 404, "not_found")
    assert_error(sw.client.post("/standards/escalations", headers=sw.as_["other_admin"],
                                json={"run_id": sw.run_id, "school_id": school}), 404, "not_found", sw.run_id)
    assert_error(sw.client.get("/standards/escalations"), 401, "not_authenticated")
    assert_error(sw.client.post("/standards/escalations", headers=sw.as_["planner"],
                                json={"run_id": sw.run_id, "school_id": "999999"}), 422, "invalid", "not assessed")
    assert_error(_step(sw, "999999", "communicated", "2025-10-01"), 404, "not_found")


def test_overdue_reviews_and_escalation_outcomes(sw: World) -> None:
    school = school_of(sw, ("maintained",), skip=2)
    opened = sw.client.post("/standards/escalations", headers=sw.as_["planner"],
                            json={"run_id": sw.run_id, "school_id": school, "date": "2025-09-10",
                                  "next_review": "2025-10-01"})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["next_review"] == "2025-10-01" and case["overdue"]  # long past
    late = {r["school_id"]: r for r in get(sw, "/standards/escalations-overdue")}
    assert late[school]["next_review"] == "2025-10-01" and late[school]["step"] == "concern_raised"
    assert late[school]["days_overdue"] > 365
    bad = sw.client.post(f"/standards/escalations/{school}/steps", headers=sw.as_["planner"],
                         json={"step": "communicated", "date": "2025-09-20", "next_review": "2025-09-19"})
    assert_error(bad, 422, "invalid", "must come after the step")
    page = get(sw, risk_path(sw, "escalation-outcomes"))
    rows = {r["school_id"]: r for r in page["rows"]}
    risk = stored(sw, "standards", "risk_all_years").astype({"school_id": str})
    mine = risk[risk["school_id"] == school].set_index("year")
    # Opened in September 2025: academic year 2025; the category then is the latest year assessed up to it.
    assert rows[school]["opened_year"] == 2025
    assert rows[school]["category_when_opened"] == mine.loc[mine.index.max(), "category"]
    assert rows[school]["outcome"] == "not assessed since"
