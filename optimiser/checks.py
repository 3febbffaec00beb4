"""Consistency checks before solving, and the tidy bundle of inputs the model is built from.

``check_inputs`` raises :class:`SpecificationError` naming every problem that blocks a solution
(missing columns, unknown planning areas, a site already over its limit, ...), before any
variable is made. Problems that only limit the answer (a demand no scheme can reach in time) are
not errors: the model reports them as a shortfall.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimiser.config import FORM_OF_ENTRY, OptimiserConfig, _today
from optimiser.options import KINDS, apply_rules, complete_options, generate_options, places_by_year_group
from sufficiency.core.phases import area_phase_of
from sufficiency.core.validation import table_problems
from sufficiency.core.years import academic_year

DEMAND_COLUMNS = ("planning_area_id", "year", "ncy", "pupils")
SCHOOL_COLUMNS = ("school_id", "planning_area_id", "ncy_low", "ncy_high", "pan")
OPTION_REQUIRED = ("option_id", "kind")


class SpecificationError(ValueError):
    """The planning problem is set up so that it cannot be solved; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = [f"The plan cannot be built ({len(problems)} problem(s)):"]
        lines += [f"  - {p}" for p in problems[:40]]
        if len(problems) > 40:
            lines.append(f"  ... and {len(problems) - 40} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class PlanInputs:
    """Everything the model needs, checked and in long format.

    Attributes
    ----------
    demand : DataFrame
        planning_area_id, ncy, year, pupils for every cell planned (zero where only places exist),
        ``on_roll``: pupils of the cohort on roll in the base year, up to the forecast (they need a
        place but no margin, as no scheme can add places to a cohort already in school), and
        ``band``: the forecast a reduction must leave room for (``config.reduction_band``).
    places : DataFrame
        school_id, planning_area_id, year, ncy, places before any scheme: the admission number in
        each year group, or more where a cohort on roll above it carries its places up the school.
    options : DataFrame
        Candidate schemes (see :mod:`optimiser.options`).
    pairs : DataFrame
        from_area, to_area, ncy, distance: a cohort entering ``from_area`` at year group ``ncy`` (a point
        of entry) may be placed in ``to_area`` within the walking distance for its age.
    years : list of int
        Years planned, after ``base_year``.
    """

    demand: pd.DataFrame
    places: pd.DataFrame
    options: pd.DataFrame
    pairs: pd.DataFrame
    schools: pd.DataFrame
    areas: pd.DataFrame
    years: list[int]
    base_year: int
    config: OptimiserConfig
    #: infant_id, junior_id: linked infant and junior schools (from a links table or derived).
    links: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["infant_id", "junior_id"]))
    #: Things the plan rests on that a board should know (stale data, delayed schemes).
    warnings: list[str] = field(default_factory=list)


def _missing(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str) -> list[str]:
    if frame is None:
        return [f"{name}: table is missing"]
    gone = [c for c in columns if c not in frame.columns]
    return [f"{name}: missing column(s) {', '.join(gone)}; expected {', '.join(columns)}"] if gone else []


def _school_problems(schools: pd.DataFrame) -> list[str]:
    problems = []
    dup = schools["school_id"][schools["school_id"].duplicated()].unique()
    if len(dup):
        problems.append(f"schools: school_id repeated ({', '.join(map(str, dup[:5]))}); each school once")
    for col in ("pan", "ncy_low", "ncy_high"):
        bad = schools.loc[pd.to_numeric(schools[col], errors="coerce").isna(), "school_id"]
        if len(bad):
            problems.append(f"schools: column '{col}' blank or not a number for {', '.join(map(str, bad[:5]))}")
    if problems:
        return problems
    bad = schools.loc[schools["ncy_low"] > schools["ncy_high"], "school_id"]
    if len(bad):
        problems.append(f"schools: ncy_low above ncy_high for {', '.join(map(str, bad[:5]))}")
    if "max_forms_of_entry" in schools:
        over = (schools["max_forms_of_entry"].notna()
                & (schools["pan"] / FORM_OF_ENTRY > schools["max_forms_of_entry"] + 1e-9))
        for s in schools[over].itertuples(index=False):
            problems.append(
                f"schools: {s.school_id} admits {s.pan:g} ({s.pan / FORM_OF_ENTRY:g} FE) but its site limit "
                f"max_forms_of_entry is {s.max_forms_of_entry:g}; raise the limit or correct the pan"
            )
    return problems


def _option_problems(options: pd.DataFrame, schools: pd.DataFrame, areas: set[str]) -> list[str]:
    problems = _missing(options, OPTION_REQUIRED, "options")
    if problems:
        return problems
    bad_kind = options.loc[~options["kind"].isin(KINDS), "option_id"]
    if len(bad_kind):
        problems.append(f"options: kind must be one of {', '.join(KINDS)} (rows {', '.join(map(str, bad_kind[:5]))})")
    school_ids = set(schools["school_id"])
    school_col = options["school_id"] if "school_id" in options else pd.Series(np.nan, index=options.index)
    area_col = options["planning_area_id"] if "planning_area_id" in options else pd.Series(np.nan, index=options.index)
    for o, s, a, k in zip(options["option_id"], school_col, area_col, options["kind"], strict=True):
        if k == "new_school":
            if pd.isna(a) or a not in areas:
                problems.append(f"options: new school {o} names planning area {a!r}, which has no demand or schools")
        elif pd.isna(s) or s not in school_ids:
            problems.append(f"options: {o} ({k}) names school {s!r}, which is not in the schools table")
    if options["option_id"].duplicated().any():
        problems.append("options: option_id repeated; give each option its own id")
    return problems


def check_inputs(
    demand: pd.DataFrame,
    schools: pd.DataFrame,
    config: OptimiserConfig | None = None,
    options: pd.DataFrame | None = None,
    distances: pd.DataFrame | np.ndarray | None = None,
    planning_areas: pd.DataFrame | None = None,
    base_year: int | None = None,
    rolls: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    files: dict[str, str] | None = None,
) -> PlanInputs:
    """Check the planning problem and return it in the form the model is built from.

    Parameters
    ----------
    demand : DataFrame
        Forecast pupils: planning_area_id, year, ncy, pupils.
    schools : DataFrame
        Canonical schools table.
    config : OptimiserConfig, optional
        Settings; defaults when None.
    options : DataFrame, optional
        The council's candidate schemes (canonical options table). When None, schemes are
        generated from the schools: expand, bulge and reduce at each school, a new school in
        each planning area.
    distances : DataFrame or ndarray, optional
        Planning-area distance matrix in metres, indexed (rows and columns) by planning_area_id;
        an ndarray must follow the order of ``planning_areas``. None: no moves between areas.
    planning_areas : DataFrame, optional
        planning_area_id, phase. Phase defaults from the year groups of each area's demand.
    base_year : int, optional
        Last year of data; planning starts the year after. Default: one before the first
        forecast year.
    rolls : DataFrame, optional
        Canonical rolls (school_id, year, ncy, pupils). With the base year's rolls, a cohort on
        roll above its places (a past bulge class) keeps them as it moves up
        (``sufficiency.core.capacity.places_by_year``), so it is not counted as unmet need. None: every
        year group has the admission number.
    links : DataFrame, optional
        infant_id, junior_id: linked infant and junior schools. None: derived from age ranges and
        distance (``config.rules.linked_schools``).
    files : dict, optional
        Table name to the file it came from (``{"options": "options.csv"}``), for messages.

    Raises
    ------
    SpecificationError
        Naming every problem that blocks a solution.
    """
    config = config or OptimiserConfig()
    files = files or {}
    problems = _missing(demand, DEMAND_COLUMNS, "demand") + _missing(schools, SCHOOL_COLUMNS, "schools")
    if problems:
        raise SpecificationError(problems)
    # The same checks as a data folder's: a table given from Python is held to the loader's rules.
    problems += table_problems(schools, "schools", files.get("schools", "schools"))
    if options is not None:
        problems += table_problems(options, "options", files.get("options", "options"))
    if problems:
        raise SpecificationError(problems)
    schools = _with_defaults(schools)
    problems += _school_problems(schools)
    band = config.reduction_band if config.reduction_band in demand.columns else "pupils"
    demand = demand.loc[demand["ncy"].isin(config.year_groups), list(DEMAND_COLUMNS)].assign(
        band=demand.loc[demand["ncy"].isin(config.year_groups), band].astype(float))
    demand["planning_area_id"] = demand["planning_area_id"].astype(str)
    if (demand["pupils"] < 0).any() or demand["pupils"].isna().any():
        problems.append("demand: pupils must be numbers >= 0 (blank or negative values found)")
    if demand.duplicated(["planning_area_id", "year", "ncy"]).any():
        problems.append("demand: more than one row for a planning area, year and year group; give one each")
    base_year = int(demand["year"].min()) - 1 if base_year is None and len(demand) else base_year
    years = sorted(int(y) for y in demand["year"].unique() if y > (base_year or 0))
    if not years:
        problems.append(f"demand: no forecast year after the base year {base_year}; forecast ahead first")
    if problems:
        raise SpecificationError(problems)
    areas = _areas(demand, schools, planning_areas)
    opts = _all_options(options, schools, areas, config, base_year, years[-1], files.get("options", "options"))
    opts = apply_rules(opts, schools, config)
    opts = opts[opts["earliest_open"] <= years[-1]].reset_index(drop=True)
    places = _places(schools, rolls, int(base_year), years, config)
    demand = _cells(demand[demand["year"].isin(years)], places, opts, years)
    demand["on_roll"] = np.minimum(demand["pupils"], _on_roll(rolls, schools, int(base_year), demand))
    pairs = _pairs(distances, areas, demand, config)
    return PlanInputs(demand, places, opts, pairs, schools, areas, years, int(base_year), config,
                      links=_links(links, schools, config), warnings=_warnings(int(base_year), config))


def _warnings(base_year: int, config: OptimiserConfig) -> list[str]:
    """What the board should know about the plan's footing: data older than a year at the decision."""
    decided = config.decision_date or _today()
    current = decided.year if decided >= dt.date(decided.year, 9, 1) else decided.year - 1
    if current - base_year > 1:
        return [f"The data's base year is {academic_year(base_year)}, more than a year before the decision date "
                f"{decided.isoformat()} ({academic_year(current)}): the forecast starts from rolls "
                f"{current - base_year} years old, and no scheme opens before "
                f"{academic_year(config.first_open_year(0))} plus its lead time. Load the latest census before a "
                "board relies on this plan."]
    return []


def _links(links: pd.DataFrame | None, schools: pd.DataFrame, config: OptimiserConfig) -> pd.DataFrame:
    """Linked infant and junior schools: the links table as given (its ids checked), or derived: an
    infant school (ending at Year 2) and a junior school (starting at Year 3) of one planning area
    within ``rules.linked_schools.max_distance_m`` of each other."""
    cols = ["infant_id", "junior_id"]
    if links is not None:
        out = links.rename(columns=str).astype({c: str for c in cols if c in links})
        problems = _missing(out, tuple(cols), "links")
        known = set(schools["school_id"])
        if not problems:
            for i, row in enumerate(out[cols].itertuples(index=False)):
                unknown = [s for s in row if s not in known]
                if unknown:
                    problems.append(f"links row {i + 2}: school {', '.join(unknown)} is not in the schools table")
        if problems:
            raise SpecificationError(problems)
        return out[cols].reset_index(drop=True)
    infants = schools[(schools["ncy_high"] == 2) & (schools["ncy_low"] <= 0)]
    juniors = schools[(schools["ncy_low"] == 3) & (schools["ncy_high"] >= 6)]
    if infants.empty or juniors.empty or not {"x", "y"} <= set(schools.columns):
        return pd.DataFrame(columns=cols)
    pairs = infants[["school_id", "planning_area_id", "x", "y"]].merge(
        juniors[["school_id", "planning_area_id", "x", "y"]], on="planning_area_id", suffixes=("_i", "_j"))
    apart = np.hypot(pairs["x_i"] - pairs["x_j"], pairs["y_i"] - pairs["y_j"])
    near = apart <= config.rules.linked_schools.max_distance_m
    out = pairs.loc[near.fillna(False).to_numpy(), ["school_id_i", "school_id_j"]]
    return out.set_axis(cols, axis=1).reset_index(drop=True)


def _places(schools: pd.DataFrame, rolls: pd.DataFrame | None, base_year: int, years: list[int],
            config: OptimiserConfig) -> pd.DataFrame:
    """Places per school, year group and year before any scheme.

    Without rolls every year has the standard places; with them, cohorts on roll in the base year
    above their places keep them as they move up (one rule for the whole product, in
    ``sufficiency.core.capacity.places_by_year``).
    """
    if rolls is None:
        out = places_by_year_group(schools).merge(pd.DataFrame({"year": years}), how="cross")
    else:
        problems = _missing(rolls, ("school_id", "year", "ncy", "pupils"), "rolls")
        if not problems and not (rolls["year"] == base_year).any():
            problems.append(f"rolls: no rows for the base year {base_year}; give the latest census rolls or leave "
                            "rolls out")
        if problems:
            raise SpecificationError(problems)
        from sufficiency.core.capacity import places_by_year

        rolls = rolls.assign(school_id=rolls["school_id"].astype(str))
        out = places_by_year(schools, rolls, base_year, years)
    out = out[out["ncy"].isin(config.year_groups)]
    return out[["school_id", "planning_area_id", "year", "ncy", "places"]].reset_index(drop=True)


def _on_roll(rolls: pd.DataFrame | None, schools: pd.DataFrame, base_year: int, cells: pd.DataFrame) -> np.ndarray:
    """Base-year roll of the cohort in each cell's planning area (0 for cohorts not yet in school)."""
    if rolls is None:
        return np.zeros(len(cells))
    area = schools.set_index("school_id")["planning_area_id"]
    base = rolls[rolls["year"] == base_year].assign(planning_area_id=rolls["school_id"].astype(str).map(area))
    base = base.groupby(["planning_area_id", "ncy"])["pupils"].sum()
    since = cells["year"].to_numpy() - base_year
    key = pd.MultiIndex.from_arrays([cells["planning_area_id"].to_numpy(), cells["ncy"].to_numpy() - since])
    return base.reindex(key).fillna(0.0).to_numpy(dtype=float)


def _all_options(options, schools, areas, config: OptimiserConfig, base_year: int, last_year: int,
                 file: str = "options") -> pd.DataFrame:
    """The council's options, plus generated defaults unless switched off.

    A generated new school is left out of an area where the council names its own site. A council's
    row the plan could never use is refused, naming the row (:func:`complete_options`).
    """
    frames = []
    if options is not None and len(options):
        problems = _option_problems(options, schools, set(areas["planning_area_id"]))
        if problems:
            raise SpecificationError(problems)
        completed, problems = complete_options(options, schools, areas, config, base_year, last_year, file)
        if problems:
            raise SpecificationError(problems)
        frames.append(completed)
    if config.generate_options or not frames:
        generated = generate_options(schools, areas, config, base_year)
        if frames:
            named = set(frames[0].loc[frames[0]["kind"] == "new_school", "planning_area_id"])
            generated = generated[~((generated["kind"] == "new_school") & generated["planning_area_id"].isin(named))]
            generated = generated[~generated["option_id"].isin(set(frames[0]["option_id"]))]
        frames.append(generated)
    return pd.concat(frames, ignore_index=True)


def _with_defaults(schools: pd.DataFrame) -> pd.DataFrame:
    """Optional school columns take neutral values: no site headroom, no bulge, not inspected."""
    out = schools.copy()
    out["school_id"] = out["school_id"].astype(str)
    out["planning_area_id"] = out["planning_area_id"].astype(str)
    defaults = {"name": out["school_id"], "max_forms_of_entry": np.nan, "can_bulge": False,
                "ofsted": "Not inspected", "first_preferences": np.nan, "phase": "primary"}
    for col, value in defaults.items():
        if col not in out:
            out[col] = value
    out["can_bulge"] = out["can_bulge"].fillna(False).astype(bool)
    for col in ("pan", "ncy_low", "ncy_high", "max_forms_of_entry"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def _areas(demand: pd.DataFrame, schools: pd.DataFrame, planning_areas: pd.DataFrame | None) -> pd.DataFrame:
    ids = sorted(set(demand["planning_area_id"]) | set(schools["planning_area_id"]))
    phase = area_phase_of(demand.groupby("planning_area_id")["ncy"].min())
    out = pd.DataFrame({"planning_area_id": ids})
    out["phase"] = out["planning_area_id"].map(phase)
    if planning_areas is not None and "phase" in planning_areas:
        given = planning_areas.assign(planning_area_id=planning_areas["planning_area_id"].astype(str))
        out["phase"] = out["planning_area_id"].map(given.set_index("planning_area_id")["phase"]).fillna(out["phase"])
    school_phase = area_phase_of(schools.groupby("planning_area_id")["ncy_low"].min())
    out["phase"] = out["phase"].fillna(out["planning_area_id"].map(school_phase)).fillna("primary")
    return out


def _cells(demand: pd.DataFrame, places: pd.DataFrame, options: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Every planning area × year group × year with pupils, places or a scheme that could add them."""
    keys = ["planning_area_id", "ncy"]
    reach = options.loc[options["kind"].isin(["expand", "bulge", "new_school"]),
                        ["planning_area_id", "ncy_low", "ncy_high"]]
    span = (reach["ncy_high"] - reach["ncy_low"] + 1).astype(int).clip(lower=0)
    grown = reach.loc[reach.index.repeat(span), ["planning_area_id"]].assign(
        ncy=np.repeat(reach["ncy_low"].astype(int).to_numpy(), span)
        + np.concatenate([np.arange(n) for n in span] or [[]]).astype(int))
    pg = pd.concat([demand[keys], places[keys], grown[keys]]).drop_duplicates()
    grid = pg.merge(pd.DataFrame({"year": years}), how="cross")
    out = grid.merge(demand, on=["planning_area_id", "ncy", "year"], how="left")
    out["pupils"] = out["pupils"].fillna(0.0).astype(float)
    out["band"] = out["band"].fillna(out["pupils"]).astype(float)
    return out.sort_values(["planning_area_id", "ncy", "year"]).reset_index(drop=True)


def _pairs(distances, areas: pd.DataFrame, cells: pd.DataFrame, config: OptimiserConfig) -> pd.DataFrame:
    cols = ["from_area", "to_area", "ncy", "distance"]
    if distances is None or not config.allow_travel:
        return pd.DataFrame(columns=cols)
    if isinstance(distances, np.ndarray):
        ids = areas["planning_area_id"].tolist()
        if distances.shape != (len(ids), len(ids)):
            raise SpecificationError([f"distances: an array must be {len(ids)}×{len(ids)} in planning-area order; "
                                      f"got {distances.shape}. Pass a DataFrame indexed by planning_area_id"])
        distances = pd.DataFrame(distances, index=ids, columns=ids)
    matrix = distances.copy()
    matrix.index, matrix.columns = matrix.index.astype(str), matrix.columns.astype(str)
    unknown = sorted(set(cells["planning_area_id"]) - set(matrix.index))
    if unknown:
        raise SpecificationError([f"distances: no row for planning area(s) {', '.join(unknown[:5])}"])
    long = matrix.rename_axis(index="from_area", columns="to_area").stack().rename("distance").reset_index()
    long = long[long["from_area"] != long["to_area"]]
    # A cohort is placed when it enters (Reception, Year 7) and stays placed as it moves up.
    pg = cells.loc[cells["ncy"].isin(config.entry_ncys), ["planning_area_id", "ncy"]].drop_duplicates()
    out = long.merge(pg.rename(columns={"planning_area_id": "from_area"}), on="from_area")
    out = out.merge(pg.rename(columns={"planning_area_id": "to_area"}), on=["to_area", "ncy"])
    limit = config.walking_limit(out["ncy"].to_numpy())
    return out.loc[out["distance"] <= limit, cols].reset_index(drop=True)
