"""YAML from users: no alias expansion, no deep nesting, bounded messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sufficiency.core.safeyaml import MAX_DEPTH, YAMLRefused, excerpt, load_yaml
from sufficiency.core.scenario import load_scenario


def alias_bomb(levels: int = 6) -> str:
    """A few hundred bytes that expand tenfold at each level."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


def test_plain_settings_still_load() -> None:
    assert load_yaml("name: x\nforecast:\n  variant: low\nlist: [1, 2]\n") == {
        "name": "x", "forecast": {"variant": "low"}, "list": [1, 2]}


@pytest.mark.parametrize("text", [alias_bomb(), "a: &x 1\nb: *x\n", "base: &b {x: 1}\nother:\n  <<: *b\n"])
def test_aliases_are_refused_before_anything_is_built(text: str) -> None:
    with pytest.raises(YAMLRefused, match="alias"):
        load_yaml(text)


def test_nesting_is_bounded_and_refused_as_a_yaml_error() -> None:
    assert load_yaml(deep(MAX_DEPTH - 2)) is not None
    with pytest.raises(yaml.YAMLError, match="nest more than"):
        load_yaml(deep(50_000))  # yaml.safe_load raises RecursionError here


def test_a_scenario_file_with_an_alias_bomb_is_a_problem_with_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    scenario, problems = load_scenario(path)
    assert scenario is None and len(problems) == 1
    assert "alias" in problems[0].message and len(str(problems[0])) < 600


def test_a_deep_scenario_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(deep(20_000), encoding="utf-8")
    scenario, problems = load_scenario(path)
    assert scenario is None and "nest" in problems[0].message


def test_excerpt_is_short_and_on_one_line() -> None:
    assert excerpt("x" * 1000, 20) == "x" * 17 + "..."
    assert len(excerpt("x" * 10_000)) == 80 and "\n" not in excerpt("a\nb")
