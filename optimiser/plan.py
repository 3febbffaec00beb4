"""The Plan: the schemes chosen, capacity against demand after them, costs, shortfall and solve.

Built from a solved model (or from the greedy baseline evaluated on the same model), so both are
read and costed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimiser.model import CONTROLLABLE, PERSISTENT, PlanModel, solved_cells
from optimiser.solve import SolveResult

SCHEME_COLUMNS = ["option_id", "kind", "school_id", "planning_area_id", "year", "forms_of_entry",
                  "places", "capital_cost", "reason"]
#: Added to ``plan.csv`` after the columns above: whether a scheme is a proposal needing the school's
#: agreement (a cut where the school is its own admission authority).
FLAG_COLUMNS = ["needs_agreement"]
AFTER_COLUMNS = ["planning_area_id", "year", "ncy", "demand", "capacity", "surplus", "shortfall"]
#: Money (pounds): what the board spends, and the objective's parts a council controls.
MONEY_ITEMS = ["capital", "capital_annualised", "surplus_revenue", "travel_penalty", "controllable"]
#: Weightings that steer the plan but are not money.
WEIGHTING_ITEMS = ["rule_weighting", "shortfall_penalty"]
#: Place-years (places short, summed over the years they are short).
PLACE_YEAR_ITEMS = ["shortfall", "shortfall_unavoidable"]
COST_ITEMS = MONEY_ITEMS + WEIGHTING_ITEMS + PLACE_YEAR_ITEMS
#: The unit of each item of ``Plan.costs``, for every page that shows them.
COST_UNITS = {**dict.fromkeys(MONEY_ITEMS, "pounds"), **dict.fromkeys(WEIGHTING_ITEMS, "weighting, not money"),
              **dict.fromkeys(PLACE_YEAR_ITEMS, "place-years")}


@dataclass
class Plan:
    """A capital programme and its consequences.

    Attributes
    ----------
    schemes : DataFrame
        option_id, kind, school_id, planning_area_id, year (first year of the new intake or of the
        change), forms_of_entry, places (added once fully in, negative when removed), capital_cost
        (undiscounted pounds) and a one-line reason.
    sufficiency_after : DataFrame
        planning_area_id, year, ncy, demand (pupils to place in the area's schools, after any
        moves to or from neighbouring areas), capacity, surplus (capacity - demand) and shortfall
        (places short of demand plus margin).
    costs : Series
        The plan's parts, each in its own unit (``COST_UNITS``). Pounds: capital (undiscounted, what
        the board spends), capital_annualised (the annuities of the years in use within the horizon,
        discounted), surplus_revenue and travel_penalty (discounted), and controllable (their sum,
        on which the optimality gap is measured). Weightings, not money: rule_weighting and
        shortfall_penalty (avoidable shortfall only). Place-years: shortfall (all of it) and
        shortfall_unavoidable (cohorts already in school that no scheme reaches).
    shortfall : DataFrame
        The rows of ``sufficiency_after`` with a shortfall, and its ``cause``: ``in school`` (a
        cohort on roll in the base year, to which no scheme can add places; in practice met by
        admitting above the admission number), ``no scheme in time`` (no candidate scheme reaches
        the cohort: lead times, or no option in the area) or ``limits`` (schemes could reach it,
        but budgets, site limits or rules held them back).
    transfers : DataFrame
        from_area, to_area, ncy, year, pupils placed in a neighbouring area.
    solve : SolveResult
        Solver, status, objective, bound, gap and time.
    baseline : Plan or None
        The greedy baseline, costed the same way, for comparison.
    """

    schemes: pd.DataFrame
    sufficiency_after: pd.DataFrame
    costs: pd.Series
    shortfall: pd.DataFrame
    transfers: pd.DataFrame
    solve: SolveResult
    baseline: Plan | None = field(default=None, repr=False)
    total_seconds: float = 0.0
    #: What a board should know about the plan's footing (for example data older than a year).
    warnings: list[str] = field(default_factory=list)
    #: The solved model, for checking every constraint against the plan (``optimiser.testing``).
    model: PlanModel | None = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        # The solved model holds the solver's own objects, which cannot be pickled or sent to another
        # process; a copy of the plan keeps every table and figure without it.
        return {**self.__dict__, "model": None}

    @property
    def status(self) -> str:
        return self.solve.status

    @property
    def gap(self) -> float:
        return self.solve.gap

    @property
    def seconds(self) -> float:
        return self.solve.seconds

    @property
    def total_shortfall(self) -> float:
        """Place-years short over the horizon."""
        return float(self.sufficiency_after["shortfall"].sum())

    @property
    def controllable_cost(self) -> float:
        """Pounds the council controls: capital annuities in use, empty places and travel (discounted)."""
        return float(self.costs["controllable"])


def unit_values(model: PlanModel) -> dict[tuple[str, int], int]:
    """Solved unit variables rounded to whole schemes."""
    return {k: int(round(v.varValue or 0.0)) for k, v in model.units.items()}


def chosen_schemes(model: PlanModel) -> pd.DataFrame:
    """One row per scheme opened: option and year with the units opened that year."""
    values = unit_values(model)
    rows = []
    for o in model.inputs.options.itertuples(index=False):
        previous = 0
        for t in model.inputs.years:
            if (o.option_id, t) not in values:
                continue
            now = values[(o.option_id, t)]
            opened = now - previous if o.kind in PERSISTENT else now
            previous = now if o.kind in PERSISTENT else previous
            if opened > 0:
                rows.append((o.option_id, t, opened))
    return pd.DataFrame(rows, columns=["option_id", "year", "units"])


GREEDY_REASON = "greedy baseline: the cheapest single scheme that reaches the deficit in time"


def build_plan(model: PlanModel, result: SolveResult, baseline: Plan | None = None, explained: bool = True) -> Plan:
    """Read the solved model into a :class:`Plan`.

    ``explained=False`` gives every scheme the greedy rule as its reason instead of comparing it
    with the alternatives, for the greedy baseline, whose schemes follow that one rule.
    """
    from optimiser.reasons import explain

    chosen = chosen_schemes(model)
    schemes = _scheme_table(model, chosen)
    solved = solved_cells(model)
    schemes["reason"] = explain(model, schemes, solved) if explained else GREEDY_REASON
    after = _after_table(solved)
    flows = [(p, q, g, t, pupils * float(var.varValue or 0.0)) for var, p, q, g, t, pupils in model.move_flows]
    transfers = pd.DataFrame([f for f in flows if f[4] > 1e-6],
                             columns=["from_area", "to_area", "ncy", "year", "pupils"])
    costs = {k: float(model.costs[k].value() or 0.0) for k in ("capital", *CONTROLLABLE, "rule_weighting",
                                                              "shortfall_penalty")}
    costs["controllable"] = sum(costs[k] for k in CONTROLLABLE)
    costs["shortfall"] = float(after["shortfall"].sum())
    costs["shortfall_unavoidable"] = float(model.unavoidable.sum())
    return Plan(schemes[SCHEME_COLUMNS + FLAG_COLUMNS], after, pd.Series(costs)[COST_ITEMS],
                _shortfall_table(model, after), transfers, result, baseline, warnings=list(model.inputs.warnings),
                model=model)


def _scheme_table(model: PlanModel, chosen: pd.DataFrame) -> pd.DataFrame:
    opts = model.inputs.options.set_index("option_id")
    if chosen.empty:
        return pd.DataFrame(columns=SCHEME_COLUMNS[:-1] + ["units", "needs_agreement"])
    o = opts.loc[chosen["option_id"]].reset_index()
    planned = model.inputs.config.year_groups  # places outside them (the sixth form) are not planned here
    groups = ((np.minimum(o["ncy_high"], max(planned)) - np.maximum(o["ncy_low"], min(planned)) + 1)
              .clip(lower=0).to_numpy())
    closing = model.inputs.places.groupby(["school_id", "year"])["places"].sum()
    closed = (pd.Series(list(zip(o["school_id"], chosen["year"].to_numpy(), strict=True)))
              .map(closing).fillna(0.0).to_numpy())
    per_unit = np.where(o["kind"] == "bulge", o["places_per_unit"],
                        np.where(o["kind"] == "close", -closed,
                                 o["places_per_unit"] * groups))
    return pd.DataFrame({
        "option_id": o["option_id"], "kind": o["kind"], "school_id": o["school_id"],
        "planning_area_id": o["planning_area_id"], "year": chosen["year"].to_numpy(),
        "forms_of_entry": o["forms_of_entry"].to_numpy() * chosen["units"].to_numpy(),
        "places": per_unit * chosen["units"].to_numpy(),
        "capital_cost": o["capital_cost"].to_numpy() * chosen["units"].to_numpy(),
        "units": chosen["units"].to_numpy(),
        "needs_agreement": o["needs_agreement"].fillna(False).astype(bool).to_numpy(),
    }).sort_values(["year", "planning_area_id", "kind"]).reset_index(drop=True)


def margin_words(margin: float | None) -> str:
    """The operating margin a plan's shortfall counts beyond pupils, in words: "the 2% operating margin"."""
    return f"the {margin:.0%} operating margin" if margin is not None else "the operating margin"


SHORTFALL_CAUSES = ("in school", "no scheme in time", "limits")
#: Each cause in words, to follow a number of place-years.
SHORTFALL_CAUSE_TEXT = {
    "in school": "in cohorts already in school, to which no scheme can add places (met in practice by "
                 "admitting above the admission number)",
    "no scheme in time": "where no candidate scheme can open in time for the cohort",
    "limits": "held back by budgets, site limits or the council's rules",
}


def _shortfall_table(model: PlanModel, after: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``after`` with a shortfall, each with the reason no scheme met it."""
    cells = model.inputs.demand
    key = ["planning_area_id", "year", "ncy"]
    reached = np.zeros(len(cells), dtype=bool)
    reached[model.effects.loc[model.effects["coef"] > 0, "cell"].to_numpy(dtype=int)] = True
    cause = np.where(model.unavoidable > 1e-9, SHORTFALL_CAUSES[0],
                     np.where(reached, SHORTFALL_CAUSES[2], SHORTFALL_CAUSES[1]))
    causes = cells[key].assign(cause=cause)
    short = after[after["shortfall"] > 1e-6].merge(causes, on=key, how="left")
    return short.reset_index(drop=True)


def _after_table(solved: pd.DataFrame) -> pd.DataFrame:
    capacity, demand = solved["capacity"].to_numpy(), solved["served"].to_numpy()
    shortfall = np.clip(solved["required"].to_numpy() - capacity, 0.0, None)
    shortfall[shortfall < 1e-6] = 0.0
    out = solved[["planning_area_id", "year", "ncy"]].copy()
    out["demand"], out["capacity"] = demand.round(6), capacity.round(6)
    out["surplus"] = (capacity - demand).round(6)
    out["shortfall"] = shortfall.round(6)
    return out[AFTER_COLUMNS].sort_values(["planning_area_id", "year", "ncy"]).reset_index(drop=True)
