"""run_plan and greedy_plan: the optimiser's pipeline from a forecast to a Plan."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from optimiser.checks import PlanInputs, SpecificationError, check_inputs
from optimiser.config import OptimiserConfig
from optimiser.greedy import evaluate_decisions, greedy_decisions
from optimiser.model import PlanModel, build_model
from optimiser.plan import Plan, build_plan
from optimiser.solve import SolveResult, available_solvers, controllable_value, solve


def _prepare(demand, schools, config, options, distances, planning_areas, base_year, rolls=None, links=None,
             files=None) -> PlanModel:
    inputs = check_inputs(demand, schools, config, options, distances, planning_areas, base_year, rolls, links, files)
    return build_model(inputs)


def greedy_plan(
    demand: pd.DataFrame,
    schools: pd.DataFrame,
    config: OptimiserConfig | None = None,
    options: pd.DataFrame | None = None,
    distances: pd.DataFrame | np.ndarray | None = None,
    planning_areas: pd.DataFrame | None = None,
    base_year: int | None = None,
    rolls: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
) -> Plan:
    """The greedy baseline: the cheapest single scheme for each deficit, year by year.

    Takes the same arguments as :func:`run_plan` and returns a :class:`Plan` costed by the same
    objective (see :mod:`optimiser.greedy`).
    """
    model = _prepare(demand, schools, config, options, distances, planning_areas, base_year, rolls, links)
    result = evaluate_decisions(model, greedy_decisions(model))
    return build_plan(model, result, explained=False)


def _better_start(model: PlanModel, greedy: dict, greedy_result: SolveResult, solver: str | None) -> bool:
    """Leave in the variables the cheaper of the greedy plan and the rounded relaxation.

    Returns True when the variables hold a feasible plan to start from. The solver is never
    handed a dearer start than the greedy plan, so the optimum is never worse than the baseline.
    """
    from optimiser.rounding import rounded_decisions

    rounded = rounded_decisions(model, solver)
    if rounded is not None:
        trial = evaluate_decisions(model, rounded, solver=solver)
        if trial.status == "greedy" and (greedy_result.status != "greedy" or trial.objective < greedy_result.objective):
            return True
    if greedy_result.status == "greedy":
        evaluate_decisions(model, greedy, solver=solver)
        return True
    return False


def _combined(first: SolveResult, second: SolveResult, target: float) -> SolveResult:
    """A solve continued from the first one's plan: the later plan, the better of the two bounds, the
    time of both."""
    bound = max(first.bound, second.bound)
    gap = min(second.gap, max(0.0, second.objective - bound) / max(second.controllable, 1.0))
    return SolveResult(second.solver, "optimal" if gap <= target + 1e-9 else "feasible", second.objective, bound, gap,
                       first.seconds + second.seconds, second.message, second.controllable)


def run_plan(
    demand: pd.DataFrame,
    schools: pd.DataFrame,
    config: OptimiserConfig | None = None,
    options: pd.DataFrame | None = None,
    distances: pd.DataFrame | np.ndarray | None = None,
    planning_areas: pd.DataFrame | None = None,
    base_year: int | None = None,
    solver: str | None = None,
    rolls: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    files: dict[str, str] | None = None,
) -> Plan:
    """Choose expansions, bulge classes, new schools and reductions at least cost.

    Parameters
    ----------
    demand : DataFrame
        Forecast pupils ``planning_area_id, year, ncy, pupils`` (``Forecast.by_area``).
    schools : DataFrame
        Canonical schools table (pan, net_capacity, ncy_low/high, ofsted, max_forms_of_entry,
        can_bulge, first_preferences, ...).
    config : OptimiserConfig, optional
        Costs, rules, budgets and solver settings; defaults when None.
    options : DataFrame, optional
        The council's candidate schemes; generated from the schools when None.
    distances : DataFrame or ndarray, optional
        Planning-area distances in metres indexed by planning_area_id, e.g.
        ``geodata.centroid_distances(planning_areas)``. None: no moves between areas.
    planning_areas : DataFrame, optional
        planning_area_id and phase.
    base_year : int, optional
        Last year of data; schemes open from ``base_year`` plus their lead time. Default: the
        year before the first forecast year.
    solver : {"highs", "cbc"}, optional
        Overrides ``config.solver``.
    rolls : DataFrame, optional
        Canonical rolls with the base year's census. A cohort on roll above its year group's
        places (a past bulge class) keeps them as it moves up, so it is not counted as unmet
        need. None: every year group has the admission number.
    links : DataFrame, optional
        infant_id, junior_id: linked infant and junior schools; None derives them from age ranges and
        distance.
    files : dict, optional
        Table name to the file it came from, so a problem names the file (``{"options": "options.csv"}``).

    Returns
    -------
    Plan
        The optimal (or best found) programme, with the greedy baseline in ``plan.baseline``.

    Raises
    ------
    SpecificationError
        When the inputs cannot make a plan; the message names each problem.
    """
    config = config or OptimiserConfig()
    start = time.perf_counter()
    model = _prepare(demand, schools, config, options, distances, planning_areas, base_year, rolls, links, files)
    return _run_model(model, solver, start)


def preparer(schools: pd.DataFrame, config: OptimiserConfig | None = None, options: pd.DataFrame | None = None,
             distances: pd.DataFrame | np.ndarray | None = None, planning_areas: pd.DataFrame | None = None,
             base_year: int | None = None, rolls: pd.DataFrame | None = None, links: pd.DataFrame | None = None,
             files: dict[str, str] | None = None) -> Callable[[pd.DataFrame], PlanInputs]:
    """``prepare(demand) -> PlanInputs``: :func:`check_inputs` with everything but the forecast bound, for
    planning one set of schools and options against several forecasts (:mod:`optimiser.stochastic`)."""
    config = config or OptimiserConfig()

    def prepare(demand: pd.DataFrame) -> PlanInputs:
        return check_inputs(demand, schools, config, options, distances, planning_areas, base_year, rolls, links,
                            files)

    return prepare


def run_plan_on(inputs: PlanInputs, solver: str | None = None) -> Plan:
    """:func:`run_plan` on inputs already checked (:func:`check_inputs`)."""
    return _run_model(build_model(inputs), solver, time.perf_counter())


def _run_model(model: PlanModel, solver: str | None, start: float) -> Plan:
    config = model.inputs.config
    greedy = greedy_decisions(model)
    baseline_result = evaluate_decisions(model, greedy, solver=solver)
    reading = time.perf_counter()
    baseline = build_plan(model, baseline_result, explained=False)
    # Reading the solved plan (with every scheme's reason) takes a few times as long as reading the
    # baseline: that much is kept back from the solver, so the whole run ends within its limit.
    reserve = 3.0 * (time.perf_counter() - reading) + 0.5 + 0.05 * config.time_limit
    warm = config.warm_start and _better_start(model, greedy, baseline_result, solver)
    # The time limit bounds the whole run: reading, the greedy plan, the start and the reasons are
    # counted. When they use it all, the solver stops at once with the start it was given (never
    # worse than greedy), and the plan says what was proved.
    deadline = start + config.time_limit - reserve
    # Stop within config.gap of the controllable cost. That cost is known only once the plan is found:
    # solve to the gap on the start plan's, and when the plan found is cheaper and the gap on its own
    # controllable cost is still too wide, carry on from it with the gap tightened (a few rounds at most).
    reference = controllable_value(model) if warm else baseline.controllable_cost
    result = solve(model, solver=solver, warm=warm, time_limit=max(0.0, deadline - time.perf_counter()),
                   abs_gap=config.gap * reference)
    for _ in range(3):
        left = deadline - time.perf_counter()
        if result.status != "feasible" or left <= 1.0 or result.controllable >= reference * (1 - 1e-9):
            break
        reference = result.controllable
        again = solve(model, solver=solver, warm=True, time_limit=left, abs_gap=config.gap * reference)
        if again.status not in ("optimal", "feasible"):
            break
        result = _combined(result, again, config.gap)
    if result.status not in ("optimal", "feasible"):
        problem = f"the solver found no plan ({result.solver}: {result.status}, {result.message})"
        if "time limit" in result.message.lower():
            problem += (f": optimiser.time_limit ({config.time_limit:g} s, reading the inputs and the greedy plan "
                        "included) ran out first; raise it, or keep optimiser.warm_start on so the solver starts "
                        "from the greedy plan")
        elif "not available" in result.message:
            here = ", ".join(available_solvers()) or "none"
            problem += (f": choose a solver that is installed (optimiser.solver; here: {here}), or set "
                        "optimiser.fallback_solver: true to use the other one when the first cannot run")
        raise SpecificationError([problem])
    plan = build_plan(model, result, baseline)
    plan.total_seconds = time.perf_counter() - start
    return plan
