"""The standards stage's checks of a data folder (``Stage.input_checks``): every ``school_indicators`` row
names an indicator of the vocabulary and holds a value on that indicator's scale.

The vocabulary (``standards/data/school_indicator_vocabulary.csv``) gives each indicator its unit; the unit
decides what a value may be: a percentage from 0 to 100, an Ofsted grade 1-4 (or its words), a report-card
grade 1-5 (or its words), a flag (1/0, yes/no), a date, a score. A KS2 figure of 140, or "yes" where a
percentage belongs (it would read as 1%), is refused with its file, row and column, before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from standards.indicators import FLAG_WORDS, OFSTED_WORDS, REPORT_CARD_WORDS
from sufficiency.core.crosscheck import row_of
from sufficiency.core.errors import Problem
from sufficiency.core.validation import MAX_PER_COLUMN, closest

VOCABULARY_FILE = "standards/data/school_indicator_vocabulary.csv"
_GRADE_WORDS = {w: v for w, v in REPORT_CARD_WORDS.items() if w not in ("met", "not met")}
_MET_WORDS = {"met": 1, "not met": 0, **FLAG_WORDS}

#: unit -> (lowest, highest, words read as numbers, what the unit expects). None: no bound.
UNIT_SCALES: dict[str, tuple[float | None, float | None, Mapping[str, float], str]] = {
    "% of pupils": (0, 100, {}, "a percentage from 0 to 100"),
    "% of sessions": (0, 100, {}, "a percentage from 0 to 100"),
    "grade 1-4": (1, 4, OFSTED_WORDS, "a grade from 1 (Outstanding) to 4 (Inadequate), or the grade in words"),
    "grade 1-5": (1, 5, _GRADE_WORDS, "a grade from 1 (Urgent improvement) to 5 (Exceptional), or the grade in "
                  "words"),
    "1 met / 0 not met": (0, 1, _MET_WORDS, "1 (met) or 0 (not met)"),
    "1 yes / 0 no": (0, 1, FLAG_WORDS, "1 (yes) or 0 (no)"),
    "score 0-90": (0, 90, {}, "a score from 0 to 90"),
    "score": (None, None, {}, "a number"),
    "per 100 pupils": (0, None, {}, "a rate per 100 pupils, 0 or more"),
    "% of income": (None, None, {}, "a percentage (negative for a deficit)"),
}
_FLAGS = ("1 met / 0 not met", "1 yes / 0 no")


def _vocabulary() -> pd.DataFrame:
    from standards.lait import school_vocabulary

    return school_vocabulary().set_index("indicator")


def _values(indicator: pd.Series, value: pd.Series, units: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each value as a number on its indicator's scale (NaN when it cannot be read) and whether it is blank."""
    text = value.astype("string").str.strip()
    blank = text.isna() | text.eq("")
    lower = text.str.lower()
    number = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(float)
    for unit, (_, _, words, _) in UNIT_SCALES.items():
        if words:
            here = units.eq(unit) & number.isna()
            number[here] = lower[here].map(words).astype(float)
    dates = units.eq("YYYYMMDD")
    if dates.any():
        iso = pd.to_datetime(text[dates], format="%Y-%m-%d", errors="coerce")
        compact = pd.to_datetime(text[dates], format="%Y%m%d", errors="coerce")
        number[dates] = iso.fillna(compact).dt.strftime("%Y%m%d").astype(float)
    return number, blank.fillna(True).astype(bool)


def check(tables: Mapping[str, Any], files: Mapping[str, str], scenario: Any) -> list[Problem]:
    """Indicator names against the vocabulary (a near miss is an error naming the indicator meant, another
    name a warning: no rule reads it) and every value against its indicator's unit."""
    frame = tables.get("school_indicators")
    if frame is None or not {"indicator", "value"} <= set(frame.columns):
        return []
    file = files["school_indicators"]
    where = dict(files)
    vocab = _vocabulary()
    names = frame["indicator"].astype("string").str.strip()
    problems: list[Problem] = []
    unknown = names.notna() & ~names.isin(vocab.index)
    for name, rows in frame[unknown].groupby(names[unknown], sort=True).groups.items():
        first = row_of(where, "school_indicators", rows[0])
        more = f" (and {len(rows) - 1} more rows)" if len(rows) > 1 else ""
        near = closest(str(name), vocab.index, cutoff=0.75)
        if near is not None:
            problems.append(Problem(file, first, "indicator", f"'{name}' is not an indicator{more}: did you mean "
                                    f"'{near}'?", f"Write '{near}' (the indicators are listed in {VOCABULARY_FILE})"))
        else:
            problems.append(Problem(file, first, "indicator", f"'{name}' is not in the standards vocabulary, so no "
                                    f"rule, KPI or benchmark reads it{more}",
                                    f"Nothing to do if it is your own figure; otherwise use a name from "
                                    f"{VOCABULARY_FILE}", "warning"))
    known = names.isin(vocab.index)
    units = names.map(vocab["unit"]).where(known)
    number, blank = _values(names, frame["value"], units)
    for name in sorted(names[known & ~blank].unique()):
        unit = str(vocab.at[name, "unit"])
        low, high, _, expected = UNIT_SCALES.get(unit, (None, None, {}, "a number"))
        if unit == "YYYYMMDD":
            expected = "a date as YYYY-MM-DD or YYYYMMDD"
        own = names.eq(name) & ~blank
        unread = own & number.isna()
        outside = own & number.notna() & (
            (number < low if low is not None else False) | (number > high if high is not None else False))
        if unit in _FLAGS or unit.startswith("grade"):
            outside |= own & number.notna() & (number != np.round(number))
        label = f"{name} ({vocab.at[name, 'label']}, {unit})"
        for mask, what in ((unread, "cannot be read as"), (outside, "is outside the scale of")):
            idx = frame.index[mask.to_numpy(bool)]
            for i in idx[:MAX_PER_COLUMN]:
                problems.append(Problem(file, row_of(where, "school_indicators", i), "value",
                                        f"'{frame.at[i, 'value']}' {what} {label}: expected {expected}",
                                        f"Correct the value (each indicator's unit is in {VOCABULARY_FILE})"))
            if len(idx) > MAX_PER_COLUMN:
                problems.append(Problem(file, None, "value", f"{len(idx) - MAX_PER_COLUMN} more values of {name} "
                                        "like these", "Correct the values"))
    return problems
