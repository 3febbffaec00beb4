"""Turn the canonical ``school_indicators`` table into numbers the rules can compare.

The canonical ``value`` column is text so a data folder can say what a planner would write:
an Ofsted grade as a word ("Good"), a report-card grade as a word ("Needs attention"), a
date as ``2024-05-15`` or ``20240515``, a flag as ``yes``/``no``. Everything becomes a number
on the scales documented in ``standards/data/school_indicator_vocabulary.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OFSTED_WORDS = {"outstanding": 1, "good": 2, "requires improvement": 3, "inadequate": 4,
                "serious weaknesses": 4, "special measures": 4}
REPORT_CARD_WORDS = {"urgent improvement": 1, "needs attention": 2, "expected standard": 3,
                     "strong standard": 4, "exceptional": 5, "met": 1, "not met": 0}
FLAG_WORDS = {"yes": 1, "no": 0, "true": 1, "false": 0, "y": 1, "n": 0}


#: Units of the vocabulary under which a value is a yes/no flag.
FLAG_UNITS = ("1 yes / 0 no", "1 met / 0 not met")


def _not_flags() -> set[str]:
    """The vocabulary's indicators that are not flags (a council's own indicators may be)."""
    from standards.lait import school_vocabulary

    vocab = school_vocabulary()
    return set(vocab.loc[~vocab["unit"].isin(FLAG_UNITS), "indicator"])


class IndicatorError(ValueError):
    """Values that cannot be read, naming the rows, indicators and what was expected."""


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _words_to_numbers(indicator: pd.Series, text: pd.Series) -> pd.Series:
    lower = text.str.strip().str.lower()
    out = pd.Series(np.nan, index=text.index, dtype=float)
    grade = indicator.isin(["ofsted_overall_grade", "ofsted_previous_grade"]).to_numpy(bool)
    out[grade] = _as_float(lower[grade].map(OFSTED_WORDS))
    card = indicator.str.startswith("ofsted_rc_").to_numpy(bool)
    out[card] = _as_float(lower[card].map(REPORT_CARD_WORDS))
    # yes/no only where a flag belongs: "yes" as a KS2 percentage read as 1% once, and turned a school Red.
    flags = ~indicator.isin(_not_flags()).to_numpy(bool)
    out[flags] = out[flags].fillna(pd.Series(_as_float(lower[flags].map(FLAG_WORDS)), index=text.index[flags]))
    dates = indicator.eq("ofsted_inspection_date").to_numpy(bool)
    iso = pd.to_datetime(text[dates], format="%Y-%m-%d", errors="coerce")
    out[dates] = out[dates].fillna(pd.Series(_as_float(iso.dt.strftime("%Y%m%d")),
                                             index=iso.index))
    return out


def numeric_indicators(school_indicators: pd.DataFrame,
                       source: str = "school_indicators") -> pd.DataFrame:
    """Return a copy of ``school_indicators`` with ``value`` as float.

    Parameters
    ----------
    school_indicators : pandas.DataFrame
        school_id, year, indicator, value (numbers or words, see the module docstring).
    source : str
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Same rows, ``school_id`` as str, ``year`` as int, ``value`` as float. Empty values are
        dropped (a missing figure is no row, never zero).

    Raises
    ------
    IndicatorError
        Listing up to five unreadable rows (data row numbers counted from 2, after the header).
    """
    df = school_indicators.copy()
    df["school_id"] = df["school_id"].astype(str)
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype(int)
    raw = df["value"]
    value = pd.Series(_as_float(raw), index=raw.index)
    # Only the values that are not plain numbers need reading as words or dates.
    rest = (value.isna() & raw.notna()).to_numpy(bool)
    text = raw[rest].astype(str).str.strip()
    blank = text.isin(["", "nan", "NA"])
    value[rest] = _words_to_numbers(df.loc[rest, "indicator"].astype(str), text).to_numpy()
    empty = raw.isna().to_numpy(dtype=bool, copy=True)
    empty[np.flatnonzero(rest)[blank.to_numpy(bool)]] = True
    bad = value.isna() & ~empty
    if bad.any():
        rows = df[bad].head(5)
        listed = "; ".join(f"row {i + 2}: {r.indicator}={r.value!r}"
                           for i, r in zip(rows.index, rows.itertuples(), strict=True))
        raise IndicatorError(
            f"{source}: {int(bad.sum())} values could not be read ({listed}). Use a number, an "
            "Ofsted or report-card grade in words, a date as YYYY-MM-DD, or yes/no; see "
            "standards/data/school_indicator_vocabulary.csv.")
    df["value"] = value.astype(float)
    return df[~empty].reset_index(drop=True)
