"""The current sufficiency position of a data folder: what the demo and ``current`` show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata import write_layers
from sufficiency.core.capacity import (
    places_by_year_group,
    planned_cells,
    rolls_by_area,
    sufficiency_table,
    summarise,
)
from sufficiency.core.display import console, frame_table, year_group_matrix
from sufficiency.core.inputs import Inputs
from sufficiency.core.phases import PHASE_NCY, SIXTH_FORM
from sufficiency.core.years import academic_year


@dataclass(frozen=True)
class CurrentSummary:
    """Roll against places for every year of data, and the latest year's summaries."""

    year: int
    #: planning_area_id, year, ncy, pupils, places, surplus, places_needed, surplus_rate
    by_year_group: pd.DataFrame
    #: one row per planning area and year
    by_area: pd.DataFrame
    #: one row per school: latest roll against capacity
    schools: pd.DataFrame


def current_summary(inputs: Inputs) -> CurrentSummary:
    """Roll against places per planning area, year group and year, from the actual rolls."""
    places = places_by_year_group(inputs.schools)
    table = sufficiency_table(rolls_by_area(inputs.rolls, inputs.schools), places)
    year = int(inputs.scenario.base_year or inputs.rolls["year"].max())
    latest = inputs.rolls[inputs.rolls["year"] == year].groupby("school_id")["pupils"].sum()
    cols = [c for c in ("school_id", "name", "phase", "planning_area_id", "pan", "net_capacity", "ofsted")
            if c in inputs.schools]
    schools = inputs.schools[cols].assign(roll=inputs.schools["school_id"].map(latest).fillna(0).astype(int))
    if "net_capacity" in schools:
        schools["fill_rate"] = schools["roll"] / schools["net_capacity"].astype(float)
    return CurrentSummary(year, table, summarise(table, inputs.planning_areas), schools)


def planned_by_area(summary: CurrentSummary, phases: pd.Series) -> pd.DataFrame:
    """Per planning area in the latest year: pupils, places, surplus and pupils above places (``places_needed``)
    and the surplus rate, over the year groups the plan provides places for (`planned_cells`), in whole pupils."""
    planned = planned_cells(summary.by_year_group[summary.by_year_group["year"] == summary.year], phases)
    figures = ["pupils", "places", "surplus", "places_needed"]
    latest = (summary.by_area[summary.by_area["year"] == summary.year][["planning_area_id", "name", "phase"]]
              .merge(planned.groupby("planning_area_id", as_index=False)[figures].sum(), on="planning_area_id",
                     how="left"))
    latest[figures] = latest[figures].fillna(0.0)
    latest["surplus_rate"] = (latest["places"] - latest["pupils"]) / latest["places"].where(latest["places"] > 0)
    return latest


def print_current(inputs: Inputs, summary: CurrentSummary) -> None:
    """Print the planning areas, schools, the year-group matrix and the surplus table.

    Places and pupils of planning areas are those of the year groups the plan provides places for
    (Reception-Year 6, Years 7-11: `planned_cells`), as the forecast and the report count them, so an
    area's places today are one figure on the console and on every page; the sixth form is named apart.
    """
    year = summary.year
    label = academic_year(year)
    phases = pd.DataFrame(inputs.planning_areas).set_index("planning_area_id")["phase"]
    latest_cells = summary.by_year_group[summary.by_year_group["year"] == year]
    latest = planned_by_area(summary, phases)
    counts = inputs.schools.groupby("planning_area_id").size().rename("schools")
    areas = latest.merge(counts, left_on="planning_area_id", right_index=True, how="left")
    console.print(frame_table(
        areas[["planning_area_id", "name", "phase", "schools", "places", "pupils"]],
        f"Planning areas ({len(areas)}), {label}: places and pupils, Reception to Year 11"))
    console.print(frame_table(summary.schools, f"Schools ({len(summary.schools)}), roll {label}",
                              formats={"fill_rate": ".0%"}, justify_left=("school_id",)))
    for phase in ("primary", "secondary"):
        rows = summary.by_year_group[summary.by_year_group["planning_area_id"].map(phases) == phase]
        if not rows.empty:
            console.print(year_group_matrix(rows, year, inputs.planning_areas, f"{phase.capitalize()}: "))
    table = areas[["planning_area_id", "name", "pupils", "places", "surplus", "places_needed", "surplus_rate"]]
    table = table.rename(columns={"places_needed": "pupils_above_places"})
    console.print(frame_table(
        table, f"Surplus places and pupils above places, {label}, Reception to Year 11 (counted per year group, "
               "as DfE counts them)", formats={"surplus_rate": ".1%"}))
    sixth = latest_cells[latest_cells["ncy"].isin(PHASE_NCY[SIXTH_FORM])]["pupils"].sum()
    console.print(
        f"In {label}, Reception to Year 11 has {table['surplus'].sum():,.0f} surplus places and "
        f"{table['pupils_above_places'].sum():,.0f} pupils above their year group's places (admitted above the "
        "admission number), counted per planning area and year group without offsetting. Pupils on roll keep "
        f"their places as they move up, so the forecast's places needed from {academic_year(year + 1)} count "
        "pupils beyond them."
        + (f" The sixth form ({sixth:,.0f} pupils in Years 12-13) is planned in post-16." if sixth else ""))


def write_current(inputs: Inputs, summary: CurrentSummary, out: Path) -> list[Path]:
    """Write the tables as CSV and the planning areas and schools as a GeoPackage."""
    from sufficiency.core.csvout import taught_year_groups, write_csv

    out.mkdir(parents=True, exist_ok=True)
    taught = taught_year_groups(inputs.schools)
    written = []
    for name, frame in (("planning_areas",
                         pd.DataFrame(inputs.planning_areas).drop(columns="geometry", errors="ignore")),
                        ("schools", summary.schools),
                        ("sufficiency_current", summary.by_year_group),
                        ("sufficiency_by_area", summary.by_area)):
        written.append(write_csv(frame, out / f"{name}.csv", taught))
    layers = {}
    if isinstance(inputs.planning_areas, gpd.GeoDataFrame):
        latest = summary.by_area[summary.by_area["year"] == summary.year]
        layers["planning_areas"] = inputs.planning_areas.merge(
            latest.drop(columns=["name", "phase"]), on="planning_area_id", how="left")
    if {"x", "y"} <= set(inputs.schools.columns):
        pts = gpd.GeoDataFrame(summary.schools, geometry=gpd.points_from_xy(inputs.schools["x"], inputs.schools["y"]),
                               crs="EPSG:27700")
        layers["schools"] = pts
    if layers:
        written.append(write_layers(out / "sufficiency.gpkg", layers))
    return written
