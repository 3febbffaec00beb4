"""The report's quantities, each defined once; every page, chart and sheet reads them from here.

Per planning area, year and year group of the area's phase (Reception–Year 6 for a primary area,
Year 7–11 for a secondary one; the sixth form is planned in post-16):

``pupils``
    Forecast pupils, rounded to whole pupils (as the SCAP return counts them), so every sum of
    them printed anywhere adds up exactly.
``places``
    Places today: what the schools offer now, carried forward year by year (a cohort on roll above
    its admission number keeps its places as it moves up), before any scheme.
``places_needed``
    Places needed without the programme: pupils above places in the year group, never offset
    against spare places in another year group or area (the DfE method). In places, for that year.
``demand``
    Pupils to place after the programme: ``pupils``, less pupils the plan places in a neighbouring
    area within walking distance, plus those it places here.
``places_after``
    Places after the programme: places today plus every scheme's change in that year group and year.
``shortfall_after``
    Places short after the programme: ``demand`` above ``places_after``, measured as
    ``places_needed`` is (the plan's operating margin is its own target, reported apart).

An area's (or a phase's) figure for a year is the sum over its year groups (and areas); its peak is
the largest year. A sum over years is in place-years and is labelled so wherever it is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sufficiency.core.capacity import planned_cells

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

KEY = ["planning_area_id", "year", "ncy"]
#: The figures of :func:`cells`, summed by :func:`area_years` and :func:`phase_years`.
FIGURES = ["pupils", "places", "places_needed", "demand", "places_after", "shortfall_after"]


def cells(result: ScenarioResult, phases: pd.Series) -> pd.DataFrame:
    """``planning_area_id, phase, year, ncy`` and every figure of :data:`FIGURES` (whole numbers).

    Without a plan, the figures after the programme are missing (NaN).
    """
    before = planned_cells(result.forecast.sufficiency_before, phases)
    out = before[[*KEY, "phase", "pupils", "places", "places_needed"]].copy()
    plan = result.plan
    if plan is None:
        for name in ("demand", "places_after", "shortfall_after"):
            out[name] = np.nan
    else:
        after = plan.sufficiency_after[[*KEY, "demand", "capacity"]]
        out = out.merge(after, on=KEY, how="left")
        out["demand"] = out["demand"].round().fillna(out["pupils"])
        out["places_after"] = out.pop("capacity").round().fillna(out["places"])
        out["shortfall_after"] = (out["demand"] - out["places_after"]).clip(lower=0)
    for name in FIGURES:
        out[name] = out[name] + 0.0  # never a negative zero
    return out.sort_values(KEY).reset_index(drop=True)


def _sums(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    # min_count keeps "not planned" (all NaN) missing rather than zero
    return frame.groupby(by, as_index=False)[FIGURES].sum(min_count=1)


def area_years(cell_table: pd.DataFrame) -> pd.DataFrame:
    """Every figure per ``planning_area_id, phase, year`` (the sum over the phase's year groups)."""
    return _sums(cell_table, ["planning_area_id", "phase", "year"])


def phase_years(cell_table: pd.DataFrame) -> pd.DataFrame:
    """Every figure per ``phase, year`` (the sum over areas and year groups, never offset)."""
    return _sums(cell_table, ["phase", "year"])


def peaks(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by`` (an area or a phase): the peak places needed and its year, the peak shortfall after
    the programme and its year, and the place-years needed (the sum over years)."""
    rows = []
    for key, part in table.groupby(by, sort=False):
        part = part.sort_values("year")
        need = part.loc[part["places_needed"].idxmax()]
        row = {by: key, "peak_needed": need["places_needed"], "peak_needed_year": int(need["year"]),
               "place_years_needed": part["places_needed"].sum()}
        if part["shortfall_after"].notna().any():
            short = part.loc[part["shortfall_after"].idxmax()]
            row |= {"peak_short_after": short["shortfall_after"], "peak_short_year": int(short["year"]),
                    "place_years_short_after": part["shortfall_after"].sum()}
        else:
            row |= {"peak_short_after": np.nan, "peak_short_year": np.nan, "place_years_short_after": np.nan}
        rows.append(row)
    return pd.DataFrame(rows)
