"""`run_forecast`: from a loaded data folder to pupils by area, school, year group and year.

This is the one function the pipeline, the CLI and the API call. It wires the pieces together:
rolls summed to planning areas, entry cohort from births or population, feeders for transfer,
the cohort-survival model, bootstrap intervals, pupils from new housing and school shares.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.cohort import CohortSurvival
from forecasting.config import ForecastConfig
from forecasting.feeders import feeders_from_overlap, feeders_from_wards
from forecasting.housing import HousingYield
from forecasting.intake import TREND_MEDIAN_ERROR, IntakeModel, entry_cohort
from forecasting.panel import ForecastInputError, Panel, area_rolls, with_gaps
from forecasting.schools import apportion
from forecasting.uncertainty import simulate_intervals, simulate_paths
from sufficiency.core.scenario import SCAP_HORIZON_SECONDARY
from sufficiency.core.years import academic_year

AREA_COLUMNS = ["planning_area_id", "year", "ncy", "pupils", "lower_80", "upper_80", "lower_95", "upper_95"]


@dataclass
class Forecast:
    """A forecast and what it rests on.

    Attributes
    ----------
    by_area
        ``planning_area_id, year, ncy, pupils`` and ``lower_XX, upper_XX`` for each interval
        level, for years ``base_year + 1 .. base_year + horizon``.
    by_school
        ``school_id, planning_area_id, year, ncy, pupils``, summing exactly to ``by_area``.
    totals
        Area totals over year groups per year, with their own intervals (a total's interval is
        not the sum of its cells' intervals).
    history
        Actual pupils ``planning_area_id, year, ncy, pupils`` up to the base year, for charts.
    ratios
        Fitted progression ratios per area and transition, with the authority-wide ratio and
        the weight given to the area's own history.
    """

    by_area: pd.DataFrame
    by_school: pd.DataFrame
    totals: pd.DataFrame
    history: pd.DataFrame
    ratios: pd.DataFrame
    base_year: int
    horizon: int
    variant: str
    config: ForecastConfig
    model: CohortSurvival
    housing: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    #: What the forecast rests on where it is not known (`reception_notes`), for the officer.
    notes: list[str] = field(default_factory=list)
    #: Forecast pupils against today's places (``sufficiency.core.capacity.sufficiency_table``):
    #: planning_area_id, year, ncy, pupils, places, surplus, places_needed, surplus_rate, before any
    #: scheme of a plan. Set by the forecast stage (:mod:`forecasting.stage`), which has the places.
    sufficiency_before: pd.DataFrame | None = None

    def rerun(self, inputs: Any, variant: str | None = None, overrides: dict | None = None) -> Forecast:
        """This forecast again under another variant, or with some settings overridden (a scenario file's
        ``forecast`` section), from the same data, base year and horizon."""
        config = self.config.model_copy(update={"variant": variant}) if variant else self.config
        if overrides:
            config = ForecastConfig.model_validate({**config.model_dump(), **overrides})
        if config.variant not in config.variants:
            raise ForecastInputError(f"unknown variant '{config.variant}'; choose from {sorted(config.variants)}")
        return run_forecast(inputs, config, self.base_year, self.horizon)

    def sample_paths(self, n_paths: int, seed: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
        """Futures drawn from the forecast's own bootstrap uncertainty (as its intervals are), with the pupils
        from new housing on top: the cells (``planning_area_id, year, ncy``, in ``by_area``'s order) and the
        pupils of each path, shape ``(n_paths, cells)``."""
        shifts = self.config.variants[self.variant].model_dump()
        seed = self.config.random_state if seed is None else seed
        # One chunk of every path: (years ahead, year groups, areas, paths) → (paths, areas, years, year groups),
        # the order of by_area's cells.
        chunk = next(simulate_paths(self.model, self.horizon, n_paths, shifts, seed, chunk_size=n_paths))
        paths = chunk.transpose(3, 2, 0, 1).reshape(n_paths, -1)
        cells = self.by_area[["planning_area_id", "year", "ncy"]].reset_index(drop=True)
        if self.housing is not None:
            extra = cells.merge(self.housing, on=["planning_area_id", "year", "ncy"], how="left")["pupils"]
            paths = paths + extra.fillna(0.0).to_numpy(dtype=np.float32)
        return cells, np.maximum(paths, 0.0)


def make_model(config: ForecastConfig) -> CohortSurvival:
    """The cohort-survival estimator configured by ``config``."""
    return CohortSurvival(
        ratio_method=config.ratio_method, n_years=config.n_years, smoothing_alpha=config.smoothing_alpha,
        shrinkage=config.shrinkage, shrinkage_strength=config.shrinkage_strength,
        intake=IntakeModel(damping=config.intake_damping, source=config.intake_source,
                           growth_method=config.intake_growth_method, growth_shrinkage=config.intake_growth_shrinkage,
                           ratio_method=config.intake_ratio_method,
                           ratio_trend_damping=config.intake_ratio_trend_damping,
                           entry_weight=config.intake_entry_weight, trend_years=config.intake_trend_years,
                           trend_ebb=config.intake_trend_ebb),
        transfer_self_share=config.transfer_self_share, transfer_test_share=config.transfer_test_share,
        residual_scale_exponent=config.residual_scale_exponent, min_history_years=config.min_history_years,
        ratio_trend_damping=config.ratio_trend_damping,
    )


def resolve_config(inputs: Any, config: ForecastConfig | None) -> ForecastConfig:
    """The explicit config, else the scenario's ``forecast`` section, else the defaults."""
    if config is not None:
        return config
    found = getattr(getattr(inputs, "scenario", None), "forecast", None)
    return found if isinstance(found, ForecastConfig) else ForecastConfig()


def run_forecast(
    inputs: Any, config: ForecastConfig | None = None, base_year: int | None = None, horizon: int | None = None
) -> Forecast:
    """Forecast pupils by planning area, school, year group and year.

    Parameters
    ----------
    inputs
        A `sufficiency.core.inputs.Inputs` bundle (or any object with ``schools`` and ``rolls`` and
        optionally ``births, population, wards, housing, pupil_yields, planning_areas``).
    config
        Settings; default the scenario's ``forecast`` section or `ForecastConfig()`.
    base_year
        Last year of rolls used; default the scenario's, else the latest year in rolls.
    horizon
        Years ahead; default the scenario's ``horizon``, else 7 (the SCAP secondary horizon).

    Returns
    -------
    Forecast
    """
    config = resolve_config(inputs, config)
    panel, model, base_year, horizon = _fitted(inputs, config, base_year, horizon)
    return _project(inputs, panel, model, config, base_year, horizon)


def run_variants(inputs: Any, config: ForecastConfig | None = None, names: list[str] | None = None,
                 base_year: int | None = None, horizon: int | None = None) -> dict[str, Forecast]:
    """Run several variants (default: all in the config) and return them by name.

    The model is fitted once: variants shift only its projection, not what it learns.
    """
    config = resolve_config(inputs, config)
    names = names or list(config.variants)
    unknown = [n for n in names if n not in config.variants]
    if unknown:
        raise ForecastInputError(f"unknown variant(s) {unknown}; choose from {sorted(config.variants)}")
    panel, model, base_year, horizon = _fitted(inputs, config, base_year, horizon)
    return {n: _project(inputs, panel, model, config.model_copy(update={"variant": n}), base_year, horizon)
            for n in names}


def _fitted(inputs: Any, config: ForecastConfig, base_year: int | None,
            horizon: int | None) -> tuple[Panel, CohortSurvival, int, int]:
    """The area panel and the model fitted on it, with the base year and horizon resolved."""
    scenario = getattr(inputs, "scenario", None)
    base_year = base_year if base_year is not None else getattr(scenario, "base_year", None)
    horizon = horizon or getattr(scenario, "horizon", None) or SCAP_HORIZON_SECONDARY
    panel, base_year = _panel(inputs, base_year)
    return panel, fit_model(inputs, panel, config, base_year), base_year, horizon


def _project(inputs: Any, panel: Panel, model: CohortSurvival, config: ForecastConfig, base_year: int,
             horizon: int) -> Forecast:
    """The forecast of ``config.variant`` from a fitted model: point, intervals, housing and schools."""
    variant = config.variants[config.variant]
    shifts = variant.model_dump()
    point = model.predict_array(horizon, shifts)
    iv = simulate_intervals(model, horizon, config.intervals, config.n_paths, shifts, config.random_state)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        housing = _housing(inputs, panel, model, config, base_year, horizon, variant.yields_shift)
    years = base_year + np.arange(1, horizon + 1)
    by_area = _with_bounds(panel, point + housing, iv, housing, config.intervals, years, totals=False)
    totals = _with_bounds(panel, (point + housing).sum(axis=2, keepdims=True), iv, housing.sum(axis=2, keepdims=True),
                          config.intervals, years, totals=True).drop(columns="ncy")
    by_school = apportion(by_area, inputs.rolls, inputs.schools, base_year, config.apportion_years)
    housing_long = panel.to_long(housing, years) if housing.any() else None
    return Forecast(
        by_area=by_area, by_school=by_school, totals=totals, history=panel.to_long(), ratios=ratio_table(model),
        base_year=base_year, horizon=horizon, variant=config.variant, config=config, model=model,
        housing=housing_long, warnings=[str(w.message) for w in caught],
        notes=reception_notes(model, base_year, horizon),
    )


def reception_notes(model: CohortSurvival, base_year: int, horizon: int) -> list[str]:
    """What the forecast's Reception rests on where it is not known, in a sentence each for the officer:
    the years past the last births (or population) given, and the planning areas with neither."""
    intake = model.intake_
    err, years = TREND_MEDIAN_ERROR, intake.trend_years

    def course(first: int, verb: str) -> str:  # how a trend starting after year ``first`` ahead runs on
        if intake.damping == 0 or years == 0:
            return "hold at the level of the last year given"
        if years is None or first + years >= horizon:
            return f"{verb} to the end of the forecast"
        after = {1: "hold", 0: "return to the level of the last year given"}.get(
            intake.trend_ebb, "ebb back towards the level of the last year given")
        return (f"{verb} for {years} year{'s' * (years != 1)} (to {academic_year(base_year + first + years)}), "
                f"then {after}")

    notes = []
    known = intake.entry_known_
    if known is not None and intake.use_entry_.any():
        first = int(known[intake.use_entry_].min())
        if first < horizon:
            later = " (later in some areas)" if known[intake.use_entry_].max() > first else ""
            notes.append(
                f"Reception from {academic_year(base_year + first + 1)}{later} counts children not yet born when the "
                f"births or population given end: their numbers "
                f"{course(first, 'carry on the trend of the years given')}, and the intervals widen for them. Over "
                f"150 English authorities' live births 1992-2022, a trend "
                f"carried on so missed by a median {err[5]:g}% five years on and {err[10]:g}% ten years on (smaller "
                f"areas miss by more).")
    alone = ~intake.use_entry_ & (intake.last_ > 0)
    if alone.any():
        names = [str(a) for a in model.panel_.areas[alone]]
        listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        chosen = intake.source == "trend"
        why = "is set to follow its own trend (intake_source: trend)" if chosen else (
            "has no births or population given, so it follows its own trend")
        notes.append(
            f"Reception in {len(names)} planning area{'s' * (len(names) != 1)} ({listed}) {why}: its numbers "
            f"{course(0, 'grow or fall as in the years given')}. Over 150 English authorities' live births 1992-2022, "
            f"such a trend missed by a median {err[1]:g}% one year ahead, {err[3]:g}% three, {err[5]:g}% five and "
            f"{err[10]:g}% ten (smaller areas miss by more)"
            f"{'' if chosen else '; give births or population where they exist'}.")
    return notes


def _panel(inputs: Any, base_year: int | None) -> tuple[Panel, int]:
    """Area rolls as a panel cut at the base year."""
    if inputs.rolls is None or inputs.schools is None:
        raise ForecastInputError("a forecast needs schools.csv (school_id, planning_area_id) and rolls.csv")
    panel = with_gaps(Panel.from_long(area_rolls(inputs.rolls, inputs.schools)), inputs.rolls, inputs.schools)
    if base_year is None:
        base_year = int(panel.years[-1])
    if base_year < panel.years[0] or base_year > panel.years[-1]:
        raise ForecastInputError(
            f"base year {base_year} is outside the rolls ({panel.years[0]}-{panel.years[-1]}); choose a year with rolls"
        )
    return panel.up_to(base_year), int(base_year)


def fit_model(inputs: Any, panel: Panel, config: ForecastConfig, base_year: int) -> CohortSurvival:
    """Fit the configured model on the panel with whatever optional tables ``inputs`` holds."""
    cohort, feeders = model_inputs(inputs, config, base_year)
    return make_model(config).fit(panel, entry_cohort=cohort, feeders=feeders)


def model_inputs(inputs: Any, config: ForecastConfig,
                 base_year: int) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Entry cohort (births known by the base year, or population) and feeder weights."""
    births = getattr(inputs, "births", None)
    if births is not None:
        births = births[births["year"] <= base_year]  # only births registered by the base year
    population = getattr(inputs, "population", None)
    if population is not None:
        population = population[population["year"] <= base_year]
    wards = getattr(inputs, "wards", None)
    cohort = entry_cohort(births, population, wards, config.intake_source)
    feeders = feeders_from_wards(wards)
    if feeders is None:
        feeders = feeders_from_overlap(getattr(inputs, "planning_areas", None))
    return cohort, feeders


def _housing(inputs: Any, panel: Panel, model: CohortSurvival, config: ForecastConfig, base_year: int,
             horizon: int, yields_shift: float) -> np.ndarray:
    """Pupils from new dwellings, or zeros when there are no housing data or it is switched off."""
    housing = getattr(inputs, "housing", None)
    yields = getattr(inputs, "pupil_yields", None)
    if not config.housing or housing is None or yields is None:
        return np.zeros((len(panel.areas), horizon, len(panel.ncys)))
    housing = _locate_sites(housing, getattr(inputs, "planning_areas", None))
    pupils = HousingYield(above_trend=config.housing_above_trend, yields_shift=yields_shift)
    return pupils.fit(housing, pupil_yields=yields, base_year=base_year).predict_array(panel, horizon, model.feeders_)


def _locate_sites(housing: pd.DataFrame, planning_areas: pd.DataFrame | None) -> pd.DataFrame:
    """Give sites without a planning area the area they lie in, or the nearest (with a warning)."""
    if "planning_area_id" in housing and housing["planning_area_id"].notna().all():
        return housing
    if not {"x", "y"} <= set(housing.columns) or planning_areas is None or "geometry" not in planning_areas:
        warnings.warn("housing: sites without planning_area_id or x/y (or no area boundaries) are ignored",
                      stacklevel=2)
        return housing.dropna(subset=["planning_area_id"]) if "planning_area_id" in housing else housing.iloc[:0]
    from geodata.io import points_from_xy
    from geodata.spatial import assign_to_areas

    housing = housing.copy()
    todo = housing["planning_area_id"].isna() if "planning_area_id" in housing else pd.Series(True, housing.index)
    points = points_from_xy(housing[todo], crs=getattr(planning_areas, "crs", None) or "EPSG:27700")
    found, notes = assign_to_areas(points, planning_areas, "site_id")
    housing.loc[todo, "planning_area_id"] = found
    for note in notes:
        warnings.warn(f"housing: {note}", stacklevel=2)
    return housing


def _with_bounds(panel: Panel, values: np.ndarray, iv: Any, extra: np.ndarray, levels: tuple[float, ...],
                 years: np.ndarray, totals: bool) -> pd.DataFrame:
    """Long table of point forecasts with interval columns (housing shifts the bounds too)."""
    if totals:
        axis_panel = Panel(panel.areas, panel.years, panel.ncys[:1], panel.values[:, :, :1])
    else:
        axis_panel = panel
    out = axis_panel.to_long(np.maximum(values, 0.0), years)
    for level in levels:
        lo, hi = iv.bounds(level, totals=totals)
        if totals:
            lo, hi = lo[:, :, None], hi[:, :, None]
        tag = f"{round(level * 100):d}"
        out[f"lower_{tag}"] = np.minimum(np.maximum(lo + extra, 0.0), values).reshape(-1)
        out[f"upper_{tag}"] = np.maximum(hi + extra, values).reshape(-1)
    return out


def ratio_table(model: CohortSurvival) -> pd.DataFrame:
    """Fitted progression ratios by area and transition (to year group ``ncy``)."""
    fit = model.survival_
    areas, ncys = model.panel_.areas, model.panel_.ncys[1:]
    a, g = np.meshgrid(np.arange(len(areas)), np.arange(len(ncys)), indexing="ij")
    return pd.DataFrame({
        "planning_area_id": areas[a.ravel()], "ncy": ncys[g.ravel()], "ratio": fit.ratio.ravel(),
        "own_ratio": fit.own.ravel(), "authority_ratio": fit.pooled[g.ravel()], "weight_own": fit.weight_own.ravel(),
        "feeds_itself": model.self_feed_.ravel(),
    })
