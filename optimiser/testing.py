"""Helpers for tests and benchmarks: cohort-consistent demand and a generated local authority.

Public so that other packages (and users checking a set-up) can build planning problems of a
known shape. All randomness goes through a ``numpy.random.Generator`` seeded by the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from optimiser.checks import PlanInputs
from optimiser.model import PlanModel
from sufficiency.core.phases import LAST_PRIMARY, PRIMARY, RECEPTION, SECONDARY, area_phase_of, span


def cohort_demand(intake: Callable[[int], float], area: str, years: range, ncy_low: int = RECEPTION,
                  ncy_high: int = LAST_PRIMARY) -> pd.DataFrame:
    """Demand in which each cohort keeps its size as it moves up: pupils(g, t) = intake(t - (g - low))."""
    rows = [(area, t, g, float(intake(t - (g - ncy_low)))) for t in years for g in range(ncy_low, ncy_high + 1)]
    return pd.DataFrame(rows, columns=["planning_area_id", "year", "ncy", "pupils"])


def school(school_id: str, area: str, pan: int = 30, ncy_low: int = RECEPTION, ncy_high: int = LAST_PRIMARY,
           **extra) -> dict:
    """One row of a canonical schools table with sensible defaults."""
    row = dict(school_id=school_id, name=f"School {school_id}", phase=area_phase_of(ncy_low),
               planning_area_id=area, x=0.0, y=0.0, ncy_low=ncy_low, ncy_high=ncy_high, pan=pan,
               net_capacity=pan * (ncy_high - ncy_low + 1), ofsted="Good", governance="maintained",
               max_forms_of_entry=pan / 30 + 1, can_bulge=True, first_preferences=pan)
    row.update(extra)
    return row


def generate_authority(n_schools: int = 300, n_areas: int = 40, n_years: int = 15, base_year: int = 2024,
                       seed: int = 0) -> dict[str, pd.DataFrame]:
    """A synthetic local authority of realistic shape.

    About 70% of planning areas are primary; areas sit on a 3 km grid, so neighbours are within
    the statutory walking distance. Intakes follow each area's trend (falling or rising, up to 3%
    a year) with occasional one-year peaks, and cohorts keep their size as they move up.

    Returns
    -------
    dict
        ``demand``, ``schools``, ``planning_areas`` and ``distances`` (metres, by planning_area_id).
    """
    rng = np.random.default_rng(seed)
    n_primary = max(1, int(round(n_areas * 0.7)))
    areas = pd.DataFrame({"planning_area_id": [f"PA{i:02d}" for i in range(n_areas)],
                          "phase": ["primary"] * n_primary + ["secondary"] * (n_areas - n_primary)})
    side = int(np.ceil(np.sqrt(n_areas)))
    xy = np.column_stack([np.arange(n_areas) % side, np.arange(n_areas) // side]) * 3000.0
    # Secondary areas are larger; spread them over the same ground.
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    distances = pd.DataFrame(dist, index=areas["planning_area_id"], columns=areas["planning_area_id"])
    n_sec = int(round(n_schools * (n_areas - n_primary) / n_areas * 0.6))
    school_area = np.concatenate([rng.integers(0, n_primary, n_schools - n_sec),
                                  rng.integers(n_primary, n_areas, n_sec) if n_areas > n_primary else []]).astype(int)
    rows = []
    for i, a in enumerate(school_area):
        secondary = a >= n_primary
        pan = int(rng.choice([150, 180, 210, 240] if secondary else [30, 45, 60, 60, 90]))
        rows.append(school(f"S{i:03d}", areas.at[a, "planning_area_id"], pan,
                           *span(SECONDARY if secondary else PRIMARY),
                           x=float(xy[a, 0]), y=float(xy[a, 1]),
                           max_forms_of_entry=float(np.ceil(pan / 30) + rng.integers(0, 3)),
                           can_bulge=bool(rng.random() < 0.7),
                           ofsted=str(rng.choice(["Outstanding", "Good", "Good", "Requires improvement", "Inadequate"],
                                                 p=[0.2, 0.4, 0.25, 0.1, 0.05])),
                           first_preferences=int(pan * rng.uniform(0.5, 1.6))))
    schools = pd.DataFrame(rows)
    demand = _area_demand(schools, areas, range(base_year + 1, base_year + n_years + 1), rng)
    return {"demand": demand, "schools": schools, "planning_areas": areas, "distances": distances}


def _area_demand(schools: pd.DataFrame, areas: pd.DataFrame, years: range, rng: np.random.Generator) -> pd.DataFrame:
    pan = schools.groupby("planning_area_id")["pan"].sum()
    frames = []
    for a in areas.itertuples(index=False):
        low, high = span(a.phase)
        start = pan.get(a.planning_area_id, 60) * rng.uniform(0.85, 1.05)
        growth = rng.uniform(-0.03, 0.03)
        peak_year = int(rng.integers(years[0], years[-1] + 1))
        peak = rng.uniform(0, 0.15) * start

        def intake(y: int, start=start, growth=growth, peak_year=peak_year, peak=peak) -> float:
            return round(start * (1 + growth) ** (y - years[0]) + (peak if y == peak_year else 0.0))

        frames.append(cohort_demand(intake, a.planning_area_id, years, low, high))
    return pd.concat(frames, ignore_index=True)


def constraint_residuals(model: PlanModel) -> dict[str, float]:
    """Recompute every constraint family from the solved values; return the worst violation of each.

    Uses only the inputs and the solved scheme and move values, not the model's own expressions, so a
    mistake in building the model shows up here. Shortfall and empty places are also checked the
    other way: each must equal what the plan leaves (a row too strict, such as a margin with the wrong
    sign, makes the solver report more shortfall or more empty places than there are).
    """
    from optimiser.plan import unit_values

    inputs: PlanInputs = model.inputs
    cfg = inputs.config
    values = unit_values(model)
    cells = inputs.demand.reset_index(drop=True)
    cap = recomputed_capacity(inputs, values)
    served, shares = _recomputed_served(model)
    need = (1 + cfg.margin) * served - cfg.margin * cells["on_roll"].to_numpy()
    short = np.array([model.shortfall[c].varValue for c in range(len(cells))]) + model.unavoidable
    empty = np.array([model.empty[c].varValue for c in range(len(cells))])
    opts = inputs.options.set_index("option_id")
    out = {
        "sufficiency": float(np.max(need - cap - short, initial=0.0)),
        "shortfall_is_exact": float(np.max(np.abs(short - np.clip(need - cap, 0.0, None)), initial=0.0)),
        "empty_places": float(np.max(cap - served - empty, initial=0.0)),
        "empty_is_exact": float(np.max(np.abs(empty - np.clip(cap - served, 0.0, None)), initial=0.0)),
        "moves_share_at_most_one": float(max([sum(v) - 1.0 for v in shares.values()] + [0.0])),
        "moves_only_new_cohorts": float(sum(x for (p, _q, e, t), x in _move_values(model).items()
                                            if t <= inputs.base_year or e not in cfg.entry_ncys)),
        "non_negative": float(max(-min([x for x in _move_values(model).values()] + [0.0]),
                                  -np.min(short, initial=0.0), -np.min(empty, initial=0.0), 0.0)),
        "site_limit": _site_violation(inputs, values),
        "walking_distance": _walk_violation(inputs, _move_values(model)),
        "capacity_non_negative": float(max(-cap.min(initial=0.0), 0.0)),
        "closures": _closure_violation(inputs, values),
        "budgets": _budget_violation(inputs, values),
        "one_way": float(sum(min(_used(values, grow, opts), _used(values, cut, opts)) for grow, cut in model.one_way)),
        "no_late_cut": _late_cut_violation(inputs, values),
        "cut_band": _band_violation(model, values),
    }
    return out


def _move_values(model: PlanModel) -> dict[tuple[str, str, int, int], float]:
    return {k: float(v.varValue or 0.0) for k, v in model.moves.items()}


def _recomputed_served(model: PlanModel) -> tuple[np.ndarray, dict]:
    """Pupils to place per cell from the forecast and the solved shares of cohorts moved, each moved
    cohort followed up the year groups."""
    inputs = model.inputs
    cells = inputs.demand.reset_index(drop=True)
    index = {k: i for i, k in enumerate(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True))}
    demand = cells["pupils"].to_numpy(dtype=float)
    served = demand.copy()
    shares: dict[tuple[str, int, int], list[float]] = {}
    for (p, q, e, t), x in _move_values(model).items():
        shares.setdefault((p, e, t), []).append(x)
        g, y = e, t
        while (src := index.get((p, g, y))) is not None and (dst := index.get((q, g, y))) is not None:
            served[src] -= demand[src] * x
            served[dst] += demand[src] * x
            g, y = g + 1, y + 1
    return served, shares


def _used(values: dict, ids: list[str], opts: pd.DataFrame) -> float:
    total = 0.0
    for oid in ids:
        mine = [v for (o, _), v in values.items() if o == oid]
        total += sum(mine) if opts.at[oid, "kind"] == "bulge" else max(mine, default=0)
    return total


def recomputed_capacity(inputs: PlanInputs, values: dict[tuple[str, int], int]) -> np.ndarray:
    """Places per cell after the schemes, counted school by school from the options and unit values."""
    cells = inputs.demand.reset_index(drop=True)
    base = inputs.places.groupby(["planning_area_id", "ncy", "year"])["places"].sum()
    cap = (base.reindex(pd.MultiIndex.from_frame(cells[["planning_area_id", "ncy", "year"]]))
           .fillna(0.0).to_numpy().copy())
    school_places = inputs.places.set_index(["school_id", "ncy", "year"])["places"]
    for o in inputs.options.itertuples(index=False):
        for i, (p, g, t) in enumerate(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True)):
            if p != o.planning_area_id:
                continue
            if o.kind == "close":
                cap[i] -= school_places.get((o.school_id, g, t), 0.0) * values.get((o.option_id, t), 0)
            elif o.ncy_low <= g <= o.ncy_high:
                cap[i] += o.places_per_unit * values.get((o.option_id, t - (g - o.entry_ncy)), 0)
    return cap


def _site_violation(inputs: PlanInputs, values) -> float:
    """FE beyond a site's limit in any year (expansions open plus a bulge class entering), beyond the
    reductions a school may take, and new schools beyond the number per area."""
    cfg = inputs.config
    schools = inputs.schools.set_index("school_id")
    worst = 0.0
    grow = inputs.options[inputs.options["kind"].isin(["expand", "bulge"])]
    for (s, _), grp in grow.groupby(["school_id", "entry_ncy"]):
        if pd.isna(schools.at[s, "max_forms_of_entry"]):
            continue
        for t in inputs.years:
            fe = schools.at[s, "pan"] / 30 + sum(values.get((oid, t), 0) * (fe if kind == "expand" else 1.0)
                                                 for oid, fe, kind in zip(grp["option_id"], grp["forms_of_entry"],
                                                                          grp["kind"], strict=True))
            worst = max(worst, fe - schools.at[s, "max_forms_of_entry"])
    last = inputs.years[-1]
    cut = inputs.options[inputs.options["kind"] == "reduce"]
    for (s, _), grp in cut.groupby(["school_id", "entry_ncy"]):
        taken = sum(values.get((oid, last), 0) * fe
                    for oid, fe in zip(grp["option_id"], grp["forms_of_entry"], strict=True))
        room = min(cfg.max_reduction_fe, schools.at[s, "pan"] / 30 - cfg.min_fe_after_reduction)
        worst = max(worst, taken - np.floor(room + 1e-9))
    new = inputs.options[inputs.options["kind"] == "new_school"]
    for _, grp in new.groupby("planning_area_id"):
        worst = max(worst, sum(values.get((oid, last), 0) for oid in grp["option_id"]) - cfg.max_new_schools_per_area)
    return float(worst)


def _closure_violation(inputs: PlanInputs, values) -> float:
    """Units of other schemes at a school the plan closes."""
    last = inputs.years[-1]
    opts = inputs.options
    worst = 0.0
    for c in opts[opts["kind"] == "close"].itertuples(index=False):
        if values.get((c.option_id, last), 0) < 1:
            continue
        others = opts[(opts["school_id"] == c.school_id) & (opts["kind"] != "close")]
        worst += sum(v for (o, _), v in values.items() if o in set(others["option_id"]))
    return float(worst)


def _budget_violation(inputs: PlanInputs, values) -> float:
    """Pounds over the total or any year's capital budget (the spend spread over the lead-time years)."""
    from optimiser.model import PERSISTENT, _spend_years

    cfg = inputs.config
    opts = inputs.options.set_index("option_id")
    total, spend = 0.0, pd.Series(dtype=float)
    opened: dict[tuple[str, int], int] = {}
    for oid in opts.index:
        previous = 0
        for t in inputs.years:
            if (oid, t) not in values:
                continue
            now = values[(oid, t)]
            opened[(oid, t)] = now - previous if opts.at[oid, "kind"] in PERSISTENT else now
            previous = now if opts.at[oid, "kind"] in PERSISTENT else previous
    for (oid, t), n in opened.items():
        cost, lead = opts.at[oid, "capital_cost"] * n, int(opts.at[oid, "lead_time_years"])
        total += cost
        for y in _spend_years(t, lead):
            spend.loc[y] = spend.get(y, 0.0) + cost / max(lead, 1)
    worst = total - cfg.capital_budget if cfg.capital_budget is not None else 0.0
    for y, amount in spend.items():
        limit = cfg.annual_budget_for(int(y))
        if limit is not None:
            worst = max(worst, amount - limit)
    return float(max(worst, 0.0))


def _late_cut_violation(inputs: PlanInputs, values) -> float:
    """Reductions or closures first taking effect in the last ``reduction_years_seen - 1`` years."""
    last_cut = inputs.years[-1] - (inputs.config.reduction_years_seen - 1)
    opts = inputs.options.set_index("option_id")
    worst = 0.0
    for (oid, t), v in values.items():
        if opts.at[oid, "kind"] in ("reduce", "close") and t > last_cut:
            earlier = values.get((oid, t - 1), 0)
            worst = max(worst, v - earlier)
    return float(worst)


def _band_violation(model: PlanModel, values) -> float:
    """Places cut in a cell beyond the surplus above the forecast's upper band and the surplus kept."""
    inputs, cfg = model.inputs, model.inputs.config
    cells = inputs.demand.reset_index(drop=True)
    band = cells["band"].to_numpy(dtype=float)
    room = np.clip(model.base_capacity - (1 + cfg.reduction_keep_surplus) * band, 0, None)
    cut = np.zeros(len(cells))
    for o in inputs.options[inputs.options["kind"] == "reduce"].itertuples(index=False):
        for i, (p, g, t) in enumerate(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True)):
            if p == o.planning_area_id and o.ncy_low <= g <= o.ncy_high:
                cut[i] -= o.places_per_unit * values.get((o.option_id, t - (g - o.entry_ncy)), 0)
    return float(np.max(cut - room, initial=0.0))


def _walk_violation(inputs: PlanInputs, moves) -> float:
    """Metres beyond the statutory walking distance of any cohort moved between areas (at its entry)."""
    cfg = inputs.config
    dist = dict(zip(zip(inputs.pairs["from_area"], inputs.pairs["to_area"], strict=True), inputs.pairs["distance"],
                    strict=True))
    over = [dist.get((p, q), np.inf) - cfg.walking_limit(e) for (p, q, e, _), x in moves.items() if x > 1e-9]
    return float(max(over + [0.0]))


def recount_sufficiency(plan, demand: pd.DataFrame, schools: pd.DataFrame, rolls: pd.DataFrame | None,
                        base_year: int, config) -> pd.DataFrame:
    """The plan's capacity and shortfall recounted school by school from ``plan.schemes`` (plan.csv),
    the schools table and the base-year rolls alone, as a council would check it.

    Each scheme adds (or removes) its places at its own school: an expansion or a reduction of ``f``
    forms of entry changes every year group from the school's point of entry to the end of that entry's
    block (within the phase's compulsory years), one year group a year from its opening; a bulge class
    adds 30 places to the one cohort entering in its year; a new school fills from its phase's first
    year group; a closure removes every place from its year. Pupils moved between areas come from
    ``plan.transfers``.

    Returns
    -------
    DataFrame
        planning_area_id, year, ncy, demand, capacity, shortfall, as ``plan.sufficiency_after`` has them.
    """
    from optimiser.options import entry_block
    from sufficiency.core.capacity import places_by_year, places_by_year_group

    sch = schools.assign(school_id=schools["school_id"].astype(str))
    years = sorted(int(y) for y in plan.sufficiency_after["year"].unique())
    if rolls is not None:
        base = places_by_year(sch, rolls.assign(school_id=rolls["school_id"].astype(str)), base_year, years)
    else:
        base = places_by_year_group(sch).merge(pd.DataFrame({"year": years}), how="cross")
    rows = [base[["school_id", "planning_area_id", "ncy", "year", "places"]]]
    by_school = sch.set_index("school_id")
    for s in plan.schemes.itertuples(index=False):
        if s.kind == "new_school":
            low, high = _new_school_span(plan, s)
            added = [(s.planning_area_id, low + k, s.year + k + j, 30 * s.forms_of_entry)
                     for k in range(high - low + 1) for j in range(0, max(years) - s.year - k + 1)]
            rows.append(pd.DataFrame(added, columns=["planning_area_id", "ncy", "year", "places"]))
            continue
        school = by_school.loc[str(s.school_id)]
        lo_s, hi_s = int(school["ncy_low"]), int(school["ncy_high"])
        if s.kind == "close":
            gone = base[(base["school_id"] == str(s.school_id)) & (base["year"] >= s.year)]
            rows.append(gone.assign(places=-gone["places"]))
            continue
        entry = _scheme_entry(plan, s, lo_s, hi_s, config)
        lo, hi = entry_block(lo_s, hi_s, entry, config.entry_ncys)
        per_group = 30.0 * s.forms_of_entry * (-1 if s.kind == "reduce" else 1)
        added = []
        for g in range(lo, hi + 1):
            first = s.year + (g - entry)
            last = first if s.kind == "bulge" else max(years)
            added += [(school["planning_area_id"], g, y, per_group) for y in range(first, last + 1)]
        rows.append(pd.DataFrame(added, columns=["planning_area_id", "ncy", "year", "places"]))
    places = pd.concat(rows, ignore_index=True)
    places = places[places["ncy"].isin(config.year_groups) & places["year"].isin(years)]
    key = ["planning_area_id", "year", "ncy"]
    capacity = places.groupby(key)["places"].sum()
    out = plan.sufficiency_after[key].set_index(key).join(capacity.rename("capacity")).fillna({"capacity": 0.0})
    pupils = demand.assign(planning_area_id=demand["planning_area_id"].astype(str)).set_index(key)["pupils"]
    moved = plan.transfers
    gone = moved.groupby(["from_area", "year", "ncy"])["pupils"].sum().rename_axis(key)
    came = moved.groupby(["to_area", "year", "ncy"])["pupils"].sum().rename_axis(key)
    out["demand"] = (pupils.reindex(out.index).fillna(0.0) - gone.reindex(out.index).fillna(0.0)
                     + came.reindex(out.index).fillna(0.0))
    out = out.reset_index()
    on_roll = _on_roll_recount(out, sch, rolls, base_year)
    required = (1 + config.margin) * out["demand"] - config.margin * np.minimum(on_roll, out["demand"])
    out["shortfall"] = np.clip(required - out["capacity"], 0.0, None)
    return out[["planning_area_id", "year", "ncy", "demand", "capacity", "shortfall"]]


def _scheme_entry(plan, s, lo_s: int, hi_s: int, config) -> int:
    """The point of entry a scheme at a school works from: the option's own, from its id
    (``kind:school:entry``), else the school's first."""
    from optimiser.options import school_entries

    parts = str(s.option_id).split(":")
    if len(parts) == 3 and parts[2].isdigit():
        return int(parts[2])
    return school_entries(lo_s, hi_s, config.entry_ncys)[0]


def _new_school_span(plan, s) -> tuple[int, int]:
    """Year groups a new school fills: its phase's compulsory years (from the areas the plan knows)."""
    ncys = plan.sufficiency_after.loc[plan.sufficiency_after["planning_area_id"] == s.planning_area_id, "ncy"]
    return span(area_phase_of(int(ncys.min())))


def _on_roll_recount(cells: pd.DataFrame, schools: pd.DataFrame, rolls: pd.DataFrame | None,
                     base_year: int) -> np.ndarray:
    """Base-year roll of each cell's cohort in its planning area (0 for cohorts not yet in school)."""
    if rolls is None:
        return np.zeros(len(cells))
    area = schools.set_index("school_id")["planning_area_id"]
    base = rolls[rolls["year"] == base_year].assign(planning_area_id=rolls["school_id"].astype(str).map(area))
    base = base.groupby(["planning_area_id", "ncy"])["pupils"].sum()
    key = pd.MultiIndex.from_arrays([cells["planning_area_id"].to_numpy(),
                                     cells["ncy"].to_numpy() - (cells["year"].to_numpy() - base_year)])
    return base.reindex(key).fillna(0.0).to_numpy(dtype=float)
