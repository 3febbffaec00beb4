"""CSV files as people read them: rounded figures, no negative zero, no rows for year groups an area
does not teach. Every table a run writes goes through :func:`write_csv`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.core.cells import csv_frame

#: Columns holding rates, shares and weights keep four decimals; every other figure one (pupils are
#: forecast to fractions of a pupil, places and pounds are whole).
_FINE = re.compile(r"rate|ratio|share|pct|percent|weight|prob|gap|alpha|ece|auc|score")


def taught_year_groups(schools: pd.DataFrame) -> set[tuple[str, int]]:
    """``(planning_area_id, ncy)`` of every year group some school of the area teaches."""
    if not {"planning_area_id", "ncy_low", "ncy_high"} <= set(schools.columns):
        return set()
    out = set()
    for area, low, high in zip(schools["planning_area_id"], schools["ncy_low"], schools["ncy_high"], strict=True):
        if pd.notna(low) and pd.notna(high):
            out |= {(str(area), int(n)) for n in range(int(low), int(high) + 1)}
    return out


def csv_ready(frame: pd.DataFrame, taught: set[tuple[str, int]] | None = None) -> pd.DataFrame:
    """``frame`` rounded for a CSV file, without negative zeros, and without the rows of year groups
    no school of the area teaches where every figure is zero (nothing a reader would miss)."""
    out = frame.copy()
    numbers = [c for c in out.columns if pd.api.types.is_float_dtype(out[c])]
    for column in numbers:
        out[column] = out[column].round(4 if _FINE.search(str(column)) else 1) + 0.0
    if taught and {"planning_area_id", "ncy"} <= set(out.columns) and len(out):
        pairs = zip(out["planning_area_id"].astype(str), out["ncy"], strict=True)
        untaught = np.array([(a, int(n)) not in taught if pd.notna(n) else False for a, n in pairs])
        figures = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c])
                   and c not in ("year", "ncy") and not pd.api.types.is_bool_dtype(out[c])]
        empty = (out[figures].fillna(0) == 0).all(axis=1).to_numpy() if figures else np.ones(len(out), bool)
        out = out[~(untaught & empty)]
    return out


def write_csv(frame: pd.DataFrame, path: Path, taught: set[tuple[str, int]] | None = None) -> Path:
    """Write :func:`csv_ready` of ``frame`` to ``path``."""
    csv_frame(csv_ready(frame, taught)).to_csv(path, index=False)
    return path
