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
