"""Turning text tables into typed canonical tables, with a problem for every bad cell.

Types are parsed here, column by column and vectorised, so that each message can name the
row, the column, the value found and what was expected. The declarative checks (ranges and
allowed values) then run through each table's pandera schema and are translated back into the
same kind of message.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import shapely

from geodata import crs_mismatch, outside_great_britain
from geodata.crs import looks_like_lonlat, within_great_britain
from sufficiency.core.errors import Problem
from sufficiency.core.readers import RawTable
from sufficiency.core.schemas import ALLOWED, ColumnSpec, TableSpec

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
#: More problems than this in one column are summarised, so a wholly wrong file stays readable.
MAX_PER_COLUMN = 20


def _cell_problems(raw: RawTable, col: str, bad: pd.Series, message: str, fix: str,
                   shown: pd.Series | None = None) -> list[Problem]:
    """One problem per bad cell, capped at MAX_PER_COLUMN with a summary line.

    ``{value}`` in ``message`` becomes the cell's text, or the row's entry of ``shown``.
    """
    idx = bad[bad].index
    if shown is None:
        shown = raw.frame[col] if col in raw.frame.columns else pd.Series("", index=raw.frame.index)
    problems = [
        Problem(raw.file, raw.row_number(i), col, message.format(value=shown.at[i]), fix)
        for i in idx[:MAX_PER_COLUMN]
    ]
    if len(idx) > MAX_PER_COLUMN:
        problems.append(Problem(raw.file, None, col, f"{len(idx) - MAX_PER_COLUMN} more cells like these", fix))
    return problems


#: Columns a table may carry besides its own: coordinates turned into geometry on reading.
COORDINATE_COLUMNS = frozenset({"lon", "lat", "longitude", "latitude"})


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest ``word`` (ignoring case and surrounding spaces), or None when none is near.

    difflib's ratio (the standard library's), not a home-made distance: 'PAN_' finds 'pan',
    'net_capcity' finds 'net_capacity', 'P0l' finds 'P01'.
    """
    choices = list(dict.fromkeys(str(c) for c in choices))
    folded = {c.strip().lower(): c for c in choices}
    key = str(word).strip().lower()
    if key in folded:
        return folded[key]
    found = difflib.get_close_matches(key, list(folded), n=1, cutoff=cutoff)
    return folded[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """" (did you mean 'x'?)" when a choice is near ``word``, else ""."""
    near = closest(word, choices, cutoff)
    return f" (did you mean '{near}'?)" if near is not None and near != word else ""


def unknown_column_problems(raw: RawTable, spec: TableSpec) -> list[Problem]:
    """A warning for every column the table does not have: it is not read, so the user is told,
    with the nearest column the table does have."""
    known = [c.name for c in spec.columns]
    problems = []
    for col in raw.frame.columns:
        if col in known or str(col).lower() in COORDINATE_COLUMNS:
            continue
        near = closest(col, [k for k in known if k not in raw.frame.columns])
        if near is not None:
            message = f"the column '{col}' is not one of the {spec.name} table's columns, so it is not read: " \
                      f"did you mean '{near}'?"
            fix = f"Rename the column '{col}' to '{near}' if that is what it holds"
        else:
            message = f"the column '{col}' is not one of the {spec.name} table's columns, so it is not read"
            fix = "Remove it, or rename it to one of: " + ", ".join(known)
        problems.append(Problem(raw.file, 1 if raw.first_row == 2 else None, str(col), message, fix, "warning"))
    return problems


def _to_float(text: pd.Series) -> pd.Series:
    """Numbers from text; unparseable cells become NaN. Thousands separators are accepted."""
    try:  # fast path: numpy parses clean numeric text in C, far quicker than to_numeric on strings
        return pd.Series(text.to_numpy(dtype=object, na_value=np.nan).astype(float), index=text.index)
    except (ValueError, TypeError):
        return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(float)


def _parse_column(raw: RawTable, spec: ColumnSpec) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """The column in its type, a mask of the cells that could not be parsed, and why."""
    text = raw.frame[spec.name]
    missing = text.isna()
    problems: list[Problem] = []
    bad = missing & (not spec.nullable)
    if bad.any():
        problems += _cell_problems(
            raw, spec.name, bad, "is empty; expected " + spec.description,
            "Fill in the cell or remove the row",
        )
    if spec.kind == "str":
        return text.astype(object).where(~missing, None), bad, problems
    if spec.kind == "bool":
        lower = text.str.lower()
        wrong = ~missing & ~lower.isin(_TRUE | _FALSE)
        problems += _cell_problems(raw, spec.name, wrong, "'{value}' is not yes or no", "Write true or false")
        return lower.isin(_TRUE).astype(bool), bad | wrong, problems
    numbers = _to_float(text)
    not_number = ~missing & numbers.isna()
    problems += _cell_problems(
        raw, spec.name, not_number, "'{value}' is not a number; expected " + spec.description,
        "Write a plain number such as 42",
    )
    if spec.kind == "int":
        fractional = numbers.notna() & (numbers != np.round(numbers))
        problems += _cell_problems(
            raw, spec.name, fractional, "'{value}' is not a whole number; expected " + spec.description,
            "Round it to a whole number, or check the column holds counts",
        )
        return numbers.round().astype("Int64"), bad | not_number | fractional, problems
    return numbers, bad | not_number, problems


def _translate_schema_errors(raw: RawTable, spec: TableSpec, exc: pa.errors.SchemaErrors) -> list[Problem]:
    cases = exc.failure_cases
    problems: list[Problem] = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        col = spec.column(str(column))
        expected = str(check)
        fix = f"Correct the value; expected {col.description}" if col else "Correct the value"
        allowed = ALLOWED.get(expected, ())
        for _, case in group.head(MAX_PER_COLUMN).iterrows():
            row = None if pd.isna(case["index"]) else raw.row_number(int(case["index"]))
            hint = did_you_mean(str(case["failure_case"]), allowed) if allowed else ""
            problems.append(Problem(raw.file, row, str(column), f"'{case['failure_case']}' {expected}{hint}", fix))
    return problems


def _duplicate_problems(raw: RawTable, spec: TableSpec, frame: pd.DataFrame) -> list[Problem]:
    key = [k for k in spec.key if k in frame.columns]
    if not key:
        return []
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return []
    problems = []
    groups = frame[dup].groupby(key if len(key) > 1 else key[0], dropna=False, sort=False).groups
    for values, index in list(groups.items())[:MAX_PER_COLUMN]:
        values = values if isinstance(values, tuple) else (values,)
        rows = [raw.row_number(i) for i in index]
        label = ", ".join(f"{k}={v}" for k, v in zip(key, values, strict=True))
        problems.append(
            Problem(
                raw.file, rows[1], ", ".join(key),
                f"duplicate key ({label}): the same key is on rows " + ", ".join(map(str, rows)),
                "Keep one row per " + ", ".join(key) + " (add the figures together if they are parts of one)",
            )
        )
    return problems


def _coordinate_problems(raw: RawTable, frame: pd.DataFrame) -> list[Problem]:
    """x/y must be British National Grid metres inside Great Britain."""
    if not {"x", "y"} <= set(frame.columns):
        return []
    xs, ys = frame["x"].to_numpy(float), frame["y"].to_numpy(float)
    if looks_like_lonlat(xs, ys):
        return [
            Problem(
                raw.file, None, "x",
                "x and y hold longitude and latitude, not British National Grid metres",
                "Rename the columns to lon and lat (they are then converted), or convert to EPSG:27700",
            )
        ]
    bad = pd.Series(np.isfinite(xs) & ~within_great_britain(xs, ys, xs, ys), index=frame.index)
    return _cell_problems(
        raw, "x", bad, "the point ({value}) lies outside Great Britain in British National Grid",
        "Check the coordinates are eastings and northings in metres (EPSG:27700), or give "
        "longitude and latitude in columns headed lon and lat",
        shown="x " + raw.frame["x"].astype(str) + ", y " + raw.frame["y"].astype(str),
    )


def _projection_problems(raw: RawTable, outside: np.ndarray, drawn: np.ndarray) -> list[Problem]:
    """Features outside Great Britain: one problem for a whole mis-projected file, else one a feature."""
    if not outside.any():
        return []
    if raw.source_bounds is not None and outside.sum() > 1 and outside[drawn].all():
        diagnosis, fix = crs_mismatch(raw.source_crs, raw.source_bounds)
        rows = [raw.row_number(i) for i in raw.frame.index[outside]]
        return [Problem(raw.file, rows[0], "geometry",
                        f"all {len(rows)} features (rows {rows[0]}-{rows[-1]}) lie outside Great Britain once "
                        f"converted to British National Grid: {diagnosis}", fix)]
    return _cell_problems(
        raw, "geometry", pd.Series(outside, index=raw.frame.index),
        "the feature lies outside Great Britain once converted to British National Grid, so its "
        "coordinates or the coordinate reference system the file declares are wrong",
        "Check the feature's coordinates, and that the CRS the file declares matches them "
        "(e.g. EPSG:27700 or EPSG:4326)",
    )


def _geometry_problems(raw: RawTable, spec: TableSpec) -> list[Problem]:
    geom = raw.geometry
    if geom is None:
        return []
    problems: list[Problem] = []
    empty = pd.Series(geom.isna().to_numpy() | geom.is_empty.to_numpy(), index=raw.frame.index)
    problems += _cell_problems(raw, "geometry", empty, "the feature has no geometry",
                               "Draw the feature's geometry or remove it")
    arr = geom.to_numpy()
    # Coordinates that could not be projected (inf) mean the declared CRS is wrong.
    unprojectable = ~np.isfinite(geom.bounds.to_numpy()).all(axis=1) & ~empty.to_numpy()
    outside = outside_great_britain(geom.to_frame()) | unprojectable
    invalid = pd.Series(~empty.to_numpy() & ~outside & ~shapely.is_valid(arr), index=raw.frame.index)
    for i in invalid[invalid].index[:MAX_PER_COLUMN]:
        problems.append(
            Problem(raw.file, raw.row_number(i), "geometry",
                    f"the geometry is not valid ({shapely.is_valid_reason(arr[i])})",
                    "Repair it, e.g. with QGIS 'Fix geometries'")
        )
    problems += _projection_problems(raw, outside, ~empty.to_numpy())
    if spec.geometry == "points":
        types = pd.Series(geom.geom_type.to_numpy(), index=raw.frame.index)
        problems += _cell_problems(raw, "geometry", ~empty & (types != "Point"),
                                   "expected a point location", "Give each feature a single point")
    return problems


def parse_table(raw: RawTable, spec: TableSpec,
                derivable: Collection[str] = frozenset()) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and check one table.

    Parameters
    ----------
    raw
        The table as read.
    spec
        Its canonical specification.
    derivable
        Required columns that may be absent because they can be derived (for example a school's
        planning area from its location).
    """
    problems: list[Problem] = []
    present = set(raw.frame.columns)
    known = {c.name for c in spec.columns}
    for name in spec.required_columns:
        if name not in present and name not in derivable:
            col = spec.column(name)
            expected = f"; expected {col.description}" if col is not None else ""
            near = closest(name, [c for c in raw.frame.columns if c not in known])
            hint = f"Rename the column '{near}' to '{name}'" if near else f"Add a column headed '{name}'"
            problems.append(
                Problem(raw.file, 1 if raw.first_row == 2 else None, name,
                        f"the required column '{name}' is missing{expected}",
                        f"{hint}. Columns found: " + ", ".join(raw.frame.columns))
            )
    if problems:
        return raw.frame, problems
    problems += unknown_column_problems(raw, spec)
    typed = raw.frame.copy()
    unparsed = pd.Series(False, index=typed.index)
    for col in spec.columns:
        if col.name in present:
            typed[col.name], bad, found = _parse_column(raw, col)
            unparsed |= bad
            problems += found
    problems += _geometry_problems(raw, spec)
    # The declarative checks run on every row that parsed, so one run reports everything.
    schema_cols = [c.name for c in spec.columns if c.name in present]
    checked = typed.loc[~unparsed, schema_cols].astype(
        {c.name: "int64" for c in spec.columns if c.name in present and c.kind == "int" and not c.nullable})
    try:
        spec.schema().validate(checked, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems += _translate_schema_errors(raw, spec, exc)
    problems += _duplicate_problems(raw, spec, typed[~unparsed])
    problems += _coordinate_problems(raw, typed)
    return typed, problems


def table_problems(frame: pd.DataFrame, name: str, file: str | None = None) -> list[str]:
    """The loader's checks on a table given as a DataFrame (from Python, not a file), as messages
    naming the file, row and column: a library call is held to the rules a data folder is.

    Rows are numbered as a spreadsheet shows them (the header is row 1). Columns the canonical table
    does not have are left alone.
    """
    from sufficiency.core.readers import RawTable
    from sufficiency.core.schemas import TABLES

    spec = TABLES[name]
    known = [c.name for c in spec.columns if c.name in frame.columns]
    # As a file reads: text in every cell, and an empty cell missing (not the text 'nan').
    text = frame[known].reset_index(drop=True).astype(object)
    text = text.map(lambda v: np.nan if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v))
    raw = RawTable(file=file or name, frame=text, geometry=None, first_row=2)
    _, problems = parse_table(raw, spec, derivable=set(spec.required_columns) - set(known))
    return [str(p) for p in problems if p.severity == "error"]
