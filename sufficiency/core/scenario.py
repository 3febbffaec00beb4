"""The Scenario: every assumption of a run, named, typed, described and overridable in YAML.

A data folder may hold a ``scenario.yaml``; anything it leaves out takes the default shown here,
and a key the model does not know is refused rather than silently ignored, so a typo never
changes a result unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forecasting.config import ForecastConfig
from optimiser.config import OptimiserConfig
from post16.config import Post16Config
from standards.config import StandardsConfig
from sufficiency.core.errors import Problem

#: DfE School Capacity (SCAP) survey: pupil forecasts are returned 5 years ahead for primary and
#: 7 years ahead for secondary ("School capacity survey: guide for local authorities").
SCAP_HORIZON_PRIMARY = 5
SCAP_HORIZON_SECONDARY = 7


class Scenario(BaseModel):
    """A named set of assumptions for one run."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field("principal", description="Short name of the scenario, shown in every output.")
    description: str = Field("", description="What this scenario assumes, in a sentence or two.")
    base_year: int | None = Field(
        None,
        ge=1990,
        le=2100,
        description=(
            "Last academic year of roll data used (by its autumn, 2024 = 2024/25). Later years in "
            "the data are ignored. Default: the latest year in rolls."
        ),
    )
    horizon: int = Field(
        SCAP_HORIZON_SECONDARY,
        ge=1,
        le=15,
        description=(
            "Years ahead to forecast and plan. Default 7, the SCAP secondary horizon (primary is 5), "
            "so one run covers both returns."
        ),
    )
    forecast: ForecastConfig = Field(default_factory=ForecastConfig,
                                     description="Forecasting assumptions: ratios, intake, housing, intervals, variants.")
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig,
                                       description="Capital programme rules, costs, margins, budgets and solver.")
    standards: StandardsConfig = Field(default_factory=StandardsConfig,
                                       description="School risk assessment, KPI and benchmarking settings.")
    post16: Post16Config = Field(default_factory=Post16Config,
                                 description="Post-16 participation, risk-of-NEET and sixth-form settings.")


def scenario_problems(exc: ValidationError, file: str) -> list[Problem]:
    """Turn pydantic's errors into problems naming the key and what was expected."""
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            message, fix = f"'{key}' is not a scenario setting", "Check the spelling against the README's scenario table, or remove it"
        else:
            message, fix = f"'{key}' {err['msg'].lower()} (got {err.get('input')!r})", "Correct the value"
        problems.append(Problem(file, None, key, message, fix))
    return problems


def load_scenario(path: Path | None, overrides: dict[str, Any] | None = None) -> tuple[Scenario | None, list[Problem]]:
    """Read and validate a scenario file; a missing path gives the defaults."""
    data: dict[str, Any] = {}
    name = path.name if path is not None else "scenario.yaml"
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            return None, [Problem(name, None, None, f"not valid YAML ({exc})", "Fix the YAML syntax")]
        if loaded is not None and not isinstance(loaded, dict):
            return None, [Problem(name, None, None, "the file must hold a mapping of settings",
                                  "Write one 'setting: value' per line")]
        data = loaded or {}
    if overrides:
        data = _deep_merge(data, overrides)
    try:
        return Scenario.model_validate(data), []
    except ValidationError as exc:
        return None, scenario_problems(exc, name)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
