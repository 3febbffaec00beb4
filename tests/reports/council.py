"""A small council's data folder, written by hand: two primary-only planning areas, four schools,
births and housing. Nothing in it comes from the sample borough (no la_code, no post-16, no map).

North (N1) grows: births rise and 400 homes are built, so it needs places. South (S1) falls: one
school there has far more places than pupils, so the plan proposes a cut that needs consultation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SCHOOLS = [
    # school_id, name, area, pan, ofsted, governance, first_preferences, admission_authority
    ("900001", "Northgate Primary", "N1", 60, "Good", "maintained", 75, "local authority"),
    ("900002", "Hillside Academy", "N1", 30, "Outstanding", "academy", 41, "school"),
    ("900003", "Southmere Primary", "S1", 60, "Good", "maintained", 48, "local authority"),
    ("900004", "Riverside Academy", "S1", 60, "Requires improvement", "academy", 22, "school"),
]
YEARS = range(2018, 2025)  # rolls to the January 2025 census (2024/25)


def _roll(school: str, year: int, ncy: int) -> int:
    """Pupils: North full and growing, South half empty and falling."""
    cohort = year - ncy  # the year the cohort started Reception
    if school == "900001":
        return min(60, 52 + (cohort - 2012) // 2)
    if school == "900002":
        return 30
    if school == "900003":
        return 50 - max(0, cohort - 2016)
    return max(18, 36 - 2 * max(0, cohort - 2014))


def write_council(folder: Path) -> Path:
    """Write the council's folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([
        {"school_id": s, "name": n, "phase": "primary", "planning_area_id": a, "ncy_low": 0, "ncy_high": 6,
         "pan": p, "net_capacity": 7 * p, "ofsted": o, "governance": g, "max_forms_of_entry": 3,
         "can_bulge": True, "first_preferences": f, "admission_authority": aa}
        for s, n, a, p, o, g, f, aa in SCHOOLS
    ]).to_csv(folder / "schools.csv", index=False)
    pd.DataFrame([
        {"school_id": s[0], "year": y, "ncy": g, "pupils": _roll(s[0], y, g)}
        for s in SCHOOLS for y in YEARS for g in range(7)
    ]).to_csv(folder / "rolls.csv", index=False)
    pd.DataFrame([
        {"planning_area_id": "N1", "name": "Northbrook", "phase": "primary"},
        {"planning_area_id": "S1", "name": "Southwick", "phase": "primary"},
    ]).to_csv(folder / "planning_areas.csv", index=False)
    births = []
    for year in range(2013, 2024):
        births.append({"area_id": "N1", "year": year, "births": 95 + 4 * (year - 2013)})
        births.append({"area_id": "S1", "year": year, "births": 110 - 5 * (year - 2013)})
    pd.DataFrame(births).to_csv(folder / "births.csv", index=False)
    pd.DataFrame([
        {"site_id": "H1", "planning_area_id": "N1", "year": y, "dwellings": 100, "dwelling_type": "house",
         "tenure": "market", "bedrooms": 3}
        for y in (2025, 2026, 2027, 2028)
    ]).to_csv(folder / "housing.csv", index=False)
    pd.DataFrame([
        {"phase": "primary", "dwelling_type": "house", "tenure": "market", "years_since_completion": k,
         "pupils_per_dwelling": 0.25}
        for k in range(6)
    ]).to_csv(folder / "pupil_yields.csv", index=False)
    (folder / "scenario.yaml").write_text(
        "name: principal\ndescription: Two primary planning areas of a small council.\nbase_year: 2024\n"
        "horizon: 7\n", encoding="utf-8")
    return folder
