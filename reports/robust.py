"""The robust plan's page of the report: the deterministic plan beside the robust one, committed and contingent
schemes with their triggers, and a fan of outcomes across the futures."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from reports.format import money_short, number, place_years
from sufficiency.core.stages import ReportSection


def fan_of_outcomes(fan: pd.DataFrame) -> bytes:
    """Places short by year in every future, the principal plan's beside the robust plan's: each future a
    thin line, the probability-free range across futures a band."""
    from reports.charts import DARK, LIGHT, MID, _year_axis, thousands
    from reports.figure import new_figure, to_png

    fig = new_figure(7.2, 2.9)
    axes = np.atleast_1d(fig.subplots(1, 2, sharey=True))
    for ax, (plan, title) in zip(axes, (("principal", "Principal plan"), ("robust", "Robust plan")), strict=True):
        rows = fan[fan["plan"] == plan]
        wide = rows.pivot_table(index="year", columns="scenario", values="shortfall", aggfunc="sum").sort_index()
        if wide.empty:
            continue
        ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=LIGHT, alpha=0.6, hatch="//",
                        label="range across futures", linewidth=0)
        for name in wide.columns:
            ax.plot(wide.index, wide[name], "-", color=MID, linewidth=0.6, alpha=0.7)
        ax.plot(wide.index, wide.mean(axis=1), "-o", color=DARK, markersize=3, linewidth=1.3,
                label="mean of futures (unweighted)")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("Places short of pupils + margin", fontsize=8)
        ax.yaxis.set_major_formatter(thousands)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
        _year_axis(ax, wide.index.to_numpy())
        ax.legend(fontsize=7, frameon=False)
    fig.suptitle("Fan of outcomes: places short in each future, by year", fontsize=10, y=0.99)
    fig.subplots_adjust(wspace=0.15, top=0.82)
    return to_png(fig)


def _pounds(x: float) -> str:
    """Pounds as page one prints them (£5.3m), rounded to the pound first so there is never a negative zero."""
    return money_short(round(x) + 0.0)


def _more_or_less(x: float) -> str:
    """"£5.28m more" or "£1.20m less" (x in pounds, positive for more)."""
    return f"{_pounds(abs(x))} {'more' if x >= 0 else 'less'}"


def _margin(robust: Any) -> float | None:
    """The operating margin the robust plan kept (a share of pupils), or None when it is not at hand."""
    margin = getattr(robust, "margin", None)
    return None if margin is None or pd.isna(margin) else float(margin)


def _short_of(margin: float | None) -> str:
    """What the plans' shortfall counts: pupils plus the margin the optimiser keeps, as its own page says."""
    return f"pupils plus the {margin:.0%} margin" if margin is not None else "pupils plus the margin"


def from_tables(tables: dict[str, pd.DataFrame]) -> SimpleNamespace:
    """The robust plan as `sections` reads it, rebuilt from the tables a run stored (`RobustPlan.tables`), so
    the web page says what the report says. Without the fan, the page draws no chart; the stored tables keep no
    solve time (a run's tables are the same each time it is made), so the note gives none."""
    solve = tables["solve"].iloc[0] if len(tables.get("solve", ())) else pd.Series(dtype=object)
    warnings = tables.get("warnings")
    return SimpleNamespace(
        schemes=tables["schemes"], scenarios=tables["scenarios"], outcomes=tables["outcomes"],
        regret=tables["regret"], value=tables["value"].set_index("measure")["value"],
        fan=pd.DataFrame(), margin=solve.get("margin"), method=solve.get("method", "extensive"),
        solve=SimpleNamespace(status=solve.get("status", ""), gap=float(solve.get("gap", np.nan)), seconds=np.nan),
        warnings=[] if warnings is None else [str(w) for w in warnings.iloc[:, 0] if w])


def comparison(robust: Any) -> pd.DataFrame:
    """The deterministic (principal) plan beside the robust plan: expected figures over the futures, in whole
    pounds and place-years."""
    v = robust.value
    short = f"place-years short of {_short_of(_margin(robust))}"
    rows = [("capital, expected over the futures (£; bulge classes as each future needs)", v["principal_capital"],
             v["robust_capital"]),
            ("controllable cost, expected (£, discounted)", v["principal_controllable"], v["robust_controllable"]),
            (f"shortfall, expected ({short})", v["principal_shortfall"], v["robust_shortfall"])]
    evaluated = robust.outcomes[robust.outcomes["scenario"] == "high"]
    if not evaluated.empty:
        by_plan = evaluated.assign(plan=evaluated["plan"].str.replace(" (evaluated)", "", regex=False)
                                   ).set_index("plan")["shortfall"]
        rows.append((f"shortfall under the high variant ({short})", by_plan.get("principal", np.nan),
                     by_plan.get("robust", np.nan)))
    out = pd.DataFrame(rows, columns=["measure", "principal plan", "robust plan"])
    return out.round(0)


def schemes_shown(robust: Any, names: pd.Series | None) -> pd.DataFrame:
    """The committed and contingent schemes as a board reads them: the school by name, the year it opens as
    an academic year, the kind in words, whole places and pounds, the chance in %."""
    from reports.format import KIND_SHORT, year_label

    s = robust.schemes
    school = s["school_id"].astype("string")
    if names is not None:
        school = school.map(lambda i: f"{names.get(i, i)} ({i})" if pd.notna(i) else "new school")
    return pd.DataFrame({
        "status": s["status"], "opens": s["year"].map(year_label), "kind": s["kind"].map(KIND_SHORT).fillna(s["kind"]),
        "school": school, "planning_area_id": s["planning_area_id"], "places": s["places"].round(0),
        "capital (£)": s["capital_cost"].round(0), "chance (%)": (100 * s["probability"]).round(0),
        "trigger": s["trigger"].fillna(""),
    })


def sections(scenario_result: Any) -> list[ReportSection]:
    from optimiser.plan import margin_words

    robust = scenario_result.results.get("robust")
    if robust is None:
        return []
    v = robust.value
    committed = robust.schemes[robust.schemes["status"] == "committed"]
    contingent = robust.schemes[robust.schemes["status"] == "contingent"]
    margin = _margin(robust)
    kept = margin_words(margin)
    names = ", ".join(f"{n} ({p:.0%})" for n, p in zip(robust.scenarios["scenario"], robust.scenarios["probability"],
                                                         strict=True))
    paragraphs = [
        "A board decides permanent schemes years before it knows which future comes. The robust plan chooses the "
        "expansions, new schools and reductions once for every future the forecast allows, and leaves bulge "
        f"classes to be bought when a cohort is seen. Futures planned for: {names}.",
        f"Committed now: {int((committed['kind'] != 'bulge').sum())} permanent schemes "
        f"({_pounds(committed.loc[committed['kind'] != 'bulge', 'capital_cost'].sum())} capital) and "
        f"{int((committed['kind'] == 'bulge').sum())} bulge classes every future needs. Contingent: "
        f"{len(contingent)} bulge classes, each with the intake that triggers it; the officer watches the trigger.",
        f"Expected over the futures, the robust plan costs {_pounds(v['robust_controllable'])} controllable "
        f"against {_pounds(v['principal_controllable'])} for the principal plan, and leaves "
        f"{place_years(v['robust_shortfall'])} short against {number(v['principal_shortfall'])}. "
        f"Place-years short on this page count pupils plus {kept} the optimiser keeps (its own measure); page "
        "one counts pupils above places, without the margin, so its figure is the smaller. Capital here is "
        "expected over the futures, each buying the bulge classes it needs; page one's is the principal plan's "
        "under the principal forecast.",
    ]
    if "vss_objective" in v:
        paragraphs.append(
            f"Value of the stochastic solution (the principal plan's expected cost less the robust plan's, on the "
            f"objective, discounted pounds with each place-year short weighted at the shortfall penalty): "
            f"{_pounds(v['vss_objective'])}, {place_years(v['vss_shortfall'])} of shortfall avoided for "
            f"{_more_or_less(-v['vss_controllable'])} controllable cost. It is never negative: the principal plan's "
            "schemes are open to the robust plan.")
    if "evpi_objective" in v:
        paragraphs.append(
            f"Expected value of perfect information (the robust plan against each future's own best plan): "
            f"{_pounds(v['evpi_objective'])} on the objective (discounted), {_pounds(v['evpi_controllable'])} "
            f"controllable and {place_years(v['evpi_shortfall'])}: the most better forecasting could be worth.")
    s = robust.solve
    notes = ["A trigger counts the planning area's own entry intake (Reception, Year 7) against the committed places "
             f"and the likelier bulge classes before it, with {kept}; pupils placed in a neighbouring "
             "area are not counted. Read it when the bulge class must be decided, its lead time before entry.",
             f"Solved by the {robust.method} form with HiGHS: {s.status}, within {s.gap:.2%} of the best bound on "
             "the expected controllable cost" + (f", {s.seconds:.1f} s." if np.isfinite(s.seconds) else ".")
             ] + list(robust.warnings)
    inputs = getattr(scenario_result, "inputs", None)
    names = None if inputs is None else inputs.schools.set_index("school_id")["name"]
    schemes = schemes_shown(robust, names)
    short = f"shortfall (place-years short of {_short_of(margin)})"
    outcomes = robust.outcomes[["scenario", "plan", "capital", "controllable", "shortfall"]].round(0).rename(
        columns={"capital": "capital (£)", "controllable": "controllable (£, discounted)", "shortfall": short})
    regret = robust.regret.rename(columns={"controllable": "controllable (£, discounted)", "shortfall": short,
                                           "objective": "objective (£ and weighting)"}).round(0)
    tables = (("The principal (deterministic) plan beside the robust plan, expected over the futures",
               comparison(robust)),
              ("Robust programme: committed and contingent schemes (places, £, %; triggers in pupils)", schemes),
              ("Each future under each plan (£, place-years)", outcomes),
              ("Regret: the robust plan less each future's own best plan (£, place-years)", regret))
    figures = ((f"Places short of {_short_of(margin)} (all year groups) in each future, by year, under the "
                "principal and the robust plan", fan_of_outcomes(robust.fan)),) if not robust.fan.empty else ()
    return [ReportSection(title="Robust capital programme: plans that hold across the forecast's futures",
                          paragraphs=tuple(paragraphs), tables=tables, notes=tuple(notes), figures=figures)]
