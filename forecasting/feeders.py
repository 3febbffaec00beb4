"""Transfer between planning areas: which areas' Year 6 becomes a secondary area's Year 7.

An area that has pupils in a year group feeds its own next year group. A secondary planning
area has (almost) no Year 6 of its own, so its Year 7 is projected from the Year 6 of its feeder
primary planning areas, with a transfer ratio learned from history like any progression ratio.
The feeder weights come, in order of preference, from the data (a feeders table), from the
ward lookup (wards list both their primary and secondary planning area), from the spatial
overlap of planning area boundaries, or else pro rata to each secondary area's size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def self_feeding(values: np.ndarray, self_share: float) -> np.ndarray:
    """Which areas feed their own next year group, shape (areas, transitions).

    ``values`` is the (areas, years, year groups) roll history. An area feeds itself at a
    transition when its pupils in the earlier year group are at least ``self_share`` of those
    in the later one (so an area with neither feeds itself, harmlessly).
    """
    total = values.sum(axis=1)
    return total[:, :-1] >= self_share * total[:, 1:]


def feeder_matrix(
    areas: np.ndarray, values: np.ndarray, self_feed: np.ndarray, feeders: pd.DataFrame | None = None
) -> np.ndarray | None:
    """Share of each area's pupils that goes on to each receiving area, (areas × areas).

    Returns None when every area feeds itself. Rows are normalised to sum to 1 over the
    receiving areas, so a feeder's cohort is split, not copied.
    """
    receiving = ~self_feed.all(axis=1)
    if not receiving.any():
        return None
    n = len(areas)
    f = np.zeros((n, n))
    if feeders is not None and len(feeders):
        src = np.searchsorted(areas, feeders["from_area"].astype(str).to_numpy())
        dst = np.searchsorted(areas, feeders["to_area"].astype(str).to_numpy())
        known = (src < n) & (dst < n)
        known &= areas[np.minimum(src, n - 1)] == feeders["from_area"].astype(str).to_numpy()
        known &= areas[np.minimum(dst, n - 1)] == feeders["to_area"].astype(str).to_numpy()
        np.add.at(f, (src[known], dst[known]), feeders["weight"].to_numpy(float)[known])
        f[:, ~receiving] = 0.0
    if f.sum() == 0:
        # No mapping given: every non-receiving area feeds every receiving one pro rata to its size.
        size = np.where(receiving, values.sum(axis=(1, 2)), 0.0)
        f[~receiving] = size / size.sum() if size.sum() > 0 else receiving / receiving.sum()
    rows = f.sum(axis=1, keepdims=True)
    return np.where(rows > 0, f / np.where(rows > 0, rows, 1.0), 0.0)


def previous_cohort(state: np.ndarray, self_feed: np.ndarray, feeders: np.ndarray | None) -> np.ndarray:
    """The cohort each (area, year group ≥ 1) grows from: its own year group below, or its feeders'.

    ``state`` has shape (..., areas, year groups); the result (..., areas, year groups - 1).
    """
    prev = state[..., :-1]
    if feeders is None:
        return prev
    recv = np.flatnonzero(~self_feed.all(axis=1))
    fed = np.einsum("...ag,ar->...rg", prev, feeders[:, recv])
    out = prev.copy()
    out[..., recv, :] = np.where(self_feed[recv], prev[..., recv, :], fed)
    return out


def previous_cohort_paths(state: np.ndarray, self_feed: np.ndarray, feeders: np.ndarray | None) -> np.ndarray:
    """`previous_cohort` for bootstrap paths laid out as (year groups, areas, paths)."""
    prev = state[:-1]
    if feeders is None:
        return prev
    recv = np.flatnonzero(~self_feed.all(axis=1))
    fed = np.matmul(feeders[:, recv].T.astype(prev.dtype), prev)  # (year groups, receiving, paths)
    out = prev.copy()
    out[:, recv] = np.where(self_feed[recv].T[:, :, None], prev[:, recv], fed)
    return out


def feeders_from_wards(wards: pd.DataFrame | None) -> pd.DataFrame | None:
    """Feeder weights from the ward lookup: the share of a primary area's wards in each secondary area."""
    cols = {"primary_planning_area_id", "secondary_planning_area_id"}
    if wards is None or not cols <= set(wards.columns):
        return None
    w = wards[list(cols)].dropna().astype(str)
    w = w[w["primary_planning_area_id"] != w["secondary_planning_area_id"]]
    if w.empty:
        return None
    out = w.groupby(["primary_planning_area_id", "secondary_planning_area_id"]).size().reset_index(name="weight")
    return out.rename(columns={"primary_planning_area_id": "from_area", "secondary_planning_area_id": "to_area"})


def feeders_from_overlap(planning_areas: pd.DataFrame | None) -> pd.DataFrame | None:
    """Feeder weights from boundaries: the share of a primary area's land in each secondary area."""
    if planning_areas is None or "geometry" not in planning_areas or "phase" not in planning_areas:
        return None
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(planning_areas, geometry="geometry")
    primary = gdf[gdf["phase"] == "primary"][["planning_area_id", "geometry"]]
    secondary = gdf[gdf["phase"] == "secondary"][["planning_area_id", "geometry"]]
    if primary.empty or secondary.empty:
        return None
    both = gpd.overlay(primary, secondary, how="intersection", keep_geom_type=True)
    if both.empty:
        return None
    return pd.DataFrame({
        "from_area": both["planning_area_id_1"].astype(str),
        "to_area": both["planning_area_id_2"].astype(str),
        "weight": both.geometry.area.to_numpy(),
    })
