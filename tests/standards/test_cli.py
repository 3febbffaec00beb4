"""The ``sufficiency standards`` commands on a copy of the sample borough."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from standards.config import StandardsConfig
from standards.lait import DATA_DIR
from standards.overrides import Override
from standards.result import run_standards
from standards.trail import override_frame, steps
from sufficiency.app.store.testing import organisation_trail
from sufficiency.cli import app

runner = CliRunner()


@pytest.fixture()
def folder(sample_copy: Path) -> Path:
    """The sample borough with the standards module's school indicators added."""
    shutil.copy(DATA_DIR / "sample_school_indicators.csv", sample_copy / "school_indicators.csv")
    shutil.copy(DATA_DIR / "trafford_targets.yaml", sample_copy / "targets.yaml")
    return sample_copy


def test_standards_command_prints_and_writes_csv(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["standards", str(folder), "--la", "E08000009", "--targets",
                                 "targets.yaml", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("Schools by risk category", "KPI table one: primary", "KPI table two: secondary",
                 "Strategy targets", "Against every English LA", "not available"):
        assert text in result.output
    written = {p.name for p in out.iterdir()}
    assert {"standards_risk_schools.csv", "standards_risk_summary.csv",
            "standards_kpi_table_one_primary.csv", "standards_kpi_table_two_secondary.csv",
            "standards_benchmark.csv", "standards_targets.csv"} <= written
    kpi = pd.read_csv(out / "standards_kpi_table_one_primary.csv", keep_default_na=False)
    recheck = kpi.set_index("kpi_id").loc["phonics_y2_recheck"]
    assert recheck["value"] == "not available" and recheck["national"] == "not available"
    schools = pd.read_csv(out / "standards_risk_schools.csv", dtype={"school_id": str})
    assert len(schools) == 85 and set(schools["category"]) <= {"Red", "Amber", "Yellow", "Green"}


def test_cli_matches_the_pure_function(folder: Path, tmp_path: Path, sample_inputs) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["standards", str(folder), "--la", "Trafford", "--out", str(out)])
    written = pd.read_csv(out / "standards_risk_summary.csv")
    indicators = pd.read_csv(DATA_DIR / "sample_school_indicators.csv", dtype=str)
    result = run_standards(indicators, sample_inputs.schools, sample_inputs.rolls,
                           StandardsConfig(), la="358")
    assert written["this_year"].tolist() == result.risk_summary["this_year"].tolist()
    # The capital report's annex: risk and Ofsted for schools proposed for expansion.
    flags = result.flags_for(["106283", "no-such-school"]).set_index("school_id")
    assert flags.loc["106283", "ofsted"] == "Good"
    assert flags.loc["no-such-school", "category"] == "not assessed"


def test_folder_without_indicators_is_explained(sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "school_indicators.csv").unlink(missing_ok=True)
    result = runner.invoke(app, ["standards", str(sample_copy), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no school_indicators file" in " ".join(result.output.split())


def test_override_and_escalation_commands(folder: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "standards.db")  # a SQLite file, or a database URL
    ok = runner.invoke(app, ["standards-override", str(folder), "106283", "2024", "Amber",
                             "--store", store, "--organisation", "Trafford Council",
                             "--reason", "Interim head since Easter; governors asked for help",
                             "--author", "C Adviser", "--date", "2025-10-01"])
    assert ok.exit_code == 0, ok.output
    # Navigation Primary meets no rule in 2024 in the sample: the rules say Green.
    assert "computed Green, now Amber" in " ".join(ok.output.split())
    assert "Organisation 'Trafford Council' created" in ok.output
    short = runner.invoke(app, ["standards-override", str(folder), "106283", "2024", "Amber",
                                "--store", store, "--reason", "because", "--author", "C"])
    assert short.exit_code == 1 and "at least 15 characters" in " ".join(short.output.split())
    future = runner.invoke(app, ["standards-override", str(folder), "106283", "2024", "Red", "--store", store,
                                 "--reason", "Dated ahead of the decision, by mistake", "--author", "C",
                                 "--date", "2999-01-01"])
    assert future.exit_code == 1 and "after today" in " ".join(future.output.split())
    illegal = runner.invoke(app, ["standards-escalate", str(folder), "106283", "communicated",
                                  "--store", store, "--actor", "C Adviser"])
    assert illegal.exit_code == 1 and "no open concern" in " ".join(illegal.output.split())
    raised = runner.invoke(app, ["standards-escalate", str(folder), "106283", "concern_raised",
                                 "--store", store, "--actor", "C Adviser"])
    assert raised.exit_code == 0
    assert "Allowed next: communicated, resolved" in " ".join(raised.output.split())
    out = tmp_path / "out"
    run = runner.invoke(app, ["standards", str(folder), "--store", store, "--out", str(out)])
    assert run.exit_code == 0, run.output
    schools = pd.read_csv(out / "standards_risk_schools.csv", dtype={"school_id": str},
                          keep_default_na=False).set_index("school_id")
    row = schools.loc["106283"]
    assert row["category"] == "Amber" and row["override_author"] == "C Adviser"
    assert row["computed_category"] == "Green"
    # The store's audit trail and escalation history are listed and written beside the results.
    assert "Open escalation cases" in run.output
    trail = pd.read_csv(out / "standards_overrides.csv", dtype={"school_id": str})
    assert trail[["school_id", "category", "computed_category", "author"]].values.tolist() == [
        ["106283", "Amber", "Green", "C Adviser"]]
    steps = pd.read_csv(out / "standards_escalations.csv", dtype={"school_id": str})
    assert steps[["school_id", "seq", "step_text", "governance"]].values.tolist() == [
        ["106283", 1, "concern raised", "maintained"]]


def test_the_commands_use_the_configured_store_and_say_whose_trail(folder: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    monkeypatch.setenv("SUFFICIENCY_DATABASE_URL", url)
    override = ["standards-override", str(folder), "106283", "2024", "Red", "--author", "C Adviser",
                "--reason", "Safeguarding concerns raised by the local authority"]
    empty = runner.invoke(app, override)
    assert empty.exit_code == 1 and "name yours with --organisation" in " ".join(empty.output.split())
    # Reading an empty store is not an error: nothing has been recorded yet.
    plain = runner.invoke(app, ["standards", str(folder), "--out", str(tmp_path / "out")])
    assert plain.exit_code == 0, plain.output
    assert "Open escalation cases" not in plain.output and not (tmp_path / "out" / "standards_overrides.csv").exists()
    assert runner.invoke(app, [*override, "--organisation", "Trafford Council"]).exit_code == 0
    assert runner.invoke(app, override).exit_code == 0  # the store's only organisation
    organisation_trail(url, "Stockport Council")
    several = runner.invoke(app, override)
    assert several.exit_code == 1
    said = " ".join(several.output.split())
    assert "2 organisations ('Stockport Council', 'Trafford Council')" in said and "--organisation NAME" in said
    unknown = runner.invoke(app, [*override, "--organisation", "Trafford"])
    assert unknown.exit_code == 1 and "no organisation 'Trafford'" in " ".join(unknown.output.split())
    listed = runner.invoke(app, ["standards", str(folder), "--out", str(tmp_path / "out")])
    assert listed.exit_code == 1 and "--organisation NAME" in " ".join(listed.output.split())
    assert len(override_frame(organisation_trail(url, "Trafford Council"))) == 2
    assert override_frame(organisation_trail(url, "Stockport Council")).empty
    assert steps(organisation_trail(url, "Trafford Council")) == []


@pytest.mark.parametrize("school, year", [("999999", "2024"), ("106283", "2019")])
def test_override_of_a_school_or_year_not_assessed_is_not_written(folder: Path, tmp_path: Path,
                                                                   school: str, year: str) -> None:
    url = f"sqlite:///{tmp_path / 'standards.db'}"
    result = runner.invoke(app, ["standards-override", str(folder), school, year, "Red",
                                 "--store", url, "--organisation", "Trafford Council", "--author", "C Adviser",
                                 "--reason", "Mistyped URN that no school has"])
    assert result.exit_code == 1
    assert f"school {school} in {year} was not assessed" in " ".join(result.output.split())
    # The trail is append-only, so nothing may reach it that can never apply.
    assert override_frame(organisation_trail(url)).empty


def test_stale_override_in_the_store_is_noted_not_fatal(folder: Path, sample_inputs) -> None:
    indicators = pd.read_csv(DATA_DIR / "sample_school_indicators.csv", dtype=str)
    stale = Override(school_id="100000", year=2024, category="Red", author="Former adviser",
                     reason="School closed in August; kept for the record", date="2025-01-01")
    keep = Override(school_id="106283", year=2024, category="Amber", author="C Adviser",
                    reason="Interim head since Easter; governors asked for help",
                    date="2025-10-01")
    result = run_standards(indicators, sample_inputs.schools, sample_inputs.rolls,
                           StandardsConfig(), overrides=[stale, keep], la="358")
    assert any("school 100000 in 2024" in note and "not applied" in note
               for note in result.notes)
    risk = result.risk.set_index("school_id")
    assert risk.loc["106283", "category"] == "Amber"
    assert "100000" not in risk.index


def test_local_figures_fill_their_kpi_rows_and_targets(folder: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.csv"
    local.write_text("indicator,year,value,national,table\n"
                     "fair_access_referrals,2023,120,,\n"
                     "fair_access_referrals,2024,150,,\n"
                     "pupils_in_pru,2024,38,,secondary\n"
                     "pref_top3_secondary,2024,89.0,,\n")
    out = tmp_path / "out"
    run = runner.invoke(app, ["standards", str(folder), "--la-number", "358", "--targets",
                              "targets.yaml", "--local", str(local), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "--la-number is deprecated" in run.output  # the old flag still works, and says what to write
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(out / name, na_values=["not available"]).set_index("kpi_id")

    one, two = read("standards_kpi_table_one_primary.csv"), read("standards_kpi_table_two_secondary.csv")
    fair = one.loc["fair_access_referrals"]
    assert (fair["value"], fair["last_year"], fair["trend"], fair["source"]) == (
        150, 120, "up", "local")
    assert two.loc["pupils_in_pru", "value"] == 38
    assert np.isnan(one.loc["pupils_in_pru", "value"])  # given for secondary only
    targets = pd.read_csv(out / "standards_targets.csv").set_index("indicator")
    pref = targets.loc["pref_top3_secondary"]
    # At least 90% (polarity High): 89.0 in 2024 is below; (90 - 89) / (2026 - 2024) a year.
    assert pref["status"] == "off track"
    assert pref["needed_change_per_year"] == pytest.approx(0.5)


@pytest.mark.parametrize("text, message", [
    ("indicator,value\nmobility,3\n", "columns ['year'] are missing"),
    ("indicator,year,value\nmobility,2024,3%\n", "row 2, column 'value': '3%'"),
    ("indicator,year,value,table\nmobility,2024,3,infant\n", "row 2, column 'table'"),
])
def test_bad_local_figures_are_named(folder: Path, tmp_path: Path, text: str, message: str) -> None:
    local = tmp_path / "local.csv"
    local.write_text(text)
    run = runner.invoke(app, ["standards", str(folder), "--local", str(local), "--out",
                              str(tmp_path / "out")], env={"COLUMNS": "300"})
    assert run.exit_code == 1
    assert message in " ".join(run.output.split())


def test_the_authority_comes_from_the_scenario_and_an_unknown_one_is_named(folder: Path, tmp_path: Path) -> None:
    # The sample's scenario.yaml sets la_code: '358' at its top: benchmarking needs no flag.
    out = tmp_path / "out"
    run = runner.invoke(app, ["standards", str(folder), "--out", str(out)])
    assert run.exit_code == 0, run.output
    bench = pd.read_csv(out / "standards_benchmark.csv", na_values=["not available"])
    assert bench["n_las"].max() > 140  # Trafford ranked among every English LA
    wrong = runner.invoke(app, ["standards", str(folder), "--la", "Trafrord", "--out", str(out)],
                          env={"COLUMNS": "300"})
    assert wrong.exit_code == 1
    assert "'Trafrord' is not an English local authority (la_code, or --la)" in wrong.output
    assert "Did you mean 'Trafford'" in wrong.output


def test_standards_la_number_in_a_scenario_is_refused_with_advice(folder: Path) -> None:
    (folder / "scenario.yaml").write_text("standards:\n  la_number: 358\n")
    run = runner.invoke(app, ["standards", str(folder)], env={"COLUMNS": "200"})
    assert run.exit_code == 1
    assert "standards.la_number" in run.output and "la_code" in run.output


def test_standards_import_adds_a_dfe_file_to_the_folder(folder: Path, tmp_path: Path) -> None:
    ks2 = tmp_path / "england_ks2final.csv"
    ks2.write_text("URN,PTRWM_EXP,PTREAD_EXP\n106283,61%,SUPP\n999999,50%,60%\n", encoding="utf-8")
    result = runner.invoke(app, ["standards-import", "ks2", str(ks2), "--year", "2025", "--data", str(folder)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Imported 1 figures for 1 schools (2025)" in said and "PTREAD_EXP 1" in said
    assert "1 schools of the file are not in" in said
    table = pd.read_csv(folder / "school_indicators.csv", dtype={"school_id": str, "value": str})
    row = table[(table["school_id"] == "106283") & (table["year"] == 2025) & (table["indicator"] == "ks2_rwm_expected")]
    assert row["value"].astype(float).tolist() == [61.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("URN,PTRWM_EXP\n106283,lots\n", encoding="utf-8")
    refused = runner.invoke(app, ["standards-import", "ks2", str(bad), "--year", "2025", "--data", str(folder)],
                            env={"COLUMNS": "200"})
    assert refused.exit_code == 1 and "row 2, column 'PTRWM_EXP'" in " ".join(refused.output.split())
