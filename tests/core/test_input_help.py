"""Nothing a user gives is ignored without a word: each helpful message, with its file,
row and column, on small folders written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from sufficiency import load_inputs
from sufficiency.core.inputs import validate_folder
from sufficiency.core.readers import decode_text

SCHOOLS = """school_id,name,planning_area_id,ncy_low,ncy_high,pan,net_capacity
A,Alpha Primary,P01,0,6,30,210
B,Beta Primary,P02,0,6,60,420
"""


def _rolls(years=(2020, 2021, 2022), schools=("A", "B")) -> str:
    lines = ["school_id,year,ncy,pupils"]
    lines += [f"{s},{y},{g},{25 + g}" for s in schools for y in years for g in range(7)]
    return "\n".join(lines) + "\n"


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "schools.csv").write_text(SCHOOLS)
    (folder / "rolls.csv").write_text(_rolls())
    return folder


def matching(problems, severity="error", **match):
    found = [p for p in problems if p.severity == severity and all(getattr(p, k) == v for k, v in match.items())]
    assert found, f"no {severity} matching {match} in {[str(p) for p in problems]}"
    return found


# 1. Unknown columns: a warning naming the nearest known column, in validate and in every load.

def test_misspelt_optional_columns_are_warned_with_the_column_meant(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("pan,net_capacity", "PAN_,net_capcity"))
    problems = validate_folder(good)
    [pan] = matching(problems, "warning", column="PAN_")
    assert (pan.file, pan.row) == ("schools.csv", 1)
    assert pan.message.endswith("so it is not read: did you mean 'pan'?")
    assert pan.fix == "Rename the column 'PAN_' to 'pan' if that is what it holds"
    [cap] = matching(problems, "warning", column="net_capcity")
    assert cap.message.endswith("did you mean 'net_capacity'?")
    # The folder loads (the places default from nothing) but the load carries the warnings for every command.
    assert {p.column for p in load_inputs(good).warnings} == {"PAN_", "net_capcity"}


def test_commands_that_load_a_folder_say_the_warning(good: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sufficiency.cli import app

    (good / "schools.csv").write_text(SCHOOLS.replace("pan,", "PAN_,"))
    result = CliRunner().invoke(app, ["current", str(good), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning: schools.csv, row 1, column 'PAN_': the column 'PAN_'" in " ".join(result.output.split())


def test_a_column_like_no_known_one_is_named_with_the_columns_there_are(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls().replace("pupils\n", "pupils,notes\n", 1).replace("\n", ",\n")
                                    .replace("pupils,notes,\n", "pupils,notes\n"))
    [p] = matching(validate_folder(good), "warning", column="notes")
    assert "did you mean" not in p.message and p.fix.startswith("Remove it, or rename it to one of: school_id")


def test_a_missing_required_column_points_at_its_misspelling(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls().replace("school_id,year,ncy,pupils", "school_id,year,ncy,pupil"))
    [p] = matching(validate_folder(good), column="pupils")
    assert p.fix.startswith("Rename the column 'pupil' to 'pupils'")


# 2. Housing without pupil yields: refused, saying how to go on.

HOUSING = "site_id,planning_area_id,year,dwellings,dwelling_type,tenure\nH1,P01,2023,100,house,market\n"
YIELDS = "phase,dwelling_type,tenure,years_since_completion,pupils_per_dwelling\nprimary,house,market,0,0.2\n"


def test_housing_without_yields_is_refused_with_the_way_on(good: Path) -> None:
    (good / "housing.csv").write_text(HOUSING)
    [p] = matching(validate_folder(good), file="housing.csv")
    assert p.message == ("housing.csv gives 100 dwellings but there is no pupil_yields table, so they would add no "
                         "pupils to the forecast")
    assert "Add pupil_yields.csv" in p.fix and "forecast: {housing: false}" in p.fix
    # Said to go without housing, the folder loads.
    (good / "scenario.yaml").write_text("forecast:\n  housing: false\n")
    assert not [p for p in validate_folder(good) if p.severity == "error"]


def test_housing_rows_no_yield_matches_are_refused(good: Path) -> None:
    (good / "housing.csv").write_text(HOUSING + "H2,P01,2023,40,flat,market\n")
    (good / "pupil_yields.csv").write_text(YIELDS)
    [p] = matching(validate_folder(good), file="housing.csv")
    assert (p.row, p.column) == (3, "dwelling_type")
    assert p.message == ("no pupil_yields row has dwelling_type 'flat', tenure 'market', so these dwellings would "
                         "add no pupils")


# 3. Longitude and latitude swapped, or grid metres under lon/lat: said once.

def _located(text: str) -> str:
    return text.replace("name,", "name,lon,lat,")


def test_swapped_lon_lat_is_said_once(good: Path) -> None:
    (good / "schools.csv").write_text(_located(SCHOOLS).replace("Alpha Primary,", "Alpha Primary,53.39,-2.35,")
                                      .replace("Beta Primary,", "Beta Primary,53.40,-2.30,"))
    problems = [p for p in validate_folder(good) if p.file == "schools.csv"]
    assert len(problems) == 1
    p = problems[0]
    assert (p.row, p.column) == (2, "lon")
    assert p.message.startswith("'lon' holds latitudes and 'lat' longitudes (rows 2, 3; e.g. lon 53.39, lat -2.35)")
    assert p.fix == "Swap the values of 'lon' and 'lat' (or their headers)"


def test_grid_metres_in_lon_lat_are_said_once(good: Path) -> None:
    (good / "schools.csv").write_text(_located(SCHOOLS).replace("Alpha Primary,", "Alpha Primary,376945,388888,")
                                      .replace("Beta Primary,", "Beta Primary,377000,389000,"))
    problems = [p for p in validate_folder(good) if p.file == "schools.csv"]
    assert len(problems) == 1
    assert problems[0].message.startswith("'lon' and 'lat' hold British National Grid eastings and northings")
    assert problems[0].fix == "Head the columns x (easting) and y (northing) instead of 'lon' and 'lat'"


def test_good_lon_lat_still_load(good: Path) -> None:
    (good / "schools.csv").write_text(_located(SCHOOLS).replace("Alpha Primary,", "Alpha Primary,-2.35,53.39,")
                                      .replace("Beta Primary,", "Beta Primary,-2.30,53.40,"))
    schools = load_inputs(good).schools.set_index("school_id")
    # -2.35, 53.39 is in Trafford: about 376,900 E, 388,900 N on the National Grid.
    assert 370_000 < schools.at["A", "x"] < 380_000 and 385_000 < schools.at["A", "y"] < 392_000


# 4. A misspelt planning area in schools: the root cause first, with "did you mean".

def test_misspelt_school_area_is_the_first_problem_with_did_you_mean(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("Beta Primary,P02", "Beta Primary,P02x"))
    (good / "housing.csv").write_text(HOUSING.replace("P01", "P02"))
    (good / "pupil_yields.csv").write_text(YIELDS)
    (good / "options.csv").write_text("option_id,kind,planning_area_id,forms_of_entry,capital_cost\n"
                                      "N1,new_school,P02,2,10000000\n")
    problems = [p for p in validate_folder(good) if p.severity == "error"]
    first = problems[0]
    assert (first.file, first.row, first.column) == ("schools.csv", 3, "planning_area_id")
    assert first.message == ("planning area 'P02x' is named by no other table, while housing.csv and options.csv name "
                             "'P02', which no school has: did you mean 'P02'?")
    # The other files' errors say where they come from.
    follow = [p for p in problems[1:] if p.column == "planning_area_id"]
    assert {p.file for p in follow} == {"housing.csv", "options.csv"}
    assert all("probably because schools.csv row 3 has 'P02x'" in p.message for p in follow)


def test_a_misspelt_school_area_behind_ward_errors(good: Path) -> None:
    (good / "schools.csv").write_text(SCHOOLS.replace("Beta Primary,P02", "Beta Primary,P0l")
                                      .replace("Alpha Primary,P01", "Alpha Primary,P02"))
    (good / "wards.csv").write_text("ward_id,primary_planning_area_id\nW1,P01\nW2,P02\n")
    first, ward = [p for p in validate_folder(good) if p.severity == "error"]
    assert (first.file, first.row, first.column) == ("schools.csv", 3, "planning_area_id")
    assert first.message == ("planning area 'P0l' is named by no other table, while wards.csv names 'P01', which no "
                             "school has: did you mean 'P01'?")
    assert (ward.file, ward.row, ward.column) == ("wards.csv", 2, "primary_planning_area_id")


def test_unknown_reference_has_did_you_mean(good: Path) -> None:
    (good / "rolls.csv").write_text(_rolls(schools=("A", "B", "BB")).replace("BB,", "b,"))
    [p] = matching(validate_folder(good), file="rolls.csv", column="school_id")
    assert p.message.endswith(": did you mean 'B'?")


# 5. Range and vocabulary checks, with file, row and column.

INDICATORS = "school_id,year,indicator,value\n"


def test_indicator_out_of_range_misspelt_or_a_word_for_a_percentage(good: Path) -> None:
    (good / "school_indicators.csv").write_text(
        INDICATORS + "A,2022,ks2_rwm_expected,140\n"       # row 2: above 100%
        "B,2022,ks2_rwm_expected,yes\n"                      # row 3: read as 1% before
        "A,2022,ks2_rwm_expeted,60\n"                        # row 4: misspelt
        "A,2022,ofsted_overall_grade,Good\n"                 # row 5: fine
        "B,2022,ofsted_overall_grade,6\n"                    # row 6: no grade 6
        "B,2022,council_own_measure,3\n")                    # row 7: not in the vocabulary: a warning
    problems = validate_folder(good)
    by_row = {p.row: p for p in problems if p.file == "school_indicators.csv"}
    assert set(by_row) == {2, 3, 4, 6, 7}
    assert by_row[2].column == "value" and by_row[2].message.startswith(
        "'140' is outside the scale of ks2_rwm_expected (KS2 reading writing and maths at the expected standard, "
        "% of pupils): expected a percentage from 0 to 100")
    assert by_row[3].message.startswith("'yes' cannot be read as ks2_rwm_expected")
    assert by_row[4].column == "indicator" and by_row[4].message == (
        "'ks2_rwm_expeted' is not an indicator: did you mean 'ks2_rwm_expected'?")
    assert "expected a grade from 1 (Outstanding) to 4" in by_row[6].message
    assert by_row[7].severity == "warning" and "no rule, KPI or benchmark reads it" in by_row[7].message
    assert all(by_row[r].severity == "error" for r in (2, 3, 4, 6))


def test_vocabulary_of_housing_and_yields_with_did_you_mean(good: Path) -> None:
    (good / "housing.csv").write_text(HOUSING.replace("house,market", "House,markte"))
    (good / "pupil_yields.csv").write_text(YIELDS.replace("0,0.2", "0,28"))
    problems = validate_folder(good)
    [kind] = matching(problems, file="housing.csv", column="dwelling_type")
    assert kind.row == 2 and kind.message == "'House' must be one of: house, flat (did you mean 'house'?)"
    [tenure] = matching(problems, file="housing.csv", column="tenure")
    assert tenure.message.endswith("(did you mean 'market'?)")
    [rate] = matching(problems, file="pupil_yields.csv", column="pupils_per_dwelling")
    assert rate.row == 2 and "a figure above it is likely a percentage" in rate.message


def test_preferences_year_group_is_an_entry_year(good: Path) -> None:
    (good / "preferences.csv").write_text("application_id,year,ncy,rank,school_id\nX1,2022,3,1,A\n")
    [p] = matching(validate_folder(good), file="preferences.csv", column="ncy")
    assert p.row == 2 and "must be 0 (Reception) or 7 (Year 7)" in p.message


# 6. CSVs that are not UTF-8: read, and the encoding named.

NAMED = SCHOOLS.replace("Alpha Primary", "St Thérèse’s Primary")


@pytest.mark.parametrize(("encoding", "name"), [("cp1252", "Windows-1252"), ("utf-16", "UTF-16")])
def test_windows_and_utf16_csvs_are_read_and_named(good: Path, encoding: str, name: str) -> None:
    (good / "schools.csv").write_bytes(NAMED.encode(encoding))
    [p] = matching(validate_folder(good), "warning", file="schools.csv")
    assert p.message == f"the file is not UTF-8: it was read as {name}"
    assert load_inputs(good).schools.set_index("school_id").at["A", "name"] == "St Thérèse’s Primary"


def test_decode_sniffs_marks_and_zero_bytes() -> None:
    text = "school_id,name\nA,Café\n"
    assert decode_text(text.encode("utf-8-sig")) == (text, "UTF-8")
    assert decode_text(text.encode("utf-16-le")) == (text, "UTF-16")  # no mark: found by its zero bytes
    assert decode_text(text.encode("utf-16-be")) == (text, "UTF-16")
    assert decode_text(text.encode("cp1252")) == (text, "Windows-1252")


def test_validate_command_names_the_encoding(good: Path) -> None:
    from typer.testing import CliRunner

    from sufficiency.cli import app

    (good / "schools.csv").write_bytes(NAMED.encode("cp1252"))
    result = CliRunner().invoke(app, ["validate", str(good)])
    assert result.exit_code == 0
    assert "read as Windows-1252" in " ".join(result.output.split())


# 7. A school missing from one census between two it reports: a warning, and the folder loads.

def test_school_gap_is_a_warning_and_loads(good: Path) -> None:
    text = _rolls(schools=("A",)) + _rolls(years=(2020, 2022), schools=("B",)).split("\n", 1)[1]
    (good / "rolls.csv").write_text(text)
    inputs = load_inputs(good)
    [p] = inputs.warnings
    assert (p.file, p.column) == ("rolls.csv", "year") and "school B has no rolls for 2021" in p.message
