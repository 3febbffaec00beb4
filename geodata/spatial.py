"""Spatial joins, adjacency and distances between planning areas and schools."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: A boundary shared over less than this many metres is a touch at a corner, not adjacency.
MIN_SHARED_BOUNDARY_M = 1.0


@dataclass(frozen=True)
class AssignmentWarning:
    """A point that fell outside every area and was given to the nearest one."""

    point_id: str
    area_id: str
    distance_m: float

    def __str__(self) -> str:
        return (
            f"{self.point_id} lies outside every planning area; assigned to the nearest, "
            f"{self.area_id}, {self.distance_m:,.0f} m away"
        )


def assign_to_areas(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    point_id: str,
    area_id: str = "planning_area_id",
) -> tuple[pd.Series, list[AssignmentWarning]]:
    """Assign each point to the area that contains it, or else the nearest area.

    Both frames must be in the same projected CRS (British National Grid). A point on a shared
    boundary goes to the first area listed, so the result has exactly one area per point.

    Returns
    -------
    areas_for_points
        Area id per point, indexed like ``points``.
    warnings
        One :class:`AssignmentWarning` for each point that lay outside every area.
    """
    if points.crs != areas.crs:
        raise ValueError(f"points are in {points.crs} but areas in {areas.crs}; convert both with to_bng")
    left = points[[points.geometry.name]]
    right = areas[[area_id, areas.geometry.name]]
    inside = gpd.sjoin(left, right, how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    result = inside[area_id].reindex(points.index)
    missing = result.isna()
    warnings: list[AssignmentWarning] = []
    if missing.any():
        near = gpd.sjoin_nearest(left[missing], right, how="left", distance_col="distance_m")
        near = near[~near.index.duplicated(keep="first")]
        result.loc[near.index] = near[area_id]
        warnings = [
            AssignmentWarning(str(points.at[i, point_id]), str(a), float(d))
            for i, a, d in zip(near.index, near[area_id], near["distance_m"], strict=True)
        ]
    return result.astype(str), warnings


def adjacency(areas: gpd.GeoDataFrame, area_id: str = "planning_area_id") -> pd.DataFrame:
    """Pairs of areas that share a boundary, with the shared length in metres.

    Areas meeting only at a corner are not neighbours. Each pair appears in both orders.
    """
    geoms = areas[[area_id, areas.geometry.name]].reset_index(drop=True)
    pairs = gpd.sjoin(geoms, geoms, how="inner", predicate="intersects", lsuffix="a", rsuffix="b")
    pairs = pairs[pairs[f"{area_id}_a"] != pairs[f"{area_id}_b"]]
    a = geoms.geometry.to_numpy()[pairs.index.to_numpy()]
    b = geoms.geometry.to_numpy()[pairs["index_b"].to_numpy()]
    shared = shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b)))
    out = pd.DataFrame(
        {
            area_id: pairs[f"{area_id}_a"].to_numpy(),
            "neighbour_id": pairs[f"{area_id}_b"].to_numpy(),
            "shared_boundary_m": shared,
        }
    )
    out = out[out["shared_boundary_m"] >= MIN_SHARED_BOUNDARY_M]
    return out.sort_values([area_id, "neighbour_id"]).reset_index(drop=True)


def distance_matrix(
    origins: gpd.GeoSeries | gpd.GeoDataFrame,
    destinations: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    origin_ids: pd.Index | list[str] | None = None,
    destination_ids: pd.Index | list[str] | None = None,
) -> pd.DataFrame:
    """Straight-line distances in metres between every origin and destination geometry.

    Uses shapely's vectorised distance with numpy broadcasting: one call for the whole matrix.
    """
    destinations = origins if destinations is None else destinations
    og = np.asarray(origins.geometry if hasattr(origins, "geometry") else origins)
    dg = np.asarray(destinations.geometry if hasattr(destinations, "geometry") else destinations)
    dist = shapely.distance(og[:, None], dg[None, :])
    idx = origins.index if origin_ids is None else pd.Index(origin_ids)
    if destination_ids is not None:
        cols = pd.Index(destination_ids)
    else:
        cols = destinations.index if destinations is not origins else idx
    return pd.DataFrame(dist, index=idx, columns=cols)


def centroid_distances(areas: gpd.GeoDataFrame, area_id: str = "planning_area_id") -> pd.DataFrame:
    """Distances in metres between area centroids, indexed and labelled by ``area_id``."""
    centroids = areas.geometry.centroid
    ids = areas[area_id].astype(str).to_list()
    return distance_matrix(centroids, origin_ids=ids, destination_ids=ids)
