"""DfE preference figures shipped with the engine, and the simulation compared with them.

Two real sources, copied small into ``admissions/data/`` (Open Government Licence v3.0; rebuilt by
``python -m admissions.dfe ../shared/data``):

* ``applications_offers.csv``: DfE "Secondary and primary school applications and offers", every English
  authority, 2014-2018 (the offers for entry in September of that year), Reception and Year 7: applications,
  the number of preferences the scheme allows, first, second and third preference offers, one of the first
  three, any preferred school, a non-preferred school, no offer.
* ``scorecard_preferences.csv``: DfE School Places Scorecards 2022/23-2024/25, the % of applicants offered
  their first, second and third preference and one of the three (``*_CY``: the scorecard's own entry year).
"""

from __future__ import annotations

import sys
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
OFFERS_FILE = DATA_DIR / "applications_offers.csv"
SCORECARD_FILE = DATA_DIR / "scorecard_preferences.csv"

_OFFER_COLUMNS = ["time_period", "old_la_code", "new_la_code", "la_name", "school_phase", "no_of_preferences",
                  "applications_received", "first_preference_offers", "second_preference_offers",
                  "third_preference_offers", "one_of_the_three_preference_offers", "preferred_school_offer",
                  "non_preferred_offer", "no_offer"]
_SCORECARD_COLUMNS = ["Year", "LANumber", "new_la_code", "LA_name"] + [
    f"Pref_{p}_{k}_CY" for p in "PS" for k in ("1", "2", "3", "T3")]


@cache
def offers_data() -> pd.DataFrame:
    """The shipped DfE applications and offers, one row per authority, year and phase ('primary', 'secondary')."""
    frame = pd.read_csv(OFFERS_FILE, dtype={"old_la_code": str, "new_la_code": str})
    for column in _OFFER_COLUMNS[5:]:  # 'x' marks a figure DfE suppressed
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


@cache
def scorecard_data() -> pd.DataFrame:
    """The shipped scorecard preference figures, one row per authority and scorecard year."""
    return pd.read_csv(SCORECARD_FILE, dtype={"LANumber": str, "new_la_code": str})


def resolve_la(la: str | None) -> tuple[str, str, str] | None:
    """The authority's DfE code, GSS code and name from its DfE code, GSS code or name (None when unknown)."""
    if not la:
        return None
    data = offers_data()
    key = str(la).strip().lower()
    for column in ("old_la_code", "new_la_code", "la_name"):
        found = data[data[column].astype(str).str.lower() == key]
        if len(found):
            row = found.iloc[0]
            return str(row["old_la_code"]), str(row["new_la_code"]), str(row["la_name"])
    return None


def observed_rates(la: str | None) -> pd.DataFrame:
    """The authority's real preference rates, in %: ``phase, source, period, applicants, preferences_allowed,
    first_pct, second_pct, third_pct, top_three_pct, no_preferred_pct`` (empty when the authority is unknown)."""
    columns = ["phase", "source", "period", "applicants", "preferences_allowed", "first_pct", "second_pct",
               "third_pct", "top_three_pct", "no_preferred_pct"]
    found = resolve_la(la)
    if found is None:
        return pd.DataFrame(columns=columns)
    code, gss, _ = found
    offers = offers_data()
    own = offers[offers["old_la_code"] == code]
    rows = []
    for r in own.sort_values(["school_phase", "time_period"]).itertuples(index=False):
        n = float(r.applications_received)
        rows.append({"phase": r.school_phase, "source": "DfE applications and offers",
                     "period": f"September {r.time_period}", "applicants": n,
                     "preferences_allowed": r.no_of_preferences,
                     "first_pct": 100 * r.first_preference_offers / n,
                     "second_pct": 100 * r.second_preference_offers / n,
                     "third_pct": 100 * r.third_preference_offers / n,
                     "top_three_pct": 100 * r.one_of_the_three_preference_offers / n,
                     "no_preferred_pct": 100 * (r.non_preferred_offer + r.no_offer) / n})
    cards = scorecard_data()
    for r in cards[cards["new_la_code"] == gss].sort_values("Year").itertuples(index=False):
        for phase, p in (("primary", "P"), ("secondary", "S")):
            top3 = getattr(r, f"Pref_{p}_T3_CY")
            rows.append({"phase": phase, "source": "DfE School Places Scorecard", "period": str(r.Year),
                         "applicants": np.nan, "preferences_allowed": np.nan,
                         "first_pct": getattr(r, f"Pref_{p}_1_CY"), "second_pct": getattr(r, f"Pref_{p}_2_CY"),
                         "third_pct": getattr(r, f"Pref_{p}_3_CY"), "top_three_pct": top3,
                         "no_preferred_pct": np.nan})
    return pd.DataFrame(rows, columns=columns)


def comparison(la: str | None, simulated: pd.DataFrame) -> pd.DataFrame:
    """The simulation's authority rates beside the real ones, per phase and source.

    ``simulated`` has one row per phase: ``phase, first_pct, top_three_pct, no_preferred_pct`` (the
    simulation of today's places in its first year). Each real figure is the mean over the source's years
    (DfE 2014-2018; scorecards 2022/23-2024/25), with its range."""
    observed = observed_rates(la)
    if observed.empty or simulated.empty:
        return pd.DataFrame(columns=["phase", "source", "periods", "measure", "real_pct", "real_low", "real_high",
                                     "simulated_pct", "difference_pts"])
    rows = []
    sim = simulated.set_index("phase")
    for (phase, source), group in observed.groupby(["phase", "source"], sort=True):
        if phase not in sim.index:
            continue
        periods = f"{group['period'].iloc[0]} to {group['period'].iloc[-1]}"
        for measure in ("first_pct", "top_three_pct", "no_preferred_pct"):
            real = group[measure].astype(float).dropna()
            if real.empty:
                continue
            value = float(sim.at[phase, measure])
            rows.append({"phase": phase, "source": source, "periods": periods, "measure": measure,
                         "real_pct": round(float(real.mean()), 2), "real_low": round(float(real.min()), 2),
                         "real_high": round(float(real.max()), 2), "simulated_pct": round(value, 2),
                         "difference_pts": round(value - float(real.mean()), 2)})
    return pd.DataFrame(rows)


def build(shared: Path) -> None:
    """Rebuild the shipped files from the shared open data folder (``../shared/data``)."""
    archive = shared / "england" / "admissions" / "school_applications_and_offers.zip"
    with zipfile.ZipFile(archive) as z, z.open("school_applications_and_offers.csv") as f:
        raw = pd.read_csv(f, dtype=str)
    la = raw[raw["geographic_level"] == "Local authority"].copy()
    la["school_phase"] = la["school_phase"].str.lower()
    la = la[_OFFER_COLUMNS].sort_values(["old_la_code", "school_phase", "time_period"])
    DATA_DIR.mkdir(exist_ok=True)
    la.to_csv(OFFERS_FILE, index=False)
    cards = pd.read_csv(shared / "england" / "scorecards" / "scorecard_data_2025_2023.csv", dtype=str)
    cards = cards[cards["geographic_level"] == "Local authority"][_SCORECARD_COLUMNS]
    for column in _SCORECARD_COLUMNS[4:]:
        cards[column] = pd.to_numeric(cards[column], errors="coerce").round(2)
    cards.sort_values(["LANumber", "Year"]).to_csv(SCORECARD_FILE, index=False)


if __name__ == "__main__":  # python -m admissions.dfe ../shared/data
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
