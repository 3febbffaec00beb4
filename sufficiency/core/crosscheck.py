"""Checks across tables: every reference resolves, every roll fits its school, no year is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.core.errors import Problem
from sufficiency.core.validation import closest

Tables = dict[str, pd.DataFrame]
Files = dict[str, str]


def row_of(files: Files, table: str, index: int) -> int:
    """The row a user sees: header is row 1 in a spreadsheet; features count from 1 in geo files."""
    return int(index) + (1 if files[table].endswith((".geojson", ".gpkg")) else 2)


def _first_rows(frame: pd.DataFrame, mask: pd.Series, by: list[str]) -> pd.DataFrame:
    """For each group of flagged rows: its first index and how many rows it has."""
    flagged = frame[mask].assign(_i=frame.index[mask])
    return flagged.groupby(by, sort=True).agg(first=("_i", "min"), count=("_i", "size")).reset_index()


def unknown_references(
    tables: Tables, files: Files, table: str, column: str, target: str, known: set[str], what: str,
    causes: dict[str, str] | None = None,
) -> list[Problem]:
    """Rows of ``table`` whose ``column`` names something not in ``known``, each with the nearest known value
    ("did you mean"), or the root cause found elsewhere (``causes``: value -> where it went wrong)."""
    frame = tables.get(table)
    if frame is None or column not in frame.columns:
        return []
    values = frame[column]
    mask = values.notna() & ~values.astype(str).isin(known)
    if not mask.any():
        return []
    out = []
    for n, (_, g) in enumerate(_first_rows(frame, mask, [column]).iterrows()):
        more = f" (and {g['count'] - 1} more rows)" if g["count"] > 1 else ""
        value = str(g[column])
        if causes and value in causes:
            hint = f": {causes[value]}"
        else:  # the nearest known value, for the first few (difflib over every known value each time)
            near = closest(value, known) if n < 20 else None
            hint = f": did you mean '{near}'?" if near is not None else ""
        out.append(
            Problem(
                files[table], row_of(files, table, g["first"]), column,
                f"{column} '{value}' is not in {target}{more}{hint}",
                f"Add {what} '{value}' to {target}, or correct the {column}",
            )
        )
    return out


#: The tables and columns that name a planning area, besides schools.
AREA_REFERENCES = (("housing", "planning_area_id"), ("options", "planning_area_id"),
                   ("wards", "primary_planning_area_id"), ("wards", "secondary_planning_area_id"))


def misspelt_school_areas(tables: Tables, files: Files) -> tuple[list[Problem], dict[str, str]]:
    """The root cause of other tables' unknown planning areas when the areas come from the schools: a school
    naming an area no other table names, near an area other tables name and no school has (a misspelling).

    Returns the problems, on the schools rows, and for each area the other tables name, where it went wrong
    (for their own messages).
    """
    if "planning_areas" in files:
        return [], {}  # areas given in their own file: each reference is checked against it
    schools = tables["schools"]
    if "planning_area_id" not in schools:
        return [], {}
    named = schools["planning_area_id"].dropna().astype(str)
    elsewhere: dict[str, list[str]] = {}
    for table, col in AREA_REFERENCES:
        frame = tables.get(table)
        if frame is not None and col in frame:
            for value in frame[col].dropna().astype(str).unique():
                elsewhere.setdefault(value, [])
                if files[table] not in elsewhere[value]:
                    elsewhere[value].append(files[table])
    orphans = [v for v in elsewhere if v not in set(named)]
    lonely = sorted(set(named) - set(elsewhere))
    problems: list[Problem] = []
    causes: dict[str, str] = {}
    for orphan in orphans:
        near = closest(orphan, lonely)
        if near is None:
            continue
        first = named.index[named == near][0]
        row = row_of(files, "schools", first)
        problems.append(Problem(
            files["schools"], row, "planning_area_id",
            f"planning area '{near}' is named by no other table, while {' and '.join(elsewhere[orphan])} "
            f"{'name' if len(elsewhere[orphan]) > 1 else 'names'} '{orphan}', which no school has: did you mean "
            f"'{orphan}'?",
            f"Correct the planning_area_id to '{orphan}' if that is the area; the errors in other files that "
            f"name '{orphan}' then go"))
        causes[orphan] = f"no school has it, probably because {files['schools']} row {row} has '{near}'"
    return problems, causes


def rolls_outside_age_range(tables: Tables, files: Files) -> list[Problem]:
    """Rolls in a year group the school does not teach."""
    rolls, schools = tables["rolls"], tables["schools"]
    if not {"ncy_low", "ncy_high"} <= set(schools.columns):
        return []
    ranges = schools.set_index("school_id")[["ncy_low", "ncy_high"]]
    lo = rolls["school_id"].map(ranges["ncy_low"])
    hi = rolls["school_id"].map(ranges["ncy_high"])
    mask = lo.notna() & hi.notna() & ((rolls["ncy"] < lo) | (rolls["ncy"] > hi)) & (rolls["pupils"] > 0)
    if not mask.any():
        return []
    out = []
    for _, g in _first_rows(rolls, mask, ["school_id", "ncy"]).iterrows():
        r = ranges.loc[g["school_id"]]
        out.append(
            Problem(
                files["rolls"], row_of(files, "rolls", g["first"]), "ncy",
                f"school {g['school_id']} teaches year groups {int(r['ncy_low'])} to {int(r['ncy_high'])} "
                f"but has pupils in year group {int(g['ncy'])} "
                f"({g['count']} {'row' if g['count'] == 1 else 'rows'})",
                "Correct the year group, or the school's ncy_low/ncy_high in schools",
            )
        )
    return out


def year_gaps(tables: Tables, files: Files) -> list[Problem]:
    """Missing years: across the whole rolls table (an error: no year can be forecast across it), and inside
    each school's run of years (a warning: real censuses have such gaps; the forecast leaves the school out
    of the ratios the gap would distort)."""
    rolls = tables["rolls"]
    out = []
    years = np.sort(rolls["year"].unique())
    if len(years):
        missing = sorted(set(range(int(years[0]), int(years[-1]) + 1)) - set(years.tolist()))
        if missing:
            out.append(
                Problem(
                    files["rolls"], None, "year",
                    f"no rolls at all for {', '.join(map(str, missing))}, between {years[0]} and {years[-1]}",
                    "Add the missing years' rolls: forecasts need an unbroken run of years",
                )
            )
    if out:  # the whole-table gap already explains every school's gap
        return out
    per_school = rolls.groupby("school_id")["year"].agg(["min", "max", "nunique"])
    gappy = per_school[per_school["nunique"] < per_school["max"] - per_school["min"] + 1]
    for school_id, r in gappy.head(20).iterrows():
        own = rolls["school_id"] == school_id
        missing = sorted(set(range(int(r["min"]), int(r["max"]) + 1)) - set(rolls.loc[own, "year"].tolist()))
        first = rolls.index[own][0]
        out.append(
            Problem(
                files["rolls"], row_of(files, "rolls", first), "year",
                f"school {school_id} has no rolls for {', '.join(map(str, missing))}, "
                f"between {int(r['min'])} and {int(r['max'])}: taken as missing data, the school is left out "
                "of its planning area's ratios to and from that year (not read as pupils who left and came back)",
                "Add the missing years' rolls if you have them (0 pupils if the school was closed)",
                "warning",
            )
        )
    if len(gappy) > 20:
        out.append(Problem(files["rolls"], None, "year", f"{len(gappy) - 20} more schools with a missing year "
                           "like these", "Add the missing years' rolls if you have them", "warning"))
    return out


def school_ranges(tables: Tables, files: Files) -> list[Problem]:
    schools = tables["schools"]
    if not {"ncy_low", "ncy_high"} <= set(schools.columns):
        return []
    bad = schools["ncy_low"] > schools["ncy_high"]
    return [
        Problem(files["schools"], row_of(files, "schools", i), "ncy_low",
                f"ncy_low {schools.at[i, 'ncy_low']} is above ncy_high {schools.at[i, 'ncy_high']}",
                "Swap them, or correct the age range")
        for i in schools.index[bad]
    ]


def option_targets(tables: Tables, files: Files) -> list[Problem]:
    options = tables.get("options")
    if options is None:
        return []
    out = []
    needs_school = options["kind"].isin(["expand", "bulge", "reduce", "close"])
    no_school = needs_school & (options["school_id"].isna() if "school_id" in options else True)
    needs_area = options["kind"].eq("new_school")
    no_area = needs_area & (options["planning_area_id"].isna() if "planning_area_id" in options else True)
    for i in options.index[no_school]:
        out.append(Problem(files["options"], row_of(files, "options", i), "school_id",
                           f"a '{options.at[i, 'kind']}' option needs the school it applies to",
                           "Fill in school_id"))
    for i in options.index[no_area]:
        out.append(Problem(files["options"], row_of(files, "options", i), "planning_area_id",
                           "a 'new_school' option needs the planning area it would serve",
                           "Fill in planning_area_id"))
    return out


def housing_locations(tables: Tables, files: Files) -> list[Problem]:
    housing = tables.get("housing")
    if housing is None:
        return []
    has_area = housing["planning_area_id"].notna() if "planning_area_id" in housing else False
    has_xy = (housing["x"].notna() & housing["y"].notna()) if {"x", "y"} <= set(housing.columns) else False
    lost = ~(has_area | has_xy)
    if not isinstance(lost, pd.Series):
        lost = pd.Series(True, index=housing.index)
    return [
        Problem(files["housing"], row_of(files, "housing", i), "planning_area_id",
                "the site has neither a planning_area_id nor x and y coordinates",
                "Give the planning area, or the site's location in British National Grid")
        for i in housing.index[lost][:20]
    ]


def cross_check(tables: Tables, files: Files) -> list[Problem]:
    """Every check that needs more than one table."""
    schools = tables["schools"]
    school_ids = set(schools["school_id"].astype(str))
    areas = tables.get("planning_areas")
    wards = tables.get("wards")
    # A misspelt planning area in schools comes first: the other files' errors follow from it.
    problems, causes = misspelt_school_areas(tables, files)
    problems += school_ranges(tables, files)
    problems += unknown_references(tables, files, "rolls", "school_id", files["schools"], school_ids, "school")
    problems += rolls_outside_age_range(tables, files)
    problems += year_gaps(tables, files)
    problems += unknown_references(tables, files, "school_indicators", "school_id", files["schools"],
                                   school_ids, "school")
    problems += unknown_references(tables, files, "options", "school_id", files["schools"], school_ids, "school")
    for col in ("infant_id", "junior_id"):
        problems += unknown_references(tables, files, "links", col, files["schools"], school_ids, "school")
    if areas is not None:
        area_ids = set(areas["planning_area_id"].astype(str))
        target = files.get("planning_areas", "the planning areas named in schools")
        for table, col in (("schools", "planning_area_id"), *AREA_REFERENCES):
            problems += unknown_references(tables, files, table, col, target, area_ids, "planning area", causes)
    known_areas = set(schools["planning_area_id"].astype(str)) if "planning_area_id" in schools else set()
    if areas is not None:
        known_areas |= set(areas["planning_area_id"].astype(str))
    if wards is not None:
        known_areas |= set(wards["ward_id"].astype(str))
    for table in ("births", "population"):
        target = "wards or planning areas"
        problems += unknown_references(tables, files, table, "area_id", target, known_areas, "area")
    problems += option_targets(tables, files)
    problems += housing_locations(tables, files)
    problems += unknown_references(tables, files, "preferences", "school_id", files["schools"], school_ids, "school")
    problems += preference_lists(tables, files)
    return problems


def preference_lists(tables: Tables, files: Files) -> list[Problem]:
    """Each application of the preferences table: one year and year group, ranks 1, 2, 3... without a gap,
    and no school named twice."""
    prefs = tables.get("preferences")
    if prefs is None or prefs.empty:
        return []
    out = []
    by_app = prefs.groupby(prefs["application_id"].astype(str), sort=True)
    for column in ("year", "ncy"):
        mixed = by_app[column].nunique()
        for app in mixed[mixed > 1].index[:20]:
            first = prefs.index[prefs["application_id"].astype(str) == app][1]
            out.append(Problem(files["preferences"], row_of(files, "preferences", first), column,
                               f"application {app} has more than one {column}",
                               f"Give every preference of an application the same {column}"))
    gaps = by_app["rank"].agg(lambda r: sorted(r) != list(range(1, len(r) + 1)))
    for app in gaps[gaps].index[:20]:
        rows = prefs.index[prefs["application_id"].astype(str) == app]
        out.append(Problem(files["preferences"], row_of(files, "preferences", rows[0]), "rank",
                           f"application {app} has ranks {sorted(prefs.loc[rows, 'rank'].tolist())}, not 1, 2, 3...",
                           "Number each application's preferences 1, 2, 3... without a gap"))
    twice = prefs[prefs.duplicated(["application_id", "school_id"], keep="first")]
    for i in twice.index[:20]:
        out.append(Problem(files["preferences"], row_of(files, "preferences", i), "school_id",
                           f"application {prefs.at[i, 'application_id']} names school {prefs.at[i, 'school_id']} twice",
                           "Name each school once in an application"))
    return out
