"""Readers for school-by-grade panels from other systems, used to test the engine on real data.

The engine's year groups are an ordered integer axis, so a US K-12 panel runs unchanged with
Kindergarten coded 0 and Grades 1-12 as 1-12.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: NYC community school districts 1-32 are geographic; 75, 79 and 84 are citywide special,
#: alternative and charter districts with no planning area.
NYC_GEOGRAPHIC_DISTRICTS = range(1, 33)


def read_nyc_snapshot(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Schools and rolls from the NYC DOE "Demographic Snapshot - School" export.

    Districts 1-32 become planning areas (``"01"``..``"32"``), K-12 become ncy 0-12 and the
    school year ``2013-14`` becomes 2013. Grade counts may carry thousands separators.

    Returns
    -------
    schools, rolls
        Canonical ``schools`` (school_id, planning_area_id) and ``rolls`` tables.
    """
    raw = pd.read_csv(path, encoding="utf-8-sig", thousands=",")
    grades = ["Grade K"] + [f"Grade {i}" for i in range(1, 13)]
    missing = {"DBN", "Year", *grades} - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: columns {sorted(missing)} missing; expected the NYC Demographic Snapshot export")
    raw = raw.assign(district=raw["DBN"].str[:2].astype(int))
    raw = raw[raw["district"].isin(NYC_GEOGRAPHIC_DISTRICTS)]
    raw = raw.assign(year=raw["Year"].str[:4].astype(int), planning_area_id=raw["district"].map("{:02d}".format))
    long = raw.melt(id_vars=["DBN", "year"], value_vars=grades, var_name="grade", value_name="pupils")
    rolls = pd.DataFrame({
        "school_id": long["DBN"].astype(str),
        "year": long["year"],
        "ncy": long["grade"].map({g: i for i, g in enumerate(grades)}),
        "pupils": pd.to_numeric(long["pupils"]).astype(int),
    })
    schools = raw[["DBN", "planning_area_id"]].drop_duplicates("DBN").rename(columns={"DBN": "school_id"})
    return schools.reset_index(drop=True), rolls


#: Authorities reorganised during the census years, each counted as one area throughout so that a
#: backtest across the change compares like with like (the births file carries every merged code
#: for the whole period):
#:
#: * Dorset (835), Poole (836) and Bournemouth (837) became Dorset (838) and Bournemouth,
#:   Christchurch and Poole (839) in April 2019 (The Bournemouth, Dorset and Poole (Structural
#:   Changes) Order 2018). Christchurch moved between them, so births cannot be split by the old
#:   authorities: one area, births of 838_839.
#: * Northamptonshire (928) became North (940) and West (941) Northamptonshire in April 2021 (The
#:   Northamptonshire (Structural Changes) Order 2020): one area, 928, whose births are 940 + 941.
#: * Cumbria (909) became Cumberland (942) and Westmorland and Furness (943) in April 2023 (The
#:   Cumbria (Structural Changes) Order 2022): one area, 909.
ENGLAND_MERGED_AREAS = {"835": "838_839", "836": "838_839", "837": "838_839", "838": "838_839",
                        "839": "838_839", "940": "928", "941": "928", "942": "909", "943": "909"}

#: Births of a mid-year (July-June) period ending in June of year Y that start Reception in the
#: autumn of Y+4: those born September-June, 10 of the 12 months (School Admissions Code 2021,
#: para 2.17, the September after the fourth birthday); the July-August births start in Y+5.
MIDYEAR_SHARE_AT_FOUR = 10 / 12


def read_england_panel(pupils: str | Path, births: str | Path | None = None,
                       ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Area rolls and births of the English LA panel (each local authority one planning area).

    Parameters
    ----------
    pupils
        ``la_code, year, ncy, pupils`` (the GLA's extract of the DfE school census; ``year`` the
        autumn of the academic year, ``ncy`` Reception = 0 .. Year 13 = 13).
    births
        ``la_code, year, births``: live births per LA by mid-year period ending in June of
        ``year`` (ONS, compiled by the GLA).

    Returns
    -------
    rolls, births
        Rolls ``planning_area_id, year, ncy, pupils`` and births ``planning_area_id, year,
        births`` (None without a births file), on the same area codes: Dorset, Poole and
        Bournemouth (and their successors Dorset and BCP), Northamptonshire and its two successors,
        and Cumbria and its two successors are one area each (`ENGLAND_MERGED_AREAS`); birth codes
        that overlap them (940, 941, 940_941, 838, 839) are dropped.
    """
    raw = pd.read_csv(pupils, dtype={"la_code": str})
    missing = {"la_code", "year", "ncy", "pupils"} - set(raw.columns)
    if missing:
        raise ValueError(f"{pupils}: columns {sorted(missing)} missing; expected la_code, year, ncy, pupils "
                         "(pupils per LA, academic year and year group)")
    area = raw["la_code"].replace(ENGLAND_MERGED_AREAS)
    rolls = (raw.assign(planning_area_id=area).groupby(["planning_area_id", "year", "ncy"], as_index=False)
             ["pupils"].sum())
    if births is None:
        return rolls, None
    b = pd.read_csv(births, dtype={"la_code": str})
    b = b[b["la_code"].isin(set(rolls["planning_area_id"]))]
    return rolls, b.rename(columns={"la_code": "planning_area_id"})[["planning_area_id", "year", "births"]].reset_index(
        drop=True)


def midyear_entry_cohort(births: pd.DataFrame, known_by: int | None = None) -> pd.DataFrame:
    """Children of Reception age by area and academic year from mid-year (July-June) births.

    The cohort starting Reception in the autumn of year T was born September T-5 to August T-4:
    10/12 of the mid-year ending June T-4 and 2/12 of the one ending June T-3.

    Parameters
    ----------
    births
        ``planning_area_id, year, births`` by mid-year period ending in June of ``year``.
    known_by
        Use only births of periods ending by June of this year (a forecast made in the autumn
        of ``known_by``); None uses all.

    Returns
    -------
    DataFrame
        ``planning_area_id, year, cohort`` for the years both periods are known.
    """
    if known_by is not None:
        births = births[births["year"] <= known_by]
    wide = births.pivot_table(index="planning_area_id", columns="year", values="births", aggfunc="sum")
    early = wide.rename(columns=lambda y: y + 4) * MIDYEAR_SHARE_AT_FOUR
    late = wide.rename(columns=lambda y: y + 3) * (1 - MIDYEAR_SHARE_AT_FOUR)
    both = (early + late).rename_axis(columns="year")  # NaN where one of the two periods is unknown
    cohort = both.reset_index().melt(id_vars="planning_area_id", var_name="year", value_name="cohort").dropna()
    cohort["year"] = cohort["year"].astype(int)
    return cohort.sort_values(["planning_area_id", "year"]).reset_index(drop=True)


def births_as_rolls(born: pd.DataFrame) -> pd.DataFrame:
    """Each LA's live births as a two-year-group roll: "Reception" is the year's births and "Year 1"
    the year before's (a progression of exactly 1), so Reception's own trend can be tested over the
    births file's three decades. Only LAs with births in every year are kept."""
    full = born.groupby("planning_area_id")["year"].transform("size") == born["year"].nunique()
    series = born[full].rename(columns={"births": "pupils"})
    first, last = int(series["year"].min()), int(series["year"].max())
    rolls = pd.concat([series.assign(ncy=0), series.assign(year=series["year"] + 1, ncy=1)])
    return rolls[rolls["year"].between(first + 1, last)].reset_index(drop=True)


#: The rolls the DfE School Places Scorecards publish per LA (state-funded mainstream Reception-Year 6 and
#: Years 7-11, January census, dual registrations included), by academic year (its autumn): the scorecard
#: (``Year``) and the primary and secondary columns holding them. The DfE's technical guidance dates each:
#: PRI_NoR15 / SEC_NoR15 are January 2015 (2014/15), PRI_NoR19 / SEC_NoR19 January 2019 (2018/19), and the
#: scorecards labelled 2022/23, 2023/24 and 2024/25 carry the rolls of January 2024, 2025 and 2026 in
#: PriNOR / SecNOR. 2014/15 is also in the census panel (`read_england_panel`): each LA's Reception-Year 6
#: there equals PRI_NoR15 to a median ratio of 1.0000 (Years 7-11: 0.995), which ties the two together.
SCORECARD_ROLLS = {2014: ("2024/25", "PRI_NoR15", "SEC_NoR15"), 2018: ("2024/25", "PRI_NoR19", "SEC_NoR19"),
                   2023: ("2022/23", "PriNOR", "SecNOR"), 2024: ("2023/24", "PriNOR", "SecNOR"),
                   2025: ("2024/25", "PriNOR", "SecNOR")}


def read_scorecard_rolls(path: str | Path) -> pd.DataFrame:
    """Each LA's primary and secondary roll from the DfE School Places Scorecards (`SCORECARD_ROLLS`).

    Parameters
    ----------
    path
        ``scorecard_data_2025_2023.csv`` (the scorecards of 2022/23-2024/25 in one table: ``geographic_level,
        Year, LANumber`` and the roll columns).

    Returns
    -------
    DataFrame
        ``planning_area_id, phase, year, pupils`` ("primary" Reception-Year 6, "secondary" Years 7-11; ``year``
        the autumn of the academic year), on the census panel's area codes: reorganised authorities summed
        (`ENGLAND_MERGED_AREAS`), and counted only where every part has its roll; rows without a roll dropped.
    """
    columns = ["geographic_level", "Year", "LANumber", *{c for _, *pair in SCORECARD_ROLLS.values() for c in pair}]
    cards = pd.read_csv(path, dtype={"LANumber": str}, usecols=lambda c: c in columns)
    missing = set(columns) - set(cards.columns)
    if missing:
        raise ValueError(f"{path}: columns {sorted(missing)} missing; expected the DfE School Places Scorecards "
                         "of 2022/23-2024/25 in one table (scorecard_data_2025_2023.csv)")
    cards = cards[cards["geographic_level"] == "Local authority"]
    cards = cards.assign(area=cards["LANumber"].replace(ENGLAND_MERGED_AREAS))
    parts = []
    for year, (edition, primary, secondary) in SCORECARD_ROLLS.items():
        one = cards[cards["Year"] == edition]
        for phase, column in (("primary", primary), ("secondary", secondary)):
            pupils = pd.to_numeric(one[column], errors="coerce").groupby(one["area"]).agg(
                lambda parts: parts.sum() if parts.notna().all() else float("nan"))
            parts.append(pd.DataFrame({"planning_area_id": pupils.index, "phase": phase, "year": year,
                                       "pupils": pupils.to_numpy()}))
    out = pd.concat(parts, ignore_index=True).dropna()
    return out[out["pupils"] > 0].reset_index(drop=True)
