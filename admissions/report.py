"""The admissions section of the report: the 90% top-three target before and after the plan."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sufficiency.core.stages import ReportSection


def sections(scenario_result: Any) -> list[ReportSection]:
    from admissions.show import areas_brief, headline, oversubscribed, real_rates_shown

    result = scenario_result.results.get("admissions")
    if result is None:
        return []
    last = max(result.years)
    auth = result.measures[(result.measures["planning_area_id"] == "all") & (result.measures["year"] == last)]
    said = []
    for phase in ("primary", "secondary"):
        own = auth[auth["phase"] == phase].set_index("case")
        if own.empty:
            continue
        text = f"{phase.capitalize()}, {last}: {own.at['today', 'top_three_pct']:.1f}% of families offered one of " \
               f"their top three preferences with today's places"
        if "plan" in own.index:
            text += f", {own.at['plan', 'top_three_pct']:.1f}% with the plan"
        said.append(text + f" (target {result.target:g}%).")
    paragraphs = (
        "Enough places in an area is not the same as places where families want them. Each year's Reception "
        "and Year 7 applicants (the forecast's entry cohorts, placed at homes in their wards) rank schools by a "
        "conditional logit of distance, Ofsted grade, size and results calibrated to the observed first "
        "preferences; offers follow the equal-preference scheme of the School Admissions Code 2021 (deferred "
        "acceptance over looked-after children, siblings, distance and a random tie-break), and families left "
        "without an offer get the nearest school with room. Each measure is the mean of "
        f"{result.draws} draws, with an 80% interval.",
        *said,
    )
    tables = [("Families offered a top-three preference, by phase and year (%, 80% interval)", headline(result)),
              (f"By planning area, {last} (applicants: families; %, km, schools)", areas_brief(result, last))]
    case = "plan" if result.plan_used else "today"
    over = oversubscribed(result, last, case)
    over = over.assign(admission_number=over["admission_number"].round(0),
                       oversubscribed_share=(100 * over["oversubscribed_share"]).round(0))
    tables.append((f"Oversubscribed schools, {last}, {'with the plan' if case == 'plan' else 'today'} "
                   "(first preferences above places: families, the mean of the draws)", over))
    if not result.real_data.empty:
        columns, rows = real_rates_shown(list(result.real_data.columns), result.real_data.to_numpy().tolist())
        real = pd.DataFrame(rows, columns=columns)  # built from rows: each column's type inferred again
        tables.append(("The simulation against DfE's real preference rates (%)", real))
    if result.trade_off is not None:
        tables.append(("Cost against preference: the plan and its re-plans (pounds, %)",
                       _trade_off_shown(result.trade_off)))
    return [ReportSection(title="Admissions: families' preferences and the 90% target", paragraphs=paragraphs,
                          tables=tuple(tables), notes=tuple(result.notes))]


def _trade_off_shown(trade: pd.DataFrame) -> pd.DataFrame:
    """The trade-off as a board reads it: whole pounds, and each weight as given (0.25, not rounded to 0.2)."""
    out = trade.copy()
    for col in ("capital", "controllable_cost"):
        out[col] = out[col].round().astype("Int64")
    out["popularity_weight"] = out["popularity_weight"].map(lambda w: f"{w:g}")
    return out
