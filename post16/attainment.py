"""Level 2 and level 3 qualifications by age 19, against the authority's targets.

Figures are the DfE LA Interactive Tool (LAIT) measures shipped in ``post16/data`` for every LA,
region and England. ``year`` is the academic year by its autumn (LAIT's "2024" label is 2023/24, year
2023), as in the standards extract, so the figure has one year label across the product.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ATTAINMENT_FILE = Path(__file__).resolve().parent / "data" / "attainment19_la.csv"
ENGLAND_CODE = "970"

#: LAIT region names by the NCCIS region name, where they differ in spelling.
_REGION_ALIASES = {"Yorkshire and The Humber": "Yorkshire and the Humber"}
#: LAIT splits London into Inner and Outer London for LAs; the region row is "London".
_LONDON = {"Inner London", "Outer London"}


def load_attainment19(path: Path | str | None = None) -> pd.DataFrame:
    """Read the compact attainment-at-19 table (the shipped copy, read once per process, unless
    ``path`` is given); each call gets its own copy."""
    return _read_attainment19(path) if path else _shipped_attainment19().copy()


def _read_attainment19(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"la_code": "string", "la_name": "string"})


@lru_cache(maxsize=1)
def _shipped_attainment19() -> pd.DataFrame:
    return _read_attainment19(ATTAINMENT_FILE)


def attainment_at_19(
    table: pd.DataFrame, la_code: str, level2_target_pct: float = 90.0, level3_target_pct: float = 69.0
) -> pd.DataFrame:
    """Level 2 and level 3 by 19 for one LA, against targets, England and its region.

    Parameters
    ----------
    table
        Output of :func:`load_attainment19` (or the same columns from the authority's own data).
    la_code
        Three-digit DfE LA code.
    level2_target_pct, level3_target_pct
        Targets in percent.

    Returns
    -------
    pandas.DataFrame
        ``year, measure ("level2_at_19" | "level3_at_19"), la, england, region, target,
        gap_to_target, meets_target, fsm_la`` (``fsm_la``: the rate for pupils eligible for free
        school meals). Empty when the LA has no rows.
    """
    mine = table[table["la_code"] == str(la_code)]
    if mine.empty:
        return pd.DataFrame(
            columns=["year", "measure", "la", "england", "region", "target", "gap_to_target", "meets_target", "fsm_la"]
        )
    region_name = mine["region_name"].dropna().iloc[0] if mine["region_name"].notna().any() else None
    region_name = "London" if region_name in _LONDON else _REGION_ALIASES.get(region_name, region_name)
    england = table[table["la_code"] == ENGLAND_CODE].set_index("year")
    region = table[table["region_name"].isna() & (table["la_name"] == region_name)].set_index("year")
    frames = []
    for level, target in (("level2", level2_target_pct), ("level3", level3_target_pct)):
        col = f"{level}_at_19_pct"
        frame = pd.DataFrame(
            {
                "year": mine["year"].to_numpy(),
                "measure": f"{level}_at_19",
                "la": mine[col].to_numpy(),
                "fsm_la": mine[f"{level}_at_19_fsm_pct"].to_numpy(),
            }
        )
        frame["england"] = frame["year"].map(england[col])
        frame["region"] = frame["year"].map(region[col]) if not region.empty else np.nan
        frame["target"] = float(target)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True).dropna(subset=["la"])
    out["gap_to_target"] = (out["la"] - out["target"]).round(2)
    out["meets_target"] = out["la"] >= out["target"]
    cols = ["year", "measure", "la", "england", "region", "target", "gap_to_target", "meets_target", "fsm_la"]
    return out[cols].sort_values(["measure", "year"]).reset_index(drop=True)
