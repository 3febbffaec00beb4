"""Every setting of scenario.yaml acts: change it, run the stage that owns it, and the result changes.

The walk covers every field of the Scenario: the top-level settings and, recursively, every field
of every registered stage's section (nested models such as ``optimiser.rules.prefer_popular_good``
and each entry of dicts of models such as ``forecast.variants``). For each field it makes a new
value from the field's type and constraints (or takes one from ``CASES`` where the field needs a
particular value or particular data), runs the owning stage on a fixture where the setting can
matter (``settings_fixtures.py``), and asserts the stage's result changed. A field that changes no
number says so in its own declaration (``json_schema_extra={"informational": "why"}``); for those
the test asserts the opposite, that the result did not change. A key a section no longer has is
refused with its advice (``moved_settings``).

Every field is a test of its own, so a failing run lists every setting that did not act.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import annotated_types
import pandas as pd
import pytest
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sufficiency.core.scenario import Scenario, load_scenario, setting_fields
from sufficiency.core.stages import REGISTRY, StageContext, StageSkipped
from tests.core.settings_fixtures import FIXTURES

GENERIC = object()


@dataclass(frozen=True)
class Case:
    """How one setting is shown to act: its new value (from its type unless given), the fixture,
    and settings both runs share so that the setting can matter (``base``, dotted paths)."""

    value: Any = GENERIC
    fixture: str | None = None
    base: Mapping[str, Any] = field(default_factory=dict)


#: Which stage reads each top-level setting (a stage section's settings are read by its stage).
OWNERS: dict[str, tuple[str, ...]] = {
    "la_code": ("standards", "post16", "admissions", "accuracy"),
    "base_year": ("forecast",),
    "horizon": ("forecast", "plan"),
}

#: Each stage's fixture, unless a case names another or the setting's path starts with a prefix here.
# (The accuracy stage shares the forecast's fixture; listed first, so FIXTURE_STAGE keeps that fixture the forecast's.)
STAGE_FIXTURE = {"accuracy": "forecast", "forecast": "forecast", "plan": "plan", "standards": "standards",
                 "post16": "post16", "admissions": "admissions", "robust": "robust"}
PREFIX_FIXTURE = {"post16.roni.": "post16_roni", "post16.list_retention_days": "post16_roni",
                  "post16.training_retention_days": "post16_roni"}
#: The stage each fixture is for.
FIXTURE_STAGE = {**{f: s for s, f in STAGE_FIXTURE.items()}, "plan_without_highs": "plan", "post16_roni": "post16",
                 "forecast_city": "forecast"}

#: Settings that need a particular value or particular data to show their effect. The key is the
#: setting's dotted path, with "@stage" for a top-level setting read by several stages.
CASES: dict[str, Case] = {
    # --- forecast accuracy: the fixture's six years of rolls give three origins, scored up to three years ahead
    "accuracy.origins": Case(2),
    "accuracy.horizon": Case(2),
    "la_code@accuracy": Case("358"),  # Trafford's own forecasts, from the DfE scorecards
    # --- the run -----------------------------------------------------------------------------
    "la_code@standards": Case("E08000003"),  # Manchester, by its GSS code
    "la_code@post16": Case("Manchester"),
    "base_year": Case(2023),
    "horizon@plan": Case(fixture="forecast"),  # the plan follows the forecast's years
    # --- forecast ----------------------------------------------------------------------------
    "forecast.min_history_years": Case(7),  # six years of rolls: refused
    "forecast.n_years": Case(2),
    "forecast.intake_source": Case("trend"),
    "forecast.intake_growth_method": Case("last", base={"forecast.intake_source": "trend"}),
    "forecast.intake_growth_shrinkage": Case("none", base={"forecast.intake_source": "trend"}),
    # Reception's own trend holds from the second year ahead instead of the fourth.
    "forecast.intake_trend_years": Case(1, base={"forecast.intake_source": "trend"}),
    # Reception's own trend stops after a year; held (1) rather than ebbing, every later year differs.
    "forecast.intake_trend_ebb": Case(1.0, base={"forecast.intake_source": "trend", "forecast.intake_trend_years": 1}),
    "forecast.intake_ratio_method": Case("mean"),  # the fixture has births: its intake ratios are summarised
    "forecast.intake_ratio_trend_damping": Case(0.9),  # the fixture's ratio to births moves: a trend carries it on
    "forecast.ratio_trend_damping": Case(0.8),
    # District X's Grade 9 follows the city's Grade 8, not its own: tested, it is fed by the others.
    "forecast.transfer_test_share": Case(None, fixture="forecast_city"),
    "forecast.shrinkage_strength": Case(base={"forecast.shrinkage": "fixed"}),
    "forecast.variant": Case("high"),
    "forecast.variants.principal.births_shift_cap": Case(
        0.05, base={"forecast.variants.principal.births_shift_per_year": 0.02}),
    **{f"forecast.variants.{name}.{key}": Case(base={"forecast.variant": name})
       for name in ("high", "low") for key in ("births_shift_per_year", "migration_shift_sd", "yields_shift")},
    **{f"forecast.variants.{name}.births_shift_cap": Case(0.02, base={"forecast.variant": name})
       for name in ("high", "low")},
    # --- optimiser ---------------------------------------------------------------------------
    "optimiser.entry_ncys": Case([0, 3, 7]),  # a junior entry at Year 3 besides Reception and Year 7
    "optimiser.new_school_sizes": Case([3]),
    "optimiser.max_new_schools_per_area": Case(0),
    "optimiser.max_reduction_fe": Case(0),
    "optimiser.reduction_years_seen": Case(6),  # the whole horizon: no cut can be seen for long enough
    "optimiser.closure_cost": Case(0.0, base={"optimiser.generate_closures": True}),
    "optimiser.closure_lead_time": Case(base={"optimiser.generate_closures": True, "optimiser.closure_cost": 0.0}),
    "optimiser.walk_under_8_m": Case(2500.0),  # H's Reception children are 3,000 m from I
    "optimiser.walk_from_8_m": Case(3000.0),  # R's Year 7s are 4,000 m from S
    "optimiser.capital_budget": Case(5_000_000.0),
    "optimiser.annual_budget": Case(3_000_000.0),
    "optimiser.rules.prefer_popular_good.weight": Case(0.01),
    "optimiser.rules.no_expansion_inadequate.weight": Case(0.01),
    "optimiser.gap": Case(1.0),  # stop at the first plan found
    "optimiser.warm_start": Case(base={"optimiser.gap": 1.0}),
    "optimiser.time_limit": Case(1e-6),  # no time left for the solver once the inputs are read
    "optimiser.fallback_solver": Case(fixture="plan_without_highs"),
    "optimiser.rules.cut_weaker_first.weight": Case(500.0),  # below the £1,000 M2 costs more to consult on
    "optimiser.rules.linked_schools.max_distance_m": Case(100.0),  # N1 and N2 are 500 m apart
    "optimiser.reduction_band": Case("upper_95"),
    "optimiser.decision_date": Case(dt.date(2026, 12, 2)),
    "optimiser.threads": Case(1),  # informational: one thread after solves with the default must change nothing
    # --- robust ------------------------------------------------------------------------------
    "robust.variants": Case(["principal", "high"]),
    "robust.scenario_files": Case({"births high": "robust_high.yaml"}),
    "robust.paths": Case(3),
    "robust.path_draws": Case(20, base={"robust.paths": 3}),
    "robust.reduction": Case("sample", base={"robust.paths": 3}),
    "robust.seed": Case(5, base={"robust.paths": 3}),
    "robust.probabilities": Case({"high": 0.8}),
    # With shortfall weighted at £1 a place-year, expected cost leaves the high future short; the risk options
    # buy places against it.
    "robust.cvar_weight": Case(1e9, base={"optimiser.shortfall_penalty": 1.0}),
    "robust.cvar_level": Case(0.5, base={"optimiser.shortfall_penalty": 1.0, "robust.cvar_weight": 1_000.0}),
    "robust.max_shortfall_probability": Case(0.0, base={"optimiser.shortfall_penalty": 1.0}),
    "robust.shortfall_tolerance": Case(1e6, base={"optimiser.shortfall_penalty": 1.0,
                                                  "robust.max_shortfall_probability": 0.0}),
    "robust.must_hold": Case(["high"], base={"optimiser.shortfall_penalty": 1.0}),
    "robust.method": Case("hedging"),
    # With the high future likelier, the robust plan differs from the principal plan it starts from.
    "robust.hedging_iterations": Case(1, base={"robust.method": "hedging", "robust.probabilities": {"high": 0.8}}),
    "robust.time_limit": Case(1e-6),
    # The extensive form closes this small case at the root whatever the gap; progressive hedging stops on it.
    "robust.gap": Case(1.0, base={"robust.method": "hedging", "robust.probabilities": {"high": 0.8}}),
    "robust.evpi": Case(False),
    # --- admissions --------------------------------------------------------------------------
    "la_code@admissions": Case("Trafford"),  # the simulation beside DfE's real rates for the authority
    "admissions.offer_shares_primary": Case({"first": 80.0, "second": 12.0, "third": 5.0}),
    "admissions.offer_shares_secondary": Case({"first": 70.0, "second": 15.0, "third": 6.0}),
    "admissions.selective_pass_share": Case(0.9),
    "admissions.looked_after_share": Case(0.2),  # a few dozen families: enough looked after to change an offer
    "admissions.preferences_secondary": Case(2),  # four secondary schools: six names them all
    "admissions.plan_check.min_top_three": Case(99.0),
    # Two names among four secondary schools: which comes second matters.
    "admissions.choice_secondary.lower_rank_scale": Case(base={"admissions.preferences_secondary": 2}),
    # s1b's grade (Requires improvement) is absorbed by its calibrated constant unless calibration is off.
    "admissions.choice_secondary.ofsted_requires_improvement": Case(base={"admissions.calibrate": False}),
    "admissions.plan_check.popularity_weights": Case([2.0]),
    # --- standards ---------------------------------------------------------------------------
    "standards.rules_file": Case("strict_rules.yaml"),
    "standards.targets_file": Case("targets.yaml"),
    "standards.local_file": Case("local.csv"),
    "standards.year": Case(2023),
    # The sample's drops from Outstanding to Good (Yellow by default) become Amber.
    "standards.outstanding_to_good_amber": Case(True),
    # --- post-16 -----------------------------------------------------------------------------
    "post16.roni.calibration_method": Case("isotonic"),
    # The fixture's past cohorts were recorded 137, 502 and 868 days before its "today": 800 days drops the oldest.
    "post16.training_retention_days": Case(800),
    # The random hold-out's share acts only when the latest cohort is not the one held out.
    "post16.roni.test_share": Case(base={"post16.roni.validation": "random"}),
    "post16.roni.threshold": Case(0.5),
    "post16.roni.max_calibration_error": Case(0.001),  # below the model's own error
    "post16.roni.group_calibration_tolerance": Case(0.5),  # above every group's gap
    "post16.roni.group_recall_tolerance": Case(1.0),
    "post16.roni.min_group_size": Case(10_000),  # no group large enough to judge
}


# ------------------------------------------------------------------------------------- the walk
@dataclass(frozen=True)
class Setting:
    path: str
    info: FieldInfo
    value: Any
    model: type[BaseModel]

    @property
    def section(self) -> str | None:
        return self.path.split(".")[0] if "." in self.path else None

    @property
    def informational(self) -> str | None:
        return _mark(self.info)


def _mark(info: FieldInfo) -> Any:
    """The field's "informational" mark (why it changes no number), or None."""
    extra = info.json_schema_extra
    return extra.get("informational") if isinstance(extra, dict) else None


def _fields(model: BaseModel, prefix: str) -> Iterator[Setting]:
    for name, value, _ in setting_fields(model):
        path = f"{prefix}{name}"
        info = type(model).model_fields.get(name)
        if isinstance(value, BaseModel):
            yield from _fields(value, f"{path}.")
        elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            for key, entry in value.items():
                yield from _fields(entry, f"{path}.{key}.")
        else:
            assert info is not None, f"{path}: not a field of {type(model).__name__}"
            yield Setting(path, info, value, type(model))


@cache
def walk() -> tuple[Setting, ...]:
    """Every setting of the default scenario, top-level first, then each registered stage's section."""
    return tuple(_fields(Scenario(), ""))


def _owners(setting: Setting) -> tuple[str, ...]:
    if setting.section is None:
        return OWNERS.get(setting.path, ())
    return (REGISTRY.settings_sections()[setting.section].name,)


@dataclass(frozen=True)
class Trial:
    """One setting shown to one stage: ``key`` is its path, with "@stage" when several stages read it."""

    key: str
    setting: Setting
    stage: str | None

    @property
    def case(self) -> Case:
        return CASES.get(self.key, Case())

    @property
    def fixture(self) -> str:
        prefixed = [f for prefix, f in PREFIX_FIXTURE.items() if self.setting.path.startswith(prefix)]
        return self.case.fixture or next(iter(prefixed), STAGE_FIXTURE[self.stage or "forecast"])

    @property
    def base(self) -> tuple[tuple[str, Any], ...]:
        return tuple((path, _frozen(value)) for path, value in self.case.base.items())

    @property
    def value(self) -> Any:
        return generic_value(self.setting) if self.case.value is GENERIC else self.case.value


def trials() -> list[Trial]:
    """One trial per setting and stage that reads it (informational settings: one, on the forecast)."""
    out = []
    for setting in walk():
        owners = _owners(setting) or (None,)
        out += [Trial(setting.path if len(owners) == 1 else f"{setting.path}@{stage}", setting, stage)
                for stage in owners]
    return out


# -------------------------------------------------------------------------------- perturbations
_OUTSIDE = {
    annotated_types.Ge: lambda v, m: v < m.ge, annotated_types.Gt: lambda v, m: v <= m.gt,
    annotated_types.Le: lambda v, m: v > m.le, annotated_types.Lt: lambda v, m: v >= m.lt,
}


def _within(value: float, info: FieldInfo) -> bool:
    """Whether a number keeps the field's bounds (ge, gt, le, lt)."""
    return not any(isinstance(m, kind) and outside(value, m) for m in info.metadata
                   for kind, outside in _OUTSIDE.items())


def generic_value(setting: Setting) -> Any:
    """A different value of the field's own type, within its constraints: a boolean flipped, another
    allowed word, a number doubled (or halved, or one more or less), a list without its last item."""
    value, kind = setting.value, setting.info.annotation
    if typing.get_origin(kind) is typing.Literal:
        return next(v for v in typing.get_args(kind) if v != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return next(v for v in (value + 1, value - 1) if _within(v, setting.info))
    if isinstance(value, float):
        tried = (value * 2, value / 2, value + 1, value - 1) if value else (1.0, 0.5, 0.1, -0.1)
        return next(v for v in tried if _within(v, setting.info))
    if isinstance(value, (list, tuple)) and len(value) > 1:
        return type(value)(value[:-1])
    if isinstance(value, str):
        return f"{value} (changed)"
    raise LookupError(f"{setting.path} ({kind}) has no generic perturbation: give it a Case in CASES")


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


def scenario_with(fixture_settings: Mapping[str, Any], changes: Mapping[str, Any]) -> Scenario:
    """The default scenario (every section in full) with the fixture's and the case's settings set."""
    data = Scenario().model_dump()
    for path, value in {**fixture_settings, **changes}.items():
        _set(data, path, value)
    return Scenario.model_validate(data)


# ------------------------------------------------------------------------------------- running
def run_stage(stage_name: str, fixture_name: str, changes: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """What the stage shows for the fixture under the changed scenario: its tables and files (and,
    for the plan, its costs and how the solve went); or the message when it refuses to run."""
    fixture = FIXTURES[fixture_name]()
    scenario = scenario_with(fixture.settings, dict(changes))
    inputs = fixture.inputs.replace(scenario=scenario)
    results: dict[str, Any] = dict(fixture.earlier)
    with fixture.environment():
        for stage in REGISTRY.plan([stage_name]):
            if stage.name in results:
                continue
            context = StageContext(inputs=inputs, scenario=scenario, results=dict(results),
                                   options=dict(fixture.options), stage=stage)
            try:
                results[stage.name] = stage.function()(context)
            except (ValueError, StageSkipped) as exc:
                return {"refused": str(exc)}
    stage = REGISTRY.get(stage_name)
    result = results[stage_name]
    shown = {**stage.result_tables(result), **stage.result_files(result)}
    if stage_name == "plan":
        solve = result.solve
        shown |= {"costs": result.costs.round(2), "transfers": result.transfers,
                  "solve": (solve.solver, solve.status, round(solve.objective, 2), round(solve.bound, 2))}
    if stage_name == "forecast":
        shown |= {"totals": result.totals}
    return shown


@cache
def shown(stage_name: str, fixture_name: str, changes: tuple[tuple[str, Any], ...] = ()) -> dict[str, Any]:
    return run_stage(stage_name, fixture_name, changes)


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names of what differs between two results (empty when the setting changed nothing)."""
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if isinstance(a, (pd.DataFrame, pd.Series)) and isinstance(b, (pd.DataFrame, pd.Series)):
            same = a.shape == b.shape and a.reset_index(drop=True).equals(b.reset_index(drop=True))
        else:
            same = type(a) is type(b) and a == b
        if not same:
            out.append(key)
    return out


class _FrozenDict(dict):
    """A setting given as a mapping (a nested model's fields), hashable so that runs can be cached."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return _FrozenDict(value)
    return tuple(value) if isinstance(value, list) else value


# --------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("trial", [pytest.param(t, id=t.key) for t in trials()])
def test_setting_acts(trial: Trial) -> None:
    key, setting, fixture, base, value = trial.key, trial.setting, trial.fixture, trial.base, trial.value
    if trial.stage is None and not setting.informational:
        pytest.fail(f"the top-level setting '{key}' has no stage in OWNERS: say which stage reads it, or "
                    "mark it informational in its Field (json_schema_extra={'informational': why})")
    stage = trial.stage or "forecast"
    assert value != setting.value, f"{key}: the new value {value!r} is the default"
    before = shown(stage, fixture, base)
    assert "refused" not in before, f"{key}: the {fixture} fixture does not run: {before['refused']}"
    after = shown(stage, fixture, (*base, (setting.path, _frozen(value))))
    changed = differences(before, after)
    if setting.informational:
        assert not changed, (f"{key} is marked informational ({setting.informational}) but changing it to "
                             f"{value!r} changed {', '.join(changed)}: remove the mark")
    else:
        assert changed, (f"{key} did not act: {value!r} instead of {setting.value!r} changed nothing the "
                         f"{stage} stage shows on the {fixture} fixture. Make it act, or remove it and refuse "
                         "it with the section's moved_settings")
        # A refusal is an effect only when it is the setting's own: it names the setting.
        assert setting.path in after.get("refused", setting.path), \
            f"{key}: {value!r} made the {stage} stage refuse to run without naming the setting: {after['refused']}"


@pytest.mark.parametrize("fixture", sorted(FIXTURE_STAGE))
def test_each_fixture_gives_the_same_result_twice(fixture: str) -> None:
    # Otherwise a difference could come from the run, not the setting.
    stage = FIXTURE_STAGE[fixture]
    assert not differences(run_stage(stage, fixture, ()), shown(stage, fixture))


def test_every_case_and_owner_names_a_setting() -> None:
    keys = {s.path for s in walk()}
    for key in (*CASES, *OWNERS):
        assert key.split("@")[0] in keys, f"CASES or OWNERS names '{key}', which is no setting"
    assert set(STAGE_FIXTURE) >= {s.name for s in REGISTRY.settings_sections().values()}, \
        "a registered stage has settings but no fixture in STAGE_FIXTURE"
    assert set(FIXTURE_STAGE) == set(FIXTURES)


def test_informational_marks_sit_on_settings_and_say_why() -> None:
    # test_setting_acts exempts from acting exactly the fields marked in their own declaration, and
    # checks that they indeed change nothing. A mark says why, and sits on a setting the walk reaches
    # (a mark on a section or a nested model would exempt nothing).
    walked = {s.path for s in walk()}
    for model in {Scenario, *(s.model for s in walk())}:
        for name, info in model.model_fields.items():
            if _mark(info) is None:
                continue
            assert isinstance(_mark(info), str) and _mark(info), \
                f"{model.__name__}.{name}: say why it changes no number"
            assert any(p == name or p.endswith(f".{name}") for p in walked), f"{model.__name__}.{name} is no setting"
    assert {s.path for s in walk() if s.informational} == {"name", "description", "optimiser.msg", "optimiser.threads"}
    # The walk reaches into nested models and dicts of models.
    assert {"optimiser.rules.prefer_popular_good.weight", "forecast.variants.high.yields_shift",
            "post16.roni.cv_folds", "la_code", "horizon"} <= walked


def test_every_moved_setting_is_refused_with_its_advice() -> None:
    for section, stage in REGISTRY.settings_sections().items():
        for key, advice in getattr(stage.settings_model(), "moved_settings", {}).items():
            scenario, problems = load_scenario(None, {section: {key: 1}})
            assert scenario is None and [p.column for p in problems] == [f"{section}.{key}"]
            assert problems[0].fix == advice[0].upper() + advice[1:]
            with pytest.raises(ValidationError):
                Scenario.model_validate({section: {key: 1}})
