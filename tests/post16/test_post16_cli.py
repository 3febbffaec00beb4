"""``sufficiency post16 DATA_DIR`` on the sample borough, with a SYNTHETIC pupil file."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from post16.cli import register
from post16.synthetic import synthetic_pupils

sample = pytest.importorskip("sufficiency.sample", reason="sample borough not available")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("version")
    def _version() -> None:  # a second command keeps typer in multi-command mode, as in the product
        """Print nothing."""

    return app


def test_post16_command_writes_tables_and_chart(app, tmp_path, monkeypatch):
    pupils = synthetic_pupils(800, 150, random_state=2, recorded_on=dt.date.today())
    pupil_file = tmp_path / "pupils.csv"
    pupils.to_csv(pupil_file, index=False)
    monkeypatch.setenv("SUFFICIENCY_POST16_PSEUDONYM_KEY", "x" * 32)
    out = tmp_path / "out"
    secure = tmp_path / "secure" / "roni.csv"
    result = CliRunner().invoke(
        app,
        ["post16", str(sample.sample_dir()), "--la", "358", "--out", str(out), "--pupils", str(pupil_file),
         "--no-forecast", "--pupil-list", str(secure)],
    )
    assert result.exit_code == 0, result.output
    # The pupil-level list goes only where it was named, with a warning; the output folder has none.
    assert not list(out.glob("roni_ranked*")) and not list(out.glob("roni_factors*"))
    assert "Warning:" in " ".join(result.output.split()) and "personal data" in result.output
    assert (secure.parent / "roni_factors.csv").exists()
    assert "SYNTHETIC pupils drawn from a logistic model" in " ".join(result.output.split())
    assert "Trafford" in result.output and "94.5" in result.output  # 2024/25 participation
    assert "Sixth-form demand (actual rolls)" in result.output
    participation = pd.read_csv(out / "participation.csv")
    assert participation.query("year == 2024 and measure == 'participation_pct'")["la"].iloc[0] == pytest.approx(94.5)
    assert (out / "participation_trend.png").stat().st_size > 10_000
    ranked = pd.read_csv(secure)
    assert len(ranked) == 150 and ranked["synthetic"].all()
    assert not set(pupils["pupil_id"]) & set(ranked["pupil_ref"])
    sixth = pd.read_csv(out / "sixth_form.csv")
    assert {"year12", "year13", "places", "shortfall", "dropout_12_to_13_pct"} <= set(sixth.columns)


def _plain(output: str) -> str:
    """The command's output without rich's box drawing, on one line."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def test_pupil_list_is_never_written_without_a_path_or_into_the_output_folder(app, tmp_path, monkeypatch):
    pupils = synthetic_pupils(600, 50, random_state=2, recorded_on=dt.date.today())
    pupil_file = tmp_path / "pupils.csv"
    pupils.to_csv(pupil_file, index=False)
    monkeypatch.setenv("SUFFICIENCY_POST16_PSEUDONYM_KEY", "x" * 32)
    out = tmp_path / "out"
    base = ["post16", str(sample.sample_dir()), "--la", "358", "--out", str(out), "--pupils", str(pupil_file),
            "--no-forecast"]
    refused = CliRunner().invoke(app, [*base, "--pupil-list", str(out / "sub" / "list.csv")])
    assert refused.exit_code != 0 and "inside the output folder" in _plain(refused.output)
    monkeypatch.chdir(tmp_path)  # the default output folder, post16_out, is refused too
    default = CliRunner().invoke(app, [*base, "--pupil-list", "post16_out/list.csv"])
    assert default.exit_code != 0 and "inside the output folder" in _plain(default.output)
    quiet = CliRunner().invoke(app, base)
    assert quiet.exit_code == 0, quiet.output
    assert "not written: name a secure file for it with --pupil-list" in " ".join(quiet.output.split())
    assert not [p for p in tmp_path.rglob("*.csv") if "roni_ranked" in p.name or "roni_factors" in p.name]


def test_missing_key_is_explained(app, tmp_path, monkeypatch):
    pupil_file = tmp_path / "pupils.csv"
    synthetic_pupils(50, 10, random_state=2).to_csv(pupil_file, index=False)
    monkeypatch.delenv("SUFFICIENCY_POST16_PSEUDONYM_KEY", raising=False)
    result = CliRunner().invoke(app, ["post16", str(sample.sample_dir()), "--la", "358", "--pupils", str(pupil_file),
                                      "--no-forecast", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "SUFFICIENCY_POST16_PSEUDONYM_KEY" in result.output


def test_unknown_authority_is_explained(app, tmp_path):
    result = CliRunner().invoke(app, ["post16", str(sample.sample_dir()), "--la", "Atlantis", "--no-forecast",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1  # a problem to fix, as every command says it
    assert "three-digit DfE code" in result.output


def test_forecast_follows_the_actual_rolls():
    """Years 12-13 are actual rolls to the base year, then the forecast by school."""
    from post16.stage import sixth_form_demand_source
    from sufficiency.core.stages import StageContext

    rolls = pd.DataFrame({"school_id": ["A"] * 4, "year": [2023, 2023, 2024, 2024], "ncy": [12, 13, 12, 13],
                          "pupils": [100, 90, 110, 92]})
    by_school = pd.DataFrame({"school_id": ["A", "A"], "planning_area_id": ["S1", "S1"], "year": [2025, 2025],
                              "ncy": [12, 13], "pupils": [120, 99]})

    class FakeForecast:
        base_year = 2024

    FakeForecast.by_school = by_school

    class FakeInputs:
        pass

    FakeInputs.rolls = rolls
    context = StageContext(inputs=FakeInputs(), scenario=None, results={"forecast": FakeForecast()})
    demand, source = sixth_form_demand_source(context)
    assert source == "actual rolls to 2024, forecast by school after"
    assert list(demand["year"]) == [2023, 2023, 2024, 2024, 2025, 2025]
    assert demand.loc[demand["year"] == 2025, "pupils"].tolist() == [120, 99]
    without = StageContext(inputs=FakeInputs(), scenario=None, results={})
    assert sixth_form_demand_source(without)[1] == "actual rolls"


def test_result_tables_keep_pupil_rows_out_unless_asked(report, config):
    from post16.result import run_post16

    result = run_post16(config, la="358", pupils=None)
    assert set(result.tables()) == {"participation", "participation_groups", "attainment19"}
    assert result.sixth_form is None and any("Sixth-form demand not assessed" in n for n in result.notes)
    object.__setattr__(result, "roni", report)  # attach the fitted report without refitting
    assert "roni_ranked_years9to11_SYNTHETIC" not in result.tables()
    assert "roni_fairness_SYNTHETIC" in result.tables()
    assert "roni_ranked_years9to11_SYNTHETIC" in result.tables(include_personal=True)
