"""Loading a data folder into one typed, validated bundle: :func:`load_inputs`.

A data folder holds one file per canonical table (``schools.csv``, ``rolls.xlsx``,
``planning_areas.geojson``, ...) and optionally a ``scenario.yaml``. Loading is all or nothing:
either every table is valid and an :class:`Inputs` comes back, or :class:`InputError` lists
every problem found, each with file, row, column, what was expected and what to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from sufficiency.core.crosscheck import cross_check
from sufficiency.core.derive import complete_planning_areas, complete_schools, locate_housing
from sufficiency.core.errors import InputError, Problem
from sufficiency.core.readers import RawTable, file_hash, find_table_files, read_table
from sufficiency.core.scenario import Scenario, load_scenario
from sufficiency.core.schemas import TABLES
from sufficiency.core.validation import parse_table

SCENARIO_FILE = "scenario.yaml"


@dataclass(frozen=True)
class Inputs:
    """Every canonical table of one data folder, validated, with where it came from.

    Tables that were not given are ``None``; ``schools``, ``rolls`` and ``planning_areas`` are
    always present (planning areas are derived from the schools when no file gives them).
    """

    folder: Path
    scenario: Scenario
    schools: pd.DataFrame
    rolls: pd.DataFrame
    planning_areas: gpd.GeoDataFrame | pd.DataFrame
    wards: gpd.GeoDataFrame | pd.DataFrame | None = None
    births: pd.DataFrame | None = None
    population: pd.DataFrame | None = None
    housing: pd.DataFrame | None = None
    pupil_yields: pd.DataFrame | None = None
    options: pd.DataFrame | None = None
    links: pd.DataFrame | None = None
    school_indicators: pd.DataFrame | None = None
    #: Real anonymised applications (personal data; admissions stage only).
    preferences: pd.DataFrame | None = None
    #: File name to SHA-256 of its bytes, for provenance.
    source_hashes: dict[str, str] = field(default_factory=dict)
    #: Problems that did not stop loading (for example a point given to its nearest area).
    warnings: list[Problem] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        """The academic years with rolls, in order."""
        return sorted(int(y) for y in self.rolls["year"].unique())

    def replace(self, **changes: Any) -> Inputs:
        """A copy with some tables or the scenario replaced."""
        from dataclasses import replace

        return replace(self, **changes)

    def with_overrides(self, overrides: dict[str, Any] | None) -> Inputs:
        """These tables under the folder's scenario with ``overrides`` applied, as
        ``load_inputs(folder, overrides)`` would give them, without reading the tables again.

        Raises
        ------
        InputError
            When the overridden scenario is not valid.
        """
        scenario, problems = folder_scenario(self.folder, overrides)
        if scenario is None:
            raise InputError(problems)
        return self.replace(scenario=scenario)


def folder_scenario(folder: Path, overrides: dict[str, Any] | None) -> tuple[Scenario | None, list[Problem]]:
    """The folder's ``scenario.yaml`` (the defaults without one) with ``overrides`` applied."""
    path = folder / SCENARIO_FILE
    return load_scenario(path if path.is_file() else None, overrides)


def _with_geometry(frame: pd.DataFrame, raw: RawTable) -> pd.DataFrame:
    if raw.geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=raw.geometry.set_axis(frame.index), crs=raw.geometry.crs)


def _lonlat_columns(raw: RawTable) -> tuple[str | None, str | None]:
    cols = {c.lower(): c for c in raw.frame.columns}
    return cols.get("lon") or cols.get("longitude"), cols.get("lat") or cols.get("latitude")


def _rows_listed(raw: RawTable, mask: pd.Series) -> str:
    rows = [raw.row_number(i) for i in mask[mask].index]
    shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}"


def _lonlat_mixups(raw: RawTable, lon: str, lat: str, xs: pd.Series, ys: pd.Series) -> list[Problem]:
    """Longitude and latitude swapped, or British National Grid metres given as lon/lat: said once for the
    file (with the rows), not as one 'outside Great Britain' per row."""
    problems = []
    swapped = (ys.abs() <= 10) & xs.between(49, 61) & ~((xs.abs() <= 10) & ys.between(49, 61))
    grid = (xs.abs() > 180) | (ys.abs() > 90)
    first = lambda m: raw.row_number(m[m].index[0])  # noqa: E731
    if swapped.any():
        i = swapped[swapped].index[0]
        problems.append(Problem(
            raw.file, first(swapped), lon,
            f"'{lon}' holds latitudes and '{lat}' longitudes ({_rows_listed(raw, swapped)}; e.g. {lon} "
            f"{raw.frame.at[i, lon]}, {lat} {raw.frame.at[i, lat]}): in Great Britain longitude is -8 to 2 and "
            "latitude 49 to 61", f"Swap the values of '{lon}' and '{lat}' (or their headers)"))
    if grid.any():
        i = grid[grid].index[0]
        problems.append(Problem(
            raw.file, first(grid), lon,
            f"'{lon}' and '{lat}' hold British National Grid eastings and northings in metres, not degrees "
            f"({_rows_listed(raw, grid)}; e.g. {lon} {raw.frame.at[i, lon]}, {lat} {raw.frame.at[i, lat]})",
            f"Head the columns x (easting) and y (northing) instead of '{lon}' and '{lat}'"))
    return problems


def _lonlat_to_geometry(raw: RawTable) -> list[Problem]:
    """Tables given with lon/lat columns get point geometry in British National Grid."""
    lon, lat = _lonlat_columns(raw)
    if raw.geometry is not None or not lon or not lat or "x" in raw.frame.columns:
        return []
    xs = pd.to_numeric(raw.frame[lon], errors="coerce")
    ys = pd.to_numeric(raw.frame[lat], errors="coerce")
    bad = (xs.isna() | ys.isna()) & raw.frame[lon].notna()
    problems = [
        Problem(raw.file, raw.row_number(i), lon, f"'{raw.frame.at[i, lon]}' is not a longitude",
                "Write decimal degrees, e.g. -2.3481")
        for i in bad[bad].index[:20]
    ]
    mixups = _lonlat_mixups(raw, lon, lat, xs, ys)
    if mixups:  # no geometry from figures known to be wrong: one problem each, not one per row
        return problems + mixups
    points = gpd.GeoSeries(gpd.points_from_xy(xs, ys), index=raw.frame.index, crs="EPSG:4326")
    raw.geometry = points.to_crs("EPSG:27700")
    return problems


def _read_tables(
        folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, str], list[Problem], set[str]]:
    paths, problems = find_table_files(folder, list(TABLES))
    for name in ("schools", "rolls"):
        if name not in paths:
            problems.append(
                Problem(f"{name}.csv", None, None, f"the {name} table is missing from {folder}",
                        f"Add {name}.csv (or .xlsx): see the README's input format; columns "
                        + ", ".join(TABLES[name].required_columns))
            )
    tables: dict[str, pd.DataFrame] = {}
    typed: set[str] = set()  # tables whose columns were all found and parsed into their types
    files = {name: p.name for name, p in paths.items()}
    hashes = {}
    for name, path in paths.items():
        data = path.read_bytes()  # read once: hashed for provenance, then parsed
        hashes[path.name] = hashlib.sha256(data).hexdigest()
        raw, found = read_table(path, data)
        problems += found
        if raw is None:
            continue
        problems += _lonlat_to_geometry(raw)
        spec = TABLES[name]
        located = raw.geometry is not None or "x" in raw.frame or all(_lonlat_columns(raw))
        derivable = {"planning_area_id"} if located else set()
        frame, found = parse_table(raw, spec, derivable)
        problems += found
        if frame is not raw.frame:
            typed.add(name)
        tables[name] = _with_geometry(frame, raw)
    return tables, files, hashes, problems, typed


def _cross_check_anyway(tables: dict[str, pd.DataFrame], files: dict[str, str], typed: set[str],
                        found: list[Problem]) -> list[Problem]:
    """Cross-table errors of a folder that already has errors, from the rows that did parse.

    So that one run of ``validate`` lists an unknown school beside a negative roll, rather than
    one after the other. Best effort: a table whose columns are missing is left out, and if the
    broken tables defeat a check, only the errors already found are reported.
    """
    if not {"schools", "rolls"} <= typed:
        return []
    clean = {}
    for name in typed:
        spec = TABLES[name]
        required = [c for c in spec.required_columns if c in tables[name].columns]
        key = [c for c in spec.key if c in tables[name].columns]
        clean[name] = tables[name].dropna(subset=required).drop_duplicates(key or None)
    try:
        clean["schools"], _ = complete_schools(clean, files)
        clean["planning_areas"] = complete_planning_areas(clean)
        more = cross_check(clean, files)
    except Exception:  # the tables are known to be broken; their errors stand
        return []
    seen = {(p.file, p.row, p.column) for p in found}  # a cell already reported needs no second message
    return [p for p in more if p.severity == "error" and (p.file, p.row, p.column) not in seen]


def _stage_checks(tables: dict[str, pd.DataFrame], files: dict[str, str],
                  scenario: Scenario | None, broken: bool = False) -> list[Problem]:
    """The problems each registered stage finds in the tables it reads (its ``input_checks``).

    On tables already known to be ``broken`` (the rows that parsed of a folder with errors), a check the
    broken tables defeat is skipped: their errors stand.
    """
    from sufficiency.core.stages import REGISTRY, StageError

    problems: list[Problem] = []
    for stage in REGISTRY.all():
        try:
            problems += stage.check_inputs(tables, files, scenario)
        except StageError as exc:
            problems.append(Problem(SCENARIO_FILE, None, None, f"the '{stage.name}' stage's input checks could "
                                    f"not run: {exc}", "Reinstall the package ('make install')", "warning"))
        except Exception:
            if not broken:
                raise
    return problems


def _collect(folder: Path, scenario_overrides: dict[str, Any] | None) -> tuple[Inputs | None, list[Problem]]:
    folder = Path(folder)
    if not folder.is_dir():
        return None, [Problem(str(folder), None, None, "the data folder does not exist",
                              "Give the path of a folder holding schools.csv and rolls.csv")]
    tables, files, hashes, problems, typed = _read_tables(folder)
    scenario, found = folder_scenario(folder, scenario_overrides)
    problems += found
    scenario_path = folder / SCENARIO_FILE
    if scenario_path.is_file():
        hashes[SCENARIO_FILE] = file_hash(scenario_path)
    if (scenario is None or any(p.severity == "error" for p in problems) or "schools" not in tables
            or "rolls" not in tables):
        found = problems + _cross_check_anyway(tables, files, typed, problems)
        seen = {(p.file, p.row, p.column) for p in found}  # a cell already reported needs no second message
        checked = [p for p in _stage_checks({n: tables[n] for n in typed}, files, scenario, broken=True)
                   if (p.file, p.row, p.column) not in seen]
        return None, found + checked
    derived: list[Problem] = []
    tables["schools"], found = complete_schools(tables, files)
    derived += found
    tables["planning_areas"] = complete_planning_areas(tables)
    if "housing" in tables:
        tables["housing"], found = locate_housing(tables, files)
        derived += found
    problems += cross_check(tables, files) + derived + _stage_checks(tables, files, scenario)
    if any(p.severity == "error" for p in problems):
        return None, problems
    # Every warning (a column not read, an encoding guessed, a school placed in its nearest area) travels
    # with the inputs, so every command that loads the folder says it, as validate does.
    warnings = [p for p in problems if p.severity == "warning"]
    inputs = Inputs(folder=folder, scenario=scenario, source_hashes=hashes, warnings=warnings,
                    **{k: v for k, v in tables.items()})
    return inputs, problems


def validate_folder(folder: str | Path, scenario_overrides: dict[str, Any] | None = None) -> list[Problem]:
    """Every problem (errors and warnings) in a data folder; an empty list means it is ready."""
    return _collect(Path(folder), scenario_overrides)[1]


def load_inputs(folder: str | Path, scenario_overrides: dict[str, Any] | None = None) -> Inputs:
    """Load and validate a data folder.

    Parameters
    ----------
    folder
        A folder holding at least ``schools`` and ``rolls`` (CSV, XLSX, GeoJSON or GeoPackage),
        and optionally the other canonical tables and a ``scenario.yaml``.
    scenario_overrides
        Settings applied on top of the folder's ``scenario.yaml``.

    Raises
    ------
    InputError
        With every problem found; nothing is returned half-loaded.
    """
    inputs, problems = _collect(Path(folder), scenario_overrides)
    if inputs is None:
        raise InputError(problems)
    return inputs
