"""Rebuild the embedded sample borough from the real Trafford open data.

Run ``python -m sufficiency.sample.build [SHARED_DATA_DIR]`` with the shared open-data folder
present (default ``../shared/data``). The output is committed under ``sufficiency/sample/data``,
so nothing at run time needs the shared folder. What is real and what is synthetic is listed in
``sufficiency/sample/data/README.md``; every synthetic figure here is seeded and documented.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from geodata import assign_to_areas, points_from_xy, read_geo
from sufficiency.core.phases import LAST_SECONDARY, YEAR_12, area_phase_of

OUT = Path(__file__).parent / "data"
SEED = 20250101
FIRST_YEAR, BASE_YEAR = 2017, 2024
#: Trafford's old-style LA code in the school census.
TRAFFORD_LA = 358

#: Wards (2023 boundaries) grouped into primary planning areas by locality. Illustrative: the
#: grouping follows Trafford's towns, not a published SCAP planning-area list.
PRIMARY_AREAS = {
    "P01": ("Altrincham and Bowdon", ["Altrincham", "Bowdon", "Broadheath", "Hale"]),
    "P02": ("Timperley and Hale Barns", ["Timperley Central", "Timperley North", "Hale Barns & Timperley South"]),
    "P03": ("Sale West", ["Sale Central", "Ashton upon Mersey"]),
    "P04": ("Sale East", ["Sale Moor", "Brooklands", "Manor"]),
    "P05": ("Stretford and Old Trafford",
            ["Old Trafford", "Gorse Hill & Cornbrook", "Stretford & Humphrey Park", "Longford"]),
    "P06": ("Urmston and Davyhulme", ["Urmston", "Davyhulme", "Flixton", "Lostock & Barton"]),
    "P07": ("Partington and Carrington", ["Bucklow-St Martins"]),
}
SECONDARY_AREAS = {
    "S01": ("Trafford South", ["P01", "P02"]),
    "S02": ("Trafford Central", ["P03", "P04"]),
    "S03": ("Trafford North", ["P05"]),
    "S04": ("Trafford West", ["P06", "P07"]),
}
MAINSTREAM_TYPES = {"Local authority maintained schools": "maintained", "Academies": "academy",
                    "Free Schools": "free"}
OFSTED = {"NA": "Not inspected"}
#: Age at entry to national curriculum year: Reception (ncy 0) at 4, Year 7 at 11.
AGE_TO_NCY_LOW = {0: 0, 2: 0, 3: 0, 4: 0, 5: 0, 7: 3, 11: 7}
AGE_TO_NCY_HIGH = {7: 2, 11: 6, 16: 11, 18: 13, 19: 13}
#: Sixth-form year groups are smaller than main-school ones; this share of a Year 11 cohort stays on
#: into a school sixth form (synthetic assumption for the sample, near the national share of
#: 16-year-olds in school sixth forms; the rest go to colleges).
STAYING_ON = {12: 0.40, 13: 0.36}


def _schools(shared: Path, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    raw = pd.read_csv(shared / "trafford/trafford_schools_and_colleges.csv", dtype=str)
    raw = raw[raw["type"].isin(MAINSTREAM_TYPES) & raw["capacity"].notna()].copy()
    raw = raw[raw["name"] != "Trafford Alternative Education Provision"]
    low = raw["lowest_admission_age"].astype(int).map(AGE_TO_NCY_LOW)
    high = raw["highest_admission_age"].astype(int).map(AGE_TO_NCY_HIGH)
    out = pd.DataFrame({
        "school_id": raw["unique_reference_number"], "name": raw["name"],
        "laestab": "358" + raw["establishment_number"],
        "lon": raw["lon"].astype(float), "lat": raw["lat"].astype(float),
        "ncy_low": low.astype(int), "ncy_high": high.astype(int),
        "net_capacity": raw["capacity"].astype(int),
        "ofsted": raw["ofsted_rating"].fillna("Not inspected"),
        "governance": raw["type"].map(MAINSTREAM_TYPES),
        "percent_fsm": pd.to_numeric(raw["percent_fsm"], errors="coerce"),
        # The extract has no GIAS AdmissionsPolicy: England's remaining grammar schools are its
        # selective schools, and each says so in its name.
        "selective": raw["name"].str.contains("Grammar", case=False).to_numpy(),
        "single_sex": raw["gender"].isin(["Boys", "Girls"]).to_numpy(),
    }).reset_index(drop=True)
    out["phase"] = area_phase_of(out["ncy_high"])  # an all-through school is planned as secondary
    pts = points_from_xy(out, "lon", "lat", crs="EPSG:4326")
    out["x"], out["y"] = pts.geometry.x.round(0), pts.geometry.y.round(0)
    ward_of, _ = assign_to_areas(pts.assign(sid=out["school_id"]), wards, "sid", "ward_id")
    out["ward_id"] = ward_of.to_numpy()
    return out


def _pan(schools: pd.DataFrame) -> pd.Series:
    """PAN from net capacity: main-school year groups full size, sixth-form years smaller."""
    main_years = (schools["ncy_high"].clip(upper=LAST_SECONDARY) - schools["ncy_low"] + 1)
    sixth = np.where(schools["ncy_high"] >= YEAR_12, STAYING_ON[12] + STAYING_ON[13], 0.0)
    pan = schools["net_capacity"] / (main_years + sixth)
    # Admission numbers are set in half or whole forms of entry (15 or 30) for most schools.
    # Round down where a sixth form shares the capacity, so the sixth form keeps its places.
    steps = np.where(sixth > 0, np.floor(pan / 15), np.round(pan / 15))
    return (np.maximum(15, steps * 15)).astype(int)


def _population(shared: Path) -> pd.DataFrame:
    frames = []
    for year in (2022, 2024):
        df = pd.read_csv(shared / f"trafford/mid-year_{year}_population_estimates_ward.csv", dtype=str)
        df = df[df["sex"] == "Persons"]
        ages = [str(a) for a in range(0, 23)]
        long = df.melt(id_vars=["area_code"], value_vars=ages, var_name="age", value_name="population")
        long["year"] = year
        frames.append(long.rename(columns={"area_code": "area_id"}))
    pop = pd.concat(frames)
    pop["age"] = pop["age"].astype(int)
    pop["population"] = pop["population"].astype(int)
    return pop[["area_id", "year", "age", "population"]].sort_values(["area_id", "year", "age"])


#: The sample is planned as if decided when its data was current (written with its comment, which YAML dumping drops).
DECIDED = """optimiser:
  # The sample's rolls run to the January 2025 census: it is planned as if decided that spring, when
  # its data was current. A council leaves this out (the plan is decided on the day it runs).
  decision_date: 2025-03-31
"""


def build(shared: Path) -> None:
    """Write every sample file into ``sufficiency/sample/data``."""
    from sufficiency.sample.extras import housing_sites, options, pupil_yields, scenario
    from sufficiency.sample.rolls import cohort_survival, synthesise_rolls

    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    wards = read_geo(shared / "trafford/trafford_ward_generalised.geojson")
    wards = wards.rename(columns={"area_code": "ward_id", "area_name": "name"})[["ward_id", "name", "geometry"]]
    ward_pa = {w: pa for pa, (_, ws) in PRIMARY_AREAS.items() for w in ws}
    pa_sec = {p: s for s, (_, ps) in SECONDARY_AREAS.items() for p in ps}
    wards["primary_planning_area_id"] = wards["name"].map(ward_pa)
    wards["secondary_planning_area_id"] = wards["primary_planning_area_id"].map(pa_sec)
    assert wards["primary_planning_area_id"].notna().all(), "every ward must be in a planning area"

    schools = _schools(shared, wards)
    ward_ids = wards.set_index("ward_id")
    schools["planning_area_id"] = np.where(
        schools["phase"] == "primary",
        schools["ward_id"].map(ward_ids["primary_planning_area_id"]),
        schools["ward_id"].map(ward_ids["secondary_planning_area_id"]),
    )
    schools["pan"] = _pan(schools)
    pop = _population(shared)
    head = pd.read_csv(shared / "trafford/school_headcount_exclusions_2006_2017.csv", dtype=str)
    head = head[head["geographic_level"] == "School"]
    census = pd.read_csv(shared / "england/pupils/la_ncy_2011_2016.csv")
    survival = cohort_survival(census, TRAFFORD_LA)
    rolls, schools = synthesise_rolls(schools, wards, pop, head, rng, FIRST_YEAR, BASE_YEAR, STAYING_ON, survival)

    areas = [(pa, name, "primary") for pa, (name, _) in PRIMARY_AREAS.items()]
    areas += [(sa, name, "secondary") for sa, (name, _) in SECONDARY_AREAS.items()]
    planning_areas = pd.DataFrame(areas, columns=["planning_area_id", "name", "phase"])
    cols = ["school_id", "name", "phase", "planning_area_id", "x", "y", "ncy_low", "ncy_high", "pan",
            "net_capacity", "ofsted", "governance", "max_forms_of_entry", "can_bulge", "first_preferences",
            "selective", "single_sex"]
    schools[cols].sort_values("school_id").to_csv(OUT / "schools.csv", index=False)
    rolls.to_csv(OUT / "rolls.csv", index=False)
    planning_areas.to_csv(OUT / "planning_areas.csv", index=False)
    wards.to_file(OUT / "wards.geojson", driver="GeoJSON")
    pop[pop["age"] <= 19].to_csv(OUT / "population.csv", index=False)
    housing_sites(schools).to_csv(OUT / "housing.csv", index=False)
    pupil_yields().to_csv(OUT / "pupil_yields.csv", index=False)
    options(schools).to_csv(OUT / "options.csv", index=False)
    from standards.synthetic import sample_school_indicators

    indicators = sample_school_indicators(schools, range(BASE_YEAR - 3, BASE_YEAR + 1), random_state=SEED,
                                          percent_fsm=schools.set_index("school_id")["percent_fsm"])
    indicators.to_csv(OUT / "school_indicators.csv", index=False)
    targets = Path(sample_school_indicators.__code__.co_filename).parent / "data" / "trafford_targets.yaml"
    (OUT / "targets.yaml").write_text(targets.read_text())
    (OUT / "scenario.yaml").write_text(yaml.safe_dump(scenario(BASE_YEAR), sort_keys=False) + DECIDED)
    print(f"wrote the sample borough to {OUT}: {len(schools)} schools, {len(rolls)} roll rows")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "data")
