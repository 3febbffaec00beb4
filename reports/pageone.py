"""Page one: what the programme builds, where, when it opens, what it costs by year, and why.

Each function reads :class:`reports.content.ReportData` (and so the quantities of
:mod:`reports.measures`); the HTML and the workbook's summary print what they return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reports.areas import GROWTH, phase_rows
from reports.format import KIND_SHORT, money_short, ncy_label, number, year_label
from reports.measures import cells, peaks, phase_years
from sufficiency.core.phases import PHASE_NCY

if TYPE_CHECKING:
    from reports.content import ReportData

#: Rows of a page-one table before the rest are counted in one line.
TOP = 5
#: Reductions and closures listed on page one, soonest first; with more, page one names how many
#: more and the programme section lists every one (page one answers the board on one A4 page).
REDUCTIONS_SHOWN = 8
CUTS = ("reduce", "close")


def drivers(data: ReportData) -> dict[str, str]:
    """Per area, what drives its need for places (or its surplus), in a few words with numbers.

    The entry year group's intake in the base year against the year of peak need (or the last
    year, where nothing is needed), the pupils the forecast expects from new housing in that year,
    and otherwise the cohorts already in school.
    """
    forecast = data.result.forecast
    phases = data.areas.set_index("planning_area_id")["phase"]
    history = forecast.history
    by_area = forecast.by_area.set_index(["planning_area_id", "year", "ncy"])["pupils"]
    housing = phase_rows(forecast.housing, phases) if forecast.housing is not None else None
    out = {}
    for peak in data.area_peaks.itertuples(index=False):
        area = peak.planning_area_id
        phase = phases.get(area)
        entry = PHASE_NCY.get(phase, (0,))[0]
        year = peak.peak_needed_year if peak.peak_needed > 0 else data.years[-1]
        now = history[(history["planning_area_id"] == area) & (history["year"] == data.base_year)
                      & (history["ncy"] == entry)]["pupils"].sum()
        then = by_area.get((area, year, entry), np.nan)
        parts = []
        if pd.notna(then) and abs(then - now) >= max(3.0, 0.03 * now):
            parts.append(f"{ncy_label(entry)} intake {number(now)} → {number(then)} a year by {year_label(year)}")
        if housing is not None:
            built = housing[(housing["planning_area_id"] == area) & (housing["year"] == year)]["pupils"].sum()
            if built >= 0.5:
                parts.append(f"{number(built)} pupils from new housing by {year_label(year)}")
        if not parts:
            parts.append("cohorts already in school above the places" if peak.peak_needed > 0
                         else "steady intake")
        out[area] = "; ".join(parts)
    return out


def area_needs(data: ReportData) -> pd.DataFrame:
    """Areas that need places or have schemes, most needed first: peak places needed without the
    programme and its year, the peak short after it, schemes and capital, and the driver."""
    table = data.area_peaks.merge(data.areas[["planning_area_id", "name", "phase"]], on="planning_area_id")
    programme = data.programme
    growth = programme[programme["kind"].isin(GROWTH)].groupby("planning_area_id")
    table["schemes"] = table["planning_area_id"].map(programme.groupby("planning_area_id").size()).fillna(0)
    table["capital_cost"] = table["planning_area_id"].map(growth["capital_cost"].sum()).fillna(0.0)
    table["driver"] = table["planning_area_id"].map(drivers(data))
    keep = (table["peak_needed"] > 0) | (table["schemes"] > 0) | (table["peak_short_after"].fillna(0) > 0)
    return table[keep].sort_values(["peak_needed", "capital_cost"], ascending=False).reset_index(drop=True)


def top_schemes(data: ReportData) -> pd.DataFrame:
    """The growth schemes, largest capital first, each with its area's name and the need it meets."""
    growth = data.programme[data.programme["kind"].isin(GROWTH)].copy()
    names = data.areas.set_index("planning_area_id")["name"]
    growth["area"] = growth["planning_area_id"].map(names).fillna(growth["planning_area_id"])
    # the scheme's own reason says the deficit it meets; its first clause is enough on page one
    growth["why"] = growth["reason"].fillna("").str.split(";").str[0].str.split(" (", regex=False).str[0].str.strip()
    growth["short"] = growth["kind"].map(KIND_SHORT).fillna(growth["type"])
    return growth.sort_values(["capital_cost", "year"], ascending=[False, True]).reset_index(drop=True)


def capital_by_year(data: ReportData) -> pd.DataFrame:
    """Per year a scheme opens: capital (pounds), places added and places removed (places)."""
    programme = data.programme
    if programme.empty:
        return pd.DataFrame(columns=["year", "capital_cost", "places_added", "places_removed", "schemes"])
    grouped = programme.groupby("year")
    out = pd.DataFrame({
        "capital_cost": grouped["capital_cost"].sum(),
        "places_added": grouped["places"].apply(lambda s: s[s > 0].sum()),
        "places_removed": grouped["places"].apply(lambda s: -s[s < 0].sum()),
        "schemes": grouped.size(),
    })
    return out.reset_index()


def reductions(data: ReportData) -> pd.DataFrame:
    """Every reduction and closure: a decision needing consultation, with what a board weighs.

    The school, its area, the first year, the places removed, its Ofsted grade, its popularity
    (first preferences against its admission number) and whether it is its own admission
    authority (the cut is then a proposal needing its agreement).
    """
    cuts = data.programme[data.programme["kind"].isin(CUTS)].copy()
    schools = data.result.inputs.schools.set_index("school_id")
    grades = schools["ofsted"] if "ofsted" in schools else pd.Series(dtype=object)
    cuts["ofsted"] = cuts["school_id"].map(grades).fillna("Not known")

    def popularity(school_id: str) -> str:
        if school_id not in schools.index or "first_preferences" not in schools or "pan" not in schools:
            return "not known"
        prefs, pan = schools.at[school_id, "first_preferences"], schools.at[school_id, "pan"]
        if pd.isna(prefs) or pd.isna(pan) or not pan:
            return "not known"
        return f"{number(prefs)} for {number(pan)} ({prefs / pan:.0%})"

    cuts["popularity"] = cuts["school_id"].map(popularity)
    cuts["own_admissions"] = np.where(cuts["needs_agreement"], "Yes: needs its agreement", "No")
    cuts["places_removed"] = -cuts["places"]
    cuts["why"] = cuts["reason"].map(spare_clause)
    reach = [cut_reach(data, cut) for cut in cuts.itertuples(index=False)]
    cuts["area_short"] = [r[0] for r in reach]
    cuts["short_reached"] = [r[1] for r in reach]
    return cuts.reset_index(drop=True)


def spare_clause(reason: object) -> str:
    """The spare places a cut's reason names ("Reception in P02 would have 130 spare places ...")."""
    first = str(reason or "").split(";")[0]
    spare = first.split("without it, ", 1)[1] if "without it, " in first else first.split(": ", 1)[-1]
    spare = spare.split(", and an empty place")[0].strip()
    return (spare[:1].upper() + spare[1:]) if spare else "Spare places (see the plan's reasons)"


def cut_reach(data: ReportData, cut: object) -> tuple[str, float]:
    """Where a cut's area is also short of places after the programme: the year groups short (empty when
    none is) and the place-years short in cohorts the cut reaches.

    A reduction in the admission number reaches only cohorts entering from its first year on; a closure,
    every year group from its year on. An area short in older year groups (cohorts already in school, or
    growing above their places as they move up) can still have spare places where the cut falls.
    """
    area, year, kind = cut.planning_area_id, int(cut.year), cut.kind  # type: ignore[attr-defined]
    short = data.cells[(data.cells["planning_area_id"] == area) & (data.cells["shortfall_after"] > 0)]
    if short.empty:
        return "", 0.0
    entry = PHASE_NCY.get(str(short["phase"].iloc[0]), (int(short["ncy"].min()),))[0]
    entered = short["year"] - (short["ncy"] - entry)
    reached = short[(entered >= year) & (short["year"] >= year)] if kind == "reduce" else short[short["year"] >= year]
    years = sorted(short["ncy"].unique())
    groups = (ncy_label(years[0]) if len(years) == 1 else f"Years {years[0]}–{years[-1]}" if years[0] > 0
              else f"{ncy_label(years[0])}–{ncy_label(years[-1])}")
    return groups, float(reached["shortfall_after"].sum())


def reductions_note(cuts: pd.DataFrame) -> str | None:
    """One sentence for the areas that lose places and are short of places too (None when none is)."""
    short = cuts[cuts["area_short"] != ""]
    if short.empty:
        return None
    out = []
    apart = short[short["short_reached"] == 0].drop_duplicates("planning_area_id").sort_values("planning_area_id")
    if len(apart):
        areas = ", ".join(f"{a} ({g})" for a, g in zip(apart["planning_area_id"], apart["area_short"], strict=True))
        out.append(f"Short of places after the programme as well, in year groups the cuts do not reach: {areas}. "
                   "These are cohorts already in school when the area's cut begins; a reduction in the admission "
                   "number removes places only from the cohorts entering after it, where the places are spare.")
    for row in short[short["short_reached"] > 0].itertuples(index=False):
        out.append(f"Check before consulting: {row.school} ({row.planning_area_id}) is cut from "
                   f"{year_label(int(row.year))}, and {number(row.short_reached)} place-years short after the "
                   "programme are in cohorts the cut reaches.")
    return " ".join(out)


def scenario_range(data: ReportData) -> pd.DataFrame:
    """Each scenario the run compared: capital (pounds, when planned) and the peak places needed
    without a programme, per phase (places)."""
    phases = data.areas.set_index("planning_area_id")["phase"]
    rows = []
    for result in [data.result, *data.others]:
        table = peaks(phase_years(cells(result, phases)), "phase").set_index("phase")
        row: dict[str, object] = {"scenario": result.name,
                                  "capital_cost": float(result.plan.costs["capital"]) if result.plan is not None
                                  else np.nan}
        for phase in data.phases:
            row[f"peak_needed_{phase}"] = table["peak_needed"].get(phase, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def accuracy_sentence(data: ReportData) -> str | None:
    """How the forecast did on the council's own past years, a year ahead, pointing to its section (None when
    the run did not score it): under the biggest risks, and on the workbook's summary."""
    accuracy = data.result.results.get("accuracy")
    if accuracy is None:
        return None
    return (f"{accuracy.summary().removesuffix('.')}; the section 'Forecast accuracy on the council's own past "
            "years' gives every horizon and the intervals' record.")


def range_sentence(data: ReportData) -> str:
    """The range across the scenarios compared, in one sentence for page one."""
    table = scenario_range(data)
    if len(table) == 1:
        return (f"Only the '{data.result.name}' scenario was run: to see the range, compare the forecast's "
                "variants (sufficiency report DIR --scenario principal,high,low).")
    parts = []
    for row in table.itertuples(index=False):
        cost = money_short(row.capital_cost) if pd.notna(row.capital_cost) else "no programme run"
        need = ", ".join(f"{number(getattr(row, f'peak_needed_{p}'))} {p}" for p in data.phases)
        parts.append(f"{row.scenario} {cost} (peak places needed {need})")
    return "Across the scenarios compared: " + "; ".join(parts) + "."
