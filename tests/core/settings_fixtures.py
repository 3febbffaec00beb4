"""The smallest data on which each setting of scenario.yaml can show its effect (test_settings_act).

Each fixture is built once per test process and gives the inputs a stage runs on, the scenario
settings the fixture itself needs, the results of earlier stages it stands in for, and the run
options (a pupil table for the risk-of-NEET model, a fixed "today").

* ``forecast``: a generated borough of two primary planning areas and one secondary area, six
  years of rolls, births by ward, and a housing site building above its past rate; its schools
  carry admission numbers and locations, so the plan can follow the forecast.
* ``forecast_city``: five districts of a city at high school entry: one a high school district fed
  by the others, and one that fills its Grade 9 from the whole city rather than its own Grade 8.
* ``plan``: hand-made demand in eleven planning areas, each set up so that one kind of scheme
  is the answer (an expansion, a bulge class, a new school, a reduction, a closure, a move to a
  neighbouring area, a choice between a popular and an unpopular school, an Inadequate school).
* ``plan_without_highs``: the same on a machine where HiGHS is not available.
* ``standards``: the sample borough (its school_indicators), with a stricter rule file, the
  strategy targets and a local figures file beside it.
* ``post16``: the sample borough, for participation and attainment; ``post16_roni`` adds a
  SYNTHETIC pupil cohort in which one group carries a risk no model input shows, so the fairness
  audit has something to find.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sufficiency.core.inputs import Inputs, load_inputs
from sufficiency.core.scenario import Scenario
from sufficiency.sample import sample_dir

#: "Today" for the post-16 retention dates, so two runs on different days compare equal.
TODAY = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class Fixture:
    """Inputs for one stage (and the stages before it), with what the fixture itself sets."""

    inputs: Inputs
    #: Scenario settings of the fixture (the base every case starts from).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Results of earlier stages the fixture provides instead of running them.
    earlier: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The environment the stage runs in (say, a machine without HiGHS).
    environment: Callable[[], AbstractContextManager[Any]] = nullcontext


def _folder(name: str) -> Path:
    """A fresh folder for one fixture, removed when the test process ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"settings-{name}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


# ------------------------------------------------------------------------------------ forecast
@cache
def forecast_fixture() -> Fixture:
    """Two primary areas (one growing, one shrinking), one secondary area fed by both, births by
    ward to 2024, and a housing site in P1 building well above its past rate from 2025."""
    rng = np.random.default_rng(20250917)
    folder = _folder("forecast")
    years = np.arange(2019, 2025)
    intake = {"P1": 50 + 2.0 * (years - 2019), "P2": 31 - 1.5 * (years - 2019)}
    areas: dict[str, np.ndarray] = {}
    for area, first in intake.items():
        values = np.zeros((len(years), 7))
        values[0] = first[0] * 0.98 ** np.arange(7)
        for t in range(1, len(years)):
            values[t, 0] = first[t] + rng.normal(0, 1.5)
            values[t, 1:] = values[t - 1, :-1] * (0.98 + rng.normal(0, 0.02, 6))
        areas[area] = np.round(values)
    secondary = np.zeros((len(years), 5))
    secondary[0] = 75.0
    for t in range(1, len(years)):
        feeders = areas["P1"][t - 1, 6] + areas["P2"][t - 1, 6]
        secondary[t, 0] = feeders * (0.92 + rng.normal(0, 0.02))
        secondary[t, 1:] = secondary[t - 1, :-1] * (0.99 + rng.normal(0, 0.01, 4))
    areas["S1"] = np.round(secondary)
    # Each area's pupils split between its schools by a share that drifts from year to year.
    split = {"P1": ("p1a", "p1b", 0.50), "P2": ("p2a", None, 1.0), "S1": ("s1a", "s1b", 0.55)}
    rows = []
    for area, values in areas.items():
        first_school, second_school, share = split[area]
        low = 7 if area == "S1" else 0
        for t, year in enumerate(years):
            drift = share + (0.03 * (t - 2.5) if second_school else 0.0)
            for g, pupils in enumerate(values[t]):
                a = round(pupils * drift)
                rows.append((first_school, int(year), low + g, a))
                if second_school:
                    rows.append((second_school, int(year), low + g, int(pupils) - a))
    pd.DataFrame(rows, columns=["school_id", "year", "ncy", "pupils"]).to_csv(folder / "rolls.csv", index=False)
    pd.DataFrame([
        ("p1a", "P1 Primary A", "P1", 370000, 390000, 30, "Good", 2, True, 40),
        ("p1b", "P1 Primary B", "P1", 370500, 390000, 30, "Requires improvement", 2, True, 20),
        ("p2a", "P2 Primary", "P2", 371000, 394000, 30, "Good", 2, True, 30),
        ("s1a", "S1 Secondary A", "S1", 372000, 392000, 45, "Good", 3, True, 50),
        ("s1b", "S1 Secondary B", "S1", 372500, 392000, 45, "Good", 3, True, 45),
    ], columns=["school_id", "name", "planning_area_id", "x", "y", "pan", "ofsted", "max_forms_of_entry",
                "can_bulge", "first_preferences"]).to_csv(folder / "schools.csv", index=False)
    pd.DataFrame({"ward_id": ["W1", "W2"], "name": ["Ward one", "Ward two"],
                  "primary_planning_area_id": ["P1", "P2"],
                  "secondary_planning_area_id": ["S1", "S1"]}).to_csv(folder / "wards.csv", index=False)
    born = np.arange(2013, 2025)
    pd.concat([pd.DataFrame({"area_id": "W1", "year": born, "births": 52 + 2 * (born - 2013)}),
               pd.DataFrame({"area_id": "W2", "year": born, "births": 36 - 1.5 * (born - 2013)})]
              ).to_csv(folder / "births.csv", index=False)
    built = np.arange(2019, 2029)
    pd.DataFrame({"site_id": "H1", "planning_area_id": "P1", "year": built,
                  "dwellings": np.where(built <= 2024, 10, 80), "dwelling_type": "house",
                  "tenure": "market", "bedrooms": 3}).to_csv(folder / "housing.csv", index=False)
    shutil.copy(sample_dir() / "pupil_yields.csv", folder / "pupil_yields.csv")
    return Fixture(load_inputs(folder))


@cache
def forecast_city_fixture() -> Fixture:
    """Five districts of a city, Grades 8 and 9, 2019-2024: A, B and C each fill their Grade 9 from their
    own Grade 8; H has a few Grade 8 pupils and a large Grade 9 (a high school district, fed by the
    others); X's Grade 9 is a tenth of A, B and C's Grade 8 a year earlier (students choose high schools
    across the city) while its own Grade 8 goes up and down."""
    folder = _folder("forecast_city")
    g8 = {"A": [200, 220, 190, 230, 210, 205], "B": [210, 200, 215, 190, 220, 200],
          "C": [190, 205, 200, 210, 195, 215], "X": [40, 50, 35, 52, 45, 48], "H": [10] * 6}
    rows = []
    for t, year in enumerate(range(2019, 2025)):
        city = sum(g8[a][t - 1] for a in "ABC") if t else 600
        for area, v in g8.items():
            g9 = {"X": round(city / 10), "H": round(city / 20)}.get(area, v[t - 1] if t else v[0])
            rows += [(area.lower(), year, 8, v[t]), (area.lower(), year, 9, g9)]
    pd.DataFrame(rows, columns=["school_id", "year", "ncy", "pupils"]).to_csv(folder / "rolls.csv", index=False)
    pd.DataFrame([(a.lower(), f"District {a} School", a, 370000 + 500 * i, 390000, 60, "Good", 4, True, 60)
                  for i, a in enumerate(g8)],
                 columns=["school_id", "name", "planning_area_id", "x", "y", "pan", "ofsted", "max_forms_of_entry",
                          "can_bulge", "first_preferences"]).to_csv(folder / "schools.csv", index=False)
    return Fixture(load_inputs(folder))


# ---------------------------------------------------------------------------------------- plan
def _cohorts(area: str, intake: Callable[[int], float], years: range, low: int = 0,
             high: int = 6) -> pd.DataFrame:
    from optimiser.testing import cohort_demand

    return cohort_demand(intake, area, years, low, high)


@cache
def plan_fixture() -> Fixture:
    """Demand for 2025-2030 from a base year of 2024, one situation per planning area."""
    from optimiser.testing import school

    years = range(2025, 2031)
    secondary = {"ncy_low": 7, "ncy_high": 11}

    def at(i: float) -> dict[str, float]:  # area positions 20 km apart, out of walking distance
        return {"x": 20_000.0 * i, "y": 0.0}

    demand = pd.concat([
        _cohorts("A", lambda y: 55 if y >= 2026 else 29, years),          # a lasting rise: expand A1
        _cohorts("B", lambda y: 40 if y == 2025 else 29, years),          # one large cohort: a bulge
        _cohorts("C", lambda y: 75 if y >= 2027 else 29, years),          # no room: a new school
        _cohorts("E", lambda y: 200 if y >= 2026 else 150, years, 7, 11),  # secondary rise
        _cohorts("F", lambda y: 175 if y == 2025 else 150, years, 7, 11),  # secondary bulge
        _cohorts("G", lambda y: 270 if y >= 2027 else 150, years, 7, 11),  # secondary new school
        _cohorts("H", lambda y: 45 if y >= 2025 else 29, years),          # H walks to I, 2.5 miles off
        _cohorts("I", lambda y: 20, years),
        _cohorts("J", lambda y: 85 if y >= 2026 else 55, years),          # popular J1 or cheaper J2
        _cohorts("K", lambda y: 85 if y >= 2026 else 55, years),          # only Inadequate K1 has room
        # D1 alone, falling to 25: upper 80% band 27 (27 x 1.05 = 28.35 fits 30 places: cut), 95% band 32 (no cut)
        _cohorts("D", lambda y: 25, years).assign(upper_80=27.0, upper_95=32.0),
        _cohorts("L", lambda y: 25, years),                               # oversubscribed L1: not cut
        _cohorts("M", lambda y: 60, years),                               # one FE of M1 or M2 can go
        _cohorts("N", lambda y: 28, years, 0, 2),                         # infant N1 falls ...
        _cohorts("N", lambda y: 75, years, 3, 6),                         # ... its junior N2 rises
        _cohorts("O", lambda y: 320 if y >= 2026 else 290, years, 7, 11),  # a grammar or a comprehensive grows
        _cohorts("Q", lambda y: 320 if y >= 2026 else 290, years, 7, 11),  # a girls' or a mixed school grows
        _cohorts("P", lambda y: 25, years),                               # an academy falls
        _cohorts("R", lambda y: 200 if y >= 2026 else 150, years, 7, 11),  # R's Year 7s walk to S, 4 km off
        _cohorts("S", lambda y: 100, years, 7, 11),
        _cohorts("T", lambda y: 25, years),                               # one of two small schools can close
    ], ignore_index=True)
    schools = pd.DataFrame([
        school("A1", "A", max_forms_of_entry=2, can_bulge=False, **at(0)),
        school("B1", "B", max_forms_of_entry=2, **at(1)),
        school("C1", "C", max_forms_of_entry=1, can_bulge=False, **at(2)),
        school("D1", "D", pan=60, max_forms_of_entry=2, first_preferences=30, **at(3)),
        school("E1", "E", pan=150, max_forms_of_entry=7, can_bulge=False, **secondary, **at(4)),
        school("F1", "F", pan=150, max_forms_of_entry=5, **secondary, **at(5)),
        school("G1", "G", pan=150, max_forms_of_entry=5, can_bulge=False, **secondary, **at(6)),
        school("H1", "H", max_forms_of_entry=1, can_bulge=False, **at(7)),
        school("I1", "I", pan=60, max_forms_of_entry=2, x=20_000.0 * 7 + 3000.0, y=0.0),
        school("J1", "J", first_preferences=60, ofsted="Good", **at(9)),
        school("J2", "J", first_preferences=10, ofsted="Requires improvement", **at(9)),
        school("K1", "K", first_preferences=60, ofsted="Inadequate", **at(10)),
        school("K2", "K", first_preferences=30, ofsted="Good", max_forms_of_entry=1, **at(10)),
        school("L1", "L", pan=60, max_forms_of_entry=2, first_preferences=90, **at(11)),
        school("M1", "M", pan=60, max_forms_of_entry=2, ofsted="Good", first_preferences=60, **at(12)),
        school("M2", "M", pan=60, max_forms_of_entry=2, ofsted="Requires improvement", first_preferences=20, **at(12)),
        school("N1", "N", pan=60, ncy_high=2, max_forms_of_entry=2, can_bulge=False, first_preferences=30, **at(13)),
        school("N2", "N", pan=60, ncy_low=3, max_forms_of_entry=3, can_bulge=False, x=20_000.0 * 13 + 500.0,
               y=0.0),
        school("O1", "O", pan=150, max_forms_of_entry=6, can_bulge=False, ofsted="Outstanding", first_preferences=300,
               selective=True, **secondary, **at(14)),
        school("O2", "O", pan=150, max_forms_of_entry=6, can_bulge=False, **secondary, **at(14)),
        school("Q1", "Q", pan=150, max_forms_of_entry=6, can_bulge=False, ofsted="Outstanding", first_preferences=300,
               single_sex=True, **secondary, **at(15)),
        school("Q2", "Q", pan=150, max_forms_of_entry=6, can_bulge=False, **secondary, **at(15)),
        school("P1", "P", pan=60, max_forms_of_entry=2, governance="academy", first_preferences=30, **at(16)),
        school("R1", "R", pan=150, max_forms_of_entry=5, can_bulge=False, **secondary, **at(17)),
        school("S1", "S", pan=150, max_forms_of_entry=5, can_bulge=False, **secondary, x=20_000.0 * 17 + 4000.0,
               y=0.0),
        # Oversubscribed, so never cut: with closures considered, one of them closes.
        school("T1", "T", pan=60, max_forms_of_entry=2, can_bulge=False, first_preferences=70, **at(18)),
        school("T2", "T", pan=60, max_forms_of_entry=2, can_bulge=False, first_preferences=70, **at(18)),
    ])
    options = pd.DataFrame([  # the council's own prices: the unpopular school is cheaper
        {"option_id": "J2-expand", "kind": "expand", "school_id": "J2", "forms_of_entry": 1, "capital_cost": 4_000_000},
        # M1 (good, popular) costs less to consult on than M2: only the cut-weaker rule makes it M2.
        {"option_id": "reduce:M1:0", "kind": "reduce", "school_id": "M1", "forms_of_entry": 1, "capital_cost": 0},
        {"option_id": "reduce:M2:0", "kind": "reduce", "school_id": "M2", "forms_of_entry": 1, "capital_cost": 1_000},
    ])
    ids = "ABCDEFGHIJKLMNOQPRST"
    areas = pd.DataFrame({"planning_area_id": list(ids),
                          "phase": ["secondary" if a in "EFGOQRS" else "primary" for a in ids]})
    inputs = Inputs(folder=_folder("plan"), scenario=Scenario(), schools=schools, rolls=None,
                    planning_areas=areas, options=options)
    forecast = SimpleNamespace(by_area=demand, base_year=2024)
    # Decided in the summer before the base year's September: schemes open from 2024 plus their lead time.
    return Fixture(inputs, settings={"optimiser.decision_date": dt.date(2024, 8, 31)}, earlier={"forecast": forecast})


@contextmanager
def _without_highs() -> Iterator[None]:
    from unittest import mock

    with mock.patch("optimiser.solve.available_solvers", return_value=["cbc"]):
        yield


@cache
def plan_without_highs_fixture() -> Fixture:
    """The plan fixture on a machine where only CBC is installed."""
    base = plan_fixture()
    return Fixture(base.inputs, base.settings, base.earlier, base.options, environment=_without_highs)


# ----------------------------------------------------------------------------------- standards
@cache
def standards_fixture() -> Fixture:
    """The sample borough's school indicators, with the files a scenario may name beside them:
    targets.yaml (the sample's strategy targets), local.csv (figures only the authority holds) and
    strict_rules.yaml (the shipped rules cut to the three Red ones)."""
    folder = _folder("standards")
    shutil.copytree(sample_dir(), folder, dirs_exist_ok=True)
    rules = yaml.safe_load((Path(__file__).resolve().parents[2] / "standards" / "rules"
                            / "risk_rules_v1.yaml").read_text(encoding="utf-8"))
    rules["version"], rules["name"] = 2, "Stricter criteria (a test)"
    rules["rules"] = rules["rules"][:3]  # the Red rules only
    (folder / "strict_rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    (folder / "local.csv").write_text("indicator,year,value,national,table\n"
                                      "fair_access_referrals,2023,120,,\n"
                                      "fair_access_referrals,2024,150,,\n")
    return Fixture(load_inputs(folder), settings={"la_code": "358"})


# -------------------------------------------------------------------------------------- post16
@cache
def post16_fixture() -> Fixture:
    """The sample borough, Trafford's published figures and Years 12-13 from its rolls."""
    return Fixture(load_inputs(sample_dir()), settings={"la_code": "358"})


@cache
def post16_roni_fixture() -> Fixture:
    """The sample borough and 1,600 SYNTHETIC pupils: 1,500 with their outcome, 100 now in Years
    9-11, boys carrying a NEET risk the model cannot see (so the fairness audit flags groups for
    calibration and for recall). Three folds instead of five keep the model quick to fit."""
    from post16.privacy import ephemeral_settings
    from post16.synthetic import synthetic_pupils

    pupils = synthetic_pupils(1500, 100, random_state=3, hidden_group_log_odds={"gender": {"M": 2.0}},
                              recorded_on=TODAY)
    # Past cohorts' outcomes were recorded at the end of the year after their Year 11 (before "today"), the
    # current pupils' records today: the two retention periods each have records to act on.
    past = pupils["neet"].notna()
    recorded = [dt.date(int(y) + 1, 8, 31).isoformat() for y in pupils.loc[past, "cohort_year"]]
    pupils.loc[past, "recorded_on"] = recorded
    base = post16_fixture()
    return Fixture(base.inputs, settings={**base.settings, "post16.roni.cv_folds": 3},
                   options={"pupils": pupils, "pupil_settings": ephemeral_settings(0), "today": TODAY})


# ------------------------------------------------------------------------------------ admissions
@cache
def admissions_fixture() -> Fixture:
    """The forecast fixture's borough with more schools to choose between: an Outstanding primary and an
    Inadequate one without observed first preferences, a grammar school and a girls' school (Inadequate) in the
    secondary area, headline results
    by school, and the forecast and plan run on it (the plan stands in as an earlier result)."""
    from sufficiency.core.result import run_scenario

    folder = _folder("admissions")
    for path in forecast_fixture().inputs.folder.iterdir():
        shutil.copy(path, folder / path.name)
    schools = pd.read_csv(folder / "schools.csv")
    schools.loc[schools["school_id"] == "s1b", "ofsted"] = "Requires improvement"
    schools.loc[schools["school_id"].isin(["p1a", "s1a"]), "pan"] = 20  # popular and scarce: oversubscribed
    schools = pd.concat([schools, pd.DataFrame([
        ("p1c", "P1 Primary C", "P1", 370250, 390600, 15, "Outstanding", 2, True, np.nan),
        ("p2b", "P2 Primary B", "P2", 371400, 393600, 15, "Inadequate", 2, False, np.nan),
        ("s1c", "S1 Grammar School", "S1", 371500, 393000, 15, "Outstanding", 2, False, 60),
        ("s1d", "S1 Girls School", "S1", 372800, 391500, 15, "Inadequate", 2, False, np.nan),
    ], columns=schools.columns)], ignore_index=True)
    secondary = schools["school_id"].str.startswith("s")
    schools["phase"] = np.where(secondary, "secondary", "primary")
    schools["ncy_low"] = np.where(secondary, 7, 0)
    schools["ncy_high"] = np.where(secondary, 11, 6)
    schools["selective"] = schools["school_id"] == "s1c"
    schools["single_sex"] = schools["school_id"] == "s1d"
    schools.to_csv(folder / "schools.csv", index=False)
    results = [(sid, 2024, "ks4_attainment8" if sid.startswith("s") else "ks2_rwm_expected", value)
               for sid, value in zip(schools["school_id"], [60, 70, 80, 45, 50, 70, 40, 55, 48], strict=True)]
    pd.DataFrame(results, columns=["school_id", "year", "indicator", "value"]).to_csv(
        folder / "school_indicators.csv", index=False)
    inputs = load_inputs(folder)
    done = run_scenario(inputs, ["forecast", "plan"])
    return Fixture(inputs, settings={"admissions.draws": 4, "optimiser.decision_date": dt.date(2024, 3, 31)},
                   earlier={"forecast": done.results["forecast"], "plan": done.results["plan"]})


# -------------------------------------------------------------------------------------- robust
@cache
def robust_fixture() -> Fixture:
    """The forecast fixture's borough with its forecast and plan run (they stand in as earlier results), and a
    scenario file naming the high variant, for the robust plan across its futures."""
    from sufficiency.core.result import run_scenario

    folder = _folder("robust")
    for path in forecast_fixture().inputs.folder.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "robust_high.yaml").write_text("forecast:\n  variant: high\n")
    inputs = load_inputs(folder)
    # A high future well above the principal one, and permanent places cheap enough that it could pay to build
    # them before the future is known: the robust plan's first stage has choices to make.
    settings = {"optimiser.decision_date": dt.date(2024, 3, 31), "robust.time_limit": 20.0,
                "optimiser.primary_costs.permanent_expansion": 4_000.0,
                "forecast.variants.high.births_shift_per_year": 0.08, "forecast.variants.high.births_shift_cap": 0.5}
    data = inputs.scenario.model_dump()
    for path, value in settings.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    scenario = type(inputs.scenario).model_validate(data)
    done = run_scenario(inputs.replace(scenario=scenario), ["forecast", "plan"])
    return Fixture(inputs, settings=settings,
                   earlier={"forecast": done.results["forecast"], "plan": done.results["plan"]})


FIXTURES: dict[str, Callable[[], Fixture]] = {
    "robust": robust_fixture,
    "forecast": forecast_fixture,
    "forecast_city": forecast_city_fixture,
    "plan": plan_fixture,
    "plan_without_highs": plan_without_highs_fixture,
    "standards": standards_fixture,
    "post16": post16_fixture,
    "post16_roni": post16_roni_fixture,
    "admissions": admissions_fixture,
}
