"""SCAP-format export: what the DfE School Capacity survey asks of a local authority.

What is known of the survey and followed here: pupil forecasts by planning area and national
curriculum year group, mainstream Reception to Year 11, five academic years ahead for primary
and seven for secondary; current capacity by school; planned place changes for the next three
years. The DfE collects the return through its own form, whose exact field names are not
published with the guidance, so the column names here are this product's (marked as assumed
in ``reports/README.md``); the content and the grain follow the guide.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reports.content import programme_table
from reports.format import ncy_short, year_label
from sufficiency.core.cells import csv_frame, text_only
from sufficiency.core.phases import PHASE_NCY
from sufficiency.core.scenario import SCAP_HORIZON_PRIMARY, SCAP_HORIZON_SECONDARY

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

#: Years ahead of the base year each phase is forecast for in the return.
SCAP_HORIZON = {"primary": SCAP_HORIZON_PRIMARY, "secondary": SCAP_HORIZON_SECONDARY}
#: Planned place changes are returned for this many years after the base year.
PLANNED_CHANGE_YEARS = 3
FORECAST_COLUMNS = ["planning_area_id", "planning_area_name", "phase", "ncy", "year_group", "academic_year",
                    "year", "pupils"]
CAPACITY_COLUMNS = ["school_id", "school_name", "phase", "planning_area_id", "ncy_low", "ncy_high", "pan",
                    "net_capacity", "pupils_on_roll", "roll_year"]
CHANGE_COLUMNS = ["school_id", "school_name", "planning_area_id", "phase", "academic_year", "year", "change_type",
                  "permanent", "places_change", "capital_cost"]


def scap_forecasts(result: ScenarioResult) -> pd.DataFrame:
    """Pupil forecasts for every planning area × year group of its phase × SCAP year.

    Rows exist for every combination, with zero pupils where the forecast has none, so the
    return is complete; pupils are rounded to whole pupils as the return counts them. A
    forecast shorter than the SCAP horizon gives only the years it covers (never made-up zeros).
    """
    areas = pd.DataFrame(result.inputs.planning_areas)[["planning_area_id", "name", "phase"]]
    base = int(result.forecast.base_year)
    last = int(result.forecast.by_area["year"].max())
    grid = []
    for area in areas.itertuples(index=False):
        years = base + np.arange(1, min(SCAP_HORIZON[area.phase], last - base) + 1)
        ncys = PHASE_NCY[area.phase]
        grid.append(pd.DataFrame({"planning_area_id": area.planning_area_id, "planning_area_name": area.name,
                                  "phase": area.phase, "year": np.repeat(years, len(ncys)),
                                  "ncy": np.tile(ncys, len(years))}))
    out = pd.concat(grid, ignore_index=True)
    pupils = result.forecast.by_area.set_index(["planning_area_id", "year", "ncy"])["pupils"]
    key = pd.MultiIndex.from_frame(out[["planning_area_id", "year", "ncy"]])
    # a cell the forecast does not hold has no pupils of that phase
    out["pupils"] = np.rint(pd.Series(key.map(pupils), dtype=float).fillna(0.0).to_numpy()).astype(int)
    out["year_group"] = out["ncy"].map(ncy_short)
    out["academic_year"] = out["year"].map(year_label)
    return out[FORECAST_COLUMNS].sort_values(["phase", "planning_area_id", "year", "ncy"]).reset_index(drop=True)


def scap_capacity(result: ScenarioResult) -> pd.DataFrame:
    """Current capacity by school, with the base year's roll."""
    schools = result.inputs.schools
    current = result.current.schools.set_index("school_id")
    out = pd.DataFrame({c: schools[c] if c in schools else pd.NA for c in
                        ("school_id", "phase", "planning_area_id", "ncy_low", "ncy_high", "pan", "net_capacity")})
    out["school_name"] = schools["name"] if "name" in schools else ""
    out["pupils_on_roll"] = out["school_id"].map(current["roll"]).astype("Int64")
    out["roll_year"] = year_label(result.current.year)
    return out[CAPACITY_COLUMNS].sort_values(["phase", "planning_area_id", "school_id"]).reset_index(drop=True)


def scap_changes(result: ScenarioResult) -> pd.DataFrame:
    """Planned place changes from the recommended programme opening in the next three years."""
    if result.plan is None or result.plan.schemes.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    base = int(result.forecast.base_year)
    phases = pd.DataFrame(result.inputs.planning_areas).set_index("planning_area_id")["phase"]
    schemes = programme_table(result, phases)
    schemes = schemes[(schemes["year"] > base) & (schemes["year"] <= base + PLANNED_CHANGE_YEARS)]
    out = pd.DataFrame({
        "school_id": schemes["school_id"], "school_name": schemes["school"],
        "planning_area_id": schemes["planning_area_id"], "phase": schemes["phase"],
        "academic_year": schemes["year"].map(year_label), "year": schemes["year"], "change_type": schemes["type"],
        # a bulge class is temporary accommodation for one cohort; every other change is permanent
        "permanent": schemes["kind"] != "bulge",
        "places_change": schemes["places"].round().astype(int), "capital_cost": schemes["capital_cost"].round(2),
    })
    return out[CHANGE_COLUMNS].sort_values(["year", "planning_area_id", "school_id"]).reset_index(drop=True)


def scap_tables(result: ScenarioResult) -> dict[str, pd.DataFrame]:
    """The three parts of the export by file name stem."""
    if result.forecast is None:
        raise ValueError(f"scenario '{result.name}' has no forecast: the SCAP export needs one")
    return {"scap_pupil_forecasts": scap_forecasts(result), "scap_school_capacity": scap_capacity(result),
            "scap_planned_changes": scap_changes(result)}


SHEET_NAMES = {"scap_pupil_forecasts": "Pupil forecasts", "scap_school_capacity": "School capacity",
               "scap_planned_changes": "Planned place changes"}


def write_scap(result: ScenarioResult, out: Path) -> list[Path]:
    """Write the export as three CSV files and one workbook (a sheet per part)."""
    from openpyxl import Workbook

    from reports.excel import add_frame_sheet

    out.mkdir(parents=True, exist_ok=True)
    tables = scap_tables(result)
    written = []
    for stem, frame in tables.items():
        path = out / f"{stem}.csv"
        csv_frame(frame).to_csv(path, index=False)
        written.append(path)
    book = Workbook()
    book.remove(book.active)
    formats = {"pupils": "#,##0", "pan": "#,##0", "net_capacity": "#,##0", "pupils_on_roll": "#,##0",
               "places_change": "+#,##0;-#,##0;0", "capital_cost": "£#,##0"}
    for stem, frame in tables.items():
        add_frame_sheet(book, SHEET_NAMES[stem], frame, formats, readable=False)
    path = out / "scap_return.xlsx"
    text_only(book).save(path)
    written.append(path)
    return written
