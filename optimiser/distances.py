"""Distances between planning areas, for pupils travelling to a neighbouring area's school."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def area_distances(inputs: Any) -> pd.DataFrame | None:
    """Planning-area distances in metres: between area centroids when areas have geometry,
    else between the mean positions of each area's schools."""
    areas = inputs.planning_areas
    if areas is not None and "geometry" in areas and areas.geometry.notna().all():
        from geodata import centroid_distances

        return centroid_distances(areas)
    if not {"x", "y"} <= set(inputs.schools.columns):
        return None  # no locations given: no moves between areas
    schools = inputs.schools.dropna(subset=["x", "y"])
    if schools.empty:
        return None
    centre = schools.groupby("planning_area_id")[["x", "y"]].mean()
    xy = centre.to_numpy()
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return pd.DataFrame(dist, index=centre.index.astype(str), columns=centre.index.astype(str))
