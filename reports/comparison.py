"""Scenario comparison: principal, high and low (or any set) side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from reports.areas import GROWTH, phase_rows

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult


def _metrics(result: ScenarioResult, phases: pd.Series) -> dict[str, float]:
    """A scenario's measures, each with its unit: places in one year, place-years, schemes or pounds."""
    from reports.measures import cells, peaks, phase_years

    cell_table = cells(result, phases)
    last = cell_table["year"].max()
    by_phase = peaks(phase_years(cell_table), "phase").set_index("phase")
    out = {"Pupils in the last forecast year (R-Y11)": cell_table.loc[cell_table["year"] == last, "pupils"].sum()}
    for phase, row in by_phase.iterrows():
        out[f"Peak {phase} places needed without schemes (places)"] = row["peak_needed"]
    out["Places needed without schemes (place-years)"] = cell_table["places_needed"].sum()
    plan = result.plan
    if plan is not None:
        growth = plan.schemes[plan.schemes["kind"].isin(GROWTH)]
        out |= {
            "Growth schemes": float(len(growth)),
            "Places added": growth["places"].sum(),
            "Places removed": -plan.schemes.loc[~plan.schemes["kind"].isin(GROWTH), "places"].sum(),
            "Capital cost (£)": float(plan.costs["capital"]),
        }
        for phase, row in by_phase.iterrows():
            out[f"Peak {phase} places short after the programme (places)"] = row["peak_short_after"]
        out["Places short after the programme (place-years)"] = cell_table["shortfall_after"].sum()
    return out


def comparison_table(results: list[ScenarioResult], phases: pd.Series) -> pd.DataFrame:
    """One row per measure, one column per scenario (numbers, not text)."""
    table = pd.DataFrame({r.name: _metrics(r, phases) for r in results})
    table.index.name = "measure"
    return table.reset_index()


def comparison_totals(results: list[ScenarioResult], phases: pd.Series) -> pd.DataFrame:
    """Forecast pupils by scenario, phase and year over the phase's year groups (R-Y6, Y7-Y11)."""
    frames = []
    for r in results:
        rows = phase_rows(r.forecast.by_area, phases)
        frames.append(rows.groupby(["phase", "year"], as_index=False)["pupils"].sum().assign(scenario=r.name))
    return pd.concat(frames, ignore_index=True)[["scenario", "phase", "year", "pupils"]]
