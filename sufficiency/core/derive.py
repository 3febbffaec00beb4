"""Filling in what a data folder leaves out, by documented rules.

Only ``school_id`` and ``planning_area_id`` are needed for each school; everything else improves
the run. What can be derived is derived here, once, so every stage sees the same complete tables:

- ``x``/``y`` from a schools GeoJSON/GeoPackage or lon/lat columns;
- ``planning_area_id`` from the school's location, by spatial join with the planning areas
  (a school outside every area goes to the nearest, with a warning naming it);
- ``ncy_low``/``ncy_high`` from the year groups on roll, else from the phase;
- ``phase`` from the age range; ``name`` from the id;
- ``pan`` from ``net_capacity`` (places spread evenly over year groups) and the reverse;
- planning areas from the schools' own ids, with geometry dissolved from wards when wards
  carry geometry and name their planning area.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import assign_to_areas
from sufficiency.core.crosscheck import row_of
from sufficiency.core.errors import Problem
from sufficiency.core.phases import AREA_PHASES, SCHOOL_AREA_PHASE, SCHOOL_PHASE_NCY, school_phase


def _xy_from_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of points (schools, housing sites) with its geometry as x/y columns."""
    if isinstance(frame, gpd.GeoDataFrame):
        geom = frame.geometry
        frame = pd.DataFrame(frame.drop(columns=geom.name))
        frame["x"], frame["y"] = geom.x.to_numpy(), geom.y.to_numpy()
    return frame


def _assign_planning_areas(schools: pd.DataFrame, areas: pd.DataFrame | None,
                           files: dict[str, str]) -> tuple[pd.Series, list[Problem]]:
    """Planning area for schools given only a location: by phase-matched spatial join."""
    if "planning_area_id" in schools and schools["planning_area_id"].notna().all():
        return schools["planning_area_id"], []
    if not isinstance(areas, gpd.GeoDataFrame):
        missing = Problem(files["schools"], 1, "planning_area_id",
                          "schools have no planning_area_id and there is no planning_areas geometry to "
                          "place them with", "Add planning_area_id to schools, or a planning_areas.geojson")
        return pd.Series(None, index=schools.index, dtype=object), [missing]
    points = gpd.GeoDataFrame(schools[["school_id"]], geometry=gpd.points_from_xy(schools["x"], schools["y"]),
                              crs="EPSG:27700")
    result = pd.Series(None, index=schools.index, dtype=object)
    problems = []
    for phase in AREA_PHASES:
        in_phase = schools["phase"].map(SCHOOL_AREA_PHASE).eq(phase)
        phase_areas = areas[areas["phase"] == phase] if "phase" in areas else areas
        if not in_phase.any() or phase_areas.empty:
            continue
        ids, warns = assign_to_areas(points[in_phase], phase_areas, "school_id")
        result.loc[ids.index] = ids
        problems += _outside_warnings(schools[in_phase], "school_id", warns, files["schools"], "",
                                      "Check the school's location, or give its planning_area_id")
    if "planning_area_id" in schools:
        result = schools["planning_area_id"].where(schools["planning_area_id"].notna(), result)
    return result, problems


def complete_schools(tables: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    """The schools table with every derivable column filled in (see the module docstring)."""
    schools = _xy_from_geometry(tables["schools"]).copy()
    rolls = tables["rolls"]
    observed = rolls[rolls["pupils"] > 0].groupby("school_id")["ncy"].agg(["min", "max"])
    # A school's default range is its phase's (SCHOOL_PHASE_NCY); a sixth form shows in its rolls.
    by_phase = schools["phase"].map(SCHOOL_PHASE_NCY) if "phase" in schools else pd.Series(None, index=schools.index)
    for col, pos, agg in (("ncy_low", 0, "min"), ("ncy_high", -1, "max")):
        from_rolls = schools["school_id"].map(observed[agg])
        from_phase = by_phase.map(lambda r, p=pos: r[p] if isinstance(r, tuple) else np.nan)
        derived = from_rolls.fillna(from_phase)
        schools[col] = schools[col].fillna(derived) if col in schools else derived
    schools["ncy_low"] = schools["ncy_low"].astype("Int64")
    schools["ncy_high"] = schools["ncy_high"].astype("Int64")
    if "phase" not in schools:
        schools["phase"] = school_phase(schools["ncy_low"], schools["ncy_high"])
    if "name" not in schools:
        schools["name"] = schools["school_id"]
    schools["name"] = schools["name"].fillna(schools["school_id"])
    year_groups = (schools["ncy_high"] - schools["ncy_low"] + 1).astype(float)
    if "pan" not in schools and "net_capacity" in schools:
        schools["pan"] = np.floor(schools["net_capacity"].astype(float) / year_groups).astype("Int64")
    elif "net_capacity" not in schools and "pan" in schools:
        schools["net_capacity"] = (schools["pan"].astype(float) * year_groups).astype("Int64")
    schools["planning_area_id"], problems = _assign_planning_areas(schools, tables.get("planning_areas"), files)
    return schools.reset_index(drop=True), problems


def complete_planning_areas(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Planning areas as given, or derived from the schools, with ward geometry when possible."""
    schools = tables["schools"]
    areas = tables.get("planning_areas")
    if areas is None:
        phase = schools.assign(p=schools["phase"].replace(SCHOOL_AREA_PHASE)).groupby(
            "planning_area_id")["p"].agg(lambda s: s.mode().iat[0])
        areas = pd.DataFrame({"planning_area_id": phase.index.astype(str), "name": phase.index.astype(str),
                              "phase": phase.to_numpy()})
    if "name" not in areas:
        areas = areas.assign(name=areas["planning_area_id"])
    wards = tables.get("wards")
    if not isinstance(areas, gpd.GeoDataFrame) and isinstance(wards, gpd.GeoDataFrame):
        pieces = []
        for col in ("primary_planning_area_id", "secondary_planning_area_id"):
            if col in wards:
                pieces.append(wards[[col, wards.geometry.name]].dissolve(by=col).geometry.rename_axis(
                    "planning_area_id"))
        if pieces:
            geom = pd.concat(pieces)
            geom = geom[~geom.index.duplicated()]
            areas = gpd.GeoDataFrame(areas, geometry=areas["planning_area_id"].map(geom).to_numpy(),
                                     crs=wards.crs)
    return areas.reset_index(drop=True)


def locate_housing(tables: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Housing sites given by location get their primary planning area by spatial join."""
    housing = _xy_from_geometry(tables["housing"])
    areas = tables.get("planning_areas")
    if "planning_area_id" not in housing:
        housing["planning_area_id"] = None
    need = housing["planning_area_id"].isna()
    if {"x", "y"} <= set(housing.columns):
        need &= housing["x"].notna() & housing["y"].notna()
    if not need.any() or not isinstance(areas, gpd.GeoDataFrame):
        return housing, []
    primary = areas[areas["phase"] == "primary"] if "phase" in areas else areas
    sites = housing[need]
    points = gpd.GeoDataFrame(sites[["site_id"]], geometry=gpd.points_from_xy(sites["x"], sites["y"]),
                              crs=areas.crs)
    ids, warns = assign_to_areas(points, primary, "site_id")
    housing.loc[ids.index, "planning_area_id"] = ids
    problems = _outside_warnings(sites, "site_id", warns, files["housing"], "housing site ",
                                 "Check the site's location, or give its planning_area_id")
    return housing, problems


def _outside_warnings(frame: pd.DataFrame, id_col: str, warns: list, file: str, label: str,
                      fix: str) -> list[Problem]:
    """One warning per point placed in its nearest area, on the first row that names it."""
    first = pd.Series(frame.index, index=frame[id_col].astype(str)).groupby(level=0).min()
    return [Problem(file, row_of({"t": file}, "t", first[w.point_id]), "planning_area_id", f"{label}{w}",
                    fix, "warning")
            for w in {str(w): w for w in warns}.values()]
