"""Pupils from new housing: completions × pupil yield, spread over year groups, added to the trend.

A dwelling completed in year c holds, in academic year y, ``pupils_per_dwelling`` children of a
phase at ``years_since_completion = y - c`` (yields past the last tabulated year stay at that
year's value: the development has matured). Only completions after the base year count, since
earlier ones are already in the rolls; with ``above_trend`` only dwellings beyond the area's
historic build rate count, because the usual rate of building is already in the roll trend.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sufficiency.core.phases import PHASE_NCY, PRIMARY, SECONDARY, SIXTH_FORM

#: Year groups of each yield phase under the English coding (DfE pupil yield guidance, 2023,
#: reports yields for primary 4-10, secondary 11-15 and post-16 16-18 year olds).
PHASE_NCYS: dict[str, tuple[int, ...]] = {
    PRIMARY: PHASE_NCY[PRIMARY],
    SECONDARY: PHASE_NCY[SECONDARY],
    "post16": PHASE_NCY[SIXTH_FORM],
    SIXTH_FORM: PHASE_NCY[SIXTH_FORM],
}


def housing_pupils(
    housing: pd.DataFrame | None,
    yields: pd.DataFrame | None,
    areas: np.ndarray,
    ncys: np.ndarray,
    latest: np.ndarray,
    base_year: int,
    horizon: int,
    above_trend: bool = True,
    yields_shift: float = 0.0,
    feeders: np.ndarray | None = None,
) -> np.ndarray:
    """Extra pupils from new dwellings, shape (areas, horizon, year groups).

    Parameters
    ----------
    housing, yields
        Canonical ``housing`` (with ``planning_area_id`` resolved) and ``pupil_yields`` tables.
    areas, ncys
        Axes of the forecast.
    latest
        Latest rolls (areas × year groups): pupils of a phase are spread over its year groups in
        these proportions (evenly where the area has none).
    feeders
        Feeder matrix; pupils of a phase an area does not teach (secondary pupils from homes in
        a primary planning area) go on to the areas it feeds.
    """
    out = np.zeros((len(areas), horizon, len(ncys)))
    if housing is None or yields is None or housing.empty or yields.empty:
        return out
    sites = _future_dwellings(housing, base_year, above_trend)
    per_phase = _yield_by_year(sites, yields, base_year, horizon)
    per_phase["pupils"] = per_phase["pupils"] * (1.0 + yields_shift)
    for phase, ncy_range in PHASE_NCYS.items():  # a handful of phases, each vectorised
        cols = np.isin(ncys, list(ncy_range))
        rows = per_phase[per_phase["phase"] == phase]
        if not cols.any() or rows.empty:
            continue
        pupils = np.zeros((len(areas), horizon))
        ai = np.searchsorted(areas, rows["planning_area_id"].to_numpy(str))
        known = (ai < len(areas)) & (areas[np.minimum(ai, len(areas) - 1)] == rows["planning_area_id"].to_numpy(str))
        if (~known).any():
            warnings.warn(f"housing: {int((~known).sum())} row(s) name planning areas with no schools; ignored", stacklevel=2)
        np.add.at(pupils, (ai[known], rows["year"].to_numpy(int)[known] - base_year - 1), rows["pupils"].to_numpy(float)[known])
        out[:, :, cols] += _spread(pupils, latest[:, cols], feeders)
    return out


def _future_dwellings(housing: pd.DataFrame, base_year: int, above_trend: bool) -> pd.DataFrame:
    """Completions after the base year, less the historic build rate when asked."""
    h = housing.assign(planning_area_id=housing["planning_area_id"].astype(str))
    future = h[h["year"] > base_year].copy()
    if not above_trend or future.empty:
        return future
    past = h[h["year"] <= base_year]
    if past.empty:
        return future
    n_years = past["year"].nunique()
    rate = past.groupby("planning_area_id")["dwellings"].sum() / n_years
    total = future.groupby(["planning_area_id", "year"])["dwellings"].transform("sum")
    usual = future["planning_area_id"].map(rate).fillna(0.0)
    # Each site keeps its share of the area's building above the usual rate that year.
    future["dwellings"] = future["dwellings"] * np.clip(1.0 - usual / total.where(total > 0), 0.0, 1.0).fillna(0.0)
    return future


def _yield_by_year(sites: pd.DataFrame, yields: pd.DataFrame, base_year: int, horizon: int) -> pd.DataFrame:
    """Pupils by planning area, phase and forecast year from the completions."""
    keys = [k for k in ("dwelling_type", "tenure") if k in sites.columns and k in yields.columns]
    years = pd.DataFrame({"year": base_year + np.arange(1, horizon + 1)})
    grid = sites.rename(columns={"year": "completed"}).merge(years, how="cross")
    grid = grid[grid["year"] >= grid["completed"]]
    grid["years_since_completion"] = grid["year"] - grid["completed"]
    y = yields
    grid = grid.merge(y[["phase"]].drop_duplicates(), how="cross")
    # Past the last tabulated year a development has matured: its yield stays put.
    mature = grid["phase"].map(y.groupby("phase")["years_since_completion"].max())
    grid["years_since_completion"] = np.minimum(grid["years_since_completion"], mature)
    merged = grid.merge(y, on=["phase", "years_since_completion", *keys], how="inner")
    merged["pupils"] = merged["dwellings"] * merged["pupils_per_dwelling"]
    return merged.groupby(["planning_area_id", "phase", "year"], as_index=False)["pupils"].sum()


def _spread(pupils: np.ndarray, shape: np.ndarray, feeders: np.ndarray | None) -> np.ndarray:
    """Spread (areas × years) pupils over year groups by the areas' own profile of the phase."""
    total = shape.sum(axis=1, keepdims=True)
    profile = np.where(total > 0, shape / np.where(total > 0, total, 1.0), 1.0 / shape.shape[1])
    teaches = total[:, 0] > 0
    if feeders is not None and (~teaches).any():
        moved = feeders[~teaches][:, teaches].T @ pupils[~teaches]  # to the areas they feed
        pupils = np.where(teaches[:, None], pupils, 0.0)
        pupils[teaches] += moved
    return pupils[:, :, None] * profile[:, None, :]
