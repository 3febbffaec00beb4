"""What a folder leaves out is derived by the documented rules."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sufficiency import load_inputs


def _square(x0: float, y0: float, size: float = 1000.0) -> list:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def _two_areas(folder: Path) -> None:
    """Primary planning areas W and E: adjacent 1 km squares, in British National Grid."""
    areas = {"type": "FeatureCollection",
             "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
             "features": [
                 {"type": "Feature", "properties": {"planning_area_id": pid, "phase": "primary"},
                  "geometry": {"type": "Polygon", "coordinates": _square(x0, 390_000)}}
                 for pid, x0 in (("W", 380_000), ("E", 381_000))]}
    (folder / "planning_areas.geojson").write_text(json.dumps(areas))


def test_schools_placed_by_location(tmp_path: Path) -> None:
    _two_areas(tmp_path)
    (tmp_path / "schools.csv").write_text(
        "school_id,x,y,pan\n"
        "a,380500,390500,30\n"   # inside W
        "b,381500,390500,60\n"   # inside E
        "c,383000,390500,30\n"   # 1 km east of E: nearest is E, with a warning
    )
    rows = ["school_id,year,ncy,pupils"] + [f"{s},{y},{g},20" for s in "abc" for y in (2022, 2023, 2024)
                                            for g in range(7)]
    (tmp_path / "rolls.csv").write_text("\n".join(rows) + "\n")
    inputs = load_inputs(tmp_path)
    schools = inputs.schools.set_index("school_id")
    assert schools["planning_area_id"].to_dict() == {"a": "W", "b": "E", "c": "E"}
    # Age range and phase from the rolls; net capacity from PAN × year groups.
    assert schools.loc["b", ["ncy_low", "ncy_high"]].tolist() == [0, 6]
    assert (schools["phase"] == "primary").all()
    assert schools.loc["b", "net_capacity"] == 420
    assert [str(w) for w in inputs.warnings] == [
        "schools.csv, row 4, column 'planning_area_id': c lies outside every planning area; assigned to the "
        "nearest, E, 1,000 m away. Check the school's location, or give its planning_area_id"]


def test_minimal_folder_derives_planning_areas(tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text("school_id,planning_area_id\ns1,A\ns2,B\n")
    rows = ["school_id,year,ncy,pupils"] + [f"{s},{y},{g},25" for s in ("s1", "s2") for y in (2021, 2022, 2023)
                                            for g in range(7, 12)]
    (tmp_path / "rolls.csv").write_text("\n".join(rows) + "\n")
    inputs = load_inputs(tmp_path)
    assert inputs.planning_areas[["planning_area_id", "phase"]].to_dict("records") == [
        {"planning_area_id": "A", "phase": "secondary"}, {"planning_area_id": "B", "phase": "secondary"}]
    assert inputs.schools["pan"].isna().all() if "pan" in inputs.schools else True


def test_school_without_rolls_loads(tmp_path: Path) -> None:
    (tmp_path / "schools.csv").write_text("school_id,planning_area_id\ns1,A\nclosed,A\n")
    rows = ["school_id,year,ncy,pupils"] + [f"s1,{y},{g},25" for y in (2021, 2022, 2023) for g in range(7)]
    (tmp_path / "rolls.csv").write_text("\n".join(rows) + "\n")
    schools = load_inputs(tmp_path).schools.set_index("school_id")
    assert schools.loc["s1", "phase"] == "primary"
    assert pd.isna(schools.loc["closed", "phase"])


def test_housing_site_outside_every_area_goes_to_the_nearest_with_its_row(tmp_path: Path) -> None:
    _two_areas(tmp_path)
    (tmp_path / "schools.csv").write_text("school_id,planning_area_id\na,W\nb,E\n")
    rows = ["school_id,year,ncy,pupils"] + [f"{s},{y},{g},20" for s in "ab" for y in (2022, 2023, 2024)
                                            for g in range(7)]
    (tmp_path / "rolls.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "housing.csv").write_text(
        "site_id,x,y,year,dwellings\n"
        "in_w,380500,390500,2025,50\n"
        "far,379000,390500,2025,40\n"   # 1 km west of W
        "far,379000,390500,2026,40\n"
    )
    (tmp_path / "pupil_yields.csv").write_text(  # housing is counted only with yields
        "phase,dwelling_type,tenure,years_since_completion,pupils_per_dwelling\nprimary,house,market,0,0.2\n")
    inputs = load_inputs(tmp_path)
    assert inputs.housing["planning_area_id"].tolist() == ["W", "W", "W"]
    assert [str(w) for w in inputs.warnings] == [
        "housing.csv, row 3, column 'planning_area_id': housing site far lies outside every planning area; "
        "assigned to the nearest, W, 1,000 m away. Check the site's location, or give its planning_area_id"]
