r"""The capital-programme MILP: which schemes to build, where and when, at least cost.

Formulation
-----------
Sets

- :math:`P` planning areas, :math:`G` year groups (NCY), :math:`T = \{t_1..t_K\}` planning years
  (after the base year :math:`t_0`).
- :math:`C \subseteq P \times G \times T` cells: every area × year group × year with pupils, places
  or a scheme that could add places.
- :math:`O` candidate schemes, of kind *expand*, *bulge*, *new_school*, *reduce* or *close*; every
  scheme but a new school belongs to one school. Scheme :math:`o` lies in area :math:`p_o`, enters at
  year group :math:`e_o`, covers the year groups :math:`[l_o, h_o]` of its school's block from that
  entry (within the phase's compulsory years: an 11-18 school's Year 7 intake stops at Year 11), adds
  :math:`f_o` places per unit to each (negative for *reduce*), may open from year :math:`a_o` (its
  earliest year, the base year plus its lead time :math:`L_o`, and the September after the decision
  date plus :math:`L_o`) and costs :math:`K_o` a unit.
- :math:`A \subseteq P \times P \times E` moves of a new cohort from area :math:`p` to :math:`q`
  at entry :math:`e`, within the statutory walking distance for its age at entry (2 miles for
  Reception to Year 2, 3 miles from Year 3).

Variables

- :math:`n_{o,t} \in \{0..U_o\}` units of persistent scheme :math:`o` open by year :math:`t`
  (expand, new school, reduce, close); :math:`n_{o,t} \ge n_{o,t-1}`. Units opened in
  :math:`t` are :math:`\Delta n_{o,t} = n_{o,t} - n_{o,t-1}`.
- :math:`b_{o,t} \in \{0, 1\}` a bulge class of scheme :math:`o` entering in year :math:`t`.
- :math:`\phi_{p,q,e,t} \in [0,1]` the share of the cohort entering area :math:`p` at year group
  :math:`e` in year :math:`t` placed in area :math:`q`; it stays there as it moves up. Cohorts on
  roll in the base year never move: a child on roll stays at its school.
- :math:`\hat s_{p,g,t} \ge 0` avoidable shortfall of places; :math:`v_{p,g,t} \ge 0` empty places.

Capacity of a cell, per cohort (an intake phases in one year group a year; a bulge class moves up
with its cohort; a closure removes all of a school's places at once):

.. math::

    cap_{p,g,t} = B_{p,g,t} + \sum_{o \in O_p^{pers}: l_o \le g \le h_o} f_o\, n_{o,\,t-(g-e_o)}
        + \sum_{o \in O_p^{bulge}} f_o\, b_{o,\,t-(g-e_o)}
        - \sum_{o \in O_p^{close}} B_{s_o,g,t}\, n_{o,t}

where :math:`B_{s,g,t}` are the places before any scheme: the admission number in each year group
of a school's range, or, for a cohort on roll in the base year above it (a past bulge class), that
roll, carried up the school with the cohort (``sufficiency.core.capacity.places_by_year``); terms whose
year falls before the horizon vanish. :math:`E_{p,g,t} = \min(D_{p,g,t}, R_{p,g,t})` are the
forecast pupils of a cohort already on roll in the base year (:math:`R`: its base-year roll in the
area; 0 for cohorts not yet in school). Pupils to place in a cell, with :math:`c = t - g` its cohort:
:math:`d_{p,g,t} = D_{p,g,t}(1 - \sum_q \phi_{p,q,e,c+e}) + \sum_q D_{q,g,t}\, \phi_{q,p,e,c+e}`.

Constraints

1. Sufficiency with margin :math:`m`:
   :math:`cap_{p,g,t} + \hat s_{p,g,t} \ge (1+m)\, d_{p,g,t} - m\, E_{p,g,t} - u_{p,g,t}`, with
   :math:`u` the shortfall no decision can touch: in a cell of a cohort on roll in the base year,
   :math:`u = \max(0, (1+m)D - mE - B)` (no scheme reaches it and it cannot move). The shortfall
   reported is :math:`\hat s + u`. No offsetting across year groups or areas other than by moves.
   Pupils already on roll need a place but no margin.
2. Empty places: :math:`v_{p,g,t} \ge cap_{p,g,t} - d_{p,g,t}`.
3. Moves: :math:`\sum_q \phi_{p,q,e,t} \le 1`.
4. Site limit at each school and point of entry, every year: the admission number plus expansions
   open by :math:`t` plus a bulge class entering in :math:`t` stays within the site's forms of
   entry, :math:`PAN_s/30 + \sum_{o \in expand(s,e)} FE_o\, n_{o,t} + b_{bulge(s,e),t} \le FE^{max}_s`;
   reductions keep the configured minimum FE; at most the configured number of new schools per area.
5. A school that closes takes no other scheme.
6. Budgets: :math:`\sum_o K_o (n_{o,t_K} + \sum_t b_{o,t}) \le \text{budget}`; per year, each
   scheme's cost spread evenly over its lead-time years before opening.
7. One way per point of entry: with a binary :math:`y_{p,e}`, growth at area :math:`p` and entry
   :math:`e` or cuts there, never both; the same across each linked infant and junior pair.
8. No new reduction or closure in the last ``reduction_years_seen - 1`` years.
9. A reduction removes only surplus sustained above the forecast's upper band :math:`U` (the 80%
   interval's upper end by default) plus the surplus kept for choice :math:`k`:
   places cut in a cell :math:`\le \max(0, B_{p,g,t} - (1+k)\,U_{p,g,t})`.

Objective (every part in pounds but the two weightings, discounted at the Green Book rate :math:`r`,
:math:`\delta_t=(1+r)^{-(t-t_0)}`)

.. math::

    \min \sum_{o,t} K_o (1+\mu_o)\, \alpha_o \Big(\sum_{\tau \ge t}^{t_K} \delta_\tau\Big) \Delta n_{o,t}
      + \sum_{o,t} K_o (1+\mu_o)\, \alpha^{b}_o \Big(\sum_{\tau=t}^{t+\lambda_o-1} \delta_\tau\Big) b_{o,t}
      + \sum_{p,g,t} \delta_t \big(c^{empty} v_{p,g,t} + c^{short} \hat s_{p,g,t}\big)
      + c^{travel} \sum_{moves} \delta_t\, D\phi + \sum_{o} \omega_o\, n_{o,t_K}

Capital is charged as an annuity (:math:`\alpha = r / (1 - (1+r)^{-life})`) for each year the
building is in use within the horizon (as PyPSA and oemof charge annualised investment), so a
building opened in the last year costs one year of use, not its whole price, and a one-year need
in any year, the last included, gets a bulge class. A bulge class's temporary accommodation is
charged over the :math:`\lambda_o = h_o - e_o + 1` years its cohort stays. Reductions and closures are
one-off costs in the years they are paid. :math:`\mu_o` is the rule mark-up (popularity, Ofsted)
and :math:`\omega_o` the weighting against cutting a good or popular school: both steer choices
without changing reported costs. The controllable cost (capital annuities, empty places, travel)
is what the optimality gap is measured on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from optimiser.checks import PlanInputs

PERSISTENT = ("expand", "new_school", "reduce", "close")


@dataclass
class PlanModel:
    """The PuLP problem and handles on its variables and expressions."""

    problem: pulp.LpProblem
    inputs: PlanInputs
    units: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)
    #: Share of the cohort entering area p at year group e in year t placed in area q, by (p, q, e, t).
    moves: dict[tuple[str, str, int, int], pulp.LpVariable] = field(default_factory=dict)
    #: (share variable, from_area, to_area, ncy, year, pupils of the cohort in from_area that year): the
    #: pupils a move places in each later year, for travel costs and the plan's transfers.
    move_flows: list[tuple[pulp.LpVariable, str, str, int, int, float]] = field(default_factory=list)
    #: Avoidable shortfall per cell (the shortfall reported is this plus ``unavoidable``).
    shortfall: dict[int, pulp.LpVariable] = field(default_factory=dict)
    empty: dict[int, pulp.LpVariable] = field(default_factory=dict)
    capacity: dict[int, pulp.LpAffineExpression] = field(default_factory=dict)
    served: dict[int, pulp.LpAffineExpression] = field(default_factory=dict)
    costs: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    spend: dict[int, pulp.LpAffineExpression] = field(default_factory=dict)
    base_capacity: np.ndarray | None = None
    #: Shortfall per cell no decision can touch: a cohort on roll in the base year above its places,
    #: which no scheme reaches and which does not move. Fixed before solving, outside the objective.
    unavoidable: np.ndarray | None = None
    #: One row per (scheme, open year, cell) with the places a unit adds there (see ``_effects``).
    effects: pd.DataFrame | None = None
    #: (growth, cuts) option ids that may not both be used: each planning area and point of entry,
    #: and each linked infant and junior pair.
    one_way: list[tuple[list[str], list[str]]] = field(default_factory=list)


def discount(inputs: PlanInputs, years) -> np.ndarray:
    """Green Book discount factor for each year, counted from the base year."""
    return (1.0 + inputs.config.discount_rate) ** -(np.asarray(years, dtype=float) - inputs.base_year)


def build_model(inputs: PlanInputs, shared: dict[tuple[str, int], pulp.LpVariable] | None = None) -> PlanModel:
    """Build the MILP of :mod:`optimiser.model` from checked inputs, one constraint family a function.

    ``shared``: unit variables of permanent schemes (expand, new school, reduce, close) taken from
    another model of the same options instead of made anew, so several scenarios' models decide
    them once (:mod:`optimiser.stochastic`); everything else is the model's own.
    """
    model = PlanModel(pulp.LpProblem("capital_programme", pulp.LpMinimize), inputs)
    define_scheme_variables(model, shared)
    define_capacity(model)
    define_moves(model)
    define_sufficiency(model)
    define_rounding_cuts(model)
    define_site_limits(model)
    define_one_way(model)
    define_linked_schools(model)
    define_reduction_band(model)
    define_closures(model)
    define_capital_costs(model)
    define_budgets(model)
    define_objective(model)
    return model


def define_scheme_variables(model: PlanModel, shared: dict[tuple[str, int], pulp.LpVariable] | None = None) -> None:
    """n (persistent, cumulative, non-decreasing) and b (bulge, one a year) for each open year; permanent
    schemes' n taken from ``shared`` when given (their own rows are then in that model's problem too)."""
    opts, years = model.inputs.options, model.inputs.years
    last_cut = years[-1] - (model.inputs.config.reduction_years_seen - 1)
    for o in opts.itertuples(index=False):
        open_years = [t for t in years if t >= o.earliest_open]
        persistent = o.kind in PERSISTENT
        previous = None
        for t in open_years:
            if persistent and shared is not None:
                var = shared[(o.option_id, t)]
            else:
                var = pulp.LpVariable(f"u_{_safe(o.option_id)}_{t}", 0, int(o.max_units) if persistent else 1,
                                      cat=pulp.LpInteger)
            model.units[(o.option_id, t)] = var
            if persistent and previous is not None:
                model.problem += var - previous >= 0, f"grow_{_safe(o.option_id)}_{t}"
            if o.kind in ("reduce", "close") and t > last_cut:
                # No new cut this close to the horizon's end; cuts made earlier stay in force.
                if previous is None:
                    var.upBound = 0
                else:
                    model.problem += var - previous <= 0, f"no_late_cut_{_safe(o.option_id)}_{t}"
            previous = var


def _effects(model: PlanModel) -> pd.DataFrame:
    """One row per (scheme unit variable, cell) with the places it adds there."""
    inputs = model.inputs
    opts = inputs.options.reset_index(drop=True)
    cells = inputs.demand.reset_index().rename(columns={"index": "cell"})
    phased = opts[opts["kind"] != "close"]
    span = (phased["ncy_high"] - phased["ncy_low"] + 1).astype(int)
    rows = phased.loc[phased.index.repeat(span)].copy()
    rows["ncy"] = (rows["ncy_low"].astype(int).to_numpy()
                   + np.concatenate([np.arange(n) for n in span] or [[]]).astype(int))
    rows = rows.merge(cells[["cell", "planning_area_id", "ncy", "year"]], on=["planning_area_id", "ncy"])
    rows["open_year"] = rows["year"] - (rows["ncy"] - rows["entry_ncy"])
    rows["coef"] = rows["places_per_unit"]
    closing = opts[opts["kind"] == "close"][["option_id", "school_id"]].merge(inputs.places, on="school_id")
    closing = closing.merge(cells[["cell", "planning_area_id", "ncy", "year"]], on=["planning_area_id", "ncy", "year"])
    closing = closing.assign(open_year=closing["year"], coef=-closing["places"])
    out = pd.concat([rows[["option_id", "cell", "open_year", "coef"]],
                     closing[["option_id", "cell", "open_year", "coef"]]])
    keys = pd.Series(list(zip(out["option_id"], out["open_year"], strict=True)), index=out.index)
    return out[keys.isin(model.units.keys()).to_numpy()]


def define_capacity(model: PlanModel) -> None:
    """Places per cell after the schemes: today's places plus each scheme's phased effect.

    Schemes whose places are whole multiples of one step and follow one phasing pattern (same
    area, point of entry and year groups) act on a cell only through the cohort's intake change
    :math:`k`; each cell then reads that one integer, which keeps the rows short and gives the
    solver a variable that decides a cohort's places to branch on.
    """
    cells = model.inputs.demand
    base = model.inputs.places.groupby(["planning_area_id", "ncy", "year"])["places"].sum()
    idx = pd.MultiIndex.from_frame(cells[["planning_area_id", "ncy", "year"]])
    model.base_capacity = base.reindex(idx).fillna(0.0).to_numpy()
    model.effects = _effects(model)
    eff = _cohort_steps(model, model.effects)
    terms: dict[int, list] = defaultdict(list)
    for var, cell, coef in zip(eff["var"], eff["cell"], eff["coef"], strict=True):
        terms[cell].append((var, float(coef)))
    for cell in range(len(cells)):
        model.capacity[cell] = pulp.LpAffineExpression(terms.get(cell, []), constant=float(model.base_capacity[cell]))


def _cohort_steps(model: PlanModel, eff: pd.DataFrame) -> pd.DataFrame:
    r"""Replace the scheme units in ``eff`` by one integer intake change per cohort where possible.

    :math:`k_{p,e,l,h,t} = \sum_o (f_o / \phi)\, u_{o,t}` over the schemes of one pattern, with
    :math:`\phi` the greatest common divisor of their places per unit (30 for whole forms of
    entry); cells take :math:`\phi\, k` in place of the scheme terms. Returns var, cell, coef.
    """
    opts = model.inputs.options.set_index("option_id")
    eff = eff.assign(var=[model.units[k] for k in zip(eff["option_id"], eff["open_year"], strict=True)])
    ppu = opts["places_per_unit"]
    whole = ppu.notna() & (ppu.round() == ppu) & (ppu != 0) & (opts["kind"] != "close")
    pattern = ["planning_area_id", "entry_ncy", "ncy_low", "ncy_high"]
    grouped = opts[whole].reset_index().groupby(pattern)
    steps = {key: int(np.gcd.reduce(np.abs(g["places_per_unit"].astype(int).to_numpy()))) for key, g in grouped}
    group_of = {oid: key for key, g in grouped for oid in g["option_id"]}
    in_group = eff["option_id"].map(group_of)
    keep = eff[in_group.isna()][["var", "cell", "coef"]]
    agg = eff[in_group.notna()].assign(group=in_group[in_group.notna()])
    rows = []
    for (key, t), g in agg.groupby(["group", "open_year"]):
        step = steps[key]
        members = g.drop_duplicates("option_id")
        unit_terms = [(model.units[(o, t)], -float(opts.at[o, "places_per_unit"]) / step) for o in members["option_id"]]
        low = sum(min(0.0, -c) * opts.at[o, "max_units"]
                  for (_, c), o in zip(unit_terms, members["option_id"], strict=True))
        high = sum(max(0.0, -c) * opts.at[o, "max_units"]
                   for (_, c), o in zip(unit_terms, members["option_id"], strict=True))
        k = pulp.LpVariable(f"k_{_safe('_'.join(map(str, key)))}_{t}", low, high, cat=pulp.LpInteger)
        model.problem += pulp.LpAffineExpression(unit_terms + [(k, 1.0)]) == 0, f"cohort_{k.name}"
        rows.append(pd.DataFrame({"var": k, "cell": g["cell"].unique(), "coef": float(step)}))
    return pd.concat([keep] + rows, ignore_index=True) if rows else keep


def define_moves(model: PlanModel) -> None:
    """Shares of new cohorts placed in a neighbouring area; each moved cohort stays moved as it moves up.

    A move is decided when a cohort enters (Reception, Year 7): cohorts on roll in the base year never
    move, so a child on roll stays at its school.
    """
    inputs = model.inputs
    cells = inputs.demand
    last = inputs.years[-1]
    index = {k: i for i, k in enumerate(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True))}
    demand = cells["pupils"].to_numpy(dtype=float)
    out_terms: dict[int, list] = defaultdict(list)
    in_terms: dict[int, list] = defaultdict(list)
    for p, q, e in zip(inputs.pairs["from_area"], inputs.pairs["to_area"], inputs.pairs["ncy"], strict=True):
        for t in inputs.years:
            first = index.get((p, e, t))
            if first is None or demand[first] <= 0:
                continue
            var = pulp.LpVariable(f"x_{_safe(p)}_{_safe(q)}_{e}_{t}", 0, 1)
            model.moves[(p, q, int(e), int(t))] = var
            g, y = int(e), int(t)
            while y <= last and (src := index.get((p, g, y))) is not None and (dst := index.get((q, g, y))) is not None:
                if demand[src] > 0:
                    out_terms[src].append((var, -demand[src]))
                    in_terms[dst].append((var, demand[src]))
                    model.move_flows.append((var, p, q, g, y, float(demand[src])))
                g, y = g + 1, y + 1
    for cell in range(len(cells)):
        model.served[cell] = pulp.LpAffineExpression(out_terms.get(cell, []) + in_terms.get(cell, []),
                                                     constant=float(demand[cell]))
    shares: dict[tuple[str, int, int], list] = defaultdict(list)
    for (p, _q, e, t), var in model.moves.items():
        shares[(p, e, t)].append((var, 1.0))
    for (p, e, t), terms in shares.items():
        if len(terms) > 1:
            model.problem += pulp.LpAffineExpression(terms) <= 1, f"moves_{_safe(p)}_{e}_{t}"


def unavoidable_shortfall(model: PlanModel) -> np.ndarray:
    """Shortfall per cell that no decision can touch: places short for a cohort on roll in the base year
    that no scheme's places reach (and, being on roll, it does not move)."""
    inputs = model.inputs
    cells = inputs.demand
    reached = np.zeros(len(cells), dtype=bool)
    grows = model.effects[model.effects["coef"] > 0]
    reached[grows["cell"].to_numpy(dtype=int)] = True
    need = required(inputs, cells["pupils"].to_numpy(dtype=float))
    short = np.clip(need - model.base_capacity, 0.0, None)
    return np.where((cells["on_roll"].to_numpy() > 0) & ~reached, short, 0.0)


def define_sufficiency(model: PlanModel) -> None:
    """Capacity plus shortfall covers pupils plus margin; empty places are counted. The shortfall no
    decision can touch is fixed first and kept out of the objective."""
    m = model.inputs.config.margin
    on_roll = model.inputs.demand["on_roll"].to_numpy()
    model.unavoidable = unavoidable_shortfall(model)
    for cell, cap in model.capacity.items():
        s = model.shortfall[cell] = pulp.LpVariable(f"short_{cell}", 0)
        v = model.empty[cell] = pulp.LpVariable(f"empty_{cell}", 0)
        rhs = -m * float(on_roll[cell]) - float(model.unavoidable[cell])
        model.problem += cap + s - (1.0 + m) * model.served[cell] >= rhs, f"sufficiency_{cell}"
        model.problem += v - cap + model.served[cell] >= 0, f"empty_{cell}"


def define_rounding_cuts(model: PlanModel) -> None:
    r"""Mixed-integer rounding cuts that tell the relaxation places come in whole classes.

    A cell's schemes add places in multiples of :math:`g` (the greatest common divisor of their
    coefficients, 30 for whole forms of entry): :math:`cap = B + gK` with :math:`K` integer. The
    sufficiency row relaxes to :math:`gK + w \ge \beta` with :math:`w = s + (1+m)\sum_q x_{p,q}`
    and :math:`\beta = (1+m)D - mE - B`, and the empty-places row to :math:`-gK + w' \ge \gamma`
    with :math:`w' = v + \sum_q x_{q,p}` and :math:`\gamma = B - D`. For each, the MIR inequality
    (Nemhauser and Wolsey, *Integer and Combinatorial Optimization*, II.1.7)

    .. math::

        w \ge f\,(\lceil \beta/g \rceil - K), \qquad f = \beta - g\lfloor \beta/g \rfloor

    holds for every integer :math:`K`. Without them the relaxation opens a fraction of a class
    that fits demand exactly and proves a bound far below any plan; with them it pays for the
    shortfall or the empty places that whole classes leave, and the gap closes quickly. They cut
    off no integer plan, so the optimum is unchanged.
    """
    m = model.inputs.config.margin
    demand = model.inputs.demand["pupils"].to_numpy(dtype=float)
    on_roll = model.inputs.demand["on_roll"].to_numpy(dtype=float)
    for cell, cap in model.capacity.items():
        coefs = np.array(list(cap.values()), dtype=float)
        if coefs.size == 0 or np.any(np.abs(coefs - np.round(coefs)) > 1e-9):
            continue
        g = float(np.gcd.reduce(np.abs(np.round(coefs).astype(np.int64))))
        if g < 2:
            continue
        whole = pulp.LpAffineExpression([(v, c / g) for v, c in cap.items()])
        served = model.served[cell]
        out = [(v, -c) for v, c in served.items() if c < 0]
        into = [(v, c) for v, c in served.items() if c > 0]
        base = float(cap.constant)
        beta = (1.0 + m) * demand[cell] - m * on_roll[cell] - base - float(model.unavoidable[cell])
        gamma = base - demand[cell]
        for name, rhs, sign, cont in (
            ("round_up", beta, 1.0, [(model.shortfall[cell], 1.0)] + [(v, (1.0 + m) * c) for v, c in out]),
            ("round_down", gamma, -1.0, [(model.empty[cell], 1.0)] + into),
        ):
            f = rhs - g * np.floor(rhs / g)
            if f < 1e-6 or g - f < 1e-6:
                continue
            # w >= f * (ceil(rhs/g) - sign*K)  <=>  w + f*sign*K >= f*ceil(rhs/g)
            expr = pulp.LpAffineExpression(cont) + (f * sign) * whole
            model.problem += expr >= f * np.ceil(rhs / g), f"{name}_{cell}"


def solved_cells(model: PlanModel) -> pd.DataFrame:
    """The cells (in ``inputs.demand`` order) with their solved capacity, pupils served (after
    moves) and places required (pupils plus margin)."""
    cells = model.inputs.demand
    out = cells[["planning_area_id", "year", "ncy"]].copy()
    out["capacity"] = np.array([model.capacity[c].value() for c in range(len(cells))], dtype=float)
    out["served"] = np.array([model.served[c].value() for c in range(len(cells))], dtype=float)
    out["required"] = required(model.inputs, out["served"].to_numpy())
    return out


def required(inputs: PlanInputs, served: np.ndarray) -> np.ndarray:
    """Places each cell needs: pupils plus margin, with no margin on pupils already on roll."""
    m = inputs.config.margin
    return (1.0 + m) * np.asarray(served, dtype=float) - m * inputs.demand["on_roll"].to_numpy()


def _last_unit(model: PlanModel, option_id: str) -> pulp.LpVariable | None:
    years = [t for t in reversed(model.inputs.years) if (option_id, t) in model.units]
    return model.units[(option_id, years[0])] if years else None


def define_site_limits(model: PlanModel) -> None:
    """Expansions and bulge classes within the site's FE limit in every year; reductions keep the minimum;
    new schools per area."""
    inputs, cfg = model.inputs, model.inputs.config
    opts = inputs.options
    schools = inputs.schools.set_index("school_id")
    fe_now = schools["pan"] / 30.0
    fe_max = schools["max_forms_of_entry"]
    growth = opts[opts["kind"].isin(["expand", "bulge"])]
    for (school, entry), grp in growth.groupby(["school_id", "entry_ncy"]):
        room = fe_max.get(school, np.nan) - fe_now.get(school, 0.0)
        if pd.isna(room):
            continue
        bulges = grp.loc[grp["kind"] == "bulge", "option_id"].tolist()
        expansions = grp[grp["kind"] == "expand"]
        # With a bulge class the limit binds each year (a bulge entering beside an expanded intake); with
        # expansions only, the last year's intake is the largest.
        years = inputs.years if bulges else inputs.years[-1:]
        for t in years:
            terms = [(model.units[(oid, t)], float(fe)) for oid, fe in
                     zip(expansions["option_id"], expansions["forms_of_entry"], strict=True) if (oid, t) in model.units]
            terms += [(model.units[(oid, t)], 1.0) for oid in bulges if (oid, t) in model.units]
            if terms:
                model.problem += (pulp.LpAffineExpression(terms) <= float(np.floor(room + 1e-9)),
                                  f"site_{_safe(school)}_{entry}_{t}")
    cuts = opts[opts["kind"] == "reduce"]
    for (school, entry), grp in cuts.groupby(["school_id", "entry_ncy"]):
        limit = min(cfg.max_reduction_fe, fe_now.get(school, 0.0) - cfg.min_fe_after_reduction)
        terms = [(v, float(fe)) for oid, fe in zip(grp["option_id"], grp["forms_of_entry"], strict=True)
                 if (v := _last_unit(model, oid)) is not None]
        if terms and pd.notna(limit):
            model.problem += (pulp.LpAffineExpression(terms) <= float(np.floor(limit + 1e-9)),
                              f"site_reduce_{_safe(school)}_{entry}")
    new = opts[opts["kind"] == "new_school"]
    for area, grp in new.groupby("planning_area_id"):
        terms = [(v, 1.0) for oid in grp["option_id"] if (v := _last_unit(model, oid)) is not None]
        if terms:
            model.problem += (pulp.LpAffineExpression(terms) <= cfg.max_new_schools_per_area,
                              f"new_schools_{_safe(area)}")


def _either_or(model: PlanModel, name: str, grow: list[str], cut: list[str]) -> None:
    """Growth among ``grow`` or cuts among ``cut`` over the programme, never both (a binary switch)."""
    opts = model.inputs.options.set_index("option_id")
    sides = []
    for ids in (grow, cut):
        terms = []
        for oid in ids:
            if opts.at[oid, "kind"] == "bulge":
                terms += [(model.units[(oid, t)], 1.0) for t in model.inputs.years if (oid, t) in model.units]
            elif (v := _last_unit(model, oid)) is not None:
                terms.append((v, 1.0))
        sides.append(terms)
    if not (sides[0] and sides[1]):
        return
    room = [sum(float(v.upBound or 1.0) for v, _ in terms) for terms in sides]
    grows = pulp.LpVariable(f"grows_{name}", cat=pulp.LpBinary)
    model.problem += pulp.LpAffineExpression(sides[0]) - room[0] * grows <= 0, f"one_way_up_{name}"
    model.problem += pulp.LpAffineExpression(sides[1]) + room[1] * grows <= room[1], f"one_way_down_{name}"
    model.one_way.append((grow, cut))


def define_one_way(model: PlanModel) -> None:
    """An area either adds or removes permanent places at a point of entry over the programme,
    never both: expanding a school and cutting the same intake later is a costly bulge class,
    not a plan a board would sign."""
    opts = model.inputs.options
    persistent = opts[opts["kind"].isin(["expand", "reduce"])]
    for (area, entry), grp in persistent.groupby(["planning_area_id", "entry_ncy"]):
        grow = grp.loc[grp["kind"] == "expand", "option_id"].tolist()
        cut = grp.loc[grp["kind"] == "reduce", "option_id"].tolist()
        _either_or(model, f"{_safe(area)}_{entry}", grow, cut)


def define_linked_schools(model: PlanModel) -> None:
    """Linked infant and junior schools move together: neither grows while the other is cut."""
    if not model.inputs.config.rules.linked_schools.enabled:
        return
    opts = model.inputs.options
    for infant, junior in zip(model.inputs.links["infant_id"], model.inputs.links["junior_id"], strict=True):
        pair = opts[opts["school_id"].isin([infant, junior])]
        grow = pair.loc[pair["kind"].isin(["expand", "bulge"]), "option_id"].tolist()
        cut = pair.loc[pair["kind"] == "reduce", "option_id"].tolist()
        _either_or(model, f"link_{_safe(infant)}_{_safe(junior)}", grow, cut)


def define_reduction_band(model: PlanModel) -> None:
    """A reduction removes only surplus sustained above the forecast's upper band plus the surplus the
    council keeps for parental choice and in-year moves (``reduction_band``, ``reduction_keep_surplus``)."""
    cfg = model.inputs.config
    cells = model.inputs.demand
    cuts = model.effects[model.effects["option_id"].isin(
        model.inputs.options.loc[model.inputs.options["kind"] == "reduce", "option_id"])]
    if cuts.empty:
        return
    room = np.clip(model.base_capacity - (1.0 + cfg.reduction_keep_surplus) * cells["band"].to_numpy(dtype=float),
                   0.0, None)
    for cell, grp in cuts.groupby("cell"):
        terms = [(model.units[(o, int(t))], -float(c)) for o, t, c in
                 zip(grp["option_id"], grp["open_year"], grp["coef"], strict=True)]
        most = sum(float(v.upBound or 0.0) * c for v, c in terms)
        if most > room[cell] + 1e-9:
            model.problem += pulp.LpAffineExpression(terms) <= float(room[cell]), f"cut_band_{cell}"


def define_closures(model: PlanModel) -> None:
    """A school that closes takes no expansion, bulge or reduction."""
    opts = model.inputs.options
    for c in opts[opts["kind"] == "close"].itertuples(index=False):
        closed = _last_unit(model, c.option_id)
        if closed is None:
            continue
        for o in opts[(opts["school_id"] == c.school_id) & (opts["kind"] != "close")].itertuples(index=False):
            for t in model.inputs.years:
                if (o.option_id, t) in model.units and (o.kind == "bulge" or t == model.inputs.years[-1]):
                    bound = 1 if o.kind == "bulge" else int(o.max_units)
                    model.problem += (model.units[(o.option_id, t)] + bound * closed <= bound,
                                      f"closed_{_safe(o.option_id)}_{t}")


def _spend_years(t: int, lead: int) -> list[int]:
    return list(range(t - lead, t)) if lead > 0 else [t]


def annuity(rate: float, life: int) -> float:
    """Equal annual payment per pound of capital over ``life`` years at ``rate`` (Green Book discounting)."""
    return rate / (1.0 - (1.0 + rate) ** -life) if rate > 0 else 1.0 / life


def capital_weights(model: PlanModel, o) -> dict[int, float]:
    """For each year scheme ``o`` may open: the discounted cost of one unit opened then, as charged in the
    objective (capital annuities for the years in use within the horizon; one-off costs as paid)."""
    inputs = model.inputs
    years = inputs.years
    d = dict(zip(years, discount(inputs, years), strict=True))
    rate = inputs.config.discount_rate
    out = {}
    for t in (t for t in years if (o.option_id, t) in model.units):
        if o.kind in ("expand", "new_school"):
            out[t] = o.capital_cost * annuity(rate, inputs.config.asset_life_years) * sum(d[y] for y in years if y >= t)
        elif o.kind == "bulge":
            life = int(o.ncy_high - o.entry_ncy + 1)
            out[t] = o.capital_cost * annuity(rate, life) * sum(d[y] for y in years if t <= y < t + life)
        else:  # reductions and closures: one-off costs, paid over the lead-time years before they take effect
            out[t] = o.capital_cost * float(discount(inputs, _spend_years(t, int(o.lead_time_years))).mean())
    return out


def define_capital_costs(model: PlanModel) -> None:
    """Capital annuities in use within the horizon (discounted), the rules' weighting, the undiscounted
    capital a board spends, and the spend per year."""
    inputs = model.inputs
    years = inputs.years
    annual, weighting, undiscounted = [], [], []
    spend: dict[int, list] = defaultdict(list)
    for o in inputs.options.itertuples(index=False):
        w = capital_weights(model, o)
        open_years = sorted(w)
        cut_weight = float(getattr(o, "cut_weighting", 0.0) or 0.0)
        for i, t in enumerate(open_years):
            var = model.units[(o.option_id, t)]
            nxt = open_years[i + 1] if i + 1 < len(open_years) and o.kind in PERSISTENT else None
            # n_t counts units open by t, so the units opened in t are charged w[t] - w[next].
            net = w[t] - (w[nxt] if nxt else 0.0)
            annual.append((var, net))
            weighting.append((var, o.quality_markup * net + (cut_weight if nxt is None else 0.0)))
            undiscounted.append((var, o.capital_cost * (1.0 if nxt is None else 0.0) if o.kind in PERSISTENT
                                 else o.capital_cost))
            share = o.capital_cost / max(int(o.lead_time_years), 1)
            for y in _spend_years(t, int(o.lead_time_years)):
                spend[y].append((var, share))
            if nxt is not None:
                # Units open in t only (n_t - n_next applies from the next year); spend follows opening.
                for y in _spend_years(nxt, int(o.lead_time_years)):
                    spend[y].append((var, -share))
    del years
    model.costs["capital_annualised"] = pulp.LpAffineExpression(annual)
    model.costs["rule_weighting"] = pulp.LpAffineExpression(weighting)
    model.costs["capital"] = pulp.LpAffineExpression(undiscounted)
    model.spend = {y: pulp.LpAffineExpression(v) for y, v in spend.items()}


def define_budgets(model: PlanModel) -> None:
    """Total capital budget, and a budget per year on the spend profile."""
    cfg = model.inputs.config
    if cfg.capital_budget is not None:
        model.problem += model.costs["capital"] <= cfg.capital_budget, "budget_total"
    for y, expr in model.spend.items():
        limit = cfg.annual_budget_for(y)
        if limit is not None:
            model.problem += expr <= limit, f"budget_{y}"


#: The parts of the objective in pounds a council controls: the optimality gap is measured on these.
CONTROLLABLE = ("capital_annualised", "surplus_revenue", "travel_penalty")
#: Objective parts that are weightings, not money: they steer choices and are reported apart.
WEIGHTINGS = ("rule_weighting", "shortfall_penalty")


def define_objective(model: PlanModel) -> None:
    """Capital annuities, empty places and travel (money), plus the rules' weighting and the penalty on
    avoidable shortfall (weightings)."""
    cfg = model.inputs.config
    cells = model.inputs.demand
    d = discount(model.inputs, cells["year"])
    model.costs["surplus_revenue"] = pulp.LpAffineExpression(
        [(model.empty[c], cfg.surplus_place_cost * d[c]) for c in model.empty])
    model.costs["shortfall_penalty"] = pulp.LpAffineExpression(
        [(model.shortfall[c], cfg.shortfall_penalty * d[c]) for c in model.shortfall])
    d_year = dict(zip(model.inputs.years, discount(model.inputs, model.inputs.years), strict=True))
    travel: dict[pulp.LpVariable, float] = defaultdict(float)
    for var, _p, _q, _g, year, pupils in model.move_flows:
        travel[var] += cfg.travel_penalty * pupils * d_year[year]
    model.costs["travel_penalty"] = pulp.LpAffineExpression(list(travel.items()))
    model.problem += pulp.lpSum(model.costs[k] for k in (*CONTROLLABLE, *WEIGHTINGS))


def _safe(text: object) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(text))
