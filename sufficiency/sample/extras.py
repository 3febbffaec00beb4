"""The illustrative parts of the sample borough: housing sites, pupil yields, options, scenario.

All of these are synthetic and say so in the sample's README. The housing sites are placed at
real allocation areas of Trafford's local plan (Carrington, Timperley Wedge, the Civic Quarter)
with illustrative phasing; the yields follow the order of magnitude of DfE's pupil yield
evidence; the options are candidate schemes a planning team might list.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: (site_id, name, easting, northing, planning area, dwelling type, tenure, bedrooms,
#:  first completion year, dwellings a year, years of build-out). Locations are real places;
#:  the numbers are illustrative.
SITES = [
    ("H01", "Carrington village", 373_900, 392_300, "P07", "house", "market", 3, 2026, 180, 8),
    ("H02", "Carrington village (affordable)", 373_900, 392_300, "P07", "house", "affordable", 3, 2026, 60, 8),
    ("H03", "Timperley Wedge", 380_800, 386_800, "P02", "house", "market", 3, 2027, 150, 7),
    ("H04", "Civic Quarter", 380_300, 395_800, "P05", "flat", "market", 2, 2025, 220, 6),
    ("H05", "Civic Quarter (affordable)", 380_300, 395_800, "P05", "flat", "affordable", 2, 2025, 60, 6),
]


def housing_sites(schools: pd.DataFrame) -> pd.DataFrame:
    """Completions by site and academic year (illustrative build-out of real allocations)."""
    rows = []
    for sid, name, x, y, _pa, dtype, tenure, beds, start, per_year, n in SITES:
        for k in range(n):
            rows.append({"site_id": sid, "name": name, "x": x, "y": y, "year": start + k,
                         "dwellings": per_year, "dwelling_type": dtype, "tenure": tenure, "bedrooms": beds})
    return pd.DataFrame(rows)


def pupil_yields() -> pd.DataFrame:
    """Pupils per dwelling by phase, type, tenure and years since completion (illustrative).

    Shape: yields rise for the first few years after completion as families move in and have
    children, then settle; houses yield several times more than flats and affordable homes more
    than market ones, as DfE's "Estimating pupil yield from housing development" (2023) reports.
    """
    base = {("primary", "house"): 0.28, ("secondary", "house"): 0.15, ("post16", "house"): 0.03,
            ("primary", "flat"): 0.07, ("secondary", "flat"): 0.03, ("post16", "flat"): 0.01}
    tenure = {"market": 1.0, "affordable": 1.4}
    profile = np.array([0.6, 0.85, 1.0, 1.1, 1.1, 1.05, 1.0, 0.95, 0.9, 0.9])
    rows = []
    for (phase, dtype), y in base.items():
        for ten, f in tenure.items():
            for k, p in enumerate(profile):
                rows.append({"phase": phase, "dwelling_type": dtype, "tenure": ten,
                             "years_since_completion": k, "pupils_per_dwelling": round(y * f * p, 4)})
    return pd.DataFrame(rows)


def options(schools: pd.DataFrame) -> pd.DataFrame:
    """Candidate new-school sites beside the housing allocations (illustrative costs).

    Costs: DfE School Places Scorecards 2024/25 cost per place for a new primary school
    (£25,089) and secondary (£30,394) times the places of the school (FE × 30 × year groups).
    """
    return pd.DataFrame([
        {"option_id": "N01", "kind": "new_school", "planning_area_id": "P07", "forms_of_entry": 2,
         "capital_cost": 2 * 30 * 7 * 25_089, "earliest_year": 2028, "lead_time_years": 3,
         "name": "Carrington new primary"},
        {"option_id": "N02", "kind": "new_school", "planning_area_id": "P02", "forms_of_entry": 2,
         "capital_cost": 2 * 30 * 7 * 25_089, "earliest_year": 2029, "lead_time_years": 3,
         "name": "Timperley Wedge new primary"},
        {"option_id": "N03", "kind": "new_school", "planning_area_id": "S04", "forms_of_entry": 4,
         "capital_cost": 4 * 30 * 5 * 30_394, "earliest_year": 2029, "lead_time_years": 3,
         "name": "Carrington new secondary"},
    ])


def scenario(base_year: int) -> dict[str, Any]:
    # Trafford's DfE LA code: its real LA-level post-16 and standards figures are used.
    return {"name": "principal",
            "description": ("Trafford sample borough: real schools, wards and population, synthetic rolls "
                            "(sufficiency/sample/data/README.md); principal forecast."),
            "la_code": "358", "base_year": base_year, "horizon": 7,
            "standards": {"targets_file": "targets.yaml"}}
