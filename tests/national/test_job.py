"""A national run on a LocalCluster of two processes gives, authority by authority, what each authority
gives run alone (to the pupil); a failing authority goes to the failures table; a second run resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from national.authority import Settings
from national.build import SHIPPED
from national.folder import Authority, authority_folder
from national.job import run_national
from national.montecarlo import places_needed_paths
from national.tables import ACCURACY_COLUMNS
from sufficiency.core.inputs import load_inputs
from sufficiency.core.phases import PHASE_NCY
from sufficiency.core.result import run_scenario
from tests.national.conftest import FAILING, SMALL

SETTINGS = Settings(n_paths=200, chunk=64)

pytestmark = pytest.mark.slow


def _alone(folder: Path, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An authority's data folder run alone, as a council runs its own: places needed by phase, and paths."""
    inputs = load_inputs(folder, {"la_code": code})
    forecast = run_scenario(inputs, ["forecast"]).results["forecast"]
    before = forecast.sufficiency_before
    phase = before["ncy"].map({n: p for p, group in PHASE_NCY.items() for n in group})
    places = before.assign(phase=phase).groupby(["phase", "year"], as_index=False)[
        ["pupils", "places", "places_needed"]].sum()
    return places, places_needed_paths(forecast, before, SETTINGS.n_paths, code, SETTINGS.chunk)


@pytest.fixture(scope="module")
def national(client: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("national")
    return run_national(SHIPPED, out, SETTINGS, client=client, codes=[*SMALL, FAILING], show=False)


def test_the_gathered_tables_equal_each_authority_run_alone(national: Any, tmp_path: Path) -> None:
    table = national.tables["places_needed"]
    assert sorted(table["la_code"].unique()) == sorted(SMALL)
    for code in SMALL:
        places, paths = _alone(authority_folder(SHIPPED, Authority(code), tmp_path), code)
        mine = table[table["la_code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[["phase", "year", "pupils", "places", "places_needed"]],
                                      places.reset_index(drop=True), check_dtype=False)
        assert (np.round(mine["places_needed"]) == np.round(places["places_needed"])).all()  # to the pupil
        pd.testing.assert_frame_equal(mine[paths.columns].reset_index(drop=True), paths, check_dtype=False)
    assert set(national.worker_peak_memory) and national.workers == 2


def test_each_authority_is_scored_on_its_own_past_years_as_if_run_alone(national: Any, tmp_path: Path) -> None:
    scored = national.tables["accuracy"]
    assert sorted(scored["la_code"].unique()) == sorted(SMALL)
    for code in SMALL:
        inputs = load_inputs(authority_folder(SHIPPED, Authority(code), tmp_path / code), {"la_code": code})
        alone = run_scenario(inputs, ["accuracy"]).results["accuracy"].headline()
        mine = scored[scored["la_code"] == code].reset_index(drop=True)
        columns = ACCURACY_COLUMNS[2:]  # each authority is one planning area: no area columns of its own
        pd.testing.assert_frame_equal(mine[columns], alone[columns], check_dtype=False)
    # Kensington and Chelsea has its own forecasts in the scorecards; the City of London has none published.
    kc = scored[(scored["la_code"] == "207") & (scored["horizon"] == 1)]
    assert kc["council_n"].eq(3).all() and kc["council_ape"].notna().all()
    assert scored.loc[scored["la_code"] == "201", "council_ape"].isna().all()
    england = national.tables["accuracy_england"].set_index(["phase", "horizon"])
    one = scored[(scored["phase"] == "primary") & (scored["horizon"] == 1)]
    row = england.loc[("primary", 1)]
    assert row["authorities"] == 3 and row["median_ape"] == pytest.approx(one["authority_ape"].median())
    assert row["share_better_than_baseline"] == pytest.approx(
        (one["authority_ape"] < one["baseline_authority_ape"]).mean())
    assert row["council_authorities"] == one["council_ape"].notna().sum()
    assert (national.out / "accuracy.csv").is_file() and (national.out / "accuracy_england.csv").is_file()


def test_a_failing_authority_is_a_row_of_the_failures_table_and_the_job_goes_on(national: Any) -> None:
    failures = national.tables["failures"]
    assert list(failures["la_code"]) == [FAILING]
    assert failures["step"].iloc[0] == "load" and "admission number" in failures["reason"].iloc[0]
    assert national.statuses == {**dict.fromkeys(SMALL, "succeeded"), FAILING: "failed"}
    assert (national.out / "failures.csv").is_file() and (national.out / "places_needed.csv").is_file()


def test_chances_and_intervals_are_consistent(national: Any) -> None:
    table = national.tables["places_needed"]
    assert table["chance_short"].between(0, 1).all()
    assert (table["lower_95"] <= table["lower_80"] + 1e-6).all() and (table["lower_80"] <= table["median"] + 1e-6).all()
    assert (table["median"] <= table["upper_80"] + 1e-6).all() and (table["upper_80"] <= table["upper_95"] + 1e-6).all()
    short = national.tables["authorities_short"]
    assert set(short["la_code"]) <= set(SMALL)
    england = national.tables["england"]
    assert england["places_needed"].sum() == pytest.approx(table["places_needed"].sum())
    assert england["expected_short"].sum() == pytest.approx(table["chance_short"].sum())
    assert (england["authorities_short"] <= england["authorities"]).all()


def test_a_second_run_resumes_skipping_finished_authorities_and_retrying_failed_ones(national: Any,
                                                                                       client: Any) -> None:
    seen: list[tuple[str, str]] = []
    again = run_national(SHIPPED, national.out, SETTINGS, client=client, codes=[*SMALL, FAILING], show=False,
                         on_status=lambda code, status, _reason: seen.append((code, status)))
    assert again.statuses == {**dict.fromkeys(SMALL, "skipped"), FAILING: "failed"}
    assert ("201", "skipped") in seen and (FAILING, "queued") in seen
    pd.testing.assert_frame_equal(again.tables["places_needed"], national.tables["places_needed"])


def test_the_sub_folder_form_and_a_task_per_step_give_the_same_tables(national: Any, client: Any,
                                                                      tmp_path: Path) -> None:
    data = tmp_path / "data"
    for code in SMALL:
        authority_folder(SHIPPED, Authority(code), data)
    other = run_national(data, tmp_path / "out", SETTINGS, client=client, show=False, fused=False)
    mine = other.tables["places_needed"].drop(columns="la_name")
    theirs = national.tables["places_needed"].drop(columns="la_name")
    pd.testing.assert_frame_equal(mine, theirs)


def test_a_lost_worker_is_replaced_and_its_tasks_run_again(client: Any, tmp_path: Path) -> None:
    """A worker killed while the job goes: its tasks run again on another, every authority still succeeds
    (the cluster's nanny starts a new worker in its place, for the tests after this one)."""
    import os
    import signal

    killed: list[int] = []

    def kill_a_worker(_code: str, status: str, _reason: str | None) -> None:
        if status == "succeeded" and not killed:
            pid = sorted(client.run(os.getpid).values())[0]  # a worker process this test's cluster started
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    codes = [*SMALL, "202", "205", "206"]
    result = run_national(SHIPPED, tmp_path, SETTINGS, client=client, codes=codes, on_status=kill_a_worker,
                          show=False)
    assert killed
    assert result.statuses == dict.fromkeys(codes, "succeeded")
    assert sorted(result.tables["places_needed"]["la_code"].unique()) == sorted(codes)


def test_with_plan_each_authority_has_its_programme_cost(client: Any, tmp_path: Path) -> None:
    result = run_national(SHIPPED, tmp_path, Settings(n_paths=50, plan=True), client=client, codes=["201", "207"],
                          show=False)
    costs = result.tables["programme_cost"].set_index("la_code")
    assert sorted(costs.index) == ["201", "207"]
    assert (costs["solver_status"] != "").all() and (costs["capital"] >= 0).all()
    assert costs.loc["201", "places_added"] > 0  # the City of London is short of primary places


def test_an_existing_scheduler_is_used_by_its_address(client: Any, tmp_path: Path) -> None:
    announced: list[str] = []
    result = run_national(SHIPPED, tmp_path, SETTINGS, scheduler=client.scheduler.address, codes=["201"],
                          show=False, announce=announced.append)
    assert result.statuses == {"201": "succeeded"}
    assert client.scheduler.address in announced[0]


def test_without_accuracy_no_scores_are_made_and_the_summary_says_so(tmp_path: Path) -> None:
    import json

    from national.authority import run_authority

    quiet = Settings(n_paths=50, chunk=50, accuracy=False)
    summary = run_authority(SHIPPED, Authority("207"), tmp_path, quiet)
    assert summary["accuracy"] == "not asked for"
    folder = tmp_path / "authorities" / "207"
    assert not (folder / "accuracy.csv").exists()
    assert json.loads((folder / "summary.json").read_text())["accuracy"] == "not asked for"
    assert quiet.key != Settings(n_paths=50, chunk=50).key  # a resumed run with scores asked for runs it again
