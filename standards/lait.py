"""Read the LA-level figures shipped with the product (a compact extract of DfE LAIT).

The files live in ``standards/data`` and are rebuilt by :mod:`standards.data.build`.
Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
#: LAIT "LA Number" of England as a whole, the national comparator.
ENGLAND = 970
#: LAIT numbers of the regions and the discontinued England series: not local authorities.
NON_LA_NUMBERS = frozenset({970, 980, 981, 982, 983, 984, 985, 986, 987, 988, 989, 990, 1000})


@lru_cache(maxsize=1)
def _read_values(path: str) -> pd.DataFrame:
    wide = pd.read_csv(path)
    long = wide.melt(id_vars=["measure", "year"], var_name="la_number", value_name="value")
    long["la_number"] = long["la_number"].astype(int)
    return long.dropna(subset=["value"]).reset_index(drop=True)


@lru_cache(maxsize=8)
def _read_table(path: str) -> pd.DataFrame:
    """A shipped reference table, read once per process (callers get a copy)."""
    return pd.read_csv(path, keep_default_na=False)


def lait_values(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the LAIT extract in long form.

    Parameters
    ----------
    data_dir : Path
        Folder holding ``lait_values.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns measure, year (academic year by its autumn), la_number, value. Suppressed
        and unpublished figures are absent rows, never zero.
    """
    return _read_values(str(data_dir / "lait_values.csv")).copy()


def lait_measures(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the data dictionary of the measures shipped: measure, topic, description, polarity.

    Polarity is "High" (higher is better), "Low" (lower is better) or "-" (neither), as
    published in the LAIT data dictionary.
    """
    return _read_table(str(data_dir / "lait_measures.csv")).copy()


def la_codes(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return la_number, la_name, region, la_type for every English LA, region and England."""
    return _read_table(str(data_dir / "la_codes.csv")).copy()


class UnknownAuthority(LookupError, ValueError):
    """The authority named in the scenario (``la_code``) is not an English local authority."""


def la_gss_codes(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return gss_code, la_number: every ONS GSS code an education LA has had (some have two)."""
    return _read_table(str(data_dir / "la_gss_codes.csv")).copy()


def resolve_la_number(la: str | int, data_dir: Path = DATA_DIR) -> int:
    """The LAIT LA number of the authority named by the scenario's ``la_code``.

    Parameters
    ----------
    la : str or int
        Its three-digit DfE LA code ('358'), its ONS GSS code ('E08000009') or its name
        ('Trafford', any case).

    Raises
    ------
    UnknownAuthority
        When no local authority has that code or name, with the closest names.
    """
    key = str(la).strip()
    codes = la_codes(data_dir)
    codes = codes[~codes["la_number"].astype(int).isin(NON_LA_NUMBERS)]
    numbers = codes["la_number"].astype(int)
    gss = la_gss_codes(data_dir)
    if key.isdigit() and int(key) in set(numbers):
        return int(key)
    by_name = dict(zip(codes["la_name"].str.lower(), numbers, strict=True))
    by_gss = dict(zip(gss["gss_code"].str.upper(), gss["la_number"].astype(int), strict=True))
    found = by_gss.get(key.upper(), by_name.get(key.lower()))
    if found is not None:
        return found
    names = list(codes["la_name"].astype(str))
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.6) or [
        n for n in names if key and key.lower()[:4] in n.lower()][:3]
    hint = f" Did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
    raise UnknownAuthority(
        f"'{key}' is not an English local authority (la_code, or --la): write its three-digit DfE LA code "
        f"(358 for Trafford), its ONS GSS code (E08000009) or its name.{hint}")


def la_numbers(data_dir: Path = DATA_DIR) -> frozenset[int]:
    """Return the LAIT numbers that denote local authorities (not England or regions)."""
    codes = la_codes(data_dir)
    return frozenset(int(n) for n in codes["la_number"] if int(n) not in NON_LA_NUMBERS)


def la_series(la_number: int, lait: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return one authority's figures beside the national figure for each measure and year.

    Parameters
    ----------
    la_number : int
        LAIT "LA Number" (the old three-digit DfE code, e.g. 358 for Trafford).
    lait : pandas.DataFrame, optional
        Long LAIT values (measure, year, la_number, value); the shipped extract by default.

    Returns
    -------
    pandas.DataFrame
        Columns measure, year, value, national (NaN where not published).
    """
    lait = lait_values() if lait is None else lait
    la = lait.loc[lait["la_number"] == la_number, ["measure", "year", "value"]]
    nat = lait.loc[lait["la_number"] == ENGLAND, ["measure", "year", "value"]]
    return la.merge(nat.rename(columns={"value": "national"}), on=["measure", "year"],
                    how="outer").sort_values(["measure", "year"]).reset_index(drop=True)


def school_vocabulary(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the documented vocabulary of the ``school_indicators`` table.

    Returns
    -------
    pandas.DataFrame
        indicator, label, unit, phase, polarity, lait_measure, lait_primary, lait_secondary,
        description. The ``lait_*`` columns name the national comparator for all schools,
        primary schools and secondary schools.
    """
    return _read_table(str(data_dir / "school_indicator_vocabulary.csv")).copy()


def national_comparators(lait: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the national figure for each school indicator by phase and year.

    Parameters
    ----------
    lait : pandas.DataFrame, optional
        Long LAIT values; the shipped extract by default.

    Returns
    -------
    pandas.DataFrame
        Columns indicator, phase ("primary", "secondary" or "all"), year, national.
    """
    lait = lait_values() if lait is None else lait
    vocab = school_vocabulary()
    links = vocab.melt(id_vars="indicator", value_vars=["lait_measure", "lait_primary",
                                                         "lait_secondary"],
                       var_name="phase", value_name="measure")
    links = links[links["measure"] != ""]
    links["phase"] = links["phase"].map({"lait_measure": "all", "lait_primary": "primary",
                                         "lait_secondary": "secondary"})
    nat = lait.loc[lait["la_number"] == ENGLAND, ["measure", "year", "value"]]
    out = links.merge(nat, on="measure").rename(columns={"value": "national"})
    return out[["indicator", "phase", "year", "national"]].reset_index(drop=True)
