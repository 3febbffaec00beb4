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


def test_rolls_follow_each_cohort_without_a_step(sample_inputs) -> None:
    # A real census has no year in which every cohort jumps: each borough year group is the year
    # before's cohort a year on, grown or shrunk by moves (Trafford's census: -0.4% to +1.2% a year).
    by = sample_inputs.rolls.groupby(["ncy", "year"])["pupils"].sum().unstack("year")
    ratio = by.to_numpy()[1:, 1:] / by.to_numpy()[:-1, :-1]
    within_phase = [g - 1 for g in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)]  # rows are year groups 1-13
    assert (abs(ratio[within_phase] - 1) < 0.03).all(), ratio[within_phase].round(3)


def test_cohort_survival_by_hand() -> None:
    from sufficiency.sample.rolls import cohort_survival

    # Year group g has 100 + g pupils in 2011 and 100 + 2g in 2012: a cohort in g - 1 in 2011
    # has 100 + 2g in g in 2012, a ratio (100 + 2g) / (99 + g).
    panel = pd.DataFrame([(1, y, g, 100 + g * (1 if y == 2011 else 2)) for y in (2011, 2012) for g in range(14)],
                         columns=["la_code", "year", "ncy", "pupils"])
    other = panel.assign(la_code=2, pupils=1)
    got = cohort_survival(pd.concat([panel, other]), 1)
    assert got[1] == 102 / 100 and got[6] == 112 / 105
    primary = sum((100 + 2 * g) / (99 + g) for g in range(1, 7)) / 6
    secondary = sum((100 + 2 * g) / (99 + g) for g in range(8, 12)) / 4
    assert abs(got[7] - primary) < 1e-12  # the transfer takes the primary mean
    assert abs(got[12] - secondary) < 1e-12 and abs(got[13] - secondary) < 1e-12


def test_ward_cohorts_follow_the_latest_estimate_back() -> None:
    from sufficiency.sample.rolls import ward_cohorts

    pop = pd.DataFrame({"area_id": "W", "year": [2022, 2024, 2024], "age": [7, 7, 6],
                        "population": [50, 110, 90]})
    survival = pd.Series(1.1, index=range(1, 14))
    got = ward_cohorts(pop, range(2022, 2025), [0, 1, 2, 3], survival).set_index(["year", "ncy"])["population"]
    # Aged 7 in 2024 is Year 3 then; in 2022 it was in Year 1, two years' growth smaller.
    assert got[(2024, 3)] == 110
    assert abs(got[(2022, 1)] - 110 / 1.1 ** 2) < 1e-9
    assert abs(got[(2023, 1)] - 90 / 1.1) < 1e-9  # aged 6 in 2024, Year 2 then
    assert (2022, 3) not in got.index  # aged 9 in 2024: not in this estimate
