r"""Plans that hold across the forecast's uncertainty: a two-stage stochastic programme.

A board decides permanent schemes years before it knows which future comes; bulge classes can wait
until a cohort is seen. The robust plan takes both into account.

Formulation
-----------
Scenarios :math:`s \in S`, each a forecast :math:`D^s` with probability :math:`\pi_s` (variants,
named scenario files, or bootstrap paths reduced to a few). For each, the deterministic model of
:mod:`optimiser.model` is built on its own forecast (:func:`optimiser.model.build_model`), with one
difference: the unit variables of the permanent schemes (expand, new school, reduce, close, by year)
are the same variables :math:`n_{o,t}` in every scenario's model (``shared``), so the first stage is
decided once (non-anticipativity by construction). Bulge classes :math:`b^s_{o,t}`, moves
:math:`\phi^s`, empty places and shortfall :math:`\hat s^s` are each scenario's own: the recourse.

.. math::

    \min \; \sum_s \pi_s\, f_s(n, b^s, \phi^s, \hat s^s)
        + \lambda \Big(\eta + \frac{1}{1-\alpha} \sum_s \pi_s z_s\Big)

with :math:`f_s` the deterministic objective on scenario :math:`s` (capital annuities, empty places,
travel, the rules' weighting and the shortfall penalty), every constraint of each scenario's model,
and the options:

- CVaR of avoidable shortfall (Rockafellar and Uryasev): :math:`z_s \ge \sum \hat s^s - \eta`,
  :math:`z_s \ge 0`, weighted by :math:`\lambda` (``cvar_weight``, pounds a place-year);
- a cap on the probability of shortfall: binary :math:`y_s`, :math:`\sum \hat s^s \le \tau + M y_s`,
  :math:`\sum_s \pi_s y_s \le q`;
- must hold under scenario :math:`x`: :math:`\sum \hat s^x \le \hat S^x + \tau`, with :math:`\hat S^x`
  the avoidable shortfall of :math:`x`'s own plan (the least any plan leaves there).

Measures: the expected cost of the principal plan's permanent schemes with each scenario's best
recourse (EEV) against the robust plan's (RP): the value of the stochastic solution VSS = EEV - RP
(never negative: the principal plan's schemes are a feasible first stage, and the solver starts from
them); each scenario's own optimum (wait-and-see, WS: its own solve, or the robust plan's recourse for it
where that solve stopped on a worse plan, see `best_known`): EVPI = RP - WS, never negative; and per scenario the robust
plan's cost and shortfall beside its own optimum (regret). Money and place-years are reported apart.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from optimiser.config import OptimiserConfig, RobustConfig
from optimiser.model import CONTROLLABLE, PERSISTENT, WEIGHTINGS, PlanModel
from optimiser.plan import Plan, build_plan
from optimiser.solve import SolveResult, solve
from optimiser.twostage import (
    OUTCOME_COLUMNS,
    DemandScenario,
    expected,
    first_stage_keys,
    least_shortfall,
    outcome_of,
    recourse,
    restore_values,
    scenario_models,
    snapshot_values,
    stage_values,
)


@dataclass
class RobustPlan:
    """The robust plan and what it is worth.

    Attributes
    ----------
    plan : Plan
        The robust plan's permanent schemes with the recourse of the principal scenario (or the first):
        what the other stages (admissions, the report) read as "the plan".
    schemes : DataFrame
        Every scheme of the plan: ``status`` committed (permanent schemes, decided now for every future,
        and bulge classes every scenario needs) or contingent (a bulge class some futures need), with
        its probability, the scenarios that use it and, for a contingent one, its ``trigger``: the entry
        the officer watches ("if Reception in A exceeds 58 in 2028/29").
    scenarios : DataFrame
        name, source, probability.
    outcomes : DataFrame
        Per scenario and plan (``robust``, ``principal``: the deterministic plan's permanent schemes with
        the scenario's best recourse, ``own``: the scenario's own optimum): capital, controllable cost
        (pounds), objective (pounds and weightings), shortfall and its avoidable part (place-years).
    regret : DataFrame
        Per scenario: the robust plan's controllable cost and shortfall less its own optimum's.
    value : Series
        Expected costs of each plan, VSS and EVPI, each in pounds (objective and controllable) and
        place-years.
    fan : DataFrame
        Per scenario and year: pupils and places (authority totals) and shortfall under the robust
        plan and the principal plan, for the fan of outcomes.
    solve : SolveResult
        The robust solve: status, expected objective, bound, gap on the expected controllable cost.
    method : str
        ``extensive`` or ``hedging``.
    """

    plan: Plan
    schemes: pd.DataFrame
    scenarios: pd.DataFrame
    outcomes: pd.DataFrame
    regret: pd.DataFrame
    value: pd.Series
    fan: pd.DataFrame
    solve: SolveResult
    method: str = "extensive"
    total_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    #: First-stage unit values (cumulative units of each permanent scheme by year).
    first_stage: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)
    #: The principal (deterministic) plan it is compared with.
    principal: Plan | None = field(default=None, repr=False)
    #: Each scenario's solved model (its recourse under the robust plan), for checks; not pickled.
    models: list[PlanModel] = field(default_factory=list, repr=False)
    #: Each scenario's plan: the robust plan's permanent schemes and that scenario's recourse.
    scenario_plans: list[Plan] = field(default_factory=list, repr=False)
    #: The operating margin (a share of pupils) its shortfall counts beyond pupils: kept with the result, which
    #: a saved run holds without the models.
    margin: float | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "models": []}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result as named tables (stored with a run, served by the API, written as CSV)."""
        s = self.solve
        solve = pd.DataFrame([{"method": self.method, "solver": s.solver, "status": s.status,
                               "objective": round(s.objective, 0), "bound": round(s.bound, 0),
                               "gap": round(s.gap, 6), "message": s.message, "margin": self.margin}])
        return {"schemes": self.schemes, "scenarios": self.scenarios, "outcomes": self.outcomes,
                "regret": self.regret, "value": self.value.rename("value").rename_axis("measure").reset_index(),
                "fan": self.fan, "solve": solve,
                "warnings": pd.DataFrame({"warning": list(self.warnings)}, dtype=object)}


# --- building -------------------------------------------------------------------------------------------


def extensive_form(models: list[PlanModel], probabilities: np.ndarray, robust: RobustConfig,
                   must_hold: dict[int, float] | None = None) -> PlanModel:
    """All scenarios in one problem: the expected objective, every scenario's rows, and the risk options.

    Returns a :class:`PlanModel` on the first scenario's inputs whose ``costs`` are the expected costs, so
    :func:`optimiser.solve.solve` reports its gap on the expected controllable cost.
    """
    problem = pulp.LpProblem("robust_programme", pulp.LpMinimize)
    for i, m in enumerate(models):
        for name, row in m.problem.constraints.items():
            problem.addConstraint(row, f"s{i}_{name}")
    ef = PlanModel(problem, models[0].inputs, units=models[0].units)
    for key in ("capital", *CONTROLLABLE, *WEIGHTINGS):
        ef.costs[key] = pulp.lpSum(float(p) * m.costs[key] for p, m in zip(probabilities, models, strict=True))
    objective = pulp.lpSum(float(p) * m.problem.objective for p, m in zip(probabilities, models, strict=True))
    short = [pulp.lpSum(m.shortfall.values()) for m in models]
    if robust.cvar_weight > 0:
        eta = pulp.LpVariable("cvar_eta", 0)
        tail = []
        for i, (p, s) in enumerate(zip(probabilities, short, strict=True)):
            z = pulp.LpVariable(f"cvar_excess_{i}", 0)
            problem += z - s + eta >= 0, f"cvar_{i}"
            tail.append((z, float(p) / (1.0 - robust.cvar_level)))
        ef.costs["cvar"] = robust.cvar_weight * (eta + pulp.LpAffineExpression(tail))
        objective += ef.costs["cvar"]
    if robust.max_shortfall_probability is not None:
        flags = []
        for i, (m, s) in enumerate(zip(models, short, strict=True)):
            y = pulp.LpVariable(f"short_flag_{i}", cat=pulp.LpBinary)
            big = float(1.0 + m.inputs.config.margin) * float(m.inputs.demand["pupils"].sum()) + 1.0
            problem += s - big * y <= robust.shortfall_tolerance, f"short_flag_{i}"
            flags.append((y, float(probabilities[i])))
        problem += pulp.LpAffineExpression(flags) <= robust.max_shortfall_probability, "shortfall_probability"
    for i, limit in (must_hold or {}).items():
        problem += short[i] <= limit + robust.shortfall_tolerance, f"must_hold_{i}"
    problem += objective
    return ef


def _fill_risk(problem: pulp.LpProblem, models: list[PlanModel], robust: RobustConfig) -> None:
    """Values of the risk variables that fit the scenario variables' (for a warm start)."""
    short = [float(sum(v.varValue or 0.0 for v in m.shortfall.values())) for m in models]
    for v in problem.variables():
        if v.name == "cvar_eta":
            v.varValue = 0.0
        elif v.name.startswith("cvar_excess_"):
            v.varValue = short[int(v.name.rsplit("_", 1)[1])]
        elif v.name.startswith("short_flag_"):
            v.varValue = float(short[int(v.name.rsplit("_", 1)[1])] > robust.shortfall_tolerance)


# --- the measures ---------------------------------------------------------------------------------------


def decision_value(outcomes: pd.DataFrame, probabilities: np.ndarray) -> pd.Series:
    """Expected outcome of each plan, VSS (principal less robust) and EVPI (robust less each scenario's own
    optimum), each in pounds (objective, controllable, capital) and place-years (shortfall)."""
    out = {}
    means = {plan: expected(outcomes[outcomes["plan"] == plan].reset_index(drop=True), probabilities)
             for plan in outcomes["plan"].unique()}
    for plan, mean in means.items():
        for col in OUTCOME_COLUMNS:
            out[f"{plan}_{col}"] = float(mean[col])
    for name, a, b in (("vss", "principal", "robust"), ("evpi", "robust", "own")):
        if a in means and b in means:
            for col in OUTCOME_COLUMNS:
                out[f"{name}_{col}"] = float(means[a][col] - means[b][col])
    return pd.Series(out)


def best_known(own: pd.DataFrame, robust: pd.DataFrame) -> pd.DataFrame:
    """Each scenario's own best plan: its own solve, or the robust plan where that did better.

    The robust plan, with its recourse for a scenario, is a plan for that scenario alone; a scenario's own
    solve that stopped at its time limit on a worse plan has not found that future's best, and would make
    the value of perfect information (and a regret) negative, which they cannot be. Rows align by scenario.
    """
    own = own.reset_index(drop=True).copy()
    worse = own["objective"].to_numpy() > robust["objective"].to_numpy()
    own.loc[worse, OUTCOME_COLUMNS] = robust.reset_index(drop=True).loc[worse, OUTCOME_COLUMNS].to_numpy()
    return own


def regret_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: the robust plan's outcome less the scenario's own optimum (pounds and place-years)."""
    robust = outcomes[outcomes["plan"] == "robust"].set_index("scenario")
    own = outcomes[outcomes["plan"] == "own"].set_index("scenario")
    if own.empty:
        return pd.DataFrame(columns=["scenario", "controllable", "objective", "shortfall"])
    diff = (robust[["controllable", "objective", "shortfall"]] - own[["controllable", "objective", "shortfall"]])
    return diff.reset_index()


def _fan(models: list[PlanModel], names: list[str], plan: str) -> pd.DataFrame:
    """Authority totals per scenario and year under the solved recourse: pupils, places, shortfall."""
    from optimiser.model import solved_cells

    frames = []
    for name, m in zip(names, models, strict=True):
        cells = solved_cells(m)
        cells["shortfall"] = np.clip(cells["required"] - cells["capacity"], 0.0, None)
        by_year = cells.groupby("year")[["served", "capacity", "shortfall"]].sum().reset_index()
        frames.append(by_year.rename(columns={"served": "pupils", "capacity": "places"}).assign(scenario=name,
                                                                                               plan=plan))
    return pd.concat(frames, ignore_index=True)[["plan", "scenario", "year", "pupils", "places", "shortfall"]]


def first_stage_capacity(model: PlanModel, values: dict[tuple[str, int], int]) -> np.ndarray:
    """Places per cell after the permanent schemes alone (before any bulge class or move)."""
    eff = model.effects
    kinds = model.inputs.options.set_index("option_id")["kind"]
    eff = eff[eff["option_id"].map(kinds).isin(PERSISTENT).to_numpy()]
    units = pd.Series(list(zip(eff["option_id"], eff["open_year"], strict=True))).map(values).fillna(0).to_numpy()
    cap = model.base_capacity.copy()
    np.add.at(cap, eff["cell"].to_numpy(dtype=int), eff["coef"].to_numpy(dtype=float) * units)
    return cap


def scheme_table(models: list[PlanModel], plans: list[Plan], names: list[str], probabilities: np.ndarray,
                 values: dict[tuple[str, int], int], reasons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Committed and contingent schemes, each with its probability, scenarios and (contingent) trigger."""
    from sufficiency.core.phases import ncy_label
    from sufficiency.core.years import academic_year

    rows = []
    for p, name, plan in zip(probabilities, names, plans, strict=True):
        rows.append(plan.schemes.assign(scenario=name, probability=float(p)))
    every = pd.concat(rows, ignore_index=True)
    cols = ["option_id", "kind", "school_id", "planning_area_id", "year", "forms_of_entry", "places", "capital_cost",
            "needs_agreement"]
    if every.empty:
        return pd.DataFrame(columns=["status", *cols, "probability", "scenarios", "trigger", "reason"])
    every["needs_agreement"] = every["needs_agreement"].astype(bool)
    grouped = every.groupby(["option_id", "year"], sort=False)
    table = grouped.first()[[c for c in cols if c not in ("option_id", "year")]].reset_index()
    table["probability"] = grouped["probability"].sum().to_numpy()
    table["scenarios"] = grouped["scenario"].agg(", ".join).to_numpy()
    permanent = table["kind"].isin(PERSISTENT)
    table["status"] = np.where(permanent | (table["probability"] >= 1 - 1e-9), "committed", "contingent")
    # The trigger: the entry intake above which the permanent places alone fall short (with the margin).
    model = models[0]
    cap = first_stage_capacity(model, values)
    cells = model.inputs.demand
    key = pd.Series(range(len(cells)), index=pd.MultiIndex.from_frame(cells[["planning_area_id", "ncy", "year"]]))
    opts = model.inputs.options.set_index("option_id")
    m = model.inputs.config.margin
    triggers = []
    table = table.sort_values(["year", "planning_area_id", "probability"], ascending=[True, True, False],
                              kind="stable").reset_index(drop=True)
    added: dict[tuple, float] = {}
    for r in table.itertuples(index=False):
        if r.status == "committed" and r.kind in PERSISTENT:
            triggers.append("")
            continue
        entry = int(opts.at[r.option_id, "entry_ncy"])
        cell = key.get((r.planning_area_id, entry, int(r.year)))
        # Bulge classes in one area and year in order of likelihood: each is needed once the intake passes the
        # places of the permanent schemes and of the bulge classes before it.
        before = added.get((r.planning_area_id, entry, int(r.year)), 0.0)
        added[(r.planning_area_id, entry, int(r.year))] = before + float(r.places)
        limit = int(np.floor((cap[cell] + before) / (1.0 + m))) if cell is not None else 0
        watch = f"{ncy_label(entry)} in {r.planning_area_id} exceeds {limit:,} pupils in {academic_year(int(r.year))}"
        # A bulge class every scenario needs is committed: its figure says why, not a condition still to come.
        triggers.append(f"needed in every scenario: {watch}" if r.status == "committed" else f"if {watch}")
    table["trigger"] = triggers
    if reasons is not None and not reasons.empty:
        table = table.merge(reasons[["option_id", "year", "reason"]].drop_duplicates(["option_id", "year"]),
                            on=["option_id", "year"], how="left")
    else:
        table["reason"] = ""
    table["reason"] = table["reason"].fillna("")
    own = table["reason"].eq("") & table["kind"].eq("bulge")
    table.loc[own, "reason"] = [f"a cohort the committed places cannot hold with the margin in {s} ({p:.0%} likely)"
                                for s, p in zip(table.loc[own, "scenarios"], table.loc[own, "probability"],
                                                strict=True)]
    order = ["status", *cols, "probability", "scenarios", "trigger", "reason"]
    return table[order].sort_values(["status", "year", "planning_area_id", "kind"]).reset_index(drop=True)


# --- solving ----------------------------------------------------------------------------------------------


def normalised(probabilities: Sequence[float]) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    if (p < 0).any() or p.sum() <= 0:
        raise ValueError("scenario probabilities must be >= 0 and not all 0")
    return p / p.sum()


def solve_robust(
    scenarios: Sequence[DemandScenario],
    prepare,
    config: OptimiserConfig,
    robust: RobustConfig | None = None,
    principal: Plan | None = None,
    principal_name: str | None = None,
    solver: str | None = None,
    evaluate: Sequence[DemandScenario] = (),
) -> RobustPlan:
    """The robust plan over ``scenarios``.

    Parameters
    ----------
    scenarios
        The futures, each with its probability (normalised to sum to 1).
    prepare
        ``prepare(demand) -> PlanInputs``: :func:`optimiser.checks.check_inputs` with everything but the
        forecast bound (the schools, options, distances, rolls, links).
    config
        The optimiser's settings (costs, rules, lead times, solver).
    robust
        Scenarios' risk options, method, time limit and gap.
    principal
        The deterministic plan (on the principal forecast) to compare with and to start from; solved here
        on ``principal_name``'s scenario (else the first) when not given.
    evaluate
        Further scenarios (outside the set planned for, e.g. the high variant) on which both plans are
        measured, out of sample.
    """
    from optimiser.run import run_plan_on

    robust = robust or RobustConfig()
    start = time.perf_counter()
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ: {names}")
    unknown = [n for n in robust.must_hold if n not in names]
    if unknown:
        raise ValueError(f"must_hold names {unknown}, not among the scenarios {names}")
    prob = normalised([s.probability for s in scenarios])
    main = names.index(principal_name) if principal_name in names else 0
    if principal is None or principal.model is None:  # a plan read back from a store has no model: solve it again
        principal = run_plan_on(prepare(scenarios[main].demand), solver=solver)
    models = scenario_models(scenarios, prepare)
    keys = first_stage_keys(models[0])
    det = principal.model
    assert det is not None
    start_values = {k: int(round(det.units[k].varValue or 0.0)) if k in det.units else 0 for k in keys}
    recourse_limit = max(5.0, robust.time_limit / max(len(models), 1))
    warnings: list[str] = []
    # EEV: the principal plan's permanent schemes, each scenario's best recourse.
    eev, _ = recourse(models, start_values, solver, recourse_limit)
    eev_values = snapshot_values(models)
    eev_fan = _fan(models, names, "principal")
    own = None
    if robust.evpi:
        own_rows = []
        for m in models:
            # Each future alone, started from the principal plan with that future's recourse (a feasible plan).
            restore_values(m.problem, eev_values)
            solve(m, solver=solver, warm=True, time_limit=recourse_limit)
            own_rows.append(outcome_of(m))
        own = pd.DataFrame(own_rows, columns=OUTCOME_COLUMNS)
    must = {names.index(n): least_shortfall(models[names.index(n)], solver, recourse_limit) for n in robust.must_hold}
    ef_start = time.perf_counter()
    if robust.method == "hedging":
        from optimiser.hedging import progressive_hedging

        eev_mean = expected(eev, prob)
        values, result, _rounds = progressive_hedging(scenarios, prepare, prob, models, start_values,
                                                      float(eev_mean["objective"]), robust, solver,
                                                      max(float(eev_mean["controllable"]), 1.0))
    else:
        ef = extensive_form(models, prob, robust, must)
        restore_values(ef.problem, eev_values)
        _fill_risk(ef.problem, models, robust)
        reference = float(expected(eev, prob)["controllable"])
        left = robust.time_limit
        result = solve(ef, solver=solver, warm=True, time_limit=left, abs_gap=robust.gap * max(reference, 1.0))
        if result.status not in ("optimal", "feasible"):
            warnings.append(f"the robust solve found no plan ({result.message}); the principal plan's schemes stand")
            values = start_values
        else:
            values = stage_values(models[0])
    if robust.method == "extensive" and result.status in ("optimal", "feasible"):
        # The plan that was solved: every scenario's recourse as the extensive form chose it.
        rp = pd.DataFrame([outcome_of(m) for m in models], columns=OUTCOME_COLUMNS)
        results = [result] * len(models)
    else:
        rp, results = recourse(models, values, solver, recourse_limit)
    # Never worse than the principal plan's schemes: the solver starts from them, and a stopped search
    # that has not bettered them keeps them (unless a risk option asked for more than expected cost).
    risk = robust.cvar_weight > 0 or robust.max_shortfall_probability is not None or bool(must)
    if not risk and float(expected(rp, prob)["objective"]) > float(expected(eev, prob)["objective"]) + 1e-6:
        values = start_values
        for m in models:
            restore_values(m.problem, eev_values)
        rp = eev.copy()
    plans = [build_plan(m, r, explained=(i == main)) for i, (m, r) in enumerate(zip(models, results, strict=True))]
    for i, plan in enumerate(plans):
        if i != main:
            plan.schemes["reason"] = ""
    rp_mean = expected(rp, prob)
    bound = result.bound if np.isfinite(result.bound) else float("nan")
    gap = max(0.0, float(rp_mean["objective"]) - bound) / max(float(rp_mean["controllable"]), 1.0)
    if risk:
        gap = result.gap  # the bound is on the objective with its risk terms
    if not np.isfinite(gap) or not np.isfinite(bound):
        gap = float("inf")  # nothing proved: the solver stopped before a bound (the principal plan's schemes stand)
    status = "optimal" if gap <= robust.gap + 1e-9 else "feasible"
    summary = SolveResult(result.solver, status, float(rp_mean["objective"]), bound, gap,
                          time.perf_counter() - ef_start, result.message, float(rp_mean["controllable"]))
    fan = _fan(models, names, "robust")
    outcome_frames = [rp.assign(scenario=names, plan="robust"), eev.assign(scenario=names, plan="principal")]
    if own is not None:
        own = best_known(own, rp)
        outcome_frames.append(own.assign(scenario=names, plan="own"))
    outcomes = pd.concat(outcome_frames, ignore_index=True)
    value = decision_value(outcomes, prob)
    schemes = scheme_table(models, plans, names, prob, values, plans[main].schemes)
    # Out of sample: both plans on further scenarios (such as the high variant when it was not planned for).
    extra = [s for s in evaluate if s.name not in names]
    if extra:
        ex_models = scenario_models(extra, prepare, shared=True)
        ex_keys = set(first_stage_keys(ex_models[0]))
        for plan_name, vals in (("principal", start_values), ("robust", values)):
            ex, _ = recourse(ex_models, {k: v for k, v in vals.items() if k in ex_keys}, solver, recourse_limit)
            ex = ex.assign(scenario=[s.name for s in extra], plan=f"{plan_name} (evaluated)")
            outcomes = pd.concat([outcomes, ex], ignore_index=True)
    fan = pd.concat([fan, eev_fan], ignore_index=True)
    scen = pd.DataFrame({"scenario": names, "source": [s.source for s in scenarios], "probability": prob})
    return RobustPlan(plans[main], schemes, scen, outcomes[["plan", "scenario", *OUTCOME_COLUMNS]],
                      regret_table(outcomes), value, fan, summary, robust.method, time.perf_counter() - start,
                      warnings + list(models[0].inputs.warnings), values, principal, models, plans,
                      float(config.margin))


__all__ = ["DemandScenario", "RobustPlan", "decision_value", "extensive_form",
           "first_stage_keys", "recourse", "scenario_models", "solve_robust"]
