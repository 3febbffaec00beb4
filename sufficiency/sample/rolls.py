"""Synthetic rolls by school, year group and year, built on real Trafford figures.

Real: the children living in each ward by single year of age (ONS mid-year estimate 2024),
followed back as cohorts by the borough's real cohort survival (school census 2011/12-2016/17);
each school's capacity, age range and Ofsted grade (GIAS); the borough's whole-school headcounts
for 2016/17 (school census), which set how many resident children attend state schools and each
school's relative pull. Synthetic: the split of a planning area's pupils between its schools and
a small seeded noise on each school's cohort and each figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sufficiency.core.capacity import places_by_year_group
from sufficiency.core.phases import (
    AREA_NCY,
    COMPULSORY_NCY,
    LAST_PRIMARY,
    LAST_SECONDARY,
    PRIMARY,
    SECONDARY,
    YEAR_7,
    area_phase_of,
)
from sufficiency.core.years import time_period

#: Spread of the multiplicative noise on a school's cohort, which stays with the cohort as it moves
#: up the school (a year group is the same children a year on), and of the noise on each school ×
#: year group × year figure on top (synthetic).
COHORT_NOISE_SD = 0.03
NOISE_SD = 0.01
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


def cohort_survival(panel: pd.DataFrame, la_code: int) -> pd.Series:
    """Mean year-on-year survival of a cohort of pupils into each year group, from a real census.

    ``panel`` is the school census by authority, year and year group (columns ``la_code, year,
    ncy, pupils``). Within a phase a cohort's ratio is its pupils over the same cohort's a year
    earlier. Where pupils change phase (Year 7) or leave compulsory school (Years 12 and 13), a
    school roll's ratio is set by which schools and sixth forms take them, not by the children
    living in the borough, so those transitions take the mean ratio of the phase they end.
    """
    la = panel[panel["la_code"] == la_code].pivot_table(index="ncy", columns="year", values="pupils")
    ratio = (la.to_numpy()[1:, 1:] / la.to_numpy()[:-1, :-1]).mean(axis=1)
    out = pd.Series(ratio, index=la.index[1:])
    primary = out.loc[1:LAST_PRIMARY].mean()
    secondary = out.loc[YEAR_7 + 1:LAST_SECONDARY].mean()
    out.loc[YEAR_7] = primary
    out.loc[LAST_SECONDARY + 1:] = secondary
    return out


def ward_cohorts(pop: pd.DataFrame, years: range, ncys: Sequence[int], survival: pd.Series) -> pd.DataFrame:
    """Residents of each ward by the year group and academic year they are of age for.

    A child in year group g in academic year t is aged g + 4 at the mid-year estimate of that
    June, so aged g + 4 + (E - t) at the latest estimate, of year E. Each cohort is the real group
    of children of that age at the latest estimate, followed back to earlier years by the real
    survival of cohorts in the borough's school census (``survival``, see `cohort_survival`):
    a cohort that has grown by moves into the borough was smaller before. Following each cohort
    from one estimate keeps the rolls free of the jump between two estimates that do not follow
    on (the 2024 estimate counts 6-12% more children than the 2022 one of the same cohorts, aged
    2-11 in 2024). Cohorts older than OLDEST_RESIDENT_AGE at the estimate are scaled from the age-17 count.
    """
    estimate = int(pop["year"].max())
    grid = pd.MultiIndex.from_product([years, ncys], names=["year", "ncy"]).to_frame(index=False)
    later = grid["ncy"] + estimate - grid["year"]  # the year group the cohort is of age for at the estimate
    oldest_ncy = OLDEST_RESIDENT_AGE - 4
    age = later + 4
    grid["age"] = age.clip(upper=OLDEST_RESIDENT_AGE)
    index = survival.reindex(range(1, oldest_ncy + 1)).fillna(1.0).cumprod()
    index = pd.concat([pd.Series([1.0], index=[0]), index])
    grown = index.reindex(later.clip(upper=oldest_ncy)).to_numpy() / index.reindex(grid["ncy"]).to_numpy()
    grid["scale"] = EARLIER_COHORT_FACTOR ** (age - grid["age"]) / grown
    pop = pop[pop["year"] == estimate].drop(columns="year")
    merged = grid.merge(pop, on="age", how="inner")
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
    survival: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rolls (school_id, year, ncy, pupils) and schools with their synthetic planning attributes."""
    cohorts = ward_cohorts(pop, range(min(first_year, CALIBRATION_YEAR) - 2, base_year + 1), COMPULSORY_NCY,
                           survival)
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
    # A child generator leaves the draws after this one (first preferences) as they were.
    cohort = pd.MultiIndex.from_arrays([cells["school_id"], cells["year"] - cells["ncy"]])
    keys = cohort.unique()
    cohort_noise = pd.Series(rng.spawn(1)[0].lognormal(0.0, COHORT_NOISE_SD, len(keys)), index=keys)
    noise = noise * cohort_noise.reindex(cohort).to_numpy()
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
