"""The simulation: applicants, preferences and offers, year by year, for today's places and the plan's.

Each draw places every family of the year's entry cohort at a home, draws who is looked after, who has a
sibling at the school they name first, each child's sex and (for Year 7) test score, the family's ranked
preferences, and the tie-breaks; then allocates the offers (:mod:`admissions.allocation`). Today's places and
the plan's are simulated with the same random numbers (common random numbers), so their difference is the
plan's effect and not noise. Repeated draws give each measure its interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from admissions.allocation import NONE, Criteria, Offers, allocate
from admissions.applicants import Homes
from admissions.choice import Calibration, calibrate_constants, draw_preferences, utilities
from admissions.config import AdmissionsConfig

CASES = ("today", "plan")
#: Per-area measures of one draw, in this order.
METRICS = ("applicants", "first_pct", "top_three_pct", "no_preferred_pct", "no_offer_pct", "distance_km",
           "oversubscribed_schools", "over_by")
#: Per-school counts of one draw, in this order.
SCHOOL_COUNTS = ("first_preferences", "applications", "offers", "admission_number")
ALL = "all"


@dataclass
class PhaseSetup:
    """Everything a phase's draws share."""

    phase: str
    years: list[int]
    areas: list[str]
    #: Entry schools (and the plan's new schools), with ``admission_number`` (today's, first year).
    schools: pd.DataFrame
    #: Admission numbers by case, ``(years, schools)``.
    capacity: dict[str, np.ndarray]
    #: Families to place by year and area, ``(years, areas)``.
    cohort: np.ndarray
    homes: Homes
    constants: np.ndarray
    lower_rank_scale: float
    pass_share: float
    calibration: Calibration | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def school_area(self) -> np.ndarray:
        index = {a: i for i, a in enumerate(self.areas)}
        return np.array([index.get(str(a), -1) for a in self.schools["planning_area_id"]], dtype=np.int64)


@dataclass(frozen=True)
class Round:
    """One draw of one year and case."""

    area: np.ndarray
    preferences: np.ndarray
    offers: Offers
    distance: np.ndarray  # metres to the school offered (NaN: no offer)
    capacity: np.ndarray


def _rng(config: AdmissionsConfig, setup: PhaseSetup, year: int, draw: int) -> np.random.Generator:
    return np.random.default_rng([config.random_state, 0 if setup.phase == "primary" else 1, year, draw])


@dataclass(frozen=True)
class Families:
    """One draw of a year's families: homes, criteria and tastes, shared by today's places and the plan's."""

    area: np.ndarray
    distance: np.ndarray
    girl: np.ndarray
    score: np.ndarray
    looked_after: np.ndarray
    has_sibling: np.ndarray
    tiebreak: np.ndarray
    tastes: tuple[np.ndarray, np.ndarray]


def draw_families(setup: PhaseSetup, config: AdmissionsConfig, year_index: int, draw: int) -> Families:
    """Homes, sex, test score, looked after, sibling, tie-break and tastes of the year's families."""
    rng = _rng(config, setup, setup.years[year_index], draw)
    x, y, area = setup.homes.draw(setup.cohort[year_index], rng)
    n, s = len(x), len(setup.schools)
    sx, sy = setup.schools["x"].to_numpy(dtype=float), setup.schools["y"].to_numpy(dtype=float)
    distance = np.hypot(x[:, None] - sx[None, :], y[:, None] - sy[None, :])
    return Families(area=area, distance=distance, girl=rng.random(n) < 0.5, score=rng.random(n),
                    looked_after=rng.random(n) < config.looked_after_share,
                    has_sibling=rng.random(n) < config.sibling_share, tiebreak=rng.random(n),
                    tastes=(rng.gumbel(size=(n, s)), rng.gumbel(size=(n, s))))


def eligibility(setup: PhaseSetup, girl: np.ndarray, score: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Which schools each family may name, ``(n, s)``: open that year, admitting their sex, and, for a selective
    school, only if they reached its standard."""
    sex = setup.schools["sex"].to_numpy()
    selective = setup.schools["selective"].to_numpy(dtype=bool)
    eligible = ((sex == "any")[None, :] | ((sex == "girls")[None, :] & girl[:, None])
                | ((sex == "boys")[None, :] & ~girl[:, None]))
    eligible &= ~selective[None, :] | (score >= 1.0 - setup.pass_share)[:, None]
    return eligible & (capacity > 0)[None, :]


def simulate_round(setup: PhaseSetup, config: AdmissionsConfig, year_index: int, case: str, draw: int,
                   lower_rank_scale: float | None = None, families: Families | None = None) -> Round:
    """One draw of the year's allocation under ``case``'s admission numbers."""
    f = families if families is not None else draw_families(setup, config, year_index, draw)
    schools = setup.schools
    capacity = setup.capacity[case][year_index]
    selective = schools["selective"].to_numpy(dtype=bool)
    eligible = eligibility(setup, f.girl, f.score, capacity)
    model = config.choice(setup.phase)
    utility = utilities(model, f.distance, schools.assign(admission_number=capacity), setup.constants)
    scale = setup.lower_rank_scale if lower_rank_scale is None else lower_rank_scale
    prefs = draw_preferences(utility, eligible, config.preferences(setup.phase), scale, tastes=f.tastes)
    sibling = np.where(f.has_sibling, prefs[:, 0], NONE)
    criteria = Criteria(distance=f.distance, looked_after=f.looked_after, sibling=sibling, tiebreak=f.tiebreak,
                        selective=selective, score=f.score, eligible=eligible)
    offers = allocate(prefs, capacity.astype(np.int64), criteria)
    offered = offers.school != NONE
    travelled = np.full(len(f.area), np.nan)
    travelled[offered] = f.distance[np.flatnonzero(offered), offers.school[offered]]
    return Round(f.area, prefs, offers, travelled, capacity)


def round_measures(r: Round, n_areas: int, school_area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Measures by area (the last row: the authority), ``(areas + 1, METRICS)``, and per-school counts,
    ``(schools, SCHOOL_COUNTS)``."""
    s = len(r.capacity)
    rank = r.offers.rank
    groups = np.append(r.area, np.full(len(r.area), n_areas))  # every family also counts for the authority
    twice = np.concatenate

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(groups, weights=twice([mask, mask]).astype(float), minlength=n_areas + 1)

    n = np.bincount(groups, minlength=n_areas + 1).astype(float)
    offered = ~np.isnan(r.distance)
    km = np.bincount(groups, weights=twice([np.nan_to_num(r.distance), np.nan_to_num(r.distance)]) / 1000.0,
                     minlength=n_areas + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        first = 100 * count(rank == 1) / n
        top3 = 100 * count((rank >= 1) & (rank <= 3)) / n
        no_pref = 100 * count(rank <= 0) / n
        no_offer = 100 * count(rank == NONE) / n
        distance = km / count(offered)
    named = r.preferences[r.preferences != NONE]
    first_prefs = np.bincount(r.preferences[:, 0][r.preferences[:, 0] != NONE], minlength=s).astype(float)
    applications = np.bincount(named, minlength=s).astype(float)
    offers = np.bincount(r.offers.school[r.offers.school != NONE], minlength=s).astype(float)
    over = np.where(r.capacity > 0, np.maximum(first_prefs - r.capacity, 0.0), 0.0)
    where = np.where(school_area >= 0, school_area, n_areas)
    oversubscribed = np.bincount(where, weights=(over > 0).astype(float), minlength=n_areas + 1)
    over_by = np.bincount(where, weights=over, minlength=n_areas + 1)
    oversubscribed[n_areas] = float((over > 0).sum())
    over_by[n_areas] = float(over.sum())
    areas = np.column_stack([n, first, top3, no_pref, no_offer, distance, oversubscribed, over_by])
    schools = np.column_stack([first_prefs, applications, offers, r.capacity.astype(float)])
    return areas, schools


def calibrate_setup(setup: PhaseSetup, config: AdmissionsConfig, observed: np.ndarray) -> None:
    """Set the school constants (to reproduce ``observed`` first preferences in the first year, today's
    places) and, when the authority's offer shares are given, the lower-rank scale."""
    model = config.choice(setup.phase)
    capacity = setup.capacity["today"][0]
    if config.calibrate and np.isfinite(observed).any():
        rng = np.random.default_rng([config.random_state, 99, 0 if setup.phase == "primary" else 1])
        xs, ys = [], []
        for _ in range(3):  # three draws of homes, for smooth shares
            x, y, _ = setup.homes.draw(setup.cohort[0], rng)
            xs.append(x)
            ys.append(y)
        x, y = np.concatenate(xs), np.concatenate(ys)
        schools = setup.schools
        distance = np.hypot(x[:, None] - schools["x"].to_numpy(dtype=float)[None, :],
                            y[:, None] - schools["y"].to_numpy(dtype=float)[None, :])
        n, s = distance.shape
        girl = rng.random(n) < 0.5
        score = rng.random(n)
        eligible = eligibility(setup, girl, score, capacity)
        base = utilities(model, distance, schools.assign(admission_number=capacity), np.zeros(s))
        fitted = calibrate_constants(base, eligible, np.where(capacity > 0, observed, np.nan), capacity)
        constants = fitted.constants.copy()
        # A school not open in the first year (the plan's new schools) takes the mean of its area's.
        closed = capacity <= 0
        if closed.any():
            area = setup.school_area
            for j in np.flatnonzero(closed):
                peers = (~closed) & (area == area[j])
                constants[j] = constants[peers].mean() if peers.any() else constants[~closed].mean()
        setup.constants = constants
        setup.calibration = fitted
    shares = config.offer_shares(setup.phase)
    if shares is not None:
        target = np.array([shares.first, shares.second, shares.third])

        def loss(log_scale: float) -> float:
            got = np.zeros(3)
            for d in range(3):
                r = simulate_round(setup, config, 0, "today", 10_000 + d, lower_rank_scale=float(np.exp(log_scale)))
                got += [100 * np.mean(r.offers.rank == k) for k in (1, 2, 3)]
            return float(((got / 3 - target)[1:] ** 2).sum())

        best = minimize_scalar(loss, bounds=(np.log(0.1), np.log(10.0)), method="bounded",
                               options={"xatol": 0.02})
        setup.lower_rank_scale = float(np.exp(best.x))
        setup.notes.append(f"{setup.phase}: lower-rank scale calibrated to the given offer shares: "
                           f"{setup.lower_rank_scale:.2f}")


@dataclass
class Simulated:
    """Every draw's measures for one phase: ``areas[case]`` is ``(years, draws, areas + 1, METRICS)`` and
    ``schools[case]`` is ``(years, draws, schools, SCHOOL_COUNTS)``."""

    setup: PhaseSetup
    areas: dict[str, np.ndarray]
    schools: dict[str, np.ndarray]


def simulate_phase(setup: PhaseSetup, config: AdmissionsConfig, cases: tuple[str, ...], draws: int) -> Simulated:
    n_areas, school_area = len(setup.areas), setup.school_area
    areas = {c: np.zeros((len(setup.years), draws, n_areas + 1, len(METRICS))) for c in cases}
    schools = {c: np.zeros((len(setup.years), draws, len(setup.schools), len(SCHOOL_COUNTS))) for c in cases}
    for t in range(len(setup.years)):
        for d in range(draws):
            families = draw_families(setup, config, t, d)
            for case in cases:
                a, s = round_measures(simulate_round(setup, config, t, case, d, families=families), n_areas,
                                      school_area)
                areas[case][t, d], schools[case][t, d] = a, s
    return Simulated(setup, areas, schools)


def _interval(values: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = (1 - coverage) / 2, 1 - (1 - coverage) / 2
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return (np.nanmean(values, axis=0), np.nanquantile(values, lo, axis=0),
                    np.nanquantile(values, hi, axis=0))


def measures_table(sim: Simulated, config: AdmissionsConfig) -> pd.DataFrame:
    """Measures by case, year and area (``planning_area_id`` 'all' for the authority), each with its interval,
    and the gap of the top-three rate to the target (points; positive: short of it)."""
    setup = sim.setup
    rows = []
    labels = [*setup.areas, ALL]
    for case, values in sim.areas.items():
        for t, year in enumerate(setup.years):
            mean, lower, upper = _interval(values[t], config.interval)
            for a, area in enumerate(labels):
                row = {"case": case, "phase": setup.phase, "year": year, "planning_area_id": area,
                       "scope": "authority" if area == ALL else "planning_area"}
                for m, name in enumerate(METRICS):
                    row[name] = round(float(mean[a, m]), 3)
                    if name != "applicants":
                        row[f"{name}_lower"] = round(float(lower[a, m]), 3)
                        row[f"{name}_upper"] = round(float(upper[a, m]), 3)
                row["gap_to_target_pts"] = round(config.target_top_three - row["top_three_pct"], 3)
                row["meets_target"] = bool(row["top_three_pct"] >= config.target_top_three)
                rows.append(row)
    return pd.DataFrame(rows)


def schools_table(sim: Simulated) -> pd.DataFrame:
    """Per school, case and year: admission number, mean first preferences, applications and offers, the share
    of draws in which it is oversubscribed (first preferences above places) and by how much on average."""
    setup = sim.setup
    rows = []
    meta = setup.schools[["school_id", "name", "planning_area_id"]]
    for case, values in sim.schools.items():
        for t, year in enumerate(setup.years):
            v = values[t]
            fp, apps, offers, places = v[..., 0], v[..., 1], v[..., 2], v[..., 3]
            over = np.where(places > 0, fp - places, 0.0)
            frame = meta.assign(case=case, phase=setup.phase, year=year, admission_number=places.mean(axis=0),
                                first_preferences=fp.mean(axis=0).round(2), applications=apps.mean(axis=0).round(2),
                                offers=offers.mean(axis=0).round(2),
                                oversubscribed_share=(over > 0).mean(axis=0).round(3),
                                over_by=np.maximum(over, 0).mean(axis=0).round(2))
            rows.append(frame[frame["admission_number"] > 0])
    cols = ["case", "phase", "year", "school_id", "name", "planning_area_id", "admission_number",
            "first_preferences", "applications", "offers", "oversubscribed_share", "over_by"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def calibration_table(setup: PhaseSetup) -> pd.DataFrame:
    """Observed against modelled first-preference shares per school (the calibration's fit)."""
    fitted = setup.calibration
    cols = ["phase", "school_id", "name", "observed_share", "model_share", "constant"]
    if fitted is None:
        return pd.DataFrame(columns=cols)
    s = len(fitted.constants)
    frame = setup.schools.iloc[:s][["school_id", "name"]].assign(
        phase=setup.phase, observed_share=np.round(fitted.observed_share, 5),
        model_share=np.round(fitted.model_share, 5), constant=np.round(setup.constants, 4))
    return frame[cols]
