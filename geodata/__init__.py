"""Geographic data for school-place planning.

Reads planning areas, wards, schools and housing sites from GeoJSON, GeoPackage or tables with
coordinates; converts every coordinate reference system to British National Grid (EPSG:27700);
assigns points to planning areas; and builds planning-area adjacency and distance matrices in
metres. All of it vectorised with geopandas and shapely.
"""

from __future__ import annotations

from geodata.crs import BNG, GB_BOUNDS, crs_mismatch, outside_great_britain, to_bng
from geodata.io import GeoReadError, points_from_xy, read_geo, write_layers
from geodata.spatial import (
    AssignmentWarning,
    adjacency,
    assign_to_areas,
    centroid_distances,
    distance_matrix,
)

__all__ = [
    "BNG",
    "GB_BOUNDS",
    "AssignmentWarning",
    "GeoReadError",
    "adjacency",
    "assign_to_areas",
    "centroid_distances",
    "crs_mismatch",
    "distance_matrix",
    "outside_great_britain",
    "points_from_xy",
    "read_geo",
    "to_bng",
    "write_layers",
]
