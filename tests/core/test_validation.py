"""Each kind of bad input gets a problem naming file, row, column and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sufficiency import InputError, load_inputs
from sufficiency.core.inputs import validate_folder

SCHOOLS = """school_id,name,planning_area_id,ncy_low,ncy_high,pan,net_capacity
A,Alpha Primary,P1,0,6,30,210
B,Beta Primary,P1,0,6,60,420
"""


def _rolls(years=(2020, 2021, 2022), schools=("A", "B")) -> str:
    lines = ["school_id,year,ncy,pupils"]
    lines += [f"{s},{y},{g},{25 + g}" for s in schools for y in years for g in range(7)]
    return "\n".join(lines) + "\n"


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_geojson", ".geojson")).write_text(text)
    return folder


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    return write(tmp_path / "good", schools_csv=SCHOOLS, rolls_csv=_rolls())


def only(problems, **match):
    found = [p for p in problems if p.severity == "error" and all(getattr(p, k) == v for k, v in match.items())]
    assert found, f"no problem matching {match} in {[str(p) for p in problems]}"
    return found[0]


def test_good_folder_loads(good: Path) -> None:
    inputs = load_inputs(good)
    assert len(inputs.schools) == 2
    assert inputs.rolls["pupils"].sum() == 2 * 3 * sum(25 + g for g in range(7))
    assert list(inputs.planning_areas["planning_area_id"]) == ["P1"]
    assert validate_folder(good) == []


def test_duplicate_key(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls() + "A,2020,3,99\n")
    p = only(validate_folder(good), file="rolls.csv")
    assert "duplicate key (school_id=A, year=2020, ncy=3)" in p.message
    assert p.message.endswith("rows 5, 44")
    assert p.row == 44


def test_negative_pupils(good: Path) -> None:
    text = _rolls().replace("A,2021,2,27", "A,2021,2,-4")
    (good / "rolls.csv").write_text(text)
    p = only(validate_folder(good), column="pupils")
    assert p.file == "rolls.csv" and p.row == 11
    assert "'-4' must be 0 or more pupils" in p.message


def test_non_integer_and_non_numeric_pupils(good: Path) -> None:
    text = _rolls().replace("A,2020,0,25", "A,2020,0,12.5").replace("B,2022,6,31", "B,2022,6,lots")
    (good / "rolls.csv").write_text(text)
    problems = validate_folder(good)
    half = only(problems, row=2, column="pupils")
    assert "'12.5' is not a whole number" in half.message and "Round it" in half.fix
    word = only(problems, row=43, column="pupils")
    assert "'lots' is not a number" in word.message


def test_rolls_for_unknown_school(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls(schools=("A", "B", "Z")))
    p = only(validate_folder(good), column="school_id")
    assert p.message == "school_id 'Z' is not in schools.csv (and 20 more rows)"
    assert p.row == 44 and "Add school 'Z' to schools.csv" in p.fix


def test_year_group_outside_age_range(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls() + "A,2020,9,5\n")
    p = only(validate_folder(good), column="ncy")
    assert "school A teaches year groups 0 to 6 but has pupils in year group 9" in p.message
    assert p.row == 44


def test_gap_in_years(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls(years=(2019, 2020, 2022)))
    p = only(validate_folder(good), column="year")
    assert p.message == "no rolls at all for 2021, between 2019 and 2022"


def test_gap_in_one_schools_years(good: Path) -> None:
    text = _rolls(schools=("A",)) + _rolls(years=(2020, 2022), schools=("B",)).split("\n", 1)[1]
    (good / "rolls.csv").write_text(text)
    # Real censuses have such gaps: a warning, and the folder loads (the forecast leaves the gap out of its ratios).
    [p] = validate_folder(good)
    assert (p.severity, p.file, p.row, p.column) == ("warning", "rolls.csv", 23, "year")
    assert p.message.startswith("school B has no rolls for 2021, between 2020 and 2022: taken as missing data")
    assert load_inputs(good).warnings == [p]


def test_missing_required_column(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls().replace("school_id,year,ncy,pupils", "school_id,year,ncy,count"))
    p = only(validate_folder(good), column="pupils")
    assert p.row == 1 and "the required column 'pupils' is missing" in p.message
    assert "Columns found: school_id, year, ncy, count" in p.fix


def test_missing_table(tmp_path: Path) -> None:
    folder = write(tmp_path / "f", schools_csv=SCHOOLS)
    p = only(validate_folder(folder), file="rolls.csv")
    assert "the rolls table is missing" in p.message


def test_bad_category(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("name,", "name,ofsted,")
                                      .replace("Alpha Primary,", "Alpha Primary,Great,")
                                      .replace("Beta Primary,", "Beta Primary,Good,"))
    p = only(validate_folder(good), column="ofsted")
    assert p.row == 2 and "'Great' must be one of: Outstanding, Good" in p.message


def test_unreadable_geometry(good: Path) -> None:
    (good / "planning_areas.geojson").write_text('{"type": "FeatureCollection", "features": [ {oops')
    p = only(validate_folder(good), file="planning_areas.geojson")
    assert "could not be read as GEOJSON" in p.message


def test_misprojected_geometry(good: Path) -> None:
    # Eastings and northings declared as longitude/latitude: lands far outside Great Britain.
    feature = {"type": "Feature", "properties": {"planning_area_id": "P1", "phase": "primary"},
               "geometry": {"type": "Polygon", "coordinates": [[[376000, 388000], [378000, 388000],
                                                                [378000, 390000], [376000, 388000]]]}}
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
           "features": [feature]}
    (good / "planning_areas.geojson").write_text(json.dumps(doc))
    p = only(validate_folder(good), file="planning_areas.geojson", column="geometry")
    assert p.row == 1 and "outside Great Britain" in p.message and "CRS" in p.fix


def test_lonlat_written_as_xy(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("pan,", "pan,x,y,")
                                      .replace(",30,", ",30,-2.35,53.39,")
                                      .replace(",60,", ",60,-2.30,53.40,"))
    p = only(validate_folder(good), column="x")
    assert "longitude and latitude" in p.message and "lon and lat" in p.fix


def test_load_raises_with_every_problem(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls().replace("A,2021,2,27", "A,2021,2,-4").replace("B,2022,6,31", "B,2022,6,x"))
    with pytest.raises(InputError) as info:
        load_inputs(good)
    assert len(info.value.problems) == 2
    assert "rolls.csv, row 11, column 'pupils'" in str(info.value)


def test_xlsx_reads_like_csv(good: Path) -> None:
    import pandas as pd

    pd.read_csv(good / "rolls.csv").to_excel(good / "rolls.xlsx", index=False)
    (good / "rolls.csv").unlink()
    assert load_inputs(good).rolls["pupils"].sum() == 2 * 3 * sum(25 + g for g in range(7))


def test_same_table_twice(good: Path) -> None:
    import pandas as pd

    pd.read_csv(good / "rolls.csv").to_excel(good / "rolls.xlsx", index=False)
    p = only(validate_folder(good), file="rolls.csv")
    assert p.message == "the table is given twice: rolls.csv and rolls.xlsx"


def _areas_doc(crs: str, squares: list[list[float]]) -> str:
    """Planning areas P1, P2, ... as squares (x0, y0, size) declared in ``crs``."""
    features = [
        {"type": "Feature", "properties": {"planning_area_id": f"P{i}", "phase": "primary"},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}}
        for i, (x, y, d) in enumerate(squares, start=1)
    ]
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}},
                       "features": features})


def test_duplicate_key_names_the_key_columns(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS + "A,Alpha again,P1,0,6,30,210\n")
    p = only(validate_folder(good), file="schools.csv")
    assert (p.row, p.column) == (4, "school_id")
    (good / "schools.csv").write_text(SCHOOLS)
    (good / "rolls.csv").write_text(_rolls() + "A,2020,3,99\n")
    assert only(validate_folder(good), file="rolls.csv").column == "school_id, year, ncy"


def test_whole_file_in_wrong_crs_is_one_problem_with_the_diagnosis(good: Path) -> None:
    # British National Grid metres declared as longitude/latitude.
    (good / "planning_areas.geojson").write_text(
        _areas_doc("EPSG:4326", [[376000, 388000, 2000], [378000, 388000, 2000]]))
    (good / "schools.csv").write_text(SCHOOLS.replace("P1,0,6,60", "P2,0,6,60"))
    problems = [p for p in validate_folder(good) if p.file == "planning_areas.geojson"]
    assert len(problems) == 1
    p = problems[0]
    assert (p.row, p.column) == (1, "geometry")
    assert p.message == ("all 2 features (rows 1-2) lie outside Great Britain once converted to British National "
                         "Grid: its coordinates look like British National Grid metres, but the file declares "
                         "EPSG:4326")
    assert p.fix.startswith("Declare EPSG:27700")


def test_lonlat_declared_as_bng_is_diagnosed(good: Path) -> None:
    (good / "planning_areas.geojson").write_text(
        _areas_doc("EPSG:27700", [[-2.36, 53.38, 0.02], [-2.34, 53.38, 0.02]]))
    (good / "schools.csv").write_text(SCHOOLS.replace("P1,0,6,60", "P2,0,6,60"))
    p = only(validate_folder(good), file="planning_areas.geojson")
    assert "look like longitude and latitude in degrees, but the file declares EPSG:27700" in p.message
    assert p.fix.startswith("Declare EPSG:4326")


def test_one_stray_feature_is_reported_on_its_own_row(good: Path) -> None:
    (good / "planning_areas.geojson").write_text(
        _areas_doc("EPSG:27700", [[376000, 388000, 2000], [900000, 388000, 2000]]))
    (good / "schools.csv").write_text(SCHOOLS.replace("P1,0,6,60", "P2,0,6,60"))
    p = only(validate_folder(good), file="planning_areas.geojson")
    assert (p.row, p.column) == (2, "geometry") and "the feature lies outside Great Britain" in p.message


def test_point_outside_great_britain_names_both_coordinates(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("pan,", "x,y,pan,").replace(",30,", ",376000,388000,30,")
                                      .replace(",60,", ",900000,388000,60,"))
    p = only(validate_folder(good), column="x")
    assert p.row == 3 and "the point (x 900000, y 388000) lies outside Great Britain" in p.message


def test_cross_table_errors_listed_beside_cell_errors(good: Path) -> None:
    # A negative roll, a year group the school does not teach, a roll for an unknown school and
    # a duplicated school: one run of validate lists them all.
    text = _rolls().replace("A,2021,2,27", "A,2021,2,-4") + "A,2020,9,5\nZ,2020,0,30\n"
    (good / "rolls.csv").write_text(text)
    (good / "schools.csv").write_text(SCHOOLS + "B,Beta again,P1,0,6,60,420\n")
    found = {(p.file, p.row, p.column) for p in validate_folder(good) if p.severity == "error"}
    assert found == {("rolls.csv", 11, "pupils"), ("rolls.csv", 44, "ncy"), ("rolls.csv", 45, "school_id"),
                     ("schools.csv", 4, "school_id")}


def test_cross_table_checks_skip_a_table_with_missing_columns(good: Path) -> None:
    # Without a year column the rolls cannot be checked against anything: one problem, not a cascade.
    (good / "rolls.csv").write_text("school_id,ncy,pupils\nA,0,30\nZ,0,30\n")
    problems = validate_folder(good)
    assert [(p.file, p.column) for p in problems] == [("rolls.csv", "year")]


def test_unreadable_geopackage_message_is_short(good: Path) -> None:
    (good / "planning_areas.gpkg").write_text("not a geopackage")
    p = only(validate_folder(good), file="planning_areas.gpkg")
    assert p.message.startswith("planning_areas.gpkg could not be read as GPKG (")
    assert "It might help" not in p.message and str(good) not in p.message
