"""Coordinate reference systems: everything is held in British National Grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

#: British National Grid, the Ordnance Survey's projected system, in metres.
BNG = "EPSG:27700"

#: The extent of Great Britain in British National Grid metres (OS National Grid: the 700 km by
#: 1,300 km false-origin grid). A projected coordinate outside it is not in Great Britain, which
#: almost always means the coordinates were declared in the wrong CRS.
GB_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)


def looks_like_lonlat(xs: np.ndarray, ys: np.ndarray) -> bool:
    """Whether every coordinate pair lies in the longitude/latitude ranges of Great Britain."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return False
    return bool(((np.abs(xs[ok]) <= 10) & (ys[ok] >= 49) & (ys[ok] <= 61)).all())


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in British National Grid.

    A frame without a CRS is taken as longitude/latitude (WGS84) when its coordinates look like
    it, and as British National Grid otherwise: that is how files without a CRS arrive in practice.
    """
    if gdf.crs is None:
        bounds = gdf.total_bounds
        lonlat = looks_like_lonlat(bounds[[0, 2]], bounds[[1, 3]])
        gdf = gdf.set_crs("EPSG:4326" if lonlat else BNG)
    if gdf.crs.to_epsg() == 27700:
        return gdf
    return gdf.to_crs(BNG)


def outside_great_britain(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Boolean mask of features whose bounds fall outside Great Britain (in BNG)."""
    b = gdf.geometry.bounds.to_numpy()
    x0, y0, x1, y1 = GB_BOUNDS
    inside = (b[:, 0] >= x0) & (b[:, 1] >= y0) & (b[:, 2] <= x1) & (b[:, 3] <= y1)
    return ~inside & ~gdf.geometry.is_empty.to_numpy() & gdf.geometry.notna().to_numpy()
