"""The admissions part of a run in the terminal (and the tables the report shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from sufficiency.core.display import console, frame_table

if TYPE_CHECKING:
    from admissions.engine import AdmissionsResult


def headline(result: AdmissionsResult) -> pd.DataFrame:
    """Authority top-three rate today and with the plan, per phase and year, with intervals and whether (and by
    how much) it meets the target; applicants are whole families."""
    auth = result.measures[result.measures["planning_area_id"] == "all"]
    rows = []
    for (phase, year), group in auth.groupby(["phase", "year"], sort=True):
        row: dict[str, Any] = {"phase": phase, "year": int(year),
                               "applicants": int(round(group["applicants"].iloc[0]))}  # families: a count
        for case in ("today", "plan"):
            own = group[group["case"] == case]
            if own.empty:
                continue
            r = own.iloc[0]
            label = "today's places" if case == "today" else "with the plan"
            row[f"first, {label} (%)"] = f"{r.first_pct:.1f}"
            row[f"top three, {label} (%)"] = (f"{r.top_three_pct:.1f} ({r.top_three_pct_lower:.1f}-"
                                              f"{r.top_three_pct_upper:.1f})")
            row[f"against {result.target:g}%, {label}"] = against_target(r.gap_to_target_pts, r.meets_target)
        rows.append(row)
    return pd.DataFrame(rows)


def against_target(gap_pts: float, meets: bool) -> str:
    """The top-three rate against the target in words an officer reads without a sign convention: "met, 4.0 pts
    above" or "3.8 pts short" (``gap_pts`` is the target less the rate, in percentage points)."""
    if meets:
        return f"met, {-gap_pts:.1f} pts above" if round(-gap_pts, 1) > 0 else "met"
    return f"{gap_pts:.1f} pts short" if round(gap_pts, 1) > 0 else "under 0.1 pts short"


def areas_brief(result: AdmissionsResult, year: int) -> pd.DataFrame:
    """The planning areas in one year, in few columns (for a page): top three today and with the plan, and
    with the plan's places: no preferred school, distance and oversubscribed schools."""
    m = result.measures[(result.measures["year"] == year) & (result.measures["planning_area_id"] != "all")]
    today = m[m["case"] == "today"].set_index(["phase", "planning_area_id"])
    after = m[m["case"] == ("plan" if result.plan_used else "today")].set_index(["phase", "planning_area_id"])
    label = "with the plan" if result.plan_used else "today"
    return pd.DataFrame({
        "applicants": today["applicants"].round(0).astype(int),
        "top three, today (%)": today["top_three_pct"].round(1),
        f"top three, {label} (%)": after["top_three_pct"].round(1),
        f"no preferred school, {label} (%)": after["no_preferred_pct"].round(1),
        f"distance, {label} (km)": after["distance_km"].round(2),
        f"schools oversubscribed, {label}": after["oversubscribed_schools"].round(1),
    }).reset_index()


#: The preference measures as a person reads them.
MEASURE_WORDS = {"first_pct": "first preference", "top_three_pct": "one of the top three",
                 "no_preferred_pct": "no preferred school"}


def real_rates_shown(columns: list[str], rows: list[list]) -> tuple[list[str], list[list]]:
    """The simulation against DfE's real rates as a person reads it: each measure in words, and the column naming
    the publication called what it is (its header is not the settings' "source")."""
    at = columns.index("measure") if "measure" in columns else None
    shown = [[MEASURE_WORDS.get(v, v) if i == at else v for i, v in enumerate(row)] for row in rows]
    return ["published in" if c == "source" else c for c in columns], shown


def oversubscribed(result: AdmissionsResult, year: int, case: str) -> pd.DataFrame:
    s = result.schools[(result.schools["year"] == year) & (result.schools["case"] == case)]
    s = s[s["oversubscribed_share"] >= 0.5].sort_values("over_by", ascending=False)
    return s[["phase", "school_id", "name", "admission_number", "first_preferences", "over_by",
              "oversubscribed_share"]].round(2)


def print_admissions(result: AdmissionsResult) -> None:
    cases = "today's places and the plan's" if result.plan_used else "today's places (no plan ran)"
    console.print(frame_table(headline(result), f"Families offered a top-three preference, {cases} "
                              f"({result.draws} draws; 80% interval in brackets; target {result.target:g}%)"))
    last = max(result.years)
    areas = areas_brief(result, last)
    console.print(frame_table(areas, f"By planning area, {last}",
                              formats={c: ".1f" for c in areas.columns[3:]}))
    if not result.real_data.empty:
        console.print(frame_table(result.real_data, "The simulation (today's places, first year) against DfE's "
                                  "real rates (%)", formats={c: ".1f" for c in ("real_pct", "real_low", "real_high",
                                                                                "simulated_pct", "difference_pts")}))
    if result.trade_off is not None:
        console.print(frame_table(result.trade_off, "Cost against preference: the plan and its re-plans "
                                  "(pounds; %)", formats={"popularity_weight": "g", "top_three_pct_primary": ".1f",
                                                          "top_three_pct_secondary": ".1f",
                                                          "lowest_top_three_pct": ".1f"}))
    if result.observed is not None and len(result.observed):
        console.print(frame_table(result.observed, "The council's real applications under the scheme (%)",
                                  formats={c: ".1f" for c in ("first_pct", "top_three_pct", "no_preferred_pct",
                                                              "no_offer_pct")}))
    for note in result.notes:
        console.print(f"[dim]{note}[/]")


def print_result(scenario_result: Any) -> None:
    """The admissions part of a run."""
    print_admissions(scenario_result.results["admissions"])
