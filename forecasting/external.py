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
