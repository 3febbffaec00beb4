"""School forecasts that add up exactly to the planning-area forecast.

Each school takes its recent share of its area's pupils in a year group (the last few years,
pooled, so one odd year does not swing it). Where no school taught that year group recently
(growth from housing in a new phase), the area's schools whose age range covers it share it by
size, and failing that all the area's schools do, so no pupil is ever lost.
"""

from __future__ import annotations

import pandas as pd

from forecasting.panel import school_gaps


def apportion(
    by_area: pd.DataFrame,
    rolls: pd.DataFrame,
    schools: pd.DataFrame,
    base_year: int,
    years: int = 3,
) -> pd.DataFrame:
    """Split ``by_area`` (planning_area_id, year, ncy, pupils) over schools.

    Returns
    -------
    DataFrame
        ``school_id, planning_area_id, year, ncy, pupils``; summed over schools it equals
        ``by_area`` for every area, year and year group.
    """
    mapping = schools[["school_id", "planning_area_id"]].astype(str).drop_duplicates("school_id")
    recent = rolls[(rolls["year"] <= base_year) & (rolls["year"] > base_year - years)]
    recent = recent.assign(school_id=recent["school_id"].astype(str)).merge(mapping, on="school_id")
    # A year in which a school of the area is missing from the census (between two it reports) would
    # understate its share: the area's shares come from its other recent years.
    gaps = school_gaps(rolls).merge(mapping, on="school_id")[["planning_area_id", "year"]].drop_duplicates()
    if len(gaps):
        flagged = recent.merge(gaps.assign(_gap=True), on=["planning_area_id", "year"], how="left")["_gap"]
        flagged = flagged.fillna(False).to_numpy(bool)
        recent = recent[~flagged] if not flagged.all() else recent
    share = recent.groupby(["planning_area_id", "ncy", "school_id"], as_index=False)["pupils"].sum()
    share = share[share["pupils"] > 0]
    share["share"] = share["pupils"] / share.groupby(["planning_area_id", "ncy"])["pupils"].transform("sum")
    area = by_area[["planning_area_id", "year", "ncy", "pupils"]].assign(
        planning_area_id=lambda d: d["planning_area_id"].astype(str))
    out = area.merge(share[["planning_area_id", "ncy", "school_id", "share"]], on=["planning_area_id", "ncy"],
                     how="inner")
    covered = area.merge(share[["planning_area_id", "ncy"]].drop_duplicates(), how="left", indicator=True)
    orphan = covered[covered["_merge"] == "left_only"].drop(columns="_merge")
    orphan = orphan[orphan["pupils"] > 0]
    if len(orphan):
        out = pd.concat([out, orphan.merge(_fallback_shares(recent, schools, mapping, orphan["ncy"].unique()),
                                           on=["planning_area_id", "ncy"])])
    out["pupils"] = out["pupils"] * out["share"]
    cols = ["school_id", "planning_area_id", "year", "ncy", "pupils"]
    return out[cols].sort_values(cols[:4]).reset_index(drop=True)


def _fallback_shares(recent: pd.DataFrame, schools: pd.DataFrame, mapping: pd.DataFrame, ncys) -> pd.DataFrame:
    """Shares for a year group no school of the area taught recently: by school size, among
    the schools whose age range covers it (all of the area's schools when none does)."""
    size = recent.groupby("school_id")["pupils"].sum()
    s = mapping.assign(size=mapping["school_id"].map(size).fillna(0.0) + 1.0)
    grid = s.merge(pd.DataFrame({"ncy": ncys}), how="cross")
    if {"ncy_low", "ncy_high"} <= set(schools.columns):
        rng = schools.assign(school_id=schools["school_id"].astype(str)).set_index("school_id")[["ncy_low", "ncy_high"]]
        lo = grid["school_id"].map(rng["ncy_low"]).fillna(-1)
        hi = grid["school_id"].map(rng["ncy_high"]).fillna(99)
        fits = grid["ncy"].between(lo, hi)
        any_fit = fits.groupby([grid["planning_area_id"], grid["ncy"]]).transform("any")
        grid = grid[fits | ~any_fit]
    grid["share"] = grid["size"] / grid.groupby(["planning_area_id", "ncy"])["size"].transform("sum")
    return grid[["planning_area_id", "ncy", "school_id", "share"]]
