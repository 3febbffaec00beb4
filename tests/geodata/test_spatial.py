"""Spatial assignment, CRS conversion, adjacency and distances on hand-made geometry."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geodata import adjacency, assign_to_areas, centroid_distances, distance_matrix, points_from_xy, to_bng


def grid() -> gpd.GeoDataFrame:
    """Four 1 km squares: A B on top, C D below. A-B and A-C share edges; A-D meet at a corner."""
    squares = {"A": box(400_000, 301_000, 401_000, 302_000), "B": box(401_000, 301_000, 402_000, 302_000),
               "C": box(400_000, 300_000, 401_000, 301_000), "D": box(401_000, 300_000, 402_000, 301_000)}
    return gpd.GeoDataFrame({"planning_area_id": list(squares)}, geometry=list(squares.values()), crs="EPSG:27700")


def test_adjacency_needs_a_shared_edge() -> None:
    adj = adjacency(grid())
    pairs = set(zip(adj["planning_area_id"], adj["neighbour_id"], strict=True))
    assert pairs == {("A", "B"), ("B", "A"), ("A", "C"), ("C", "A"), ("B", "D"), ("D", "B"), ("C", "D"), ("D", "C")}
    assert adj["shared_boundary_m"].to_numpy() == pytest.approx(np.full(8, 1000.0))


def test_lonlat_converted_to_bng() -> None:
    # Ordnance Survey's worked example ("A guide to coordinate systems in Great Britain"):
    # 52°39'28.8282"N 1°43'57.8663"E is E 651,409.903 N 313,177.270. The guide's latitude and
    # longitude are on OSGB36, ours on WGS84, which differ by up to about 120 m.
    pts = points_from_xy(pd.DataFrame({"lon": [1.716073973], "lat": [52.658007833]}), "lon", "lat")
    assert pts.crs.to_epsg() == 27700
    assert pts.geometry.x.iloc[0] == pytest.approx(651_409.9, abs=150)
    assert pts.geometry.y.iloc[0] == pytest.approx(313_177.3, abs=150)


def test_to_bng_from_web_mercator_round_trip() -> None:
    bng = gpd.GeoDataFrame(geometry=[Point(380_000, 390_000)], crs="EPSG:27700")
    back = to_bng(bng.to_crs("EPSG:3857"))
    assert back.geometry.x.iloc[0] == pytest.approx(380_000, abs=0.01)


def test_frame_without_crs_is_guessed() -> None:
    lonlat = to_bng(gpd.GeoDataFrame(geometry=[Point(-2.3, 53.4)]))
    assert 370_000 < lonlat.geometry.x.iloc[0] < 390_000
    metres = to_bng(gpd.GeoDataFrame(geometry=[Point(380_000, 390_000)]))
    assert metres.geometry.x.iloc[0] == 380_000


def test_assign_inside_and_outside() -> None:
    points = gpd.GeoDataFrame(
        {"school_id": ["in_b", "in_c", "far_east"]},
        geometry=[Point(401_500, 301_500), Point(400_200, 300_300), Point(402_600, 300_500)],
        crs="EPSG:27700",
    )
    areas, warnings = assign_to_areas(points, grid(), "school_id")
    assert list(areas) == ["B", "C", "D"]
    assert len(warnings) == 1
    assert warnings[0].point_id == "far_east" and warnings[0].area_id == "D"
    assert warnings[0].distance_m == pytest.approx(600.0)
    assert "far_east lies outside every planning area; assigned to the nearest, D, 600 m away" == str(warnings[0])


def test_assign_refuses_mixed_crs() -> None:
    points = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(-2.3, 53.4)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="convert both"):
        assign_to_areas(points, grid(), "id")


def test_distance_matrix_is_metres() -> None:
    pts = gpd.GeoSeries([Point(0, 0), Point(3_000, 4_000)], crs="EPSG:27700")
    d = distance_matrix(pts, origin_ids=["a", "b"])
    assert d.loc["a", "b"] == pytest.approx(5_000.0)
    assert d.loc["b", "b"] == 0.0


def test_centroid_distances() -> None:
    d = centroid_distances(grid())
    assert d.loc["A", "B"] == pytest.approx(1_000.0)
    assert d.loc["A", "D"] == pytest.approx(np.hypot(1_000, 1_000))


@pytest.mark.parametrize(("declared", "bounds", "diagnosis", "fix"), [
    ("EPSG:4326", (376_000, 388_000, 378_000, 390_000),
     "its coordinates look like British National Grid metres, but the file declares EPSG:4326", "Declare EPSG:27700"),
    ("EPSG:27700", (-2.36, 53.38, -2.30, 53.40),
     "its coordinates look like longitude and latitude in degrees, but the file declares EPSG:27700",
     "Declare EPSG:4326"),
    ("EPSG:3857", (-260_000, 7_050_000, -250_000, 7_060_000),
     "its coordinates, from (-260,000, 7,050,000) to (-250,000, 7,060,000), do not fit the EPSG:3857 it declares",
     "Check the CRS"),
])
def test_crs_mismatch_says_what_the_coordinates_look_like(declared, bounds, diagnosis, fix) -> None:
    from geodata import crs_mismatch

    got, how = crs_mismatch(declared, bounds)
    assert got == diagnosis and how.startswith(fix)


def test_read_geo_keeps_the_declared_crs_and_bounds(tmp_path) -> None:
    from geodata import read_geo

    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(-2.36, 53.38, -2.30, 53.40)], crs="EPSG:4326").to_file(path)
    gdf = read_geo(path)
    assert gdf.crs.to_epsg() == 27700
    assert gdf.attrs["source_crs"] == "EPSG:4326"
    assert gdf.attrs["source_bounds"] == pytest.approx((-2.36, 53.38, -2.30, 53.40))
