"""The Scenario: every assumption of a run, named, typed, described and overridable in YAML.

A data folder may hold a ``scenario.yaml``; anything it leaves out takes the default shown here,
and a key the model does not know is refused rather than silently ignored, so a typo never
changes a result unnoticed.

The top-level settings (name, the authority, base year, horizon) belong to every run. Each
registered stage owns one section (``forecast:``, ``optimiser:``, ``standards:``, ``post16:`` and
any stage added later) with its own settings model; the sections are found in the stage registry
(:mod:`sufficiency.core.stages`), so this module names no engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, model_validator

from sufficiency.core.errors import Problem
from sufficiency.core.safeyaml import excerpt, load_yaml
from sufficiency.core.stages import REGISTRY

#: DfE School Capacity (SCAP) survey: pupil forecasts are returned 5 years ahead for primary and
#: 7 years ahead for secondary ("School capacity survey: guide for local authorities").
SCAP_HORIZON_PRIMARY = 5
SCAP_HORIZON_SECONDARY = 7


def _moved(loc: tuple[Any, ...]) -> str | None:
    """What to write instead of a key a stage's settings no longer have: each settings model may list
    them in a ``moved_settings`` class attribute (key -> advice)."""
    if len(loc) != 2:
        return None
    stage = REGISTRY.settings_sections().get(str(loc[0]))
    model = stage.settings_model() if stage is not None else None
    return getattr(model, "moved_settings", {}).get(str(loc[1])) if model is not None else None


class Scenario(BaseModel):
    """A named set of assumptions for one run: the settings every stage shares, and one section per
    registered stage (``scenario.forecast``, ``scenario.optimiser``, ...)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    name: str = Field("principal", max_length=200, description="Short name of the scenario, shown in every output.",
                      json_schema_extra={"informational": "shown in every output, changes no number"})
    description: str = Field("", max_length=2000, description="What this scenario assumes, in a sentence or two.",
                             json_schema_extra={"informational": "shown in the report, changes no number"})
    la_code: str | None = Field(
        None,
        max_length=100,
        description=(
            "The authority: its three-digit DfE LA code (e.g. '358' for Trafford), its ONS GSS code "
            "('E08000009') or its name. Standards benchmarking, targets and post-16 participation are for "
            "this authority."
        ),
    )
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

    @model_validator(mode="wrap")
    @classmethod
    def _stage_sections(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Validate each registered stage's section with its own model; refuse any other key."""
        if isinstance(data, Scenario):
            return handler(data)
        if not isinstance(data, dict):
            return handler(data)
        sections = REGISTRY.settings_sections()
        data = dict(data)
        errors: list[Any] = []
        if isinstance(data.get("la_code"), int) and not isinstance(data.get("la_code"), bool):
            data["la_code"] = str(data["la_code"])  # 358 in YAML is the code '358'
        for key in list(data):
            if key not in cls.model_fields and key not in sections:
                errors.append({"type": "extra_forbidden", "loc": (key,), "input": data.pop(key)})
        for section, stage in sections.items():
            model = stage.settings_model()
            value = data.get(section)
            if model is None or isinstance(value, model):
                continue
            try:
                data[section] = model.model_validate({} if value is None else value)
            except ValidationError as exc:
                errors += [{**e, "loc": (section, *e["loc"])} for e in exc.errors(include_url=False)]
        try:
            out = handler(data)
        except ValidationError as exc:
            errors += exc.errors(include_url=False)
            out = None
        if errors:
            raise ValidationError.from_exception_data("Scenario", errors)
        return out

    def section(self, name: str) -> Any:
        """A stage's settings by section name (``scenario.section("forecast")``)."""
        extra = self.__pydantic_extra__ or {}
        if name not in extra:
            raise KeyError(f"the scenario has no '{name}' section; the sections are {', '.join(extra) or 'none'}")
        return extra[name]

    def sections(self) -> dict[str, Any]:
        """Every stage's settings, by section name."""
        return dict(self.__pydantic_extra__ or {})


def setting_fields(model: BaseModel) -> list[tuple[str, Any, str]]:
    """(name, value, description) of each setting of a settings model, in order; for a Scenario the
    stages' sections come after the shared settings, described by their stage."""
    rows = [(name, getattr(model, name), (info.description or "").strip())
            for name, info in type(model).model_fields.items()]
    if isinstance(model, Scenario):
        stages = REGISTRY.settings_sections()
        rows += [(name, value, stages[name].description if name in stages else "")
                 for name, value in (model.__pydantic_extra__ or {}).items()]
    return rows


def scenario_problems(exc: ValidationError, file: str) -> list[Problem]:
    """Turn pydantic's errors into problems naming the key and what was expected."""
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        moved = _moved(tuple(err["loc"])) if err["type"] == "extra_forbidden" else None
        if moved:
            message, fix = f"'{key}' is no longer a setting of its section", moved[0].upper() + moved[1:]
        elif err["type"] == "extra_forbidden":
            message, fix = (f"'{key}' is not a scenario setting",
                            "Check the spelling against the README's scenario table, or remove it")
        else:
            shown = repr(err.get("input"))
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            message, fix = f"'{key}' {err['msg'].lower()} (got {shown})", "Correct the value"
        problems.append(Problem(file, None, key, message, fix))
    return problems


def load_scenario(path: Path | None, overrides: dict[str, Any] | None = None) -> tuple[Scenario | None, list[Problem]]:
    """Read and validate a scenario file; a missing path gives the defaults."""
    data: dict[str, Any] = {}
    name = path.name if path is not None else "scenario.yaml"
    if path is not None:
        try:
            loaded = load_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            return None, [Problem(name, None, None, f"not valid YAML ({excerpt(exc, 300)})", "Fix the YAML syntax")]
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
