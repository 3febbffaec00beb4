"""GeoJSON of a dataset's planning areas and schools, in WGS84 as RFC 7946 requires."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import geopandas as gpd
from sqlalchemy.orm import Session

from api.errors import ApiError
from geodata.io import points_from_xy
from sufficiency.app.store.datasets import load_dataset
from sufficiency.app.store.models import Dataset
from sufficiency.core.errors import InputError

_SCHOOL_FIELDS = ("school_id", "name", "phase", "planning_area_id", "ncy_low", "ncy_high", "pan", "net_capacity",
                  "ofsted", "governance")
_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_lock = threading.Lock()
# The last datasets loaded, so the planning areas and the schools of one dataset come from one load.
_loaded: OrderedDict[str, Any] = OrderedDict()


def _cached(dataset: Dataset, layer: str, build: Any) -> bytes:
    # Datasets never change once stored, so the content hash is a safe cache key.
    key = (dataset.content_hash, layer)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    body = build()
    with _lock:
        _cache[key] = body
        while len(_cache) > 32:
            _cache.popitem(last=False)
    return body


def _inputs(session: Session, dataset: Dataset) -> Any:
    if not dataset.valid:
        raise ApiError(422, "The dataset did not pass validation, so it has no map layers; see "
                       f"GET /datasets/{dataset.id}/validation.", dataset.problems)
    with _lock:
        loaded = _loaded.get(dataset.content_hash)
    if loaded is not None:
        return loaded
    try:
        loaded = load_dataset(session, dataset.id)
    except InputError as exc:
        raise ApiError(422, "The dataset cannot be loaded.", exc.problems) from None
    with _lock:
        _loaded[dataset.content_hash] = loaded
        while len(_loaded) > 2:
            _loaded.popitem(last=False)
    return loaded


def planning_areas_geojson(session: Session, dataset: Dataset) -> bytes:
    def build() -> bytes:
        areas = _inputs(session, dataset).planning_areas
        if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry.isna().all():
            raise ApiError(404, "This dataset has no planning-area boundaries. Add planning_areas.geojson, or "
                           "wards.geojson with each ward's planning area, and upload again.")
        return areas.to_crs("EPSG:4326").to_json(drop_id=True).encode()

    return _cached(dataset, "planning_areas", build)


def schools_geojson(session: Session, dataset: Dataset) -> bytes:
    def build() -> bytes:
        schools = _inputs(session, dataset).schools
        located = schools.dropna(subset=["x", "y"]) if {"x", "y"} <= set(schools.columns) else schools.iloc[0:0]
        if located.empty:
            raise ApiError(404, "No school in this dataset has coordinates; add x and y (British National Grid) "
                           "to schools.csv and upload again.")
        fields = [c for c in _SCHOOL_FIELDS if c in located.columns]
        points = points_from_xy(located[fields + ["x", "y"]], crs="EPSG:27700").drop(columns=["x", "y"])
        return points.to_crs("EPSG:4326").to_json(drop_id=True).encode()

    return _cached(dataset, "schools", build)
