"""The council's own pupil forecasts against the outturn, from the DfE School Places Scorecards.

Copied small into ``forecasting/data/scorecard_forecast_accuracy.csv`` (Open Government Licence v3.0;
rebuilt by ``python -m forecasting.scorecards ../shared/data``): for every English authority and the
scorecards 2022/23, 2023/24 and 2024/25, the error of its own SCAP forecast of primary (Reception-Year 6)
and secondary (Years 7-11) pupils made one and three years before, as a share of the pupils on roll
(``For_1_P``, ``For_3_P``, ``For_1_S``, ``For_3_S``: positive when the forecast was too high; DfE School
Places Scorecards technical guidance, "Forecast accuracy"). Kept as % to two decimals.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
SCORECARD_FILE = DATA_DIR / "scorecard_forecast_accuracy.csv"
SOURCE = "DfE School Places Scorecards"
_KEYS = ["Year", "LANumber", "new_la_code", "LA_name"]
#: Scorecard column -> (phase, years ahead).
_ERRORS = {"For_1_P": ("primary", 1), "For_3_P": ("primary", 3), "For_1_S": ("secondary", 1),
           "For_3_S": ("secondary", 3)}
COLUMNS = ["phase", "horizon", "scorecard", "error_pct"]


@cache
def scorecard_data() -> pd.DataFrame:
    """The shipped figures, one row per authority and scorecard (errors in %, blank where DfE gave none)."""
    return pd.read_csv(SCORECARD_FILE, dtype={"LANumber": str, "new_la_code": str, "LA_name": str})


def council_errors(la: str | None) -> tuple[str | None, pd.DataFrame]:
    """The authority's name and its own forecasts' errors: ``phase, horizon, scorecard, error_pct`` (none when
    ``la`` (its DfE number, GSS code or name) is not an English authority of the scorecards)."""
    empty = pd.DataFrame(columns=COLUMNS)
    if not la:
        return None, empty
    data = scorecard_data()
    key = str(la).strip().lower()
    own = pd.DataFrame()
    for column in ("LANumber", "new_la_code", "LA_name"):
        own = data[data[column].astype(str).str.lower() == key]
        if len(own):
            break
    if own.empty:
        return None, empty
    long = own.melt(id_vars=["Year"], value_vars=list(_ERRORS), var_name="column", value_name="error_pct")
    long = long.dropna(subset=["error_pct"])
    long["phase"] = long["column"].map(lambda c: _ERRORS[c][0])
    long["horizon"] = long["column"].map(lambda c: _ERRORS[c][1])
    out = long.rename(columns={"Year": "scorecard"})[COLUMNS]
    return str(own["LA_name"].iloc[0]), out.sort_values(["phase", "horizon", "scorecard"]).reset_index(drop=True)


def build(shared: Path) -> None:
    """Rebuild the shipped file from the shared open data folder (``../shared/data``)."""
    cards = pd.read_csv(shared / "england" / "scorecards" / "scorecard_data_2025_2023.csv", dtype=str)
    cards = cards[cards["geographic_level"] == "Local authority"][_KEYS + list(_ERRORS)]
    for column in _ERRORS:  # DfE writes 'Low' or 'z' where it publishes no figure
        cards[column] = (pd.to_numeric(cards[column], errors="coerce") * 100).round(2)
    DATA_DIR.mkdir(exist_ok=True)
    cards.sort_values(["LANumber", "Year"]).to_csv(SCORECARD_FILE, index=False)


if __name__ == "__main__":  # python -m forecasting.scorecards ../shared/data
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
