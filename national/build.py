"""Build the national data folder from DfE and ONS open data: ``python -m national.build SHARED_DATA [OUT]``.

Every English authority of the school census panel (``england/pupils/la_ncy_2011_2016.csv``: pupils per LA,
academic year 2011/12-2016/17 and year group) becomes one planning area with two schools standing for its
state-funded primary (Reception-Year 6) and secondary (Years 7-11) places, the two phases DfE counts places
in (the scorecards count no sixth-form places, so Years 12-13 are left out):

* **rolls**: the census pupils per year group, on the primary or the secondary "school";
* **places** (``pan``, per year group): the scorecards' capacity (``england/scorecards/
  scorecard_data_2025_2023.csv``: ``PriCap``/``SecCap`` in 2023/24 and ``PriCap10``/``SecCap10`` in 2009/10,
  both Reception-Year 6 and Years 7-11), interpolated linearly to the panel's last year (the one known
  alone where the other is not: Northamptonshire and Cumbria take their successors' 2023/24 places, summed)
  and shared equally among the phase's year groups; an authority the scorecards do not list (the pre-2019 Dorset,
  Poole and Bournemouth) has no places and is reported as a failure by a national run;
* **births** (``england/births/la_births.csv``, ONS): the July-June births of the two mid-years around each
  calendar year, averaged, as the calendar-year births the intake model reads.

The tables are the canonical ones with an ``la_code`` column (:mod:`national.folder`), with
``authorities.csv`` and a ``scenario.yaml`` (base year 2016, horizon 7).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.core.phases import PHASE_NCY, PRIMARY, SECONDARY

#: Where the package keeps the national extract it runs on out of the box.
SHIPPED = Path(__file__).parent / "data" / "england"

PUPILS = Path("england/pupils/la_ncy_2011_2016.csv")
BIRTHS = Path("england/births/la_births.csv")
SCORECARDS = Path("england/scorecards/scorecard_data_2025_2023.csv")
#: Authorities whose code changed: capacity of their successors, summed.
SUCCESSORS = {"928": ("940", "941"), "909": ("942", "943")}
CAPACITY_YEARS = (2009, 2023)

SCENARIO = """\
name: national
description: Every English authority as one planning area (school census 2011/12-2016/17, scorecards' capacity).
base_year: 2016
horizon: 7
optimiser:
  decision_date: 2017-03-01  # decided in the spring after the panel's last census, as a council would
"""


def capacity(scorecards: pd.DataFrame, year: int) -> pd.DataFrame:
    """Primary and secondary places (Reception-Year 6, Years 7-11) per LA in ``year``, interpolated between
    2009/10 and 2023/24."""
    first = scorecards[scorecards["Year"] == "2023/24"].copy()
    first["la_code"] = first["LANumber"].astype(str)
    weight = (year - CAPACITY_YEARS[0]) / (CAPACITY_YEARS[1] - CAPACITY_YEARS[0])
    out = pd.DataFrame({"la_code": first["la_code"]})
    for phase, now, then in ((PRIMARY, "PriCap", "PriCap10"), (SECONDARY, "SecCap", "SecCap10")):
        a = pd.to_numeric(first[then], errors="coerce")
        b = pd.to_numeric(first[now], errors="coerce")
        # one of the two missing ("z": a new authority, or none reported): the other alone
        out[phase] = (a + (b - a) * weight).fillna(b).fillna(a).to_numpy()
    out = out.dropna(how="all", subset=[PRIMARY, SECONDARY])
    extra = []
    for old, new in SUCCESSORS.items():
        parts = out[out["la_code"].isin(new)]
        if len(parts) == len(new) and old not in set(out["la_code"]):
            extra.append({"la_code": old, PRIMARY: parts[PRIMARY].sum(), SECONDARY: parts[SECONDARY].sum()})
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True)


def calendar_births(births: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year births from July-June mid-years: the mean of the mid-years ending in June of Y and Y+1."""
    b = births.assign(la_code=births["la_code"].astype(str))[["la_code", "year", "births"]]
    nxt = b.assign(year=b["year"] - 1).rename(columns={"births": "next"})
    both = b.merge(nxt, on=["la_code", "year"])
    return both.assign(births=(both["births"] + both["next"]) / 2)[["la_code", "year", "births"]]


def build(shared: Path, out: Path = SHIPPED) -> Path:
    """Write the national folder under ``out`` from the open data under ``shared``."""
    shared = Path(shared)
    pupils = pd.read_csv(shared / PUPILS, dtype={"la_code": str})
    births = pd.read_csv(shared / BIRTHS, dtype={"la_code": str})
    scorecards = pd.read_csv(shared / SCORECARDS, low_memory=False)
    base = int(pupils["year"].max())
    names = pupils.drop_duplicates("la_code")[["la_code", "new_la_code", "la_name"]].sort_values("la_code")

    pupils = pupils[pupils["ncy"] <= PHASE_NCY[SECONDARY][-1]].copy()
    secondary = pupils["ncy"] >= PHASE_NCY[SECONDARY][0]
    pupils["school_id"] = pupils["la_code"] + np.where(secondary, "S", "P")
    rolls = pupils[["la_code", "school_id", "year", "ncy", "pupils"]].sort_values(["la_code", "school_id", "year",
                                                                                   "ncy"])
    places = names[["la_code"]].merge(capacity(scorecards, base), on="la_code", how="left")
    rows = []
    for phase, tag in ((PRIMARY, "P"), (SECONDARY, "S")):
        low, high = PHASE_NCY[phase][0], PHASE_NCY[phase][-1]
        years = len(PHASE_NCY[phase])
        pan = np.floor(places[phase].to_numpy() / years)
        rows.append(pd.DataFrame({
            "la_code": names["la_code"].to_numpy(), "school_id": names["la_code"].to_numpy() + tag,
            "planning_area_id": names["la_code"].to_numpy(),
            "name": names["la_name"].to_numpy() + f" {phase} places", "phase": phase,
            "ncy_low": low, "ncy_high": high, "pan": pd.array(np.where(np.isnan(pan), None, pan), dtype="Int64"),
        }))
    schools = pd.concat(rows, ignore_index=True).sort_values(["la_code", "school_id"])
    # a phase an authority has neither pupils nor places in (the City of London has no secondary school)
    taught = rolls.groupby("school_id")["pupils"].sum()
    empty = schools["pan"].isna() & (schools["school_id"].map(taught).fillna(0) == 0)
    schools = schools[~empty]
    rolls = rolls[rolls["school_id"].isin(set(schools["school_id"]))]
    cal = calendar_births(births)
    cal = cal[cal["la_code"].isin(set(names["la_code"]))]
    cal = cal.assign(area_id=cal["la_code"], births=cal["births"].round(1))[["la_code", "area_id", "year", "births"]]

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names.to_csv(out / "authorities.csv", index=False)
    schools.to_csv(out / "schools.csv", index=False)
    rolls.to_csv(out / "rolls.csv", index=False)
    cal.sort_values(["la_code", "year"]).to_csv(out / "births.csv", index=False)
    (out / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - a command
    args = sys.argv[1:]
    if not args:
        print("usage: python -m national.build SHARED_DATA [OUT]  (SHARED_DATA: the folder holding england/)")
        raise SystemExit(2)
    print(f"wrote {build(Path(args[0]), Path(args[1]) if len(args) > 1 else SHIPPED)}")
