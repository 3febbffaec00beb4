"""Synthetic rolls by school, year group and year, built on real Trafford figures.

Real: the children living in each ward by single year of age (ONS mid-year estimates 2022 and
2024), followed as cohorts; each school's capacity, age range and Ofsted grade (GIAS); the
borough's whole-school headcounts for 2016/17 (school census), which set how many resident
children attend state schools and each school's relative pull. Synthetic: the split of a
planning area's pupils between its schools and a small seeded noise on each figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sufficiency.core.capacity import places_by_year_group
from sufficiency.core.phases import AREA_NCY, COMPULSORY_NCY, PRIMARY, SECONDARY, area_phase_of
from sufficiency.core.years import time_period

#: Spread of the multiplicative noise on each school × year group × year figure (synthetic).
NOISE_SD = 0.03
#: Calibration year: the last year of real whole-school headcounts in the open data (2016/17).
CALIBRATION_YEAR = 2016


#: Oldest age read straight from an estimate: older teenagers start to leave home for work and
#: study, so older cohorts are taken from the age-17 count instead (see ward_cohorts).
OLDEST_RESIDENT_AGE = 17
#: Each earlier cohort is taken as this much smaller than the next (secondary rolls in England
#: grew by about 1.5% a year from 2017 to 2024: DfE, Schools, pupils and their characteristics).
EARLIER_COHORT_FACTOR = 0.985
#: Weight on where children live, against where the places are, when splitting a year group's
#: pupils between planning areas. Many children cross planning-area lines to school.
RESIDENCE_WEIGHT = 0.2


def ward_cohorts(pop: pd.DataFrame, years: range, ncys: Sequence[int]) -> pd.DataFrame:
    """Residents of each ward by the year group and academic year they are of age for.

    A child in year group g in academic year t is aged g + 4 at the mid-year estimate of that
    June, so aged g + 4 + (E - t) at the estimate of year E. Years up to 2022 use the 2022
    estimate and later years the 2024 one, so each cohort is a real group of children followed.
    Cohorts older than OLDEST_RESIDENT_AGE at the estimate are scaled from the age-17 count.
    """
    grid = pd.MultiIndex.from_product([years, ncys], names=["year", "ncy"]).to_frame(index=False)
    grid["estimate"] = np.where(grid["year"] <= 2022, 2022, 2024)
    age = grid["ncy"] + 4 + grid["estimate"] - grid["year"]
    grid["age"] = age.clip(upper=OLDEST_RESIDENT_AGE)
    grid["scale"] = EARLIER_COHORT_FACTOR ** (age - grid["age"])
    pop = pop.rename(columns={"year": "estimate"})
    merged = grid.merge(pop, on=["estimate", "age"], how="inner")
    merged["population"] = merged["population"] * merged["scale"]
    return merged[["area_id", "year", "ncy", "population"]]


def _with_sixth_form(area: pd.DataFrame, staying_on: dict[int, float]) -> pd.DataFrame:
    """Add Year 12 (last year's Year 11 staying on) and Year 13 (Year 11 of two years ago)."""
    y11 = area[area["ncy"] == 11]
    sixth = [y11.assign(year=y11["year"] + 1, ncy=12, pupils=y11["pupils"] * staying_on[12]),
             y11.assign(year=y11["year"] + 2, ncy=13, pupils=y11["pupils"] * staying_on[13])]
    return pd.concat([area, *sixth], ignore_index=True)


def _participation(area: pd.DataFrame, head: pd.DataFrame) -> dict[str, float]:
    """Share of resident children on roll in the borough's state schools, from real headcounts."""
    real = head[head["time_period"] == time_period(CALIBRATION_YEAR)]
    modelled = area[area["year"] == CALIBRATION_YEAR]
    out = {}
    # the census's state-funded secondary headcount includes sixth forms (AREA_NCY)
    for phase, label in ((PRIMARY, "State-funded primary"), (SECONDARY, "State-funded secondary")):
        ncys = AREA_NCY[phase]
        on_roll = pd.to_numeric(real.loc[real["school_type"] == label, "headcount"], errors="coerce").sum()
        resident = modelled.loc[modelled["ncy"].isin(ncys), "pupils"].sum()
        out[phase] = float(np.clip(on_roll / resident, 0.75, 1.15))
    return out


def _school_pull(schools: pd.DataFrame, head: pd.DataFrame) -> pd.Series:
    """How full each school runs: real 2016/17 headcount over capacity, else the median."""
    real = head[head["time_period"] == time_period(CALIBRATION_YEAR)]
    count = pd.to_numeric(real.set_index("laestab")["headcount"], errors="coerce")
    fill = schools["laestab"].map(count) / schools["net_capacity"]
    fill = fill.clip(0.7, 1.1)
    return fill.fillna(fill.median())


def _blend_residence_and_places(area: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Pupils per planning area: the borough's cohort split by residence and by places."""
    area = area.rename(columns={"pa": "planning_area_id"})
    borough = area.groupby(["year", "ncy"])["pupils"].transform("sum")
    resident_share = area["pupils"] / borough
    places = cells.groupby(["planning_area_id", "ncy"])["weight"].sum()
    place_share = places / places.groupby(level="ncy").transform("sum")
    key = pd.MultiIndex.from_frame(area[["planning_area_id", "ncy"]])
    share = RESIDENCE_WEIGHT * resident_share + (1 - RESIDENCE_WEIGHT) * place_share.reindex(key).fillna(0).to_numpy()
    return area.assign(pupils=borough * share)


def synthesise_rolls(
    schools: pd.DataFrame,
    wards: pd.DataFrame,
    pop: pd.DataFrame,
    head: pd.DataFrame,
    rng: np.random.Generator,
    first_year: int,
    base_year: int,
    staying_on: dict[int, float],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rolls (school_id, year, ncy, pupils) and schools with their synthetic planning attributes."""
    cohorts = ward_cohorts(pop, range(min(first_year, CALIBRATION_YEAR) - 2, base_year + 1), COMPULSORY_NCY)
    w = wards.set_index("ward_id")
    cohorts["pa"] = np.where(area_phase_of(cohorts["ncy"]) == PRIMARY,
                             cohorts["area_id"].map(w["primary_planning_area_id"]),
                             cohorts["area_id"].map(w["secondary_planning_area_id"]))
    area = (cohorts.rename(columns={"population": "pupils"})
            .groupby(["pa", "year", "ncy"], as_index=False)["pupils"].sum())
    area = _with_sixth_form(area, staying_on)
    rate = _participation(area, head)
    area["pupils"] *= area_phase_of(area["ncy"]).map(rate).to_numpy()
    area = area[area["year"].between(first_year, base_year)]
    schools = schools.copy()
    schools["pull"] = _school_pull(schools, head)
    cells = places_by_year_group(schools).merge(schools[["school_id", "pull"]], on="school_id")
    cells["weight"] = cells["places"] * cells["pull"]
    cells = cells.merge(_blend_residence_and_places(area, cells), on=["planning_area_id", "ncy"])
    cells["share"] = cells["weight"] / cells.groupby(["planning_area_id", "year", "ncy"])["weight"].transform("sum")
    noise = rng.lognormal(0.0, NOISE_SD, len(cells))
    cells["pupils"] = np.round(cells["pupils"] * cells["share"] * noise).astype(int)
    rolls = cells[["school_id", "year", "ncy", "pupils"]].sort_values(["school_id", "year", "ncy"])

    fe = schools["pan"] / 30
    good = schools["ofsted"].isin(["Good", "Outstanding"])
    primary = schools["phase"] == "primary"
    schools["max_forms_of_entry"] = np.where(good, np.where(primary, np.minimum(np.ceil(fe) + 1, 4), np.ceil(fe) + 2),
                                             np.ceil(fe))
    schools["can_bulge"] = good & (schools["pan"] >= 30)
    grade_pull = schools["ofsted"].map({"Outstanding": 1.25, "Good": 1.0}).fillna(0.8)
    schools["first_preferences"] = np.round(
        schools["pan"] * schools["pull"] * grade_pull * rng.lognormal(0.0, 0.15, len(schools))
    ).astype(int)
    return rolls.reset_index(drop=True), schools
