"""The schools families can name at each point of entry, and each one's admission number, year by year:
today's (the schools table) and after a plan (its schemes, read as data from ``plan.csv``'s columns).

A plan's schemes change a school's admission number at its point of entry as the optimiser counts them
(``optimiser.testing.recount_sufficiency`` counts the same way): an expansion or a reduction of ``f`` forms of
entry changes it by ``30 f`` from its year on; a bulge class adds 30 places a form to the one intake of its
year; a closure takes every place from its year; a new school of ``f`` forms admits ``30 f`` from its year, at
the middle of its planning area (its site is not in the data: a local assumption).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.core.capacity import places_by_year
from sufficiency.core.phases import ENTRY_NCY

#: Places in one form of entry (DfE counts forms of entry in 30s).
FORM = 30

SCHOOL_COLUMNS = ["school_id", "name", "planning_area_id", "x", "y", "ofsted", "selective", "sex", "results",
                  "first_preferences", "new"]


def _sex(schools: pd.DataFrame) -> pd.Series:
    """Whom a school admits: 'any', 'girls' or 'boys' (single-sex schools: from the name, else alternately)."""
    single = schools.get("single_sex", pd.Series(False, index=schools.index)).fillna(False).astype(bool)
    names = schools.get("name", pd.Series("", index=schools.index)).fillna("").str.lower()
    sex = pd.Series("any", index=schools.index)
    girls, boys = names.str.contains("girl"), names.str.contains("boy")
    sex[single & girls] = "girls"
    sex[single & boys & ~girls] = "boys"
    unknown = single & ~girls & ~boys
    # Which sex an unnamed single-sex school admits is not in the data: alternate (a local assumption).
    sex[unknown] = np.where(np.arange(int(unknown.sum())) % 2 == 0, "boys", "girls")
    return sex


def entry_schools(schools: pd.DataFrame, phase: str, results: pd.Series | None = None) -> pd.DataFrame:
    """Schools that admit at the phase's point of entry (Reception or Year 7), with what families see."""
    entry = ENTRY_NCY[phase]
    low = pd.to_numeric(schools.get("ncy_low"), errors="coerce")
    high = pd.to_numeric(schools.get("ncy_high"), errors="coerce")
    admits = (low <= entry) & (high >= entry)
    if phase == "secondary":
        admits &= low >= 0  # an all-through school admits at Year 7 too
    out = schools[admits.fillna(False)].copy()
    out["school_id"] = out["school_id"].astype(str)
    for column, default in (("name", ""), ("ofsted", "Not inspected"), ("x", np.nan), ("y", np.nan),
                            ("first_preferences", np.nan)):
        if column not in out:
            out[column] = default
    out["ofsted"] = out["ofsted"].fillna("Not inspected")
    out["selective"] = (out["selective"].fillna(False).astype(bool) if "selective" in out
                        else False) & (phase == "secondary")
    out["sex"] = _sex(out)
    out["results"] = (out["school_id"].map(results) if results is not None else np.nan)
    out["first_preferences"] = pd.to_numeric(out["first_preferences"], errors="coerce").astype(float)
    out["new"] = False
    return out[SCHOOL_COLUMNS].reset_index(drop=True)


def today_places(schools: pd.DataFrame, rolls: pd.DataFrame, base_year: int, years: list[int],
                 phase: str) -> pd.DataFrame:
    """Admission number at the point of entry of each school and year before any scheme: ``school_id, year,
    admission_number``."""
    entry = ENTRY_NCY[phase]
    places = places_by_year(schools.assign(school_id=schools["school_id"].astype(str)),
                            rolls.assign(school_id=rolls["school_id"].astype(str)), base_year, years)
    places = places[places["ncy"] == entry]
    return (places.rename(columns={"places": "admission_number"})[["school_id", "year", "admission_number"]]
            .reset_index(drop=True))


def _scheme_entry(option_id: str, ncy_low: int) -> int:
    """The point of entry a scheme works from: the optimiser's option id ``kind:school:entry`` names it;
    otherwise the school's lowest year group."""
    parts = str(option_id).split(":")
    return int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else ncy_low


def _area_middle(area: str, schools: pd.DataFrame, planning_areas: pd.DataFrame | None) -> tuple[float, float]:
    geometry = getattr(planning_areas, "geometry", None) if planning_areas is not None else None
    if geometry is not None and planning_areas is not None:
        found = planning_areas[planning_areas["planning_area_id"].astype(str) == area]
        if len(found) and found.geometry.iloc[0] is not None and not found.geometry.iloc[0].is_empty:
            point = found.geometry.iloc[0].representative_point()
            return float(point.x), float(point.y)
    own = schools[schools["planning_area_id"].astype(str) == area]
    return float(own["x"].mean()), float(own["y"].mean())


def plan_places(today: pd.DataFrame, chosen: pd.DataFrame, schemes: pd.DataFrame, all_schools: pd.DataFrame,
                phase: str, planning_areas: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Admission numbers at the point of entry after a plan's ``schemes``, and the schools with any new ones.

    Parameters
    ----------
    today
        ``school_id, year, admission_number`` before the plan (:func:`today_places`).
    chosen
        The phase's entry schools (:func:`entry_schools`).
    schemes
        The plan's schemes: ``option_id, kind, school_id, planning_area_id, year, forms_of_entry``.
    """
    entry = ENTRY_NCY[phase]
    years = sorted(today["year"].unique())
    places = today.set_index(["school_id", "year"])["admission_number"].astype(float).copy()
    schools = chosen.copy()
    lows = pd.to_numeric(all_schools.set_index(all_schools["school_id"].astype(str))["ncy_low"], errors="coerce")
    area_phase = None
    if planning_areas is not None and "phase" in planning_areas:
        area_phase = planning_areas.set_index(planning_areas["planning_area_id"].astype(str))["phase"]
    added = []
    for s in schemes.itertuples(index=False):
        kind, year, fe = str(s.kind), int(s.year), float(s.forms_of_entry or 0.0)
        if kind == "new_school":
            area = str(s.planning_area_id)
            if area_phase is not None and area_phase.get(area) != phase:
                continue
            if area_phase is None and not (chosen["planning_area_id"].astype(str) == area).any():
                continue
            school_id = f"new:{s.option_id}"
            x, y = _area_middle(area, chosen, planning_areas)
            added.append({"school_id": school_id, "name": f"New school ({area})", "planning_area_id": area,
                          "x": x, "y": y, "ofsted": "Not inspected", "selective": False, "sex": "any",
                          "results": np.nan, "first_preferences": np.nan, "new": True})
            for y_ in years:
                places[(school_id, y_)] = FORM * fe if y_ >= year else 0.0
            continue
        school_id = str(s.school_id)
        if school_id not in set(chosen["school_id"]):
            continue
        future = [y_ for y_ in years if y_ >= year]
        if kind == "close":
            for y_ in future:
                places[(school_id, y_)] = 0.0
            continue
        low = int(lows.get(school_id, entry)) if pd.notna(lows.get(school_id, np.nan)) else entry
        if _scheme_entry(str(s.option_id), low) != entry:
            continue
        change = FORM * fe * (-1.0 if kind == "reduce" else 1.0)
        for y_ in ([year] if kind == "bulge" else future):
            if (school_id, y_) in places.index:
                places[(school_id, y_)] = max(0.0, places[(school_id, y_)] + change)
    if added:
        schools = pd.concat([schools, pd.DataFrame(added)], ignore_index=True)
    out = places.rename("admission_number").reset_index()
    return out, schools
