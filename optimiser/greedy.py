"""The greedy baseline: what officers do by hand, costed exactly as the optimiser's plan is.

Year by year, each planning area and year group short of pupils plus margin gets the cheapest
single scheme in that area that reaches it in time, until the deficit is met or nothing is left.
No reductions, no closures, no look-ahead. Its decisions are then fixed in the same model and the
rest (moves, empty places, shortfall) solved, so both plans are priced by one objective; the
optimiser starts from this plan and therefore never returns a dearer one.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from optimiser.model import PERSISTENT, PlanModel, _spend_years, required
from optimiser.solve import UNTIL_DONE, SolveResult, controllable_value, solve

GROWTH = ("expand", "bulge", "new_school")


class _Ledger:
    """Budgets and site room left while the greedy plan is drawn up."""

    def __init__(self, model: PlanModel) -> None:
        cfg, inputs = model.inputs.config, model.inputs
        self.cfg = cfg
        self.total = cfg.capital_budget if cfg.capital_budget is not None else np.inf
        self.spent: dict[int, float] = defaultdict(float)
        schools = inputs.schools.set_index("school_id")
        # No known site limit: room without end (expansions are only generated where the limit is known).
        self.room = (schools["max_forms_of_entry"] - schools["pan"] / 30.0).fillna(np.inf).to_dict()
        self.new_left = defaultdict(lambda: cfg.max_new_schools_per_area)
        #: Years with a bulge class at each school: an expansion must leave a form of entry of room then.
        self.bulge_years: dict[str, set[int]] = defaultdict(set)

    def allows(self, o, t: int) -> bool:
        if o.capital_cost > self.total + 1e-6:
            return False
        lead = int(o.lead_time_years)
        for y in _spend_years(t, lead):
            limit = self.cfg.annual_budget_for(y)
            if limit is not None and self.spent[y] + o.capital_cost / max(lead, 1) > limit + 1e-6:
                return False
        if o.kind == "bulge":
            # A bulge class needs a form of entry of room on the site, beside any expansion.
            return self.room.get(o.school_id, 0.0) >= o.forms_of_entry - 1e-9
        if o.kind == "expand":
            later_bulge = any(y >= t for y in self.bulge_years[o.school_id])
            return self.room.get(o.school_id, 0.0) - (1.0 if later_bulge else 0.0) >= o.forms_of_entry - 1e-9
        if o.kind == "new_school":
            return self.new_left[o.planning_area_id] > 0
        return True

    def take(self, o, t: int) -> None:
        self.total -= o.capital_cost
        lead = int(o.lead_time_years)
        for y in _spend_years(t, lead):
            self.spent[y] += o.capital_cost / max(lead, 1)
        if o.kind == "expand":
            self.room[o.school_id] -= o.forms_of_entry
        if o.kind == "bulge":
            self.bulge_years[o.school_id].add(t)
        if o.kind == "new_school":
            self.new_left[o.planning_area_id] -= 1


def greedy_decisions(model: PlanModel) -> dict[tuple[str, int], int]:
    """Unit values (cumulative for permanent schemes) of the greedy plan."""
    inputs = model.inputs
    cells = inputs.demand
    need = required(inputs, cells["pupils"].to_numpy())
    cap = model.base_capacity.copy()
    eff = model.effects
    effect = {k: (g["cell"].to_numpy(), g["coef"].to_numpy()) for k, g in eff.groupby(["option_id", "open_year"])}
    opts = inputs.options[inputs.options["kind"].isin(GROWTH)].sort_values("capital_cost")
    used: dict[str, int] = defaultdict(int)
    opened: dict[tuple[str, int], int] = defaultdict(int)
    ledger = _Ledger(model)
    by_cell: dict[tuple[str, int], list] = defaultdict(list)
    for o in opts.itertuples(index=False):  # already cheapest first
        for g in range(int(o.ncy_low), int(o.ncy_high) + 1):
            by_cell[(o.planning_area_id, g)].append(o)
    order = cells.sort_values(["year", "planning_area_id", "ncy"])
    for c, p, g, year in zip(order.index, order["planning_area_id"], order["ncy"], order["year"], strict=True):
        candidates = by_cell.get((p, int(g)), [])
        while need[c] - cap[c] > 1e-9:
            pick = _cheapest(candidates, g, year, used, opened, ledger, model)
            if pick is None:
                break
            o, t = pick
            ledger.take(o, t)
            opened[(o.option_id, t)] += 1
            used[o.option_id] += 1
            later = [y for y in inputs.years if y >= t] if o.kind in PERSISTENT else [t]
            for y in later:
                if (o.option_id, y) in effect:
                    idx, coef = effect[(o.option_id, y)]
                    np.add.at(cap, idx, coef)
    return _as_values(model, opened)


def _cheapest(candidates: list, g: int, year: int, used, opened, ledger: _Ledger, model: PlanModel):
    for o in candidates:
        t = int(year - (g - o.entry_ncy))
        if (o.option_id, t) not in model.units:
            continue
        if o.kind == "bulge" and opened[(o.option_id, t)] >= 1:
            continue
        if o.kind != "bulge" and used[o.option_id] >= o.max_units:
            continue
        if ledger.allows(o, t):
            return o, t
    return None


def _as_values(model: PlanModel, opened: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    kinds = model.inputs.options.set_index("option_id")["kind"]
    values = {}
    running: dict[str, int] = defaultdict(int)
    for (oid, t) in sorted(model.units, key=lambda k: (k[0], k[1])):
        if kinds[oid] in PERSISTENT:
            running[oid] += opened.get((oid, t), 0)
            values[(oid, t)] = running[oid]
        else:
            values[(oid, t)] = opened.get((oid, t), 0)
    return values


def evaluate_decisions(model: PlanModel, values: dict[tuple[str, int], int], solver: str | None = None) -> SolveResult:
    """Fix the scheme variables at ``values`` and solve the rest; bounds are restored afterwards."""
    saved = {k: (v.lowBound, v.upBound) for k, v in model.units.items()}
    try:
        for k, v in model.units.items():
            v.lowBound = v.upBound = values.get(k, 0)
        result = solve(model, solver=solver, time_limit=UNTIL_DONE)
    finally:
        for k, v in model.units.items():
            v.lowBound, v.upBound = saved[k]
    return SolveResult(result.solver, "greedy" if result.status in ("optimal", "feasible") else result.status,
                       result.objective, result.objective, 0.0, result.seconds, "greedy baseline, decisions fixed",
                       controllable_value(model) if result.status in ("optimal", "feasible") else float("nan"))
