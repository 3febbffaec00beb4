"""Coordinate reference systems: everything is held in British National Grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError

#: British National Grid, the Ordnance Survey's projected system, in metres.
BNG = "EPSG:27700"

#: The extent of Great Britain in British National Grid metres (OS National Grid: the 700 km by
#: 1,300 km false-origin grid). A projected coordinate outside it is not in Great Britain, which
#: almost always means the coordinates were declared in the wrong CRS.
GB_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)

ArrayOrFloat = np.ndarray | float


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


def within_great_britain(minx: ArrayOrFloat, miny: ArrayOrFloat, maxx: ArrayOrFloat,
                         maxy: ArrayOrFloat) -> np.ndarray | bool:
    """Whether boxes (a point is a box with min = max) lie inside Great Britain, in BNG metres."""
    x0, y0, x1, y1 = GB_BOUNDS
    return (minx >= x0) & (miny >= y0) & (maxx <= x1) & (maxy <= y1)


def outside_great_britain(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Boolean mask of features whose bounds fall outside Great Britain (in BNG)."""
    inside = within_great_britain(*gdf.geometry.bounds.to_numpy().T)
    return ~inside & ~gdf.geometry.is_empty.to_numpy() & gdf.geometry.notna().to_numpy()


def crs_mismatch(declared: str | None, bounds: tuple[float, float, float, float]) -> tuple[str, str]:
    """Why coordinates with these bounds (in the file's own CRS) miss Great Britain, and the fix.

    Parameters
    ----------
    declared
        The CRS the file declares (any string pyproj reads), or None when it declares none.
    bounds
        ``(minx, miny, maxx, maxy)`` of the features in that CRS, before conversion.

    Returns
    -------
    diagnosis, fix
        Plain sentences for an error message.
    """
    x0, y0, x1, y1 = (float(v) for v in bounds)
    try:
        crs = CRS.from_user_input(declared) if declared else None
    except CRSError:
        crs = None
    name = (crs.to_string() if crs is not None else declared) or "no CRS"
    if looks_like_lonlat(np.array([x0, x1]), np.array([y0, y1])) and not (crs is not None and crs.is_geographic):
        return (f"its coordinates look like longitude and latitude in degrees, but the file declares {name}",
                "Declare EPSG:4326 (longitude/latitude) in the file, e.g. with QGIS 'Assign Projection', "
                "and export it again")
    if within_great_britain(x0, y0, x1, y1) and (crs is None or crs.to_epsg() != 27700):
        return (f"its coordinates look like British National Grid metres, but the file declares {name}",
                "Declare EPSG:27700 (British National Grid) in the file, e.g. with QGIS 'Assign Projection', "
                "and export it again")
    return (f"its coordinates, from ({x0:,.0f}, {y0:,.0f}) to ({x1:,.0f}, {y1:,.0f}), do not fit the {name} "
            "it declares",
            "Check the CRS the file declares matches its coordinates (e.g. EPSG:27700 or EPSG:4326)")
