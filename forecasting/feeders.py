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


#: Fewest past years on which both sources of a later year group must have been tested before
#: `sources_by_errors` switches an area's source: one unusual year should not switch it. On the NYC
#: backtest, switching on one year's errors moved Grade 6-12 two years ahead closer (median 1.33%
#: against 1.57%) but pushed the K-12 district totals' bias to +0.51% (against +0.33%), outside the
#: +/-0.5% the forecast is held to; with two, Grade 6-12 one year ahead fell to 1.11% (README).
MIN_TESTED_YEARS = 2

#: Years of ratios behind each tested forecast: the 3-year mean, as the plain cohort survival.
TEST_WINDOW = 3


def sources_by_errors(prev: np.ndarray, nxt: np.ndarray, self_feed: np.ndarray, areas: np.ndarray,
                      values: np.ndarray, feeders: pd.DataFrame | None, share: float) -> np.ndarray:
    """`self_feeding`, with the doubtful areas at a transfer settled by each source's errors on their past.

    A transfer is a transition at which some area already takes its pupils from feeders (the entry
    to a new phase: Year 7 in an English authority's secondary planning areas, Grade 9 in a city
    whose students choose high schools across districts). There, a self-feeding area whose pupils
    in the earlier year group are below ``share`` of those in the later one (more than 1 - share of
    the later year group came from elsewhere) is tested: its later year group is forecast for each
    past year from its own earlier year group and from the cohort its feeders would give
    (`feeder_matrix` with every tested area receiving), each by the 3-year mean of its ratios, and
    the source that missed by fewer pupils (squared, summed over the years tested) is kept, once
    both have at least `MIN_TESTED_YEARS` tested years. This is selection by out-of-sample error,
    as `forecasting.ratios.combination_weights` weighs its summaries (Bates & Granger 1969); the
    source is chosen whole rather than weighed, because one cohort or the other feeds the year
    group. Transitions with no receiving area are left alone: there every area's pupils come from
    its own earlier year group (on the English LA backtest, where each LA is one area, testing them
    switched a few LAs' Year 7 to the whole country's Year 6 and changed every LA's forecast through
    the authority-wide ratio; README).

    Parameters
    ----------
    prev, nxt
        Pupils a ratio divides by and into (`Panel.ratio_bases`), shape (areas, years, year groups).
    self_feed
        `self_feeding`'s answer, shape (areas, transitions).
    areas, values, feeders
        As for `feeder_matrix`.
    share
        Below this share of the later year group, a self-feeding area's source is tested.

    Returns
    -------
    ndarray of bool, shape (areas, transitions)
        ``self_feed`` with the tested transitions whose feeders did better set to False.
    """
    total = values.sum(axis=1)
    transfer = (~self_feed).any(axis=0)[None, :]  # some area is already fed here
    doubtful = self_feed & transfer & (total[:, :-1] < share * total[:, 1:])
    if not doubtful.any() or prev.shape[1] - 2 < MIN_TESTED_YEARS:
        return self_feed
    trial = self_feed & ~doubtful
    fed = previous_cohort(np.moveaxis(prev[:, :-1], 1, 0), trial, feeder_matrix(areas, values, trial, feeders))
    target = nxt[:, 1:, 1:]
    sse_own, n_own = _one_step_errors(target, prev[:, :-1, :-1])
    sse_fed, n_fed = _one_step_errors(target, np.moveaxis(fed, 0, 1))
    tested = (n_own >= MIN_TESTED_YEARS) & (n_fed >= MIN_TESTED_YEARS)
    return self_feed & ~(doubtful & tested & (sse_fed < sse_own))


def _one_step_errors(target: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared errors (pupils) of forecasting each past year ``target`` (areas, years, G) as ``base``
    times the mean of the `TEST_WINDOW` ratios before it, summed over years; and the years tested."""
    ok = base >= 1.0
    r = np.where(ok, target / np.where(ok, base, 1.0), np.nan)
    sse = np.zeros(target[:, 0].shape)
    n = np.zeros(target[:, 0].shape, dtype=int)
    for t in range(1, target.shape[1]):  # a handful of past years; areas and transitions vectorised
        window = r[:, max(0, t - TEST_WINDOW):t]
        count = np.isfinite(window).sum(axis=1)
        mean = np.where(count > 0, np.nansum(window, axis=1) / np.maximum(count, 1), np.nan)
        hit = np.isfinite(mean) & ok[:, t]
        sse += np.where(hit, (mean * base[:, t] - target[:, t]) ** 2, 0.0)
        n += hit
    return sse, n


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
