"""The admissions stage on the sample borough: before and after its plan, from the command line, with a
council's real applications (personal: admins only), and the validation of that table."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency.core.inputs import load_inputs, validate_folder
from sufficiency.core.result import run_scenario
from sufficiency.sample import sample_dir

YEAR = 2027  # the sample's plan adds secondary places that year


@pytest.fixture(scope="module")
def sample_run():
    inputs = load_inputs(sample_dir(), {"admissions": {"draws": 3}})
    return run_scenario(inputs, ["forecast", "plan", "admissions"], options={"years": [YEAR]})


def test_the_samples_top_three_rate_is_shown_before_and_after_its_plan(sample_run) -> None:
    result = sample_run.results["admissions"]
    assert result.plan_used and result.years == [YEAR]
    auth = result.measures[result.measures["planning_area_id"] == "all"].set_index(["phase", "case"])
    assert set(auth.index) == {(p, c) for p in ("primary", "secondary") for c in ("today", "plan")}
    for phase in ("primary", "secondary"):
        for case in ("today", "plan"):
            row = auth.loc[(phase, case)]
            assert 0 <= row["top_three_pct_lower"] <= row["top_three_pct"] <= row["top_three_pct_upper"] <= 100
            assert row["first_pct"] <= row["top_three_pct"]
            assert row["gap_to_target_pts"] == pytest.approx(90 - row["top_three_pct"])
    # The plan adds Year 7 places where families want them: more of them get a top-three preference,
    # beyond the reach of today's 80% interval.
    assert auth.loc[("secondary", "plan"), "top_three_pct"] > auth.loc[("secondary", "today"), "top_three_pct_upper"]
    # Every applicant of an area counts once: the areas add up to the authority.
    m = result.measures
    areas = m[(m["planning_area_id"] != "all") & (m["case"] == "today")].groupby("phase")["applicants"].sum()
    assert areas.to_dict() == pytest.approx(auth.xs("today", level="case")["applicants"].to_dict())


def test_no_school_is_offered_above_its_admission_number_and_calibration_holds(sample_run) -> None:
    result = sample_run.results["admissions"]
    schools = result.schools
    assert (schools["offers"] <= schools["admission_number"] + 1e-9).all()
    fit = result.calibration.dropna(subset=["observed_share"])
    assert (fit["observed_share"] - fit["model_share"]).abs().max() < 0.002


def test_the_report_has_the_admissions_section(sample_run) -> None:
    from admissions.report import sections

    section = sections(sample_run)[0]
    assert "90%" in section.title and any("with the plan" in p for p in section.paragraphs)
    captions = [caption for caption, _ in section.tables]
    assert any("DfE" in c for c in captions)


def test_the_headline_says_met_or_short_in_words_not_a_signed_gap(sample_run) -> None:
    from admissions.show import against_target, areas_brief, headline

    # A rate above the target is "met", by how much; below it, how far short (no sign for a reader to decode).
    assert against_target(-4.04, True) == "met, 4.0 pts above"
    assert against_target(3.8, False) == "3.8 pts short"
    assert against_target(0.0, True) == "met"
    assert against_target(0.02, False) == "under 0.1 pts short"
    table = headline(sample_run.results["admissions"]).set_index("phase")
    auth = sample_run.results["admissions"].measures
    auth = auth[auth["planning_area_id"] == "all"].set_index(["phase", "case"])
    for phase in ("primary", "secondary"):
        for case, label in (("today", "today's places"), ("plan", "with the plan")):
            shown = table.at[phase, f"against 90%, {label}"]
            assert shown.startswith("met") == bool(auth.at[(phase, case), "meets_target"]), shown
    # Applicants are families: whole numbers on every page (a report shows a float as 2,586.0).
    assert table["applicants"].dtype.kind == "i"
    assert areas_brief(sample_run.results["admissions"], YEAR)["applicants"].dtype.kind == "i"


def test_the_reports_admissions_table_writes_families_with_thousands_and_years_as_they_are(sample_run,
                                                                                          tmp_path: Path) -> None:
    from admissions.show import oversubscribed
    from reports import write_reports

    (page,) = write_reports(sample_run, tmp_path, ["html"])
    html = page.read_text(encoding="utf-8")
    auth = sample_run.results["admissions"].measures
    secondary = auth[(auth["planning_area_id"] == "all") & (auth["phase"] == "secondary")].iloc[0]
    families = round(secondary["applicants"])
    assert families >= 1000  # the sample's Year 7 applicants: enough to need a separator
    row = f'<td class="wrap">secondary</td><td class="wrap">{YEAR}</td><td class="num">{families:,}</td>'
    assert row in html  # the year as it is (not 2,027), the families with a thousands separator
    # Headers are words, not field names; whole numbers (admission numbers, % of draws) are shown whole.
    section = html[html.index("Admissions: families"):]
    section = section[:section.index("</section>")] if "</section>" in section else section
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", section)
    assert headers and not [h for h in headers if "_" in h], headers
    assert "Admission number" in headers and "Oversubscribed in (% of draws)" in headers
    over = oversubscribed(sample_run.results["admissions"], YEAR, "plan").iloc[0]
    table = section[section.index("Oversubscribed schools"):]
    table = table[:table.index("</table>")]
    assert f'<td class="num">{over["admission_number"]:.0f}</td>' in table  # 180, not 180.0
    assert f'<td class="num">{100 * over["oversubscribed_share"]:.0f}</td>' in table  # 100 (%), not 1.0


def write_preferences(folder: Path, rows: list[tuple]) -> None:
    pd.DataFrame(rows, columns=["application_id", "year", "ncy", "rank", "school_id", "distance_m", "looked_after",
                                "sibling"]).to_csv(folder / "preferences.csv", index=False)


def sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(sample_dir(), folder)
    return folder


def test_a_preferences_table_with_mistakes_is_refused_with_file_row_and_column(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path)
    write_preferences(folder, [("A1", 2024, 0, 1, "106283", 500, False, False),
                               ("A1", 2024, 0, 3, "106284", 900, False, False),  # no rank 2
                               ("A2", 2024, 0, 1, "999999", 300, False, False),  # no such school
                               ("A3", 2024, 0, 1, "106283", -5, False, False),  # a negative distance
                               ("A4", 2024, 0, 1, "106283", 100, False, False),
                               ("A4", 2024, 0, 2, "106283", 100, False, False)])  # the same school twice
    problems = [(p.file, p.row, p.column) for p in validate_folder(folder) if p.severity == "error"]
    assert ("preferences.csv", 2, "rank") in problems
    assert ("preferences.csv", 4, "school_id") in problems
    assert ("preferences.csv", 5, "distance_m") in problems
    assert ("preferences.csv", 7, "school_id") in problems


def real_applications(n: int = 400, seed: int = 0) -> list[tuple]:
    """Made-up anonymised Reception applications to the sample's primary schools (three preferences each)."""
    schools = pd.read_csv(sample_dir() / "schools.csv", dtype={"school_id": str})
    primary = schools[schools["phase"] == "primary"]["school_id"].to_numpy()
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        for rank, school in enumerate(rng.choice(primary[:8], 3, replace=False), start=1):
            rows.append((f"A{i:04d}", 2024, 0, rank, school, float(rng.uniform(100, 3000)), i % 97 == 0,
                         rank == 1 and i % 3 == 0))
    return rows


def test_real_applications_are_allocated_and_kept_personal(tmp_path: Path) -> None:
    from admissions.stage import STAGE

    folder = sample_copy(tmp_path)
    write_preferences(folder, real_applications())
    inputs = load_inputs(folder, {"admissions": {"draws": 2}})
    assert inputs.preferences is not None and len(inputs.preferences) == 1200
    result = run_scenario(inputs, ["forecast", "admissions"], options={"years": [2025]}).results["admissions"]
    tables = STAGE.result_tables(result)
    assert "applications" in STAGE.personal_tables and "applications" in tables
    offers = tables["applications"]
    assert len(offers) == 400 and offers["offered_rank"].between(-1, 3).all()
    # 400 families over 8 schools of 30 to 60 places: some are turned away from all three.
    counts = offers.dropna(subset=["offered_school_id"]).groupby("offered_school_id").size()
    pan = inputs.schools.set_index("school_id")["pan"]
    assert (counts <= pan.reindex(counts.index)).all()
    observed = tables["observed"].iloc[0]
    assert observed["case"] == "applications" and observed["applicants"] == 400
    assert observed["top_three_pct"] == pytest.approx(100 * float((offers["offered_rank"] >= 1).mean()))
    # Calibrated to the applications' first preferences, not the schools table's.
    fit = result.calibration[result.calibration["phase"] == "primary"].set_index("school_id")
    named = {r[4] for r in real_applications() if r[3] == 1}
    assert fit.loc[~fit.index.isin(named), "observed_share"].fillna(0).eq(0).all()


def test_the_command_line_writes_the_measures(tmp_path: Path) -> None:
    from sufficiency.cli import build_app

    out = tmp_path / "out"
    done = CliRunner().invoke(build_app(), ["admissions", str(sample_dir()), "--year", "2026", "--draws", "2",
                                            "--no-plan", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "top-three preference" in done.output
    written = pd.read_csv(out / "admissions_measures.csv")
    assert set(written["case"]) == {"today"} and set(written["year"]) == {2026}
    refused = CliRunner().invoke(build_app(), ["admissions", str(sample_dir()), "--year", "1999", "--no-plan",
                                               "--out", str(out)])
    assert refused.exit_code == 1 and "not a forecast year" in refused.output


def test_schools_without_locations_are_said_not_simulated(tmp_path: Path) -> None:
    """A council whose schools have no locations: the command says why it cannot simulate (exit 1), and a
    full run leaves the stage out with that reason instead of failing."""
    from sufficiency.cli import build_app
    from tests.reports.council import write_council

    folder = write_council(tmp_path / "council")
    done = CliRunner().invoke(build_app(), ["admissions", str(folder), "--draws", "2", "--no-plan",
                                            "--out", str(tmp_path / "out")])
    assert done.exit_code == 1, done.output
    assert "admissions not simulated" in done.output and "locations (x, y)" in done.output
    run = run_scenario(load_inputs(folder), ["forecast", "admissions"])
    assert "admissions" not in run.results
    assert "locations (x, y)" in run.provenance.skipped["admissions"]


@pytest.mark.slow
def test_the_api_serves_the_target_and_keeps_the_applications_for_admins(tmp_path: Path) -> None:
    from sufficiency.app.store.testing import sqlite_url
    from tests.api.conftest import make_world, wait_for

    folder = sample_copy(tmp_path)
    write_preferences(folder, real_applications(60))
    (folder / "scenario.yaml").write_text((folder / "scenario.yaml").read_text() + "admissions:\n  draws: 2\n")
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
             for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".md"]
    for world in make_world(sqlite_url(tmp_path), rate_limit_per_minute=100_000):
        uploaded = world.client.post("/datasets", headers=world.as_["admin"], files=files, data={"name": "with apps"})
        assert uploaded.status_code == 201, uploaded.text
        started = world.client.post("/runs", headers=world.as_["planner"], json={
            "dataset_id": uploaded.json()["id"], "kind": "stages", "stages": ["admissions"]})
        assert started.status_code == 202, started.text
        run = wait_for(world.client, started.json()["id"], world.as_["viewer"], seconds=600)
        assert run["status"] == "succeeded", run
        target = world.client.get(f"/admissions/runs/{run['id']}/target", headers=world.as_["viewer"])
        assert target.status_code == 200, target.text
        rows = target.json()["rows"]
        assert {r["phase"] for r in rows} == {"primary", "secondary"} and all(r["case"] == "today" for r in rows)
        measures = world.client.get(f"/admissions/runs/{run['id']}/measures?phase=secondary&year=2025&format=csv",
                                    headers=world.as_["viewer"])
        assert measures.status_code == 200 and measures.text.startswith("case,phase,year,planning_area_id")
        for path in (f"/admissions/runs/{run['id']}/applications", f"/runs/{run['id']}/stages/admissions/applications"):
            assert world.client.get(path, headers=world.as_["viewer"]).status_code == 403
            assert world.client.get(path, headers=world.as_["planner"]).status_code == 403
            shown = world.client.get(path, headers=world.as_["admin"])
            assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
            assert shown.json()["count"] == 60
            assert world.client.get(path, headers=world.as_["other_admin"]).status_code == 404
        assert world.client.get(f"/admissions/runs/{run['id']}/target").status_code == 401


def test_the_cost_against_preference_table_reads_as_given() -> None:
    from admissions.report import sections

    inputs = load_inputs(sample_dir(), {"admissions": {"draws": 2, "plan_check": {"popularity_weights": [1]}}})
    run = run_scenario(inputs, ["forecast", "plan", "admissions"], options={"years": [YEAR]})
    trade = run.results["admissions"].trade_off
    assert trade["plan"].tolist() == ["as run", "popularity weight 1"]
    shown = dict(sections(run)[0].tables)["Cost against preference: the plan and its re-plans (pounds, %)"]
    # The plan as run weighs popularity 0.25 (optimiser.rules.prefer_popular_good): shown as 0.25, not rounded.
    assert shown["popularity_weight"].tolist() == ["0.25", "1"]
    assert shown["capital"].tolist() == [round(v) for v in trade["capital"]]
