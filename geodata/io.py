"""Reading and writing geographic files, kept apart from the spatial logic."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.crs import BNG, looks_like_lonlat, to_bng


class GeoReadError(ValueError):
    """A geographic file could not be read; the message says why and what to do."""


def read_geo(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON or GeoPackage file and return it in British National Grid.

    The CRS the file declared and its bounds in that CRS are kept in ``attrs`` as
    ``source_crs`` and ``source_bounds`` (see `geodata.crs.crs_mismatch`).

    Raises
    ------
    GeoReadError
        When the file cannot be parsed or holds no geometry column.
    """
    path = Path(path)
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for a damaged file
        reason = str(exc).replace(str(path), path.name).split("; It might help", 1)[0].rstrip(". ")
        raise GeoReadError(
            f"{path.name} could not be read as {path.suffix.lstrip('.').upper()} ({reason}). "
            "Check that it is a valid GeoJSON or GeoPackage file, e.g. by opening it in QGIS"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise GeoReadError(f"{path.name} holds no geometry column. Export it with its geometry")
    declared = gdf.crs.to_string() if gdf.crs is not None else None
    bounds = tuple(float(v) for v in gdf.total_bounds)
    out = to_bng(gdf)
    # Kept so that a wrongly declared CRS can be explained in the file's own terms.
    out.attrs.update(source_crs=declared, source_bounds=bounds)
    return out


def points_from_xy(df: pd.DataFrame, x: str = "x", y: str = "y", crs: str | None = None) -> gpd.GeoDataFrame:
    """Make point geometries from two coordinate columns and return them in BNG.

    With ``crs=None`` the columns are read as longitude/latitude when every pair looks like
    it, and as British National Grid metres otherwise.
    """
    xs, ys = df[x].to_numpy(dtype=float), df[y].to_numpy(dtype=float)
    if crs is None:
        crs = "EPSG:4326" if looks_like_lonlat(xs, ys) else BNG
    gdf = gpd.GeoDataFrame(df.copy(), geometry=gpd.points_from_xy(xs, ys), crs=crs)
    return to_bng(gdf)


def write_layers(path: str | Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers to one GeoPackage, replacing the file whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(tmp, layer=name, driver="GPKG")
    tmp.replace(path)  # written whole or not at all
    return path
