"""Places and sufficiency: capacity against pupils per planning area, year group and year.

DfE counts places needed per year group within a planning area: schools in the same planning
area offset one another, but year groups and planning areas do not ("School places scorecards:
technical guidance", and the SCAP guide). Surplus is counted the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sufficiency.core.phases import ENTRY_POINTS, LAST_SECONDARY, PHASE_NCY, SIXTH_FORM, phase_rows


def whole_cells(pupils: Any, places: Any) -> tuple[Any, Any, Any, Any]:
    """Pupils and places of each area, year group and year rounded to whole numbers (as the SCAP return counts
    them), with the places short (pupils above places) and spare (places above pupils) taken from those: the one
    rule every page counts by. Series in, Series out; arrays in, arrays out."""
    pupils, places = np.round(pupils), np.round(places)
    return pupils, places, np.clip(pupils - places, 0.0, None), np.clip(places - pupils, 0.0, None)


def with_places_short(frame: pd.DataFrame, pupils: str = "demand", places: str = "capacity") -> pd.DataFrame:
    """``frame`` with ``places_short``: each cell's whole pupils above its whole places (`whole_cells`), the count
    the report, the web app and the console sum. Written beside one-decimal figures, which can round a cell the
    other way (467.52 pupils written 467.5), so that the file sums to the report's place-years."""
    return frame.assign(places_short=whole_cells(frame[pupils].fillna(0.0), frame[places].fillna(0.0))[2].astype(int))


def places_short(demand: object, capacity: object) -> float:
    """Place-years short as every page counts them (`whole_cells`), summed; never offset by spare places
    elsewhere. Not the plan's own shortfall, which counts pupils plus its operating margin."""
    short = whole_cells(np.nan_to_num(np.asarray(demand, dtype=float)),
                        np.nan_to_num(np.asarray(capacity, dtype=float)))[2]
    return float(short.sum())


#: How a school's sixth-form places were found (``sixth_form_places``).
SIXTH_FORM_BASIS = ("post16_capacity", "net capacity less the main school", "admission number")


def sixth_form_places(schools: pd.DataFrame) -> pd.DataFrame:
    """Sixth-form places of every school with Years 12-13, on one basis for the whole product (the
    current position, the plan and the post-16 section read them here).

    The school's own ``post16_capacity`` where given; else what its net capacity (which DfE counts
    over every year group, the sixth form included) leaves after the main school's admission number in
    each of its Years 7-11 (or Reception-Year 11); else, with no net capacity, the admission number in
    each sixth-form year.

    Returns
    -------
    DataFrame with columns ``school_id, planning_area_id, sixth_form_years, places, places_basis``
    (places over all its sixth-form years).
    """
    need = schools.dropna(subset=["ncy_low", "ncy_high"])
    low = need["ncy_low"].astype(int).to_numpy()
    high = need["ncy_high"].astype(int).to_numpy()
    years = np.clip(high - LAST_SECONDARY, 0, len(PHASE_NCY[SIXTH_FORM]))
    pan = need["pan"].astype(float).to_numpy() if "pan" in need else np.full(len(need), np.nan)
    cap = need["net_capacity"].astype(float).to_numpy() if "net_capacity" in need else np.full(len(need), np.nan)
    given = (pd.to_numeric(need["post16_capacity"], errors="coerce").to_numpy(dtype=float)
             if "post16_capacity" in need else np.full(len(need), np.nan))
    left = cap - pan * (np.minimum(high, LAST_SECONDARY) - low + 1)
    places = np.where(~np.isnan(given), given, np.where(left > 0, left, pan * years))
    basis = np.where(~np.isnan(given), SIXTH_FORM_BASIS[0],
                     np.where(left > 0, SIXTH_FORM_BASIS[1], SIXTH_FORM_BASIS[2]))
    out = pd.DataFrame({"school_id": need["school_id"].to_numpy(),
                        "planning_area_id": need["planning_area_id"].to_numpy(), "sixth_form_years": years,
                        "places": np.floor(np.nan_to_num(places)), "places_basis": basis})
    return out[out["sixth_form_years"] > 0].reset_index(drop=True)


def places_by_year_group(schools: pd.DataFrame) -> pd.DataFrame:
    """Places each school offers in each year group it teaches.

    Main-school year groups have the published admission number (PAN). Sixth-form year groups
    share the school's sixth-form places (:func:`sixth_form_places`) equally.

    Returns
    -------
    DataFrame with columns ``school_id, planning_area_id, ncy, places``.
    """
    need = schools.dropna(subset=["ncy_low", "ncy_high"])
    low = need["ncy_low"].astype(int).to_numpy()
    high = need["ncy_high"].astype(int).to_numpy()
    counts = high - low + 1
    rows = np.repeat(np.arange(len(need)), counts)
    ncy = low[rows] + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    pan = need["pan"].astype(float).to_numpy() if "pan" in need else np.full(len(need), np.nan)
    sixth = sixth_form_places(need).set_index("school_id")
    per_year = (sixth["places"] / sixth["sixth_form_years"]).reindex(need["school_id"].to_numpy()).to_numpy()
    places = np.where(np.isin(ncy, PHASE_NCY[SIXTH_FORM]), per_year[rows], pan[rows])
    return pd.DataFrame({
        "school_id": need["school_id"].to_numpy()[rows],
        "planning_area_id": need["planning_area_id"].to_numpy()[rows],
        "ncy": ncy,
        "places": np.floor(places),
    })


def places_by_year(schools: pd.DataFrame, rolls: pd.DataFrame, base_year: int,
                   years: list[int] | range) -> pd.DataFrame:
    """Places in each school, year group and future year before any new scheme.

    A cohort already on roll above its year group's places (a past bulge class, or pupils
    admitted over the admission number) keeps those places as it moves up the school: nobody
    loses a place they hold. So for year ``t`` after ``base_year``, year group ``g`` has the larger
    of its standard places and the base-year roll of the same cohort (year group
    ``g - (t - base_year)``) at that school. Entry year groups and cohorts not yet on roll get
    the standard places, and no cohort carries its places across a point of entry
    (:data:`sufficiency.core.phases.ENTRY_POINTS`: Year 7 at an all-through school, Year 12 into
    the sixth form; Reception has no cohort below it), where
    pupils are admitted afresh against that year group's own admission number.

    Returns
    -------
    DataFrame ``school_id, planning_area_id, year, ncy, places``.
    """
    standard = places_by_year_group(schools)
    grid = standard.merge(pd.DataFrame({"year": list(years)}), how="cross")
    base = rolls.loc[rolls["year"] == base_year, ["school_id", "ncy", "pupils"]]
    steps = pd.DataFrame({"k": np.arange(1, max(1, max(years, default=base_year) - base_year) + 1)})
    carried = base.merge(steps, how="cross")
    carried = carried.assign(year=base_year + carried["k"], ncy=carried["ncy"] + carried["k"])
    start = carried["ncy"] - carried["k"]
    crosses = np.zeros(len(carried), dtype=bool)
    for entry in ENTRY_POINTS:
        crosses |= (start < entry) & (carried["ncy"] >= entry)
    carried = carried[~crosses]
    grid = grid.merge(carried[["school_id", "year", "ncy", "pupils"]], on=["school_id", "year", "ncy"], how="left")
    grid["places"] = np.fmax(grid["places"], grid["pupils"].fillna(0).to_numpy(dtype=float))
    cols = ["school_id", "planning_area_id", "year", "ncy", "places"]
    return grid[cols].sort_values(["school_id", "year", "ncy"]).reset_index(drop=True)


def sufficiency_table(pupils: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Pupils against places per planning area, year group and year.

    Parameters
    ----------
    pupils
        ``planning_area_id, year, ncy, pupils`` (actual rolls or a forecast).
    places
        ``planning_area_id, ncy, places`` (from :func:`places_by_year_group`, any school level);
        a ``year`` column, when present, gives places that change over time.

    Returns
    -------
    DataFrame ``planning_area_id, year, ncy, pupils, places, surplus, places_needed,
    surplus_rate``: surplus and places needed are each zero or more, never offset across year
    groups or planning areas; ``surplus_rate`` is surplus over places (NaN with no places).
    """
    keys = ["planning_area_id", "ncy"] + (["year"] if "year" in places.columns else [])
    cap = places.groupby(keys, as_index=False)["places"].sum()
    demand = pupils.groupby(["planning_area_id", "year", "ncy"], as_index=False)["pupils"].sum()
    out = demand.merge(cap, on=keys, how="outer" if "year" in keys else "left")
    if "year" not in keys:
        # places with no pupils yet still count, for every year the pupils cover
        years = pd.DataFrame({"year": demand["year"].unique()})
        empty = cap.merge(years, how="cross").merge(demand, on=["planning_area_id", "ncy", "year"], how="left")
        out = pd.concat([out, empty[empty["pupils"].isna()]], ignore_index=True)
    out["pupils"] = out["pupils"].fillna(0.0)
    out["places"] = out["places"].fillna(0.0)
    gap = out["places"] - out["pupils"]
    out["surplus"] = gap.clip(lower=0)
    out["places_needed"] = (-gap).clip(lower=0)
    out["surplus_rate"] = np.where(out["places"] > 0, gap / out["places"].where(out["places"] > 0), np.nan)
    cols = ["planning_area_id", "year", "ncy", "pupils", "places", "surplus", "places_needed", "surplus_rate"]
    return out[cols].sort_values(["planning_area_id", "year", "ncy"]).reset_index(drop=True)


def rolls_by_area(rolls: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Actual rolls summed to ``planning_area_id, year, ncy, pupils``."""
    area = rolls["school_id"].map(schools.set_index("school_id")["planning_area_id"])
    return (rolls.assign(planning_area_id=area).groupby(["planning_area_id", "year", "ncy"], as_index=False)
            ["pupils"].sum())


def planned_cells(table: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    """``table`` (pupils against places by planning area, year and year group) in the year groups the plan
    provides places for (:func:`sufficiency.core.phases.phase_rows`), its pupils and places rounded to whole
    numbers (as the SCAP return counts them) and its places needed and surplus taken from those, so every
    sum of them printed anywhere, on the console or in a report, adds up to the same figure."""
    rows = phase_rows(table, phases)
    pupils, places, needed, surplus = whole_cells(rows["pupils"], rows["places"])
    return rows.assign(pupils=pupils, places=places, places_needed=needed, surplus=surplus)


def summarise(table: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """One row per planning area and year: totals, with surplus and places needed summed per year group."""
    out = table.groupby(["planning_area_id", "year"], as_index=False)[
        ["pupils", "places", "surplus", "places_needed"]].sum()
    out["surplus_rate"] = np.where(out["places"] > 0,
                                   (out["places"] - out["pupils"]) / out["places"].where(out["places"] > 0), np.nan)
    meta = pd.DataFrame(areas)[["planning_area_id", "name", "phase"]]
    return meta.merge(out, on="planning_area_id", how="right")
