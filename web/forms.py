"""The scenario form, generated from the settings models: the Scenario's own fields and each stage's section.

Every setting becomes a labelled input of its type (a checkbox, a choice, a number with its bounds, text, or
YAML for lists and tables), grouped by section and nested model. What the form sends back is turned into the
settings that differ from the defaults, then validated by the API's own check (the same messages as
``scenario.yaml``).
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sufficiency.core.scenario import Scenario
from sufficiency.core.stages import REGISTRY

#: Settings shown as a choice among the keys of a sibling table (``forecast.variant`` among ``variants``).
_CHOICE_OF = {"variant": "variants"}
_SKIPPED = {"name", "description"}  # asked for separately, at the top of the form


@dataclass
class Input:
    """One setting as a form input."""

    name: str  # dotted path, e.g. optimiser.rules.prefer_popular_good.weight
    label: str
    help: str
    kind: Literal["checkbox", "select", "number", "text", "yaml"]
    value: Any
    default: Any
    options: list[str] = field(default_factory=list)
    optional: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: str = "any"

    @property
    def id(self) -> str:
        return "s-" + self.name.replace(".", "-")

    @property
    def shown(self) -> str:
        """The value as the input shows it."""
        if self.value is None:
            return ""
        if self.kind == "yaml":
            return _yaml(self.value)
        if isinstance(self.value, enum.Enum):
            return str(self.value.value)
        return str(self.value)


@dataclass
class Group:
    """A section (``forecast``) or a nested model (``optimiser.rules.prefer_popular_good``) of inputs."""

    name: str
    title: str
    help: str
    inputs: list[Input] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def all_inputs(self) -> list[Input]:
        return self.inputs + [i for g in self.groups for i in g.all_inputs()]


def _yaml(value: Any) -> str:
    plain = _plain(value)
    return yaml.safe_dump(plain, default_flow_style=True, sort_keys=False, width=1000).strip()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None`` and whether None is allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return (args[0] if len(args) == 1 else annotation), optional
    return annotation, False


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low = high = None
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            low = float(item.ge if isinstance(item, annotated_types.Ge) else item.gt)  # type: ignore[arg-type]
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            high = float(item.le if isinstance(item, annotated_types.Le) else item.lt)  # type: ignore[arg-type]
    return low, high


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _group(model: type[BaseModel], value: BaseModel, default: BaseModel, path: str, title: str, help: str) -> Group:
    group = Group(path, title, help)
    for name, info in model.model_fields.items():
        if not path and name in _SKIPPED:
            continue
        dotted = f"{path}.{name}" if path else name
        annotation, optional = _unwrap(info.annotation)
        current, initial = getattr(value, name), getattr(default, name)
        description = (info.description or "").strip()
        if _is_model(annotation) and current is not None and initial is not None:
            group.groups.append(_group(annotation, current, initial, dotted, _label(name), description))
            continue
        item = Input(dotted, _label(name), description, "yaml", current, initial, optional=optional)
        if annotation is bool:
            item.kind = "checkbox"
        elif typing.get_origin(annotation) is Literal:
            item.kind, item.options = "select", [str(a) for a in typing.get_args(annotation)]
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            item.kind, item.options = "select", [str(m.value) for m in annotation]
        elif annotation in (int, float):
            item.kind = "number"
            item.minimum, item.maximum = _bounds(info)
            item.step = "1" if annotation is int else "any"
        elif name in _CHOICE_OF and isinstance(getattr(value, _CHOICE_OF[name], None), dict):
            item.kind, item.options = "select", list(getattr(value, _CHOICE_OF[name]))
        elif annotation is str:
            item.kind = "text"
        group.inputs.append(item)
    return group


def scenario_form(settings: dict[str, Any] | None = None) -> list[Group]:
    """The form's groups for a scenario's settings (the defaults where a setting is not given)."""
    scenario = Scenario.model_validate(settings or {})
    default = Scenario.model_validate({})
    groups = [_group(Scenario, scenario, default, "", "The authority and the horizon",
                     "Set once for every stage.")]
    for section, stage in REGISTRY.settings_sections().items():
        model = stage.settings_model()
        if model is None:
            continue
        groups.append(_group(model, scenario.section(section), default.section(section), section,
                             _label(section), stage.description))
    return groups


def _parse(item: Input, raw: str | None) -> Any:
    """A value from the form, typed where it can be; what cannot be read is passed on for the validator to name."""
    if item.kind == "checkbox":
        return raw is not None
    raw = (raw or "").strip()
    if raw == "" and (item.optional or item.default is None):
        return None
    if item.kind == "number":
        try:
            return int(raw) if item.step == "1" else float(raw)
        except ValueError:
            return raw
    if item.kind == "yaml":
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError:
            return raw
    return raw


def settings_from_form(form: dict[str, str], groups: list[Group]) -> dict[str, Any]:
    """The settings that differ from the defaults, nested by section, from the sent form."""
    settings: dict[str, Any] = {}
    for group in groups:
        for item in group.all_inputs():
            if item.kind != "checkbox" and item.name not in form:
                continue  # not sent: the default (or the base scenario's value) stands
            value = _parse(item, form.get(item.name))
            if _plain(value) == _plain(item.default):
                continue
            target = settings
            *parents, leaf = item.name.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
    return settings


def with_values(groups: list[Group], form: dict[str, str]) -> None:
    """Show what was sent (after a refused form), so nothing typed is lost."""
    for group in groups:
        for item in group.all_inputs():
            if item.kind == "checkbox":
                item.value = item.name in form
            elif item.kind == "yaml":
                item.value = _parse(item, form.get(item.name))
            else:
                item.value = form.get(item.name, "")


def scenario_yaml(name: str, description: str, settings: dict[str, Any]) -> str:
    """The scenario as a ``scenario.yaml`` file."""
    body = {"name": name, **({"description": description} if description else {}), **settings}
    return yaml.safe_dump(_plain(body), sort_keys=False, allow_unicode=True)
