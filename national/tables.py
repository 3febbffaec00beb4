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
* ``accuracy.csv``: by authority, phase and years ahead, the forecast made again from the latest years of its
  own rolls and scored (mean absolute and signed % error of its phase total), the 3-year-mean cohort survival's,
  and its own SCAP forecasts' from the DfE School Places Scorecards (:mod:`forecasting.accuracy`);
* ``accuracy_england.csv``: the same by phase and years ahead over every authority scored: the median of each
  and the share of authorities where this forecast missed by less than each of the others;
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
ACCURACY_COLUMNS = ["la_code", "la_name", "phase", "horizon", "forecasts", "authority_ape", "authority_signed",
                    "baseline_authority_ape", "council_ape", "council_signed", "council_n"]
ENGLAND_ACCURACY_COLUMNS = ["phase", "horizon", "authorities", "median_ape", "median_signed", "baseline_median_ape",
                            "council_authorities", "council_median_ape", "share_better_than_baseline",
                            "share_better_than_council"]
SHORT_COLUMNS = ["la_code", "la_name", "phase", "first_year_short", "years_short", "most_places_needed",
                 "chance_short_last_year"]


def gather(out: Path, codes: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The national tables over the authorities ``codes`` whose results are under ``out``."""
    out = Path(out)
    places, paths, costs, failures, scored = [], [], [], [], []
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
        if (folder / "accuracy.csv").is_file():
            scored.append(pd.read_csv(folder / "accuracy.csv", dtype={"la_code": str}))
        if summary.get("plan") is not None:
            costs.append({"la_code": code, "la_name": summary["la_name"], **summary["plan"]})
    needed = _places(places, paths)
    by_authority = (pd.concat(scored, ignore_index=True)[ACCURACY_COLUMNS] if scored
                    else pd.DataFrame(columns=ACCURACY_COLUMNS))
    return {"places_needed": needed, "programme_cost": pd.DataFrame(costs, columns=COST_COLUMNS),
            "authorities_short": short(needed), "england": overall(needed),
            "accuracy": by_authority, "accuracy_england": accuracy_england(by_authority),
            "failures": pd.DataFrame(failures, columns=FAILURE_COLUMNS)}


def accuracy_england(by_authority: pd.DataFrame) -> pd.DataFrame:
    """By phase and years ahead over the authorities scored: the median error (%) of this forecast, of the
    3-year mean and of the authorities' own forecasts (where the scorecards give one), and the share of
    authorities where this forecast missed by less than each."""
    if by_authority.empty:
        return pd.DataFrame(columns=ENGLAND_ACCURACY_COLUMNS)
    a = by_authority.assign(
        better_baseline=(by_authority["authority_ape"] < by_authority["baseline_authority_ape"]).astype(float),
        better_council=(by_authority["authority_ape"] < by_authority["council_ape"]).astype(float)
        .where(by_authority["council_ape"].notna()))
    out = a.groupby(["phase", "horizon"], as_index=False).agg(
        authorities=("la_code", "nunique"), median_ape=("authority_ape", "median"),
        median_signed=("authority_signed", "median"), baseline_median_ape=("baseline_authority_ape", "median"),
        council_authorities=("council_ape", "count"), council_median_ape=("council_ape", "median"),
        share_better_than_baseline=("better_baseline", "mean"), share_better_than_council=("better_council", "mean"))
    return out[ENGLAND_ACCURACY_COLUMNS]


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
            if col.startswith("chance") or col.startswith("share") or col in ("gap", "expected_short"):
                frame[col] = frame[col].round(3)
            elif col.endswith(("_ape", "_signed")):  # errors in %
                frame[col] = frame[col].round(2)
            elif frame[col].dtype.kind == "f":
                frame[col] = frame[col].round(0)
        path = Path(out) / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written
