"""A council's real applications (the ``preferences`` table) allocated under the equal-preference scheme.

The table is personal data (one row per preference of an anonymised application): its allocation is served
to admins only (``Stage.personal_tables``). Each application's preferences, in rank order, are offered by
deferred acceptance against the schools' admission numbers (``pan``), with the criteria the table carries:
looked after, a sibling at the school, and the distance (metres) where given; a preference without a distance
ranks after those with one, and ties are broken at random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from admissions.allocation import NONE, Criteria, deferred_acceptance
from admissions.config import AdmissionsConfig
from sufficiency.core.phases import ENTRY_NCY

#: A distance nobody has (metres), for a preference the table gives none for.
_UNKNOWN_M = 1e6

APPLICATION_COLUMNS = ["application_id", "year", "ncy", "preferences_named", "offered_school_id", "offered_rank",
                       "offer"]
OBSERVED_COLUMNS = ["case", "phase", "year", "planning_area_id", "scope", "applicants", "first_pct", "top_three_pct",
                    "no_preferred_pct", "no_offer_pct"]


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def replay_applications(preferences: pd.DataFrame, schools: pd.DataFrame,
                        config: AdmissionsConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each application's offer (PERSONAL) and the measures of each round (authority level)."""
    pan = schools.set_index(schools["school_id"].astype(str))["pan"] if "pan" in schools else pd.Series(dtype=float)
    offers, measures = [], []
    rng = np.random.default_rng(config.random_state)
    prefs = preferences.assign(school_id=preferences["school_id"].astype(str),
                               application_id=preferences["application_id"].astype(str))
    for (year, ncy), group in prefs.groupby(["year", "ncy"], sort=True):
        group = group.sort_values(["application_id", "rank"])
        apps = pd.Index(group["application_id"].unique())
        ids = pd.Index(sorted(group["school_id"].unique()))
        i = apps.get_indexer(group["application_id"])
        j = ids.get_indexer(group["school_id"])
        position = group.groupby("application_id").cumcount().to_numpy()
        k = int(position.max()) + 1
        ranked = np.full((len(apps), k), NONE, dtype=np.int64)
        ranked[i, position] = j
        distance = np.full((len(apps), len(ids)), _UNKNOWN_M)
        if "distance_m" in group:
            given = group["distance_m"].notna().to_numpy()
            distance[i[given], j[given]] = group["distance_m"].to_numpy(dtype=float)[given]
        looked_after = np.zeros(len(apps), dtype=bool)
        looked_after[i[_flag(group, "looked_after").to_numpy()]] = True
        sibling = np.full(len(apps), NONE, dtype=np.int64)
        has = _flag(group, "sibling").to_numpy()
        sibling[i[has]] = j[has]
        capacity = pan.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
        criteria = Criteria(distance=distance, looked_after=looked_after, sibling=sibling,
                            tiebreak=rng.random(len(apps)))
        # Only the schools named are in the round: a family without an offer is left for the authority to
        # place (the table carries no home location to find the nearest school with room).
        got = deferred_acceptance(ranked, capacity, criteria)
        school = np.where(got.school != NONE, ids.to_numpy()[np.maximum(got.school, 0)], None)
        offers.append(pd.DataFrame({"application_id": apps, "year": int(year), "ncy": int(ncy),
                                    "preferences_named": (ranked != NONE).sum(axis=1), "offered_school_id": school,
                                    "offered_rank": got.rank,
                                    "offer": np.where(got.rank >= 1, "preferred", "none")}))
        n = float(len(apps))
        phase = next((p for p, e in ENTRY_NCY.items() if e == int(ncy)), f"year group {ncy}")
        measures.append({"case": "applications", "phase": phase, "year": int(year), "planning_area_id": "all",
                         "scope": "authority", "applicants": n,
                         "first_pct": round(100 * float(np.mean(got.rank == 1)), 3),
                         "top_three_pct": round(100 * float(np.mean((got.rank >= 1) & (got.rank <= 3))), 3),
                         "no_preferred_pct": round(100 * float(np.mean(got.rank <= 0)), 3),
                         "no_offer_pct": round(100 * float(np.mean(got.rank == NONE)), 3)})
    return (pd.concat(offers, ignore_index=True)[APPLICATION_COLUMNS] if offers
            else pd.DataFrame(columns=APPLICATION_COLUMNS), pd.DataFrame(measures, columns=OBSERVED_COLUMNS))
