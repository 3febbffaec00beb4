"""The embedded sample borough is complete and consistent, and its real parts match the source."""

from __future__ import annotations

import pandas as pd

from sufficiency.core.capacity import places_by_year_group
from sufficiency.sample import sample_dir


def test_every_school_is_in_a_planning_area_of_its_phase(sample_inputs) -> None:
    areas = sample_inputs.planning_areas.set_index("planning_area_id")["phase"]
    schools = sample_inputs.schools
    assert schools["planning_area_id"].isin(areas.index).all()
    phase = schools["planning_area_id"].map(areas)
    assert (phase == schools["phase"].replace({"all-through": "secondary"})).all()


def test_every_school_lies_in_its_wards_planning_area(sample_inputs) -> None:
    import geopandas as gpd

    from geodata import assign_to_areas

    schools = sample_inputs.schools
    pts = gpd.GeoDataFrame(schools[["school_id"]], geometry=gpd.points_from_xy(schools["x"], schools["y"]),
                           crs="EPSG:27700")
    primary = schools["phase"] == "primary"
    areas = sample_inputs.planning_areas
    got, _ = assign_to_areas(pts[primary], areas[areas["phase"] == "primary"], "school_id")
    assert (got == schools.loc[primary, "planning_area_id"]).mean() >= 0.95


def test_rolls_cover_at_least_six_years_without_gaps(sample_inputs) -> None:
    years = sample_inputs.years
    assert len(years) >= 6 and years == list(range(years[0], years[-1] + 1))


def test_rolls_within_sensible_capacity_bounds(sample_inputs) -> None:
    rolls = sample_inputs.rolls.merge(places_by_year_group(sample_inputs.schools), on=["school_id", "ncy"])
    by_school = rolls.groupby(["school_id", "year"])[["pupils", "places"]].sum()
    fill = by_school["pupils"] / by_school["places"]
    # Real schools run from part-empty to modestly over capacity (bulge classes); never wildly so.
    assert fill.between(0.3, 1.4).all(), fill[~fill.between(0.3, 1.4)]
    assert 0.85 <= fill.median() <= 1.1


def test_every_ward_feeds_a_planning_area(sample_inputs) -> None:
    wards = sample_inputs.wards
    assert len(wards) == 21
    assert wards["primary_planning_area_id"].notna().all() and wards["secondary_planning_area_id"].notna().all()


def test_real_population_figure_kept() -> None:
    # ONS mid-2024 estimate, Altrincham ward (E05015239), persons aged 4: 105 (checked in the source).
    pop = pd.read_csv(sample_dir() / "population.csv", dtype={"area_id": str})
    row = pop[(pop["area_id"] == "E05015239") & (pop["year"] == 2024) & (pop["age"] == 4)]
    assert row["population"].tolist() == [105]


def test_real_schools_match_gias(shared_data) -> None:
    gias = pd.read_csv(shared_data / "trafford/trafford_schools_and_colleges.csv", dtype=str)
    ours = pd.read_csv(sample_dir() / "schools.csv", dtype=str)
    merged = ours.merge(gias, left_on="school_id", right_on="unique_reference_number")
    assert len(merged) == len(ours)
    assert (merged["net_capacity"] == merged["capacity"]).all()


def test_sample_rebuild_is_reproducible(shared_data, tmp_path, monkeypatch) -> None:
    from sufficiency.sample import build

    monkeypatch.setattr(build, "OUT", tmp_path)
    build.build(shared_data)
    for name in ("schools.csv", "rolls.csv", "population.csv", "housing.csv", "options.csv", "scenario.yaml"):
        assert (tmp_path / name).read_bytes() == (sample_dir() / name).read_bytes(), name
