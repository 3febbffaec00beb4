"""The stage protocol: how an engine plugs into the product, and the registry that finds it.

An engine (forecasting, the optimiser, standards, post-16, or one added later) declares one
:class:`Stage` in a module of its own (``<engine>/stage.py``): its name, its settings model (the
section of ``scenario.yaml`` it owns), its stage function (inputs + scenario + earlier results ->
its result), the stages it needs, and, where it has them, its commands, its result tables, its API
routes, its report sections and how it prints itself. The scenario, the pipeline, the command line,
the store, the API and the report discover stages here; none of them names an engine.

Stages are found, as pytest finds its plugins:

* installed packages declare them as entry points in the ``sufficiency.stages`` group
  (``forecast = "forecasting.stage:STAGE"`` in ``pyproject.toml``);
* ``SUFFICIENCY_STAGES`` adds more without installing anything: a comma-separated list of
  ``module:attribute`` (for example a stage kept in a project's own folder);
* :func:`register` adds one in the running process (tests, notebooks).

Everything an engine declares by dotted path (``"forecasting.stage:run"``) is imported when it is
first used, so listing the stages, or ``sufficiency --help``, loads no engine's heavy libraries.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import BaseModel

    from sufficiency.core.inputs import Inputs
    from sufficiency.core.scenario import Scenario

ENTRY_POINT_GROUP = "sufficiency.stages"
ENV_VAR = "SUFFICIENCY_STAGES"

#: Stage names are used in URLs, file names and scenario keys: lower case, digits and underscores.
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class StageError(LookupError):
    """A stage that is not registered, a declaration that cannot be loaded, or a dependency cycle."""


class StageSkipped(Exception):  # not ...Error: it is an outcome, not a failure
    """Raised by a stage function that has nothing to work on (say which table would let it run)."""


def load_object(path: str) -> Any:
    """The object at ``"package.module:attribute"`` (imported now)."""
    module, _, attribute = path.partition(":")
    if not module or not attribute:
        raise StageError(f"'{path}' is not a 'module:attribute' path")
    try:
        target = importlib.import_module(module)
    except ImportError as exc:
        raise StageError(f"cannot import {module} for '{path}': {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise StageError(f"{module} has no '{attribute}' (from '{path}')") from None
    return target


def _resolve(value: Any) -> Any:
    return load_object(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class StageContext:
    """What a stage function is given: the loaded inputs, the scenario, the results of the stages
    that ran before it (by stage name), and run options from the caller (a CLI flag, an API field)."""

    inputs: Inputs
    scenario: Scenario
    results: Mapping[str, Any]
    options: Mapping[str, Any] = field(default_factory=dict)
    stage: Stage | None = None

    @property
    def settings(self) -> Any:
        """This stage's own section of the scenario (None for a stage without settings)."""
        if self.stage is None or self.stage.settings is None:
            return None
        return getattr(self.scenario, self.stage.section_name)


@dataclass(frozen=True)
class Stage:
    """One engine's declaration. Paths are ``"module:attribute"`` strings, imported on first use.

    Parameters
    ----------
    name
        Lower-case name used on the command line, in the API (``"stages": ["forecast"]``), in the
        store and as the attribute of :class:`~sufficiency.core.result.ScenarioResult`.
    title
        What the progress line says while it runs ("Forecasting pupils").
    heading
        The heading of its part of a run in the terminal and the report ("Forecast"); by default
        the name, capitalised.
    run
        The stage function ``run(context: StageContext) -> result``. It may raise
        :class:`StageSkipped` with the reason when there is nothing to work on.
    settings
        Its settings model (pydantic, unknown keys refused): the ``section`` of ``scenario.yaml``.
    section
        The key of its settings in ``scenario.yaml``; the stage's name by default.
    description
        One sentence for listings and the scenario documentation.
    requires
        Stages whose results it needs: asking for this stage runs them first.
    uses
        Stages whose results it uses when they run (ordered before it, never pulled in).
    commands
        ``register(app: typer.Typer)``, adding its commands to ``sufficiency``.
    tables
        ``tables(result) -> dict[str, DataFrame]``: the result as named tables, stored with the run
        and served by the API at ``/runs/{id}/stages/{name}/{table}``.
    personal_tables
        Names among ``tables`` that hold pupil-level data: stored apart and served to admins only.
    files
        ``files(result) -> dict[str, DataFrame]``: tables a run writes as ``<name>.csv`` (the demo).
    printer
        ``print(scenario_result)``: shows its part of a run in the terminal (the demo).
    routes
        A FastAPI ``APIRouter`` of its own (written against :mod:`sufficiency.core.web`).
    report
        ``sections(scenario_result) -> list[ReportSection]`` added to the report.
    input_checks
        ``check(tables, files, scenario) -> list[Problem]``: checks of the tables it reads that only the
        engine knows (the indicator vocabulary of standards, the yields housing needs), run by
        ``validate`` and every load beside the core's own, so a mistake is reported before anything runs.
        ``tables`` maps table name to the parsed DataFrame, ``files`` table name to its file name;
        ``scenario`` is None when the scenario itself could not be read.
    order
        Tie-break between stages that do not depend on each other (lower runs first).
    full_run
        Whether a "full" run includes it.
    """

    name: str
    title: str
    run: str | Callable[[StageContext], Any]
    heading: str = ""
    settings: str | type[BaseModel] | None = None
    section: str | None = None
    description: str = ""
    requires: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    commands: str | Callable[[Any], None] | None = None
    tables: str | Callable[[Any], dict[str, pd.DataFrame]] | None = None
    personal_tables: frozenset[str] = frozenset()
    files: str | Callable[[Any], dict[str, pd.DataFrame]] | None = None
    printer: str | Callable[[Any], None] | None = None
    routes: str | Any | None = None
    report: str | Callable[[Any], list[Any]] | None = None
    input_checks: str | Callable[[Mapping[str, Any], Mapping[str, str], Any], list[Any]] | None = None
    order: int = 100
    full_run: bool = True

    def __post_init__(self) -> None:
        if not self.name or not set(self.name) <= _NAME_CHARS or self.name[0].isdigit():
            raise StageError(f"stage name '{self.name}' must be lower-case letters, digits and underscores")

    @property
    def label(self) -> str:
        """The heading of its part of a run."""
        return self.heading or self.name.replace("_", " ").capitalize()

    @property
    def section_name(self) -> str:
        """The key of this stage's settings in ``scenario.yaml``."""
        return self.section or self.name

    def settings_model(self) -> type[BaseModel] | None:
        return _resolve(self.settings)

    def function(self) -> Callable[[StageContext], Any]:
        return _resolve(self.run)

    def result_tables(self, result: Any) -> dict[str, pd.DataFrame]:
        """The result as named tables (none when the stage declares none)."""
        if self.tables is None or result is None:
            return {}
        return dict(_resolve(self.tables)(result))

    def result_files(self, result: Any) -> dict[str, pd.DataFrame]:
        """Tables a run writes as CSV files, by file stem (none when the stage declares none)."""
        if self.files is None or result is None:
            return {}
        return {name: frame for name, frame in _resolve(self.files)(result).items() if frame is not None}

    def print_result(self, scenario_result: Any) -> None:
        """Show this stage's part of a run (nothing when it did not run or declares no printer)."""
        if self.printer is not None and scenario_result.results.get(self.name) is not None:
            _resolve(self.printer)(scenario_result)

    def register_commands(self, app: Any) -> None:
        if self.commands is not None:
            _resolve(self.commands)(app)

    def check_inputs(self, tables: Mapping[str, Any], files: Mapping[str, str], scenario: Any) -> list[Any]:
        """The problems this stage finds in a folder's tables (none when it declares no checks)."""
        if self.input_checks is None:
            return []
        return list(_resolve(self.input_checks)(tables, files, scenario))

    def router(self) -> Any:
        return _resolve(self.routes) if self.routes is not None else None

    def report_sections(self, scenario_result: Any) -> list[Any]:
        return list(_resolve(self.report)(scenario_result)) if self.report is not None else []


class Registry:
    """The stages known to this process, by name."""

    def __init__(self) -> None:
        self._stages: dict[str, Stage] = {}
        self._lock = threading.RLock()
        self._discovered = False
        #: Declarations that could not be loaded, with the reason; the others still work.
        self.errors: list[str] = []

    def _discover(self) -> None:
        found: list[tuple[str, Any]] = []
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.append((f"entry point '{entry.name} = {entry.value}'", entry.value))
        for path in filter(None, (p.strip() for p in os.environ.get(ENV_VAR, "").split(","))):
            found.append((f"{ENV_VAR} entry '{path}'", path))
        for where, path in found:
            try:
                stage = load_object(path)
                if not isinstance(stage, Stage):
                    raise StageError(f"it is a {type(stage).__name__}, not a sufficiency Stage")
                self._add(stage, where)
            except StageError as exc:
                self.errors.append(f"{where} was not loaded: {exc}")

    def _add(self, stage: Stage, where: str) -> None:
        known = self._stages.get(stage.name)
        if known is not None and known is not stage:
            raise StageError(f"two stages are called '{stage.name}' ({where} and one registered before); "
                             "rename one")
        sections = {s.section_name: s.name for s in self._stages.values() if s.settings is not None and s is not known}
        if stage.settings is not None and stage.section_name in sections:
            raise StageError(f"stages '{sections[stage.section_name]}' and '{stage.name}' both claim the "
                             f"'{stage.section_name}' section of scenario.yaml")
        self._stages[stage.name] = stage

    def _ensure(self) -> None:
        if not self._discovered:
            with self._lock:
                if not self._discovered:
                    self._discover()
                    self._discovered = True

    def all(self) -> list[Stage]:
        """Every stage, in an order that runs each after the stages it requires or uses."""
        self._ensure()
        return _ordered(self._stages, self._stages)

    def names(self) -> list[str]:
        return [s.name for s in self.all()]

    def get(self, name: str) -> Stage:
        self._ensure()
        try:
            return self._stages[name]
        except KeyError:
            known = ", ".join(sorted(self._stages)) or "none (is the package installed? run 'make install')"
            raise StageError(f"there is no stage '{name}'; the stages are: {known}") from None

    def has(self, name: str) -> bool:
        self._ensure()
        return name in self._stages

    def plan(self, names: Iterable[str]) -> list[Stage]:
        """The stages to run for ``names``: those asked for and every stage they require, in order."""
        self._ensure()
        wanted: dict[str, Stage] = {}

        def add(name: str) -> None:
            if name in wanted:
                return
            stage = self.get(name)
            wanted[name] = stage
            for needed in stage.requires:
                add(needed)

        for name in names:
            add(name)
        return _ordered(wanted, self._stages)

    def full(self) -> list[str]:
        """The stages of a full run."""
        return [s.name for s in self.all() if s.full_run]

    def settings_sections(self) -> dict[str, Stage]:
        """Scenario section name -> the stage owning it."""
        return {s.section_name: s for s in self.all() if s.settings is not None}

    def register(self, stage: Stage) -> None:
        self._ensure()
        with self._lock:
            self._add(stage, "register()")

    def unregister(self, name: str) -> None:
        with self._lock:
            self._stages.pop(name, None)


def _ordered(stages: Mapping[str, Stage], every: Mapping[str, Stage]) -> list[Stage]:
    """Topological order over requires and uses (Kahn's algorithm), ties broken by order then name."""
    for stage in stages.values():
        for needed in stage.requires:
            if needed not in every:
                raise StageError(f"stage '{stage.name}' requires '{needed}', which is not registered")
    after = {name: {d for d in (*s.requires, *s.uses) if d in stages} for name, s in stages.items()}
    done: list[Stage] = []
    ready = sorted((n for n, deps in after.items() if not deps), key=lambda n: (stages[n].order, n))
    while ready:
        name = ready.pop(0)
        done.append(stages[name])
        for other, deps in after.items():
            if name in deps:
                deps.discard(name)
                if not deps and all(other != s.name for s in done) and other not in ready:
                    ready.append(other)
        ready.sort(key=lambda n: (stages[n].order, n))
    if len(done) < len(stages):
        stuck = sorted(set(stages) - {s.name for s in done})
        raise StageError(f"stages {', '.join(stuck)} depend on each other in a circle")
    return done


#: The registry of this process.
REGISTRY = Registry()


def stages() -> list[Stage]:
    """Every registered stage, in run order."""
    return REGISTRY.all()


def get_stage(name: str) -> Stage:
    return REGISTRY.get(name)


def register(stage: Stage) -> None:
    """Add a stage to this process (tests, notebooks); installed engines use entry points."""
    REGISTRY.register(stage)


@contextmanager
def registered(*extra: Stage) -> Iterator[None]:
    """Stages added for the duration of a ``with`` block (for tests)."""
    for stage in extra:
        register(stage)
    try:
        yield
    finally:
        for stage in extra:
            REGISTRY.unregister(stage.name)


@dataclass(frozen=True)
class ReportSection:
    """A part of the report a stage adds (``Stage.report``): a heading, paragraphs and tables.

    Every table says its unit in its caption or its column names ("pupils", "£", "%"). The report
    shows the sections after its own, in HTML and PDF, and puts each table on a sheet of the Excel
    workbook.
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    #: (caption, table) pairs.
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    notes: tuple[str, ...] = ()
