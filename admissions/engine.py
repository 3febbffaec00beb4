"""The admissions engine end to end: :func:`run_admissions` and its :class:`AdmissionsResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from admissions import dfe
from admissions.applicants import build_homes
from admissions.config import PHASES, AdmissionsConfig
from admissions.places import entry_schools, plan_places, today_places
from admissions.replay import replay_applications
from admissions.simulate import (
    ALL,
    PhaseSetup,
    Simulated,
    calibrate_setup,
    calibration_table,
    measures_table,
    schools_table,
    simulate_phase,
)
from sufficiency.core.phases import ENTRY_NCY

#: The headline result of each school's phase: KS2 reading, writing and maths at the expected standard (%),
#: Attainment 8 (points) from school_indicators.
RESULTS_INDICATOR = {"primary": "ks2_rwm_expected", "secondary": "ks4_attainment8"}


class NothingToSimulate(ValueError):
    """No phase has what a simulation needs (schools with locations and an entry year group, and an entry
    cohort in the forecast): the admissions stage is left out of a full run with this reason."""


@dataclass
class AdmissionsResult:
    """Preferences and offers simulated for today's places and the plan's.

    Attributes
    ----------
    measures
        By case ('today', 'plan'), phase, year and planning area ('all': the authority): applicants, % offered
        their first preference, one of their top three, no preferred school, no school at all, mean distance
        to the school offered (km), schools oversubscribed and the first preferences above their places, each
        with its interval over the draws; and the gap of the top-three rate to the target.
    schools
        Per school, case and year: admission number, first preferences, applications, offers, how often it is
        oversubscribed and by how much.
    calibration
        Each school's observed and modelled share of first preferences, and its constant.
    real_data
        The simulation's authority rates for today's places (first year) beside DfE's real ones.
    trade_off
        The plan and its re-plans with stronger popularity weights: cost beside top-three rate (when asked for).
    applications
        The council's real applications with the offer each gets under the scheme: PERSONAL (admins only).
    observed
        Measures of the real applications' allocation (case 'applications').
    """

    measures: pd.DataFrame
    schools: pd.DataFrame
    calibration: pd.DataFrame
    real_data: pd.DataFrame
    years: list[int]
    draws: int
    target: float
    plan_used: bool
    trade_off: pd.DataFrame | None = None
    applications: pd.DataFrame | None = None
    observed: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: The phases' set-ups, to simulate re-plans with the same draws (not stored).
    setups: dict[str, PhaseSetup] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "setups": {}}

    def summary(self) -> pd.DataFrame:
        """Authority rows: phase, year, top-three rate today and with the plan, and their gaps to the target."""
        auth = self.measures[self.measures["planning_area_id"] == ALL]
        cols = ["first_pct", "top_three_pct", "top_three_pct_lower", "top_three_pct_upper", "no_preferred_pct",
                "distance_km", "oversubscribed_schools", "gap_to_target_pts"]
        wide = auth.pivot_table(index=["phase", "year"], columns="case", values=cols)
        wide.columns = [f"{m}_{c}" for m, c in wide.columns]
        return wide.reset_index()


def school_results(indicators: pd.DataFrame | None, phase: str) -> pd.Series | None:
    """Each school's latest headline result, less the authority's mean (points), or None without them."""
    if indicators is None or indicators.empty:
        return None
    own = indicators[indicators["indicator"] == RESULTS_INDICATOR[phase]]
    if own.empty:
        return None
    own = own.assign(value=pd.to_numeric(own["value"], errors="coerce")).dropna(subset=["value"])
    latest = own.sort_values("year").groupby(own["school_id"].astype(str))["value"].last()
    return latest - latest.mean()


def _phase_areas(by_area: pd.DataFrame, planning_areas: pd.DataFrame, phase: str) -> list[str]:
    entry = ENTRY_NCY[phase]
    with_entry = set(by_area.loc[by_area["ncy"] == entry, "planning_area_id"].astype(str))
    if "phase" in planning_areas:
        of_phase = set(planning_areas.loc[planning_areas["phase"] == phase, "planning_area_id"].astype(str))
        with_entry &= of_phase
    return sorted(with_entry)


def build_setup(phase: str, config: AdmissionsConfig, *, schools: pd.DataFrame, rolls: pd.DataFrame,
                by_area: pd.DataFrame, base_year: int, years: list[int], planning_areas: pd.DataFrame,
                wards: pd.DataFrame | None, population: pd.DataFrame | None, indicators: pd.DataFrame | None,
                schemes: pd.DataFrame | None, observed: pd.Series | None = None) -> PhaseSetup | None:
    """A phase's schools, admission numbers by case and year, cohort by area and homes, calibrated."""
    areas = _phase_areas(by_area, planning_areas, phase)
    chosen = entry_schools(schools, phase, school_results(indicators, phase))
    chosen = chosen[chosen["x"].notna() & chosen["y"].notna()].reset_index(drop=True)
    if not areas or chosen.empty:
        return None
    today = today_places(schools, rolls, base_year, years, phase)
    today = today[today["school_id"].isin(set(chosen["school_id"]))]
    after, with_new = plan_places(today, chosen, schemes if schemes is not None else pd.DataFrame(
        columns=["option_id", "kind", "school_id", "planning_area_id", "year", "forms_of_entry"]),
        schools, phase, planning_areas)
    ids = with_new["school_id"].tolist()

    def grid(table: pd.DataFrame) -> np.ndarray:
        wide = table.pivot_table(index="year", columns="school_id", values="admission_number", aggfunc="sum")
        return wide.reindex(index=years, columns=ids).fillna(0.0).to_numpy()

    capacity = {"today": grid(today), "plan": grid(after)}
    entry = ENTRY_NCY[phase]
    cells = by_area[(by_area["ncy"] == entry) & by_area["year"].isin(years)]
    cohort = (cells.assign(planning_area_id=cells["planning_area_id"].astype(str))
              .pivot_table(index="year", columns="planning_area_id", values="pupils", aggfunc="sum")
              .reindex(index=years, columns=areas).fillna(0.0).round().to_numpy())
    first = with_new.assign(admission_number=capacity["today"][0])
    homes = build_homes(areas, phase, first, wards, population, config.home_spread_m)
    selective = with_new["selective"].to_numpy(dtype=bool)
    selective_places = capacity["today"][0][selective].sum()
    pass_share = config.selective_pass_share
    if pass_share is None:
        wanted = max(selective_places, float(np.nansum(with_new["first_preferences"].to_numpy(dtype=float)[selective])))
        pass_share = min(1.0, 1.25 * wanted / max(cohort[0].sum(), 1.0))
    setup = PhaseSetup(phase=phase, years=years, areas=areas, schools=with_new.reset_index(drop=True),
                       capacity=capacity, cohort=cohort, homes=homes, constants=np.zeros(len(ids)),
                       lower_rank_scale=config.choice(phase).lower_rank_scale,
                       pass_share=float(pass_share) if selective_places > 0 else 1.0)
    counts = with_new["first_preferences"].to_numpy(dtype=float)
    if observed is not None:  # the council's real applications replace the schools table's counts
        counts = with_new["school_id"].map(observed).fillna(0.0).to_numpy(dtype=float)
    calibrate_setup(setup, config, counts)
    return setup


def run_admissions(*, inputs: Any, by_area: pd.DataFrame, base_year: int, config: AdmissionsConfig,
                   schemes: pd.DataFrame | None = None, la_code: str | None = None,
                   only_years: list[int] | None = None, draws: int | None = None) -> AdmissionsResult:
    """Simulate preferences and offers for every forecast year (or ``only_years``), for today's places and,
    when ``schemes`` is given, the plan's; measure them; compare with DfE's real rates.

    ``inputs`` is the loaded data (:class:`sufficiency.core.inputs.Inputs`): schools, rolls, planning areas,
    wards, population, school indicators and the optional ``preferences`` table."""
    years = sorted(int(y) for y in by_area["year"].unique())
    if only_years:
        missing = sorted(set(only_years) - set(years))
        if missing:
            raise ValueError(f"year {', '.join(map(str, missing))} is not a forecast year "
                             f"({years[0]}-{years[-1]}); choose one of those")
        years = sorted(set(only_years))
    n_draws = int(draws or config.draws)
    cases = ("today", "plan") if schemes is not None else ("today",)
    preferences = getattr(inputs, "preferences", None)
    measures, school_rows, calibration, notes = [], [], [], []
    setups: dict[str, PhaseSetup] = {}
    observed_counts = _observed_first_preferences(preferences)
    for phase in PHASES:
        setup = build_setup(phase, config, schools=inputs.schools, rolls=inputs.rolls, by_area=by_area,
                            base_year=base_year, years=years, planning_areas=inputs.planning_areas,
                            wards=inputs.wards, population=inputs.population, indicators=inputs.school_indicators,
                            schemes=schemes, observed=observed_counts.get(phase))
        if setup is None:
            notes.append(f"{phase}: no planning area with an entry cohort and schools with locations")
            continue
        setups[phase] = setup
        notes += setup.notes
        sim: Simulated = simulate_phase(setup, config, cases, n_draws)
        measures.append(measures_table(sim, config))
        school_rows.append(schools_table(sim))
        calibration.append(calibration_table(setup))
    if not setups:
        raise NothingToSimulate("no phase could be simulated: the schools need locations (x, y) and an entry year "
                                "group, and the forecast an entry cohort (Reception or Year 7)")
    table = pd.concat(measures, ignore_index=True)
    first_year = table[(table["case"] == "today") & (table["planning_area_id"] == ALL)
                       & (table["year"] == table["year"].min())]
    result = AdmissionsResult(measures=table, schools=pd.concat(school_rows, ignore_index=True),
                              calibration=pd.concat(calibration, ignore_index=True),
                              real_data=dfe.comparison(la_code, first_year), years=years, draws=n_draws,
                              target=config.target_top_three, plan_used=schemes is not None, notes=notes,
                              setups=setups)
    if preferences is not None and len(preferences):
        result.applications, result.observed = replay_applications(preferences, inputs.schools, config)
    return result


def _observed_first_preferences(preferences: pd.DataFrame | None) -> dict[str, pd.Series]:
    """First preferences per school in the latest year of the council's applications, by phase."""
    if preferences is None or preferences.empty:
        return {}
    out = {}
    for phase in PHASES:
        own = preferences[(preferences["ncy"] == ENTRY_NCY[phase]) & (preferences["rank"] == 1)]
        if len(own):
            latest = own[own["year"] == own["year"].max()]
            out[phase] = latest.groupby(latest["school_id"].astype(str)).size().astype(float)
    return out
