from __future__ import annotations

from pathlib import Path

from sufficiency.core.scenario import Scenario, load_scenario


def test_every_field_is_described() -> None:
    for name, field in Scenario.model_fields.items():
        assert field.description, f"Scenario.{name} has no description"


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: high\nhorizn: 10\n")
    scenario, problems = load_scenario(path)
    assert scenario is None
    assert problems[0].column == "horizn"
    assert problems[0].message == "'horizn' is not a scenario setting"


def test_out_of_range_value(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("horizon: 40\n")
    _, problems = load_scenario(path)
    assert problems[0].column == "horizon" and "less than or equal to 15" in problems[0].message


def test_defaults_and_overrides() -> None:
    scenario, problems = load_scenario(None, {"horizon": 5})
    assert not problems and scenario.horizon == 5 and scenario.name == "principal"


def test_a_forecast_level_horizon_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("forecast:\n  horizon: 3\n")
    scenario, problems = load_scenario(path)
    assert scenario is None and len(problems) == 1
    assert problems[0].column == "forecast.horizon"
    assert problems[0].message == "'forecast.horizon' is no longer a setting of its section"
    assert problems[0].fix.startswith("Set 'horizon' at the top of scenario.yaml")


def test_the_authority_is_one_top_level_setting(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("standards:\n  la_number: 358\npost16:\n  la_code: '358'\n")
    _, problems = load_scenario(path)
    assert {p.column for p in problems} == {"standards.la_number", "post16.la_code"}
    assert all("'la_code' at the top of scenario.yaml" in p.fix for p in problems)
    scenario, problems = load_scenario(None, {"la_code": 358})
    assert not problems and scenario.la_code == "358"


def test_the_top_level_horizon_sets_the_forecast_and_the_plan(tmp_path: Path) -> None:
    import shutil

    import pandas as pd
    from typer.testing import CliRunner

    from sufficiency.cli import app
    from tests.conftest import TEST_DATA

    folder = tmp_path / "two_areas"
    shutil.copytree(TEST_DATA / "forecasting" / "two_areas", folder)
    (folder / "schools.csv").write_text("school_id,planning_area_id,pan\na1,A,120\nb1,B,30\nb2,B,15\n")
    (folder / "scenario.yaml").write_text("horizon: 3\n")
    runner = CliRunner()
    for command in ("forecast", "plan"):
        run = runner.invoke(app, [command, str(folder), "--out", str(tmp_path / "out")])
        assert run.exit_code == 0, run.output
    forecast = pd.read_csv(tmp_path / "out" / "forecast.csv")
    after = pd.read_csv(tmp_path / "out" / "sufficiency_after.csv")
    # The rolls end in 2024: three years ahead are 2025, 2026 and 2027.
    assert sorted(forecast["year"].unique()) == [2025, 2026, 2027]
    assert sorted(after["year"].unique()) == [2025, 2026, 2027]


def test_the_readme_scenario_example_is_a_valid_scenario(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)[0]
    path = tmp_path / "scenario.yaml"
    path.write_text(example)
    scenario, problems = load_scenario(path)
    assert not problems, problems
    assert scenario.la_code == "358" and scenario.section("forecast").variant == "high"
