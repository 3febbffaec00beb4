"""Solve the model with HiGHS (default) or CBC through PuLP, and report the true gap.

A time-limited CBC run can call itself "Optimal" when it stopped early, so the status reported
here comes from the incumbent and the best bound the solver proved, not from PuLP's label.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pulp

from optimiser.model import PlanModel

SOLVERS = {"highs": "HiGHS", "cbc": "PULP_CBC_CMD"}

#: ``time_limit`` for the linear programmes that cost the greedy baseline and round the relaxation:
#: they always finish, so a plan always has its baseline; ``optimiser.time_limit`` stops the search.
UNTIL_DONE = math.inf

#: HiGHS's share of effort on primal heuristics (its default is 0.05). On generated authorities of
#: 300 schools, 40 planning areas and 15 years, 0.3 finds a programme within 1% of the bound in
#: about a minute where the default could stall above 3% for two (benchmarks/optimiser_bench.py).
HIGHS_HEURISTIC_EFFORT = 0.3


@dataclass(frozen=True)
class SolveResult:
    """How the solve went.

    Attributes
    ----------
    solver : str
        "highs" or "cbc".
    status : str
        "optimal" (gap within tolerance), "feasible" (stopped with a gap), "infeasible" or "error".
    objective, bound : float
        Incumbent objective and the best proven lower bound (the objective mixes money with the
        weightings; read the plan's costs for each part in its unit).
    gap : float
        What is proved: ``(objective - bound) / controllable``, the most the plan could still be
        improved, as a share of the pounds a council controls (capital annuities, empty places,
        travel), not of penalties for shortfall no scheme can meet.
    seconds : float
        Wall-clock time of the solve.
    controllable : float
        The incumbent's controllable cost, pounds.
    """

    solver: str
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    message: str = ""
    controllable: float = float("nan")


_BANNER_SHOWN = False


def _quiet_highs_banner() -> None:
    """HiGHS prints its name and licence on the first solver a process creates, whatever its options,
    in the middle of a command's tables. Create that first one with the output sent nowhere (the
    banner is printed from C, so only the file descriptor can be redirected, and only once)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True


class _WarmHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface that hands the variables' current values to HiGHS as a start."""

    def callSolver(self, lp):  # PuLP's name for the method it overrides
        values = [v.varValue for v in lp.variables()]
        if all(x is not None for x in values):
            import highspy

            start = highspy.HighsSolution()
            start.col_value = [float(x) for x in values]
            start.value_valid = True
            lp.solverModel.setSolution(start)
        lp.solverModel.run()


def available_solvers() -> list[str]:
    """Solvers PuLP can run here, by this package's names."""
    found = set(pulp.listSolvers(onlyAvailable=True))
    return [name for name, pulp_name in SOLVERS.items() if pulp_name in found]


def solve(model: PlanModel, solver: str | None = None, warm: bool = False, time_limit: float | None = None,
          abs_gap: float | None = None) -> SolveResult:
    """Solve ``model`` with the configured solver, falling back to the other one on failure.

    Parameters
    ----------
    model : PlanModel
        The built model; variables receive their solved values.
    solver : {"highs", "cbc"}, optional
        Overrides ``config.solver``.
    warm : bool
        Start from the variables' current values (set by the greedy plan).
    time_limit : float, optional
        Seconds the solver may take; default ``config.time_limit``; ``UNTIL_DONE`` for no limit.
    abs_gap : float, optional
        Stop when the incumbent is within this many pounds of the bound (``config.gap`` times the
        controllable cost of the start plan); without it, ``config.gap`` relative to the objective.
    """
    cfg = model.inputs.config
    first = solver or cfg.solver
    order = [first] + ([s for s in SOLVERS if s != first] if cfg.fallback_solver else [])
    messages = []
    for name in order:
        if name not in available_solvers():
            messages.append(f"{name} is not available")
            continue
        try:
            result = _solve_with(model, name, warm, time_limit, abs_gap)
        except pulp.PulpSolverError as exc:
            messages.append(f"{name} failed: {exc}")
            continue
        if result.status in ("optimal", "feasible", "infeasible"):
            return result if not messages else SolveResult(**{**result.__dict__, "message": "; ".join(messages)})
        messages.append(f"{name}: {result.message}")
    return SolveResult(first, "error", float("nan"), float("nan"), float("nan"), 0.0, "; ".join(messages))


def _solve_with(model: PlanModel, name: str, warm: bool, time_limit: float | None = None,
                abs_gap: float | None = None) -> SolveResult:
    cfg = model.inputs.config
    limit = cfg.time_limit if time_limit is None else time_limit
    if name == "cbc" and math.isfinite(limit):
        # CBC checks its clock between nodes and overruns its limit by a few seconds on a busy machine.
        limit = max(0.0, 0.9 * limit - 1.0)
    limit = limit if math.isfinite(limit) else None  # PuLP: None is no limit
    # The gap that matters is on the pounds a council controls: stop on an absolute gap of that size
    # rather than a relative gap on an objective that may hold large shortfall penalties.
    gaps = dict(gapRel=cfg.gap) if abs_gap is None else dict(gapRel=1e-9, gapAbs=max(abs_gap, 1e-6))
    start = time.perf_counter()
    if name == "highs":
        if not cfg.msg:
            _quiet_highs_banner()
        if cfg.threads is not None:
            import highspy

            # HiGHS sizes one scheduler per thread at its first solve and refuses ("Not Set") a later
            # solve asking for another number of threads, which would fall back to CBC unasked.
            highspy.Highs.resetThreadScheduler(True)
        kwargs = dict(msg=cfg.msg, timeLimit=limit, threads=cfg.threads, mip_heuristic_effort=HIGHS_HEURISTIC_EFFORT,
                      **gaps)
        engine = _WarmHiGHS(**kwargs) if warm else pulp.HiGHS(**kwargs)
        model.problem.solve(engine)
        seconds = time.perf_counter() - start
        return _highs_result(model, seconds)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        engine = pulp.PULP_CBC_CMD(msg=cfg.msg, timeLimit=limit, threads=cfg.threads, warmStart=warm,
                                   logPath=str(log), keepFiles=False, **gaps)
        model.problem.solve(engine)
        seconds = time.perf_counter() - start
        text = log.read_text() if log.exists() else ""
    return _cbc_result(model, text, seconds)


def controllable_value(model: PlanModel) -> float:
    """The solved plan's controllable cost in pounds (capital annuities, empty places, travel)."""
    from optimiser.model import CONTROLLABLE

    return float(sum(model.costs[k].value() or 0.0 for k in CONTROLLABLE))


def _relative(model: PlanModel, objective: float, bound: float) -> tuple[float, float]:
    """The gap on the controllable cost, and that cost."""
    controllable = controllable_value(model)
    return max(0.0, objective - bound) / max(controllable, 1.0), controllable


def _highs_result(model: PlanModel, seconds: float) -> SolveResult:
    h = model.problem.solverModel
    info = h.getInfo()
    status_text = h.modelStatusToString(h.getModelStatus())
    if info.primal_solution_status != 2:  # 2 = feasible
        kind = "infeasible" if "nfeasible" in status_text else "error"
        return SolveResult("highs", kind, float("nan"), float("nan"), float("nan"), seconds, status_text)
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if model.problem.isMIP() else objective
    gap, controllable = _relative(model, objective, bound)
    status = "optimal" if gap <= model.inputs.config.gap + 1e-9 else "feasible"
    return SolveResult("highs", status, objective, bound, gap, seconds, status_text, controllable)


def _cbc_result(model: PlanModel, log: str, seconds: float) -> SolveResult:
    label = pulp.LpStatus[model.problem.status]
    if model.problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        kind = "infeasible" if label == "Infeasible" else "error"
        return SolveResult("cbc", kind, float("nan"), float("nan"), float("nan"), seconds, label)
    objective = float(pulp.value(model.problem.objective))
    bound = objective
    found = re.search(r"Lower bound:\s+(-?[\d.eE+-]+)", log)
    stopped = re.search(r"Result - (.*)", log)
    if found:
        bound = float(found.group(1))
    elif stopped and "Optimal solution found" not in stopped.group(1):
        bound = float("-inf")
    gap, controllable = _relative(model, objective, bound) if bound > float("-inf") else (float("inf"),
                                                                                        controllable_value(model))
    status = "optimal" if gap <= model.inputs.config.gap + 1e-9 else "feasible"
    return SolveResult("cbc", status, objective, bound, gap, seconds,
                       stopped.group(1).strip() if stopped else label, controllable)
