"""The national tables, gathered from each authority's results (:mod:`national.authority`).

* ``places_needed.csv``: pupils, places and places needed by authority, phase and year (the forecast, as each
  authority run alone gives it), with the sampled futures' mean, median, 80% and 95% intervals and the chance
  that the authority is short of places that year;
* ``programme_cost.csv``: each authority's capital programme (with ``--plan``): capital, schemes, places
  added, shortfall left and the solver's status;
* ``authorities_short.csv``: the authorities short of places in a phase in some year: the first such year,
  the most places needed, and the chance of being short in the horizon's last year;
* ``england.csv``: by phase and year, the authorities run, those short (central forecast), the expected
  number short over the sampled futures (the sum of their chances), pupils, places and places needed;
* ``failures.csv``: each authority that failed, the step and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from national.authority import AUTHORITIES_DIR, FAILURES_DIR, SUMMARY

FAILURE_COLUMNS = ["la_code", "step", "reason"]
COST_COLUMNS = ["la_code", "la_name", "capital", "schemes", "places_added", "shortfall_place_years",
                "solver_status", "gap"]
OVERALL_COLUMNS = ["phase", "year", "authorities", "authorities_short", "expected_short", "pupils", "places",
                   "places_needed"]
SHORT_COLUMNS = ["la_code", "la_name", "phase", "first_year_short", "years_short", "most_places_needed",
                 "chance_short_last_year"]


def gather(out: Path, codes: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The national tables over the authorities ``codes`` whose results are under ``out``."""
    out = Path(out)
    places, paths, costs, failures = [], [], [], []
    for code in codes:
        folder = out / AUTHORITIES_DIR / code
        failed = out / FAILURES_DIR / f"{code}.json"
        if failed.is_file():
            failures.append(json.loads(failed.read_text(encoding="utf-8")))
            continue
        if not (folder / SUMMARY).is_file():
            continue
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        places.append(pd.read_csv(folder / "places_needed.csv", dtype={"la_code": str}))
        paths.append(pd.read_csv(folder / "paths.csv", dtype={"la_code": str}))
        if summary.get("plan") is not None:
            costs.append({"la_code": code, "la_name": summary["la_name"], **summary["plan"]})
    needed = _places(places, paths)
    return {"places_needed": needed, "programme_cost": pd.DataFrame(costs, columns=COST_COLUMNS),
            "authorities_short": short(needed), "england": overall(needed),
            "failures": pd.DataFrame(failures, columns=FAILURE_COLUMNS)}


def overall(needed: pd.DataFrame) -> pd.DataFrame:
    """By phase and year: authorities, those short, the expected number short, pupils, places, places needed."""
    if needed.empty:
        return pd.DataFrame(columns=OVERALL_COLUMNS)
    out = (needed.assign(short=needed["places_needed"] >= 0.5)
           .groupby(["phase", "year"], as_index=False)
           .agg(authorities=("la_code", "nunique"), authorities_short=("short", "sum"),
                expected_short=("chance_short", "sum"), pupils=("pupils", "sum"), places=("places", "sum"),
                places_needed=("places_needed", "sum")))
    return out[OVERALL_COLUMNS]


def _places(places: list[pd.DataFrame], paths: list[pd.DataFrame]) -> pd.DataFrame:
    if not places:
        return pd.DataFrame(columns=["la_code", "la_name", "phase", "year", "pupils", "places", "places_needed"])
    table = pd.concat(places, ignore_index=True)
    sampled = pd.concat(paths, ignore_index=True)
    return (table.merge(sampled, on=["la_code", "phase", "year"], how="left")
            .sort_values(["la_code", "phase", "year"]).reset_index(drop=True))


def short(needed: pd.DataFrame) -> pd.DataFrame:
    """Authorities with places needed (the central forecast) in a phase in some year."""
    if needed.empty:
        return pd.DataFrame(columns=SHORT_COLUMNS)
    rows = needed[needed["places_needed"] >= 0.5]
    last = needed.sort_values("year").groupby(["la_code", "phase"])["chance_short"].last()
    out = (rows.groupby(["la_code", "la_name", "phase"], as_index=False)
           .agg(first_year_short=("year", "min"), years_short=("year", "size"),
                most_places_needed=("places_needed", "max")))
    out["chance_short_last_year"] = [last.get((c, p)) for c, p in zip(out["la_code"], out["phase"], strict=True)]
    return out[SHORT_COLUMNS].sort_values(["phase", "most_places_needed"], ascending=[True, False],
                                          ignore_index=True)


def write_tables(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Each national table as ``out/<name>.csv`` (pupils and places rounded to whole numbers, chances to 3
    places)."""
    written = []
    for name, frame in tables.items():
        frame = frame.copy()
        for col in frame.columns:
            if col.startswith("chance") or col in ("gap", "expected_short"):
                frame[col] = frame[col].round(3)
            elif frame[col].dtype.kind == "f":
                frame[col] = frame[col].round(0)
        path = Path(out) / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written
