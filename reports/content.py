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
from reports.format import KIND_LABELS, money_short, number, year_label
from sufficiency.core.stages import REGISTRY

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

@dataclass
class ReportData:
    """Every figure and table a report shows, for the principal scenario and any others."""

    result: ScenarioResult
    others: list[ScenarioResult]
    title: str
    base_year: int
    years: list[int]
    map_year: int
    areas: pd.DataFrame
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
    #: Sections the stages that ran add to the report (:class:`sufficiency.core.stages.ReportSection`).
    stage_sections: list[Any] = field(default_factory=list)

    @property
    def has_shortfall(self) -> bool:
        return self.shortfall_total > 0.5

    @property
    def has_plan(self) -> bool:
        return self.result.plan is not None

    @property
    def capacity_differs(self) -> bool:
        """Whether the plan counts places unlike today's table where it changes nothing.

        Today's places keep the places of cohorts on roll above their admission number as they
        move up; the optimiser may count from admission numbers alone. Readers are told when the
        two differ in an area the programme leaves alone.
        """
        if not self.has_plan:
            return False
        untouched = set(self.areas["planning_area_id"]) - set(self.programme["planning_area_id"])
        rows = self.area_totals[~self.area_totals["actual"] & self.area_totals["planning_area_id"].isin(untouched)]
        return bool((rows["places_after"] - rows["places_before"]).abs().gt(0.5).any())

    def headline(self) -> list[str]:
        """The executive summary's sentences, shortfall first when there is one."""
        out = []
        if not self.has_plan:
            return ["No capital programme was run for this scenario: the report shows the forecast against "
                    "today's places only."]
        if self.has_shortfall:
            worst = self.shortfall.groupby("year")["shortfall"].sum()
            out.append(
                f"Shortfall: even with the recommended programme, {number(self.shortfall_total)} places are "
                f"short over the plan period (summed over planning areas, year groups and years, against "
                f"demand plus the {self.result.scenario.optimiser.margin:.0%} operating margin); the worst year "
                f"is {year_label(worst.idxmax())} with {number(worst.max())} places short."
                + _shortfall_causes(self.shortfall))
        else:
            out.append("The recommended programme meets forecast demand, with the operating margin, in every "
                       "planning area, year group and year of the plan period.")
        before = self.needed["places_needed"].sum()
        out.append(f"Without new schemes, {number(before)} places would be needed over the plan period "
                   "(counted per planning area and year group, as DfE counts them).")
        growth = self.programme[self.programme["kind"].isin(GROWTH)]
        cuts = self.programme[~self.programme["kind"].isin(GROWTH)]
        text = (f"The recommended programme has {_count(len(growth), 'growth scheme')} adding "
                f"{number(growth['places'].sum())} places for {money_short(self.capital_total)} of capital")
        if len(cuts):
            text += f", and {_count(len(cuts), 'reduction')} removing {number(-cuts['places'].sum())} surplus places"
        out.append(text + ".")
        if self.budget is not None:
            left = self.budget - self.capital_total
            verdict = (f"within budget, leaving {money_short(left)}" if left >= 0
                       else f"over budget by {money_short(-left)}")
            out.append(f"Capital cost {money_short(self.capital_total)} against a budget of "
                       f"{money_short(self.budget)}: {verdict}.")
        else:
            out.append(f"Capital cost {money_short(self.capital_total)}; no capital budget was set for this scenario.")
        return out


def _count(n: int, noun: str) -> str:
    """``3 schemes``, ``1 scheme``: a count with its noun."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def places_needed(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """Places needed before and shortfall after the programme, by phase and year.

    Returns
    -------
    DataFrame ``phase, year, pupils, places, places_needed, shortfall_after`` over the
    phase's year groups (no offsetting across year groups or planning areas).
    """
    before = phase_rows(result.forecast.sufficiency_before, phases)
    out = before.groupby(["phase", "year"], as_index=False)[["pupils", "places", "places_needed"]].sum()
    if result.plan is not None:
        after = phase_rows(result.plan.sufficiency_after, phases)
        short = after.groupby(["phase", "year"], as_index=False)["shortfall"].sum()
        out = out.merge(short.rename(columns={"shortfall": "shortfall_after"}), on=["phase", "year"], how="left")
    else:
        out["shortfall_after"] = np.nan
    return out


def programme_table(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """The plan's schemes with school name, phase and a readable type."""
    if result.plan is None:
        return pd.DataFrame(columns=["option_id", "kind", "type", "school_id", "school", "planning_area_id",
                                     "phase", "year", "forms_of_entry", "places", "capital_cost", "reason"])
    schemes = result.plan.schemes.copy()
    names = result.inputs.schools.set_index("school_id")["name"]
    schemes["school"] = schemes["school_id"].map(names).fillna("New school")
    schemes["type"] = schemes["kind"].map(KIND_LABELS).fillna(schemes["kind"])
    schemes["phase"] = schemes["planning_area_id"].map(phases)
    cols = ["option_id", "kind", "type", "school_id", "school", "planning_area_id", "phase", "year",
            "forms_of_entry", "places", "capital_cost", "reason"]
    return schemes[cols].reset_index(drop=True)


def by_kind(programme: pd.DataFrame) -> pd.DataFrame:
    """Schemes, places and capital cost by type of scheme."""
    out = programme.groupby("type", as_index=False).agg(
        schemes=("option_id", "size"), places=("places", "sum"), capital_cost=("capital_cost", "sum"))
    return out.sort_values("capital_cost", ascending=False).reset_index(drop=True)


def area_totals(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """Pupils (actual, then forecast with intervals) against places, per area and year.

    All the area's year groups are counted, sixth form included, so the forecast totals'
    own intervals apply (an interval of a sum is not the sum of intervals). Places after the
    programme are today's places plus the programme's change in each year.
    """
    places = result.forecast.sufficiency_before.groupby(["planning_area_id", "year"])["places"].sum()
    forecast = result.forecast.totals.copy()
    forecast["places_before"] = pd.MultiIndex.from_frame(forecast[["planning_area_id", "year"]]).map(places)
    if result.plan is not None:
        # the plan counts places in the phase's year groups only (sixth form is planned in post16)
        after = phase_rows(result.plan.sufficiency_after, phases)
        cells = after.merge(result.forecast.sufficiency_before[["planning_area_id", "year", "ncy", "places"]],
                            on=["planning_area_id", "year", "ncy"], how="left")
        change = (cells["capacity"] - cells["places"].fillna(0)).groupby(
            [cells["planning_area_id"], cells["year"]]).sum()
        key = pd.MultiIndex.from_frame(forecast[["planning_area_id", "year"]])
        forecast["places_after"] = forecast["places_before"] + key.map(change).fillna(0).to_numpy()
    else:
        forecast["places_after"] = np.nan
    history = result.forecast.history.groupby(["planning_area_id", "year"], as_index=False)["pupils"].sum()
    current = result.current.by_year_group.groupby(["planning_area_id", "year"])["places"].sum()
    history["places_before"] = pd.MultiIndex.from_frame(history[["planning_area_id", "year"]]).map(current)
    history["actual"] = True
    forecast["actual"] = False
    out = pd.concat([history, forecast], ignore_index=True)
    out["phase"] = out["planning_area_id"].map(phases)
    return out.sort_values(["planning_area_id", "year"]).reset_index(drop=True)


def area_deficits(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """Year groups short of places before the programme, or still short after it."""
    before = phase_rows(result.forecast.sufficiency_before, phases)
    cols = ["planning_area_id", "phase", "year", "ncy", "pupils", "places", "places_needed"]
    out = before[cols]
    if result.plan is not None:
        after = result.plan.sufficiency_after[["planning_area_id", "year", "ncy", "capacity", "shortfall"]]
        out = out.merge(after.rename(columns={"capacity": "places_after", "shortfall": "shortfall_after"}),
                        on=["planning_area_id", "year", "ncy"], how="left")
        keep = (out["places_needed"] > 0.5) | (out["shortfall_after"] > 0.5)
    else:
        out = out.assign(places_after=np.nan, shortfall_after=np.nan)
        keep = out["places_needed"] > 0.5
    return out[keep].sort_values(["planning_area_id", "year", "ncy"]).reset_index(drop=True)


def _shortfall_causes(shortfall: pd.DataFrame) -> str:
    """' Of these, N are in cohorts already in school; ...' from the plan's shortfall causes."""
    if "cause" not in shortfall:
        return ""
    by_cause = shortfall.groupby("cause")["shortfall"].sum()
    from optimiser.plan import SHORTFALL_CAUSE_TEXT

    parts = [f"{number(v)} {SHORTFALL_CAUSE_TEXT.get(c, c)}" for c, v in by_cause.items() if v >= 0.5]
    return f" Of these, {'; '.join(parts)}." if parts else ""


def biggest_risks(data: ReportData, count: int = 3) -> list[str]:
    """The largest risks to the programme, each weighed in places so they can be ranked."""
    found: list[tuple[float, str]] = []
    names = data.areas.set_index("planning_area_id")["name"]
    if data.budget is not None and data.capital_total > data.budget:
        found.append((np.inf, f"The programme costs {money_short(data.capital_total)}, over the "
                              f"{money_short(data.budget)} budget by {money_short(data.capital_total - data.budget)}."))
    if data.has_shortfall:
        worst = data.shortfall.groupby(["planning_area_id", "year"])["shortfall"].sum().sort_values()
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
            found.append((row["gap"], f"If pupils reach the top of the 95% forecast interval (all year groups), "
                                      f"{names.get(row['planning_area_id'])} ({row['planning_area_id']}) would be "
                                      f"{number(row['gap'])} places short in {year_label(row['year'])}."))
    if not data.has_plan and data.needed["places_needed"].sum() > 0.5:
        worst = data.area_deficits.groupby(["planning_area_id", "year"])["places_needed"].sum().sort_values()
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
                      f"{_count(len(first), 'scheme')} adding {number(first['places'].sum())} "
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
    data = ReportData(
        result=result, others=list(results[1:]),
        title=title or f"School place sufficiency and capital programme: {result.name} scenario",
        base_year=base, years=years, map_year=map_year or min(base + 5, years[-1]), areas=areas,
        needed=places_needed(result, phases), programme=programme, programme_by_kind=by_kind(programme),
        capital_total=float(plan.costs["capital"]) if plan is not None else 0.0,
        budget=result.scenario.optimiser.capital_budget,
        shortfall=(plan.shortfall if plan is not None
                   else pd.DataFrame(columns=["planning_area_id", "year", "ncy", "shortfall"])),
        shortfall_total=plan.total_shortfall if plan is not None else 0.0, risks=[],
        area_totals=area_totals(result, phases), area_deficits=area_deficits(result, phases),
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
    data.stage_sections = [section for stage in REGISTRY.all() if result.results.get(stage.name) is not None
                           for section in stage.report_sections(result)]
    return data


def deficit_matrix(deficits: pd.DataFrame, area: str) -> pd.DataFrame:
    """One area's year groups (rows) by years (columns): places needed before the programme."""
    rows = deficits[deficits["planning_area_id"] == area]
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot_table(index="ncy", columns="year", values="places_needed", aggfunc="sum", fill_value=0.0)


def describe_area(totals: pd.DataFrame, deficits: pd.DataFrame, area: str, name: str) -> str:
    """One sentence on an area: pupils now and at the horizon, places, and the deficit."""
    rows = totals[totals["planning_area_id"] == area]
    now = rows[rows["actual"]].iloc[-1]
    last = rows[~rows["actual"]].iloc[-1]
    need = deficits.loc[deficits["planning_area_id"] == area, "places_needed"].sum()
    text = (f"{name}: {number(now['pupils'])} pupils in {year_label(now['year'])}, forecast "
            f"{number(last['pupils'])} in {year_label(last['year'])} (95% interval {number(last['lower_95'])}–"
            f"{number(last['upper_95'])}) against {number(last['places_before'])} places today")
    if pd.notna(last.get("places_after")) and abs(last["places_after"] - last["places_before"]) > 0.5:
        text += f" and {number(last['places_after'])} after the programme"
    text += "."
    if need > 0.5:
        text += (f" Before the programme, {number(need)} places are needed over the period in year groups short "
                 "of places.")
    else:
        text += " No year group is short of places before the programme."
    return text

