"""Importers for the DfE school-level files a council downloads, mapped to the ``school_indicators`` vocabulary.

Each kind of file is a table of its columns and the indicator each becomes (``FILE_KINDS``): the KS2 and
KS4 performance tables (``england_ks2final.csv``, ``england_ks4final.csv``, "Compare school and college
performance"), the absence file (``england_abs.csv``), Ofsted's state-funded schools inspections
management information, and Get Information about Schools (``edubasealldata*.csv``). Rows are keyed by
``URN``. A value is read as a number ("65%" as 65); DfE's markers for a figure not given (``SUPP``
suppressed, ``NE`` no entries, ``NP`` not published, ``NA``, ``LOWCOV``, ``x``, ``c``, ``z``, empty) are
missing, never zero, and counted; anything else that is not a number is a problem naming the file, its
row (as a spreadsheet shows it: the header is row 1), the column and what to do. A file lacking ``URN``
or every column of its kind is refused. Columns the file has but the kind does not use are ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.core.errors import InputError, Problem

#: DfE's markers for a figure that is not given: missing, never zero.
NOT_GIVEN = frozenset({"", "SUPP", "NE", "NP", "NA", "N/A", "LOWCOV", "NEW", "X", "C", "Z", ":", "..", "NULL",
                       "NOT JUDGED", "NOT APPLICABLE"})

#: Each kind of file: its columns and the school indicator each becomes.
FILE_KINDS: dict[str, dict[str, str]] = {
    "ks2": {
        "PTRWM_EXP": "ks2_rwm_expected", "PTREAD_EXP": "ks2_reading_expected",
        "PTWRITTA_EXP": "ks2_writing_expected", "PTMAT_EXP": "ks2_maths_expected",
        "PTRWM_EXP_FSM6CLA1A": "ks2_rwm_expected_disadvantaged",
        "PTRWM_EXP_NotFSM6CLA1A": "ks2_rwm_expected_non_disadvantaged",
        "PTRWM_EXP_B": "ks2_rwm_expected_boys", "PTRWM_EXP_G": "ks2_rwm_expected_girls",
        "PTRWM_EXP_EAL": "ks2_rwm_expected_eal",
    },
    "ks4": {
        "ATT8SCR": "ks4_attainment8", "P8MEA": "ks4_progress8", "PTL2BASICS_94": "ks4_em_grade4",
        "PTL2BASICS_95": "ks4_em_grade5", "ATT8SCR_FSM6CLA1A": "ks4_attainment8_disadvantaged",
        "ATT8SCR_NFSM6CLA1A": "ks4_attainment8_non_disadvantaged", "ATT8SCR_BOYS": "ks4_attainment8_boys",
        "ATT8SCR_GIRLS": "ks4_attainment8_girls", "ATT8SCR_EAL": "ks4_attainment8_eal",
    },
    "absence": {"PERCTOT": "absence_overall", "PERCUNA": "absence_unauthorised", "PPERSABS10": "persistent_absence"},
    "ofsted": {
        "Overall effectiveness": "ofsted_overall_grade",
        "Previous full inspection overall effectiveness": "ofsted_previous_grade",
        "Inspection start date": "ofsted_inspection_date",
    },
    "gias": {"PercentageFSM": "fsm_pct"},
}
#: Columns holding dates (day/month/year as DfE writes them, or ISO), written as YYYY-MM-DD.
DATE_COLUMNS = frozenset({"Inspection start date"})


@dataclass
class Imported:
    """What an import gives: the long ``school_indicators`` rows and what was left out."""

    rows: pd.DataFrame
    #: Figures DfE did not give (suppressed, no entries, not published), by column.
    not_given: dict[str, int] = field(default_factory=dict)
    #: URNs in the file but not in the schools table (left out), when one was given.
    unknown_schools: list[str] = field(default_factory=list)


def _date(text: str) -> str | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def import_school_file(path: Path | str, kind: str, year: int, schools: pd.DataFrame | None = None) -> Imported:
    """Read one DfE school-level file into ``school_indicators`` rows (school_id, year, indicator, value).

    Parameters
    ----------
    path
        The CSV as downloaded.
    kind
        One of :data:`FILE_KINDS`: ks2, ks4, absence, ofsted, gias.
    year
        The academic year the figures are for, by its autumn (2024 for 2024/25 results).
    schools
        The canonical schools table: rows for other schools are left out and listed.

    Raises
    ------
    sufficiency.core.errors.InputError
        Naming every problem by file, row and column (nothing is imported then).
    """
    path = Path(path)
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown kind of file {kind!r}: one of {', '.join(FILE_KINDS)}")
    columns = FILE_KINDS[kind]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    used = [c for c in columns if c in raw.columns]
    problems = []
    if "URN" not in raw.columns:
        problems.append(Problem(path.name, None, "URN", "required column is missing",
                                "use the file as DfE publishes it: its URN column keys each school"))
    if not used:
        problems.append(Problem(path.name, None, None, f"none of the {kind} columns is present "
                                f"({', '.join(columns)})", f"check this is a {kind} file"))
    if problems:
        raise InputError(problems)
    urn = raw["URN"].str.strip()
    out, not_given = [], {}
    for column in used:
        text = raw[column].str.strip()
        given = ~text.str.upper().isin(NOT_GIVEN)
        not_given[column] = int((~given).sum())
        if column in DATE_COLUMNS:
            values = text.where(given).map(lambda t: _date(t) if isinstance(t, str) else None)
            bad = given & values.isna()
            expected = "a date as day/month/year"
        else:
            values = pd.to_numeric(text.str.rstrip("%").where(given), errors="coerce")
            bad = given & values.isna()
            expected = "a number"
        for idx in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(Problem(path.name, int(idx) + 2, column, f"value '{text.iloc[idx]}' is not {expected}",
                                    "correct it, or leave it as DfE's SUPP/NE/NP marker if the figure is not given"))
        keep = given & ~bad & urn.ne("")
        out.append(pd.DataFrame({"school_id": urn[keep], "year": int(year), "indicator": columns[column],
                                 "value": values[keep].astype(str) if column in DATE_COLUMNS else values[keep]}))
    if problems:
        raise InputError(problems)
    rows = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["school_id", "year", "indicator",
                                                                                 "value"])
    unknown: list[str] = []
    if schools is not None:
        known = set(schools["school_id"].astype(str))
        unknown = sorted(set(rows["school_id"]) - known)
        rows = rows[rows["school_id"].isin(known)]
    return Imported(rows.reset_index(drop=True), not_given, unknown)


def merge_indicators(existing: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """``existing`` school_indicators with ``new`` rows added, a new row replacing one for the same school, year
    and indicator."""
    if existing is None or existing.empty:
        return new.reset_index(drop=True)
    keys = ["school_id", "year", "indicator"]
    both = pd.concat([existing.astype({"school_id": str, "year": int}), new.astype({"school_id": str, "year": int})],
                     ignore_index=True)
    return both.drop_duplicates(keys, keep="last").sort_values(keys).reset_index(drop=True)
