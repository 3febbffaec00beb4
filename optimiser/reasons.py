"""One line for every scheme: which deficit it meets, and why it rather than the next cheapest."""

from __future__ import annotations

import pandas as pd

from optimiser.model import PlanModel, _last_unit, required
from sufficiency.core.phases import ncy_label
from sufficiency.core.years import academic_year

GROWTH = ("expand", "bulge", "new_school")


def _money(x: float) -> str:
    return f"£{x / 1e6:.2f}m" if abs(x) >= 1e6 else f"£{x / 1e3:.0f}k"


def _gaps(model: PlanModel) -> pd.DataFrame:
    """Before any scheme: places minus pupils plus margin, per cell (negative is a deficit)."""
    cells = model.inputs.demand.copy()
    cells["gap"] = model.base_capacity - required(model.inputs, cells["pupils"].to_numpy())
    return cells


def explain(model: PlanModel, schemes: pd.DataFrame, solved: pd.DataFrame) -> list[str]:
    """A reason for each row of ``schemes`` (see :func:`optimiser.plan.build_plan`); ``solved`` is
    :func:`optimiser.model.solved_cells`, the plan's capacity and pupils per cell."""
    if schemes.empty:
        return []
    gaps = _gaps(model)
    opts = model.inputs.options.set_index("option_id")
    # Each scheme looks only at its own planning area: split once rather than scan every row
    # of the authority for each scheme.
    gaps_in = dict(tuple(gaps.groupby("planning_area_id")))
    removals = ~schemes["kind"].isin(GROWTH)
    # With the plan in place: places minus pupils plus margin.
    after = solved.assign(gap=solved["capacity"] - solved["required"], pupils=solved["served"])
    after_in = dict(tuple(after.groupby("planning_area_id"))) if removals.any() else {}
    opts_in = dict(tuple(opts.groupby("planning_area_id")))
    pan = model.inputs.schools.set_index("school_id")["pan"]
    empty_gaps = gaps.iloc[:0]
    out = []
    for s in schemes.itertuples(index=False):
        o = opts.loc[s.option_id]
        area_gaps = gaps_in.get(o["planning_area_id"], empty_gaps)
        if s.kind in GROWTH:
            out.append(_growth_reason(model, area_gaps, s, o, opts_in[o["planning_area_id"]]))
        else:
            per_group = abs(o["places_per_unit"]) * s.units if s.kind == "reduce" else float(pan.get(s.school_id, 0.0))
            reason = _removal_reason(after_in.get(o["planning_area_id"], empty_gaps), s, o, per_group)
            out.append("; ".join([reason, *_cut_rules(model, s, o, schemes)]))
    return out


BANDS = {"upper_80": "upper end of its 80% interval", "upper_95": "upper end of its 95% interval",
         "pupils": "central forecast"}


def _cut_rules(model: PlanModel, s, o: pd.Series, schemes: pd.DataFrame) -> list[str]:
    """The council's rules behind a cut, in words, each naming its setting (a claim is made only
    where the plan bears it out)."""
    from optimiser.options import oversubscribed

    cfg = model.inputs.config
    rules = cfg.rules
    out = [f"it leaves room for the forecast's {BANDS[cfg.reduction_band]} plus {cfg.reduction_keep_surplus:.0%} "
           "kept for parental choice and in-year moves (optimiser.reduction_band, reduction_keep_surplus)"]
    if s.kind != "reduce":
        return out
    schools = model.inputs.schools.set_index("school_id")
    area = schools[schools["planning_area_id"] == o["planning_area_id"]]
    teaching = area[(area["ncy_low"] <= o["entry_ncy"]) & (area["ncy_high"] >= o["entry_ncy"])]
    me = schools.loc[s.school_id]
    if rules.cut_weaker_first.enabled:
        opts = model.inputs.options
        same = opts[(opts["kind"] == "reduce") & (opts["planning_area_id"] == o["planning_area_id"])
                    & (opts["entry_ncy"] == o["entry_ncy"]) & (opts["ncy_low"] == o["ncy_low"])
                    & (opts["ncy_high"] == o["ncy_high"])]
        used = schemes.groupby("option_id")["units"].sum()
        weaker_left = same[(same["cut_weighting"] == 0)
                           & (same["option_id"].map(used).fillna(0) < same["max_units"])]
        if o["cut_weighting"] > 0 and weaker_left.empty:
            out.append("no weaker or less popular school here could give up the same places instead "
                       "(optimiser.rules.cut_weaker_first)")
        elif o["cut_weighting"] == 0:
            out.append("a school rated below Good or less popular is cut before a good or popular one "
                       "(optimiser.rules.cut_weaker_first)")
    if rules.protect_oversubscribed.enabled:
        kept = [str(r["name"]) for _, r in teaching.iterrows() if oversubscribed(r.rename(r.name))]
        if kept:
            named = ", ".join(kept[:2]) + (f" and {len(kept) - 2} more" if len(kept) > 2 else "")
            out.append(f"{named} {'is' if len(kept) == 1 else 'are'} not cut: more first preferences than places "
                       "(optimiser.rules.protect_oversubscribed)")
    if bool(s.needs_agreement):
        out.append(f"a proposal needing {me['name']}'s agreement: it sets its own admission number "
                   "(optimiser.rules.own_admissions)")
    return out


def _reach(gaps: pd.DataFrame, o: pd.Series, year: int, kind: str) -> pd.DataFrame:
    """Cells a scheme opened in ``year`` adds places to."""
    sub = gaps[(gaps["planning_area_id"] == o["planning_area_id"]) & gaps["ncy"].between(o["ncy_low"], o["ncy_high"])]
    lag = sub["year"] - (sub["ncy"] - o["entry_ncy"])
    return sub[(lag == year) if kind == "bulge" else (lag >= year)]


def _growth_reason(model, gaps, s, o, opts) -> str:
    reach = _reach(gaps, o, s.year, s.kind)
    if reach.empty or reach["gap"].min() >= 0:
        need = "adds places for pupils from neighbouring areas and later cohorts"
        worst = None
    else:
        worst = reach.loc[reach["gap"].idxmin()]
        years_short = int((reach[reach["ncy"] == o["entry_ncy"]]["gap"] < 0).sum())
        need = (f"meets a deficit of {-worst['gap']:.0f} places in {ncy_label(worst['ncy'])}, "
                f"{o['planning_area_id']}, {academic_year(worst['year'])}"
                + (f" (intake short in {years_short} year{'s' if years_short > 1 else ''})" if years_short else ""))
    return f"{need}; {_versus(model, s, o, opts, worst)}"


def _versus(model: PlanModel, s, o, opts: pd.DataFrame, worst) -> str:
    """Compare with the cheapest other scheme that could add places in the same area and year group."""
    g = o["entry_ncy"] if worst is None else worst["ncy"]
    alt = opts[opts["kind"].isin(GROWTH)  # opts holds the scheme's own planning area only
               & (opts["ncy_low"] <= g) & (opts["ncy_high"] >= g) & (opts.index != s.option_id)]
    if alt.empty:
        return "the only scheme that can add places here"
    per_unit = s.capital_cost / max(s.units, 1)
    cheaper = alt[alt["capital_cost"] < per_unit].sort_values("capital_cost")
    if cheaper.empty:
        nxt = alt.sort_values("capital_cost").iloc[0]
        return f"cheapest scheme here ({_money(per_unit)} a unit; next {nxt['label']}, {_money(nxt['capital_cost'])})"
    nxt = cheaper.iloc[0]
    why = _why_not(model, s, o, nxt, worst)
    return f"chosen over the cheaper {nxt['label']} ({_money(nxt['capital_cost'])}): {why}"


def _why_not(model: PlanModel, s, o, alt: pd.Series, worst) -> str:
    if worst is not None and alt["earliest_open"] > worst["year"] - (worst["ncy"] - alt["entry_ncy"]):
        started = int(worst["year"] - (worst["ncy"] - alt["entry_ncy"]))
        return (f"it cannot open before {academic_year(alt['earliest_open'])}, after this cohort entered "
                f"{ncy_label(alt['entry_ncy'])} in {academic_year(started)}")
    if alt["kind"] == "bulge" and s.kind != "bulge":
        return ("a bulge class serves one cohort, and the need lasts, so permanent places cost less over their "
                "years in use within the horizon")
    last = _last_unit(model, alt.name)
    used = int(round(last.varValue or 0)) if last is not None else 0
    if alt["kind"] == "expand" and used >= alt["max_units"]:
        return "that site is already at its limit"
    if alt["quality_markup"] > 0:
        return "the council's rules favour growing popular, good schools"
    if s.kind == "bulge":
        return "the need is one cohort, so a bulge class avoids permanent places that would stand empty"
    return "fewer empty places and lower cost over the horizon, counting each building's years in use"


def _removal_reason(after: pd.DataFrame, s, o: pd.Series, per_group: float) -> str:
    """Why remove places: the spare places the entry year group would have, with every other
    scheme of the plan in place but without this one."""
    sub = after[(after["ncy"] == o["entry_ncy"]) & (after["year"] >= s.year)]
    verb = "closes" if s.kind == "close" else "removes"
    if sub.empty:
        return f"{verb} {abs(s.places):.0f} places beyond the forecast"
    spare = sub.groupby("year")["gap"].sum() + per_group
    places = sub.groupby("year")["pupils"].sum()
    year = int(spare.idxmax())
    rate = spare[year] / max(places[year], 1.0) * 100
    return (f"{verb} {abs(s.places):.0f} places: without it, {ncy_label(o['entry_ncy'])} in "
            f"{o['planning_area_id']} would have {spare[year]:,.0f} spare places beyond the margin in "
            f"{academic_year(year)} ({rate:.0f}% of pupils), and an empty place costs revenue every year")
