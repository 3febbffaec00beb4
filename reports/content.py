"""What a report says, worked out once from one or more ScenarioResults.

Every renderer (HTML, PDF, Excel) reads the same :class:`ReportData`, so the numbers in
the three formats cannot drift apart. Figures here are plain numbers; formatting for people
happens in the renderers (see :mod:`reports.format`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reports.areas import GROWTH, phase_rows
from reports.format import KIND_LABELS, money_short, ncy_range_label, number, year_label
from reports.measures import area_years, cells, peaks, phase_years
from sufficiency.core.display import count_words
from sufficiency.core.stages import REGISTRY

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

@dataclass
class ReportData:
    """Every figure and table a report shows, for the principal scenario and any others.

    Every figure for a planning area, a phase or the borough is read from ``cells`` (see
    :mod:`reports.measures`, where each quantity is defined once) or from its sums.
    """

    result: ScenarioResult
    others: list[ScenarioResult]
    title: str
    base_year: int
    years: list[int]
    map_year: int
    areas: pd.DataFrame
    cells: pd.DataFrame
    area_year: pd.DataFrame
    needed: pd.DataFrame
    programme: pd.DataFrame
    programme_by_kind: pd.DataFrame
    capital_total: float
    budget: float | None
    shortfall: pd.DataFrame
    shortfall_total: float
    risks: list[str]
    area_totals: pd.DataFrame
    area_deficits: pd.DataFrame
    assumptions: pd.DataFrame
    sources: pd.DataFrame
    versions: pd.DataFrame
    solver: dict[str, Any]
    comparison: pd.DataFrame | None = None
    comparison_totals: pd.DataFrame | None = None
    annex: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: What the forecast rests on where it is not known (`forecasting.forecast.reception_notes`), shown
    #: under the planning areas' charts and on the workbook's summary.
    forecast_notes: list[str] = field(default_factory=list)
    #: What a board must know about the report's footing (old data, ...), shown at the top of page one.
    warnings: list[str] = field(default_factory=list)
    #: Sections left out, each with the one line that says why: ``(section, why)``.
    omitted: list[tuple[str, str]] = field(default_factory=list)
    #: Sections the stages that ran add to the report (:class:`sufficiency.core.stages.ReportSection`).
    stage_sections: list[Any] = field(default_factory=list)

    @property
    def has_shortfall(self) -> bool:
        return bool(self.cells["shortfall_after"].max() > 0) if self.has_plan else False

    @property
    def has_plan(self) -> bool:
        return self.result.plan is not None

    @property
    def phases(self) -> list[str]:
        """The phases the borough's planning areas plan for, primary first."""
        present = set(self.areas["phase"])
        return [p for p in ("primary", "secondary") if p in present] + sorted(present - {"primary", "secondary"})

    @property
    def area_peaks(self) -> pd.DataFrame:
        """Per area: peak places needed without the programme, peak short after it, their years."""
        return peaks(self.area_year, "planning_area_id")

    @property
    def phase_peaks(self) -> pd.DataFrame:
        """Per phase: the same peaks over the phase's areas (summed per year, never offset)."""
        return peaks(self.needed, "phase")

    @property
    def capacity_differs(self) -> bool:
        """Kept for the template: places are counted one way before and after the programme."""
        return False

    def headline(self) -> list[str]:
        """The executive summary's sentences, the answer (or the shortfall) first."""
        if not self.has_plan:
            return ["No capital programme was run for this scenario: the report shows the forecast against "
                    "today's places only."] + self._need_lines()
        out = []
        growth = self.programme[self.programme["kind"].isin(GROWTH)]
        cuts = self.programme[~self.programme["kind"].isin(GROWTH)]
        if self.has_shortfall:
            peaks_ = self.phase_peaks.set_index("phase")
            parts = [f"{number(r.peak_short_after)} {phase} places in {year_label(r.peak_short_year)}"
                     for phase, r in peaks_.iterrows() if r.peak_short_after > 0]
            out.append("Shortfall: even with the recommended programme, pupils outnumber places; at the worst, "
                       + " and ".join(parts) + " are short (places in that year, over its planning areas and year "
                       "groups)." + _shortfall_causes(self.cells, self.shortfall))
        else:
            out.append("The recommended programme gives every forecast pupil a place in every planning area, year "
                       "group and year of the plan period.")
        out += self._need_lines()
        text = (f"The recommended programme has {count_words(len(growth), 'growth scheme')} adding "
                f"{number(growth['places'].sum())} places for {money_short(self.capital_total)} of capital")
        if len(cuts):
            text += (f", and {count_words(len(cuts), 'reduction or closure', 'reductions or closures')} removing "
                     f"{number(-cuts['places'].sum())} surplus places")
        out.append(text + " (places once each scheme is fully in).")
        if self.budget is not None:
            left = self.budget - self.capital_total
            verdict = (f"within budget, leaving {money_short(left)}" if left >= 0
                       else f"over budget by {money_short(-left)}")
            out.append(f"Capital cost {money_short(self.capital_total)} against a budget of "
                       f"{money_short(self.budget)}: {verdict}.")
        else:
            out.append(f"Capital cost {money_short(self.capital_total)}; no capital budget was set for this scenario.")
        return out

    def _need_lines(self) -> list[str]:
        parts = [f"{number(r.peak_needed)} {phase} places in {year_label(r.peak_needed_year)}"
                 for r in self.phase_peaks.itertuples(index=False) for phase in [r.phase]]
        if not parts or self.needed["places_needed"].max() <= 0:
            return ["Without new schemes, no year group in any planning area is short of places."]
        return ["Without new schemes, the places needed peak at " + " and ".join(parts)
                + " (counted per planning area and year group, as DfE counts them)."]


def places_needed(cell_table: pd.DataFrame) -> pd.DataFrame:
    """Places needed before and short after the programme, by phase and year (:mod:`reports.measures`).

    Returns
    -------
    DataFrame ``phase, year`` and every figure of :data:`reports.measures.FIGURES`.
    """
    return phase_years(cell_table)


def programme_table(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """The plan's schemes with school name, phase and a readable type."""
    if result.plan is None:
        return pd.DataFrame(columns=["option_id", "kind", "type", "school_id", "school", "planning_area_id",
                                     "phase", "year", "forms_of_entry", "places", "capital_cost", "reason",
                                     "needs_agreement"])
    schemes = result.plan.schemes.copy()
    names = result.inputs.schools.set_index("school_id")["name"]
    schemes["school"] = schemes["school_id"].map(names).fillna("New school")
    schemes["type"] = schemes["kind"].map(KIND_LABELS).fillna(schemes["kind"])
    schemes["phase"] = schemes["planning_area_id"].map(phases)
    if "needs_agreement" not in schemes:
        schemes["needs_agreement"] = False
    schemes["needs_agreement"] = schemes["needs_agreement"].fillna(False).astype(bool)
    cols = ["option_id", "kind", "type", "school_id", "school", "planning_area_id", "phase", "year",
            "forms_of_entry", "places", "capital_cost", "reason", "needs_agreement"]
    return schemes[cols].reset_index(drop=True)


def by_kind(programme: pd.DataFrame) -> pd.DataFrame:
    """Schemes, places and capital cost by type of scheme."""
    out = programme.groupby("type", as_index=False).agg(
        schemes=("option_id", "size"), places=("places", "sum"), capital_cost=("capital_cost", "sum"))
    return out.sort_values("capital_cost", ascending=False).reset_index(drop=True)


def area_totals(result: ScenarioResult, area_year: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    """Pupils (actual, then forecast with intervals) against places, per area and year, over the
    phase's year groups: the forecast years are :func:`reports.measures.area_years`' figures.

    The intervals are those of the area's forecast total (an interval of a sum is not the sum of
    intervals), set around the phase's pupils: where the total holds a sixth form, its uncertainty is
    counted too, so the band errs wide.
    """
    forecast = area_year.rename(columns={"places": "places_before"}).copy()
    totals = result.forecast.totals.set_index(["planning_area_id", "year"])
    key = pd.MultiIndex.from_frame(forecast[["planning_area_id", "year"]])
    for bound in ("lower_80", "upper_80", "lower_95", "upper_95"):
        if bound in totals:
            width = (totals[bound] - totals["pupils"]).reindex(key).to_numpy()
            forecast[bound] = forecast["pupils"].to_numpy() + width
    if result.plan is None:
        forecast["places_after"] = np.nan
    history = phase_rows(result.forecast.history, phases)
    history = history.groupby(["planning_area_id", "year"], as_index=False)["pupils"].sum()
    current = phase_rows(result.current.by_year_group, phases).groupby(["planning_area_id", "year"])["places"].sum()
    history["places_before"] = pd.MultiIndex.from_frame(history[["planning_area_id", "year"]]).map(current)
    history["actual"] = True
    forecast["actual"] = False
    out = pd.concat([history, forecast], ignore_index=True)
    out["phase"] = out["planning_area_id"].map(phases)
    return out.sort_values(["planning_area_id", "year"]).reset_index(drop=True)


def area_deficits(cell_table: pd.DataFrame) -> pd.DataFrame:
    """Year groups short of places before the programme, or still short after it."""
    keep = (cell_table["places_needed"] > 0) | (cell_table["shortfall_after"] > 0)
    return cell_table[keep].reset_index(drop=True)


def _shortfall_causes(cell_table: pd.DataFrame, shortfall: pd.DataFrame) -> str:
    """' Of the place-years short, N are in cohorts already in school; ...': the plan's cause of each cell short."""
    if "cause" not in shortfall:
        return ""
    from optimiser.plan import SHORTFALL_CAUSE_TEXT

    short = cell_table[cell_table["shortfall_after"] > 0]
    causes = shortfall.set_index(["planning_area_id", "year", "ncy"])["cause"]
    cause = pd.MultiIndex.from_frame(short[["planning_area_id", "year", "ncy"]]).map(causes)
    by_cause = short["shortfall_after"].groupby(pd.Series(cause, index=short.index).fillna("limits")).sum()
    parts = [f"{number(v)} {SHORTFALL_CAUSE_TEXT.get(c, c)}" for c, v in by_cause.items() if v > 0]
    return (f" Over the plan period {number(short['shortfall_after'].sum())} place-years are short: "
            f"{'; '.join(parts)}.") if parts else ""


def biggest_risks(data: ReportData, count: int = 3) -> list[str]:
    """The largest risks to the programme, each weighed in places so they can be ranked."""
    found: list[tuple[float, str]] = []
    names = data.areas.set_index("planning_area_id")["name"]
    if data.budget is not None and data.capital_total > data.budget:
        found.append((np.inf, f"The programme costs {money_short(data.capital_total)}, over the "
                              f"{money_short(data.budget)} budget by {money_short(data.capital_total - data.budget)}."))
    if data.has_shortfall:
        worst = data.area_year.set_index(["planning_area_id", "year"])["shortfall_after"].sort_values()
        (area, year), size = worst.index[-1], worst.iloc[-1]
        found.append((size, f"{names.get(area, area)} ({area}) is still {number(size)} places short in "
                            f"{year_label(year)} with the programme in place."))
    top = data.area_totals[~data.area_totals["actual"]].copy()
    if "upper_95" in top:
        # against the places after the programme when there is one, else today's places
        places = top["places_after"].fillna(top["places_before"])
        top["gap"] = top["upper_95"] - places
        row = top.sort_values("gap").iloc[-1]
        if row["gap"] > 0:
            found.append((row["gap"], f"If pupils reach the top of the 95% forecast interval, "
                                      f"{names.get(row['planning_area_id'])} ({row['planning_area_id']}) would be "
                                      f"{number(row['gap'])} places short in {year_label(row['year'])}."))
    if not data.has_plan and data.needed["places_needed"].sum() > 0.5:
        worst = data.area_year.set_index(["planning_area_id", "year"])["places_needed"].sort_values()
        (area, year), size = worst.index[-1], worst.iloc[-1]
        found.append((size, f"{names.get(area, area)} ({area}) needs {number(size)} more places in "
                            f"{year_label(year)} and no programme has been planned."))
    if data.annex is not None and len(data.annex):
        weak = data.annex[data.annex["ofsted"].isin(["Requires improvement", "Inadequate"])
                          | data.annex["risk"].isin(["Red", "Amber"])]
        for row in weak.drop_duplicates("school_id").itertuples(index=False):
            found.append((row.places, f"{row.school} is proposed to grow by {number(row.places)} places while "
                                      f"its Ofsted grade is {row.ofsted} and its standards risk is {row.risk}."))
    growth = data.programme[data.programme["kind"].isin(GROWTH)]
    if len(growth):
        first = growth[growth["year"] == growth["year"].min()]
        found.append((first["places"].sum() / 2,
                      f"{count_words(len(first), 'scheme')} adding {number(first['places'].sum())} "
                      f"places must be ready for {year_label(first['year'].min())}; "
                      "any delay in delivery leaves pupils without a local place."))
    found.sort(key=lambda item: -item[0])
    if not found:
        return ["No risk to the sufficiency of places stands out: no shortfall remains and demand at the top "
                "of the 95% forecast interval fits the places planned."]
    return [text for _, text in found[:count]]


def expansion_annex(result: ScenarioResult, programme: pd.DataFrame) -> pd.DataFrame | None:
    """Schools proposed for expansion or a bulge class, with Ofsted grade and standards risk."""
    growth = programme[programme["kind"].isin(("expand", "bulge")) & programme["school_id"].notna()]
    if growth.empty:
        return None
    grouped = growth.groupby(["school_id", "school", "planning_area_id"], as_index=False).agg(
        schemes=("type", lambda s: ", ".join(sorted(set(s)))), first_year=("year", "min"),
        places=("places", "sum"), capital_cost=("capital_cost", "sum"))
    ofsted = result.inputs.schools.set_index("school_id").get("ofsted")
    grouped["ofsted"] = grouped["school_id"].map(ofsted).fillna("Not known") if ofsted is not None else "Not known"
    if result.standards is not None:
        risk = result.standards.risk.set_index("school_id")
        grouped["risk"] = grouped["school_id"].map(risk["category"]).fillna("Not assessed")
        grouped["risk_reasons"] = grouped["school_id"].map(risk["reasons"]).fillna("")
    else:
        grouped["risk"], grouped["risk_reasons"] = "Not assessed", ""
    order = {"Red": 0, "Amber": 1, "Yellow": 2, "Green": 3}
    # the schools a board must look at first: highest risk, then most capital
    return (grouped.assign(_rank=grouped["risk"].map(order).fillna(len(order)))
            .sort_values(["_rank", "capital_cost"], ascending=[True, False])
            .drop(columns="_rank").reset_index(drop=True))


def build_report_data(results: list[ScenarioResult], title: str | None = None,
                      map_year: int | None = None) -> ReportData:
    """Work out every figure of a report; the first result is the principal scenario.

    Parameters
    ----------
    results
        One or more ScenarioResults with a forecast; the first is reported in full and the
        others are compared with it.
    title
        Report title; default names the scenario.
    map_year
        Academic year mapped; default five years after the base year (the SCAP primary
        horizon), or the last forecast year if sooner.
    """
    from reports.provenance import assumptions_table, solver_summary, sources_table, versions_table

    result = results[0]
    if result.forecast is None or result.forecast.sufficiency_before is None:
        raise ValueError(f"scenario '{result.name}' has no forecast: run it with the forecast stage to report on it")
    areas = pd.DataFrame(result.inputs.planning_areas).drop(columns="geometry", errors="ignore")
    phases = areas.set_index("planning_area_id")["phase"]
    years = sorted(int(y) for y in result.forecast.by_area["year"].unique())
    base = int(result.forecast.base_year)
    programme = programme_table(result, phases)
    plan = result.plan
    cell_table = cells(result, phases)
    area_year = area_years(cell_table)
    data = ReportData(
        result=result, others=list(results[1:]),
        title=title or f"School place sufficiency and capital programme: {result.name} scenario",
        base_year=base, years=years, map_year=map_year or min(base + 5, years[-1]), areas=areas,
        cells=cell_table, area_year=area_year, needed=places_needed(cell_table), programme=programme,
        programme_by_kind=by_kind(programme),
        capital_total=float(plan.costs["capital"]) if plan is not None else 0.0,
        budget=result.scenario.optimiser.capital_budget,
        shortfall=(plan.shortfall if plan is not None
                   else pd.DataFrame(columns=["planning_area_id", "year", "ncy", "shortfall"])),
        shortfall_total=plan.total_shortfall if plan is not None else 0.0, risks=[],
        area_totals=area_totals(result, area_year, phases), area_deficits=area_deficits(cell_table),
        assumptions=assumptions_table(result.scenario), sources=sources_table(result),
        versions=versions_table(result), solver=solver_summary(result),
        annex=expansion_annex(result, programme),
    )
    if data.others:
        from reports.comparison import comparison_table, comparison_totals

        data.comparison = comparison_table(results, phases)
        data.comparison_totals = comparison_totals(results, phases)
    data.risks = biggest_risks(data)
    data.notes = list(getattr(result.forecast, "warnings", []) or [])
    data.forecast_notes = list(getattr(result.forecast, "notes", []) or [])
    data.warnings = list(plan.warnings) if plan is not None else []
    data.stage_sections = [section for stage in REGISTRY.all() if result.results.get(stage.name) is not None
                           for section in stage.report_sections(result)]
    data.omitted = omitted_sections(data)
    return data


def omitted_sections(data: ReportData) -> list[tuple[str, str]]:
    """The report's sections left out for want of data, each with the reason in one line."""
    from sufficiency.core.stages import REGISTRY as stages

    out = []
    boundaries = data.result.inputs.planning_areas
    if "geometry" not in getattr(boundaries, "columns", ()) or boundaries.geometry.isna().all():
        out.append(("Map", "the planning areas have no boundaries in the inputs (give planning_areas as GeoJSON "
                           "or GeoPackage, or wards with boundaries, to draw it)"))
    if not data.has_plan:
        out.append(("The recommended programme", "no capital programme was run (run the plan stage)"))
    elif data.annex is None:
        out.append(("Annex: schools proposed for expansion",
                    "the programme proposes no expansion or bulge class at an existing school"))
    for name, why in data.result.provenance.skipped.items():
        label = stages.get(name).label if stages.has(name) else name
        out.append((label, why))
    return out


def deficit_matrix(deficits: pd.DataFrame, area: str) -> pd.DataFrame:
    """One area's year groups (rows) by years (columns): places needed before the programme."""
    rows = deficits[deficits["planning_area_id"] == area]
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot_table(index="ncy", columns="year", values="places_needed", aggfunc="sum", fill_value=0.0)


def describe_area(totals: pd.DataFrame, area_year: pd.DataFrame, area: str, name: str, phase: str) -> str:
    """One sentence on an area: pupils now and at the horizon, places, and the peak places needed."""
    from sufficiency.core.phases import PHASE_NCY

    rows = totals[totals["planning_area_id"] == area]
    now = rows[rows["actual"]].iloc[-1]
    last = rows[~rows["actual"]].iloc[-1]
    groups = ncy_range_label(PHASE_NCY[phase], short=True) if phase in PHASE_NCY else "all year groups"
    text = (f"{name}: {number(now['pupils'])} pupils ({groups}) in {year_label(now['year'])}, forecast "
            f"{number(last['pupils'])} in {year_label(last['year'])} (95% interval {number(last['lower_95'])}–"
            f"{number(last['upper_95'])}) against {number(last['places_before'])} places today")
    if pd.notna(last.get("places_after")) and last["places_after"] != last["places_before"]:
        text += f" and {number(last['places_after'])} after the programme"
    text += "."
    peak = peaks(area_year[area_year["planning_area_id"] == area], "planning_area_id").iloc[0]
    if peak["peak_needed"] > 0:
        text += (f" Without the programme, places needed peak at {number(peak['peak_needed'])} in "
                 f"{year_label(peak['peak_needed_year'])}")
        if pd.notna(peak["peak_short_after"]) and peak["peak_short_after"] > 0:
            text += (f"; with it, {number(peak['peak_short_after'])} places are short at the worst "
                     f"({year_label(peak['peak_short_year'])})")
        elif pd.notna(peak["peak_short_after"]):
            text += "; with it, no year group is short of places in any forecast year"
        text += "."
    elif pd.notna(peak["peak_short_after"]) and peak["peak_short_after"] > 0:
        text += (f" No year group is short of places before the programme; with it, "
                 f"{number(peak['peak_short_after'])} places are short at the worst "
                 f"({year_label(peak['peak_short_year'])}).")
    else:
        text += " No year group is short of places in any forecast year" + (
            ", before the programme or after it." if pd.notna(peak["peak_short_after"]) else ".")
    return text
