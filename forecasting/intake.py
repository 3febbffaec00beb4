"""Where Reception comes from: births four years earlier, or the population aged four.

The intake ratio is Reception ÷ the "entry cohort" of the same academic year. This module turns
births (by calendar year) or mid-year population by single year of age into that entry cohort
by planning area and academic year; the ratio itself is fitted like any progression ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A child starts Reception in the September after their fourth birthday (School Admissions
#: Code 2021, para 2.17). Of babies born in calendar year b, those born January-August (8/12)
#: start in academic year b+4 and those born September-December (4/12) in b+5.
SHARE_STARTING_AFTER_FOUR = 8 / 12

#: Age at mid-year (30 June) of the children who start Reception the following September.
RECEPTION_AGE = 4


def entry_cohort(
    births: pd.DataFrame | None,
    population: pd.DataFrame | None,
    wards: pd.DataFrame | None,
    source: str = "auto",
) -> pd.DataFrame | None:
    """Children of Reception age by planning area and academic year.

    Parameters
    ----------
    births, population
        Canonical tables; ``area_id`` may be a planning area id or a ward id (mapped through
        ``wards.primary_planning_area_id``).
    source
        'births', 'population', 'auto' (births, else population) or 'trend' (none).

    Returns
    -------
    DataFrame or None
        Columns ``planning_area_id, year, cohort``; None when there is nothing to use.
    """
    if source == "trend":
        return None
    if source in ("auto", "births") and births is not None and len(births):
        b = _to_planning_area(births.rename(columns={"births": "value"}), wards)
        early = b.assign(year=b["year"] + 4, cohort=b["value"] * SHARE_STARTING_AFTER_FOUR)
        late = b.assign(year=b["year"] + 5, cohort=b["value"] * (1 - SHARE_STARTING_AFTER_FOUR))
        out = pd.concat([early, late]).groupby(["planning_area_id", "year"], as_index=False)["cohort"].sum()
        # The first and last years would have only one of their two birth years: drop them.
        span = out.groupby("planning_area_id")["year"].transform
        return out[(out["year"] > span("min")) & (out["year"] < span("max"))].reset_index(drop=True)
    if source in ("auto", "population") and population is not None and len(population):
        p = population[population["age"].between(0, RECEPTION_AGE)]
        p = _to_planning_area(p.rename(columns={"population": "value"}), wards, keys=("year", "age"))
        p = p.assign(entry=p["year"] + RECEPTION_AGE - p["age"])
        # The latest estimate of a cohort wins: a later mid-year estimate has seen more moves.
        p = p.sort_values("year").drop_duplicates(["planning_area_id", "entry"], keep="last")
        return p.rename(columns={"value": "cohort"})[["planning_area_id", "entry", "cohort"]].rename(
            columns={"entry": "year"}).reset_index(drop=True)
    return None


def _to_planning_area(df: pd.DataFrame, wards: pd.DataFrame | None, keys: tuple[str, ...] = ("year",)) -> pd.DataFrame:
    """Sum a table keyed by ward or planning area to primary planning areas."""
    df = df.assign(area_id=df["area_id"].astype(str))
    if wards is not None and len(wards) and df["area_id"].isin(wards["ward_id"].astype(str)).any():
        lookup = wards[["ward_id", "primary_planning_area_id"]].astype(str)
        df = df.merge(lookup, left_on="area_id", right_on="ward_id", how="left")
        df["planning_area_id"] = df["primary_planning_area_id"].fillna(df["area_id"])
    else:
        df = df.assign(planning_area_id=df["area_id"])
    return df.groupby(["planning_area_id", *keys], as_index=False)["value"].sum()


def cohort_matrix(cohort: pd.DataFrame | None, areas: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Entry cohort as an (areas × years) array; NaN where unknown."""
    out = np.full((len(areas), len(years)), np.nan)
    if cohort is None or cohort.empty:
        return out
    c = cohort[cohort["planning_area_id"].astype(str).isin(set(areas)) & cohort["year"].between(years[0], years[-1])]
    ai = np.searchsorted(areas, c["planning_area_id"].astype(str).to_numpy())
    out[ai, c["year"].to_numpy(int) - years[0]] = c["cohort"].to_numpy(float)
    return out
