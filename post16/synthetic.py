"""SYNTHETIC pupil cohorts for tests and the demo of the risk-of-NEET model.

Every record made here is invented: ids start ``SYNTHETIC-`` and the column ``synthetic`` is
True. No real pupil is described. The relationships follow the direction of published NEET risk
factors; the strengths are illustrative round numbers, not estimates taken from the sources:

- DfE (2018), *Characteristics of young people who are long-term NEET* (research report
  DFE-RR 649): long-term NEET young people were more likely to have low key stage 4 attainment,
  persistent absence, exclusions, special educational needs, free school meal eligibility, to
  have been looked after or a child in need, and less likely to speak English as an additional
  language.
- Britton, Gregg, Macmillan and Mitchell (2011), *The early bird... preventing young people from
  becoming a NEET statistic* (University of Bristol / Praxis): attainment, absence, exclusion and
  disadvantage at 14-16 predict NEET at 16-18 - the basis of local Risk of NEET Indicator (RONI)
  tools that score attendance, exclusion, SEN, looked-after status and similar flags.

Group shares are rounded from DfE *Schools, pupils and their characteristics* (2023/24,
secondary): disadvantaged ~25%, SEN support ~13%, EHCP ~4%, EAL ~18%; looked after ~0.7% of
children (DfE *Children looked after in England*, 2024). The intercept is set so that about 5.5%
of a cohort ends NEET, near the national NEET-or-not-known rate for 16-17 year olds (NCCIS 2025:
5.6%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

ETHNICITY_SHARES: dict[str, float] = {
    "White British": 0.63,
    "White other": 0.08,
    "Asian": 0.12,
    "Black": 0.06,
    "Mixed": 0.07,
    "Other": 0.04,
}

#: Log-odds of NEET per unit (illustrative strengths; directions from the sources above).
RISK_LOG_ODDS: dict[str, float] = {
    "attainment8_per_point": -0.035,
    "attendance_per_point_below_95": 0.07,
    "attendance_below_85_extra": 0.5,
    "suspension": 0.25,
    "permanent_exclusion": 1.2,
    "sen_support": 0.3,
    "ehcp": 0.6,
    "disadvantaged": 0.5,
    "looked_after": 0.8,
    "child_in_need": 0.6,
    "eal": -0.4,
    "school_move": 0.3,
}
INTERCEPT = -4.6


def _pupil_characteristics(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Gender, ethnicity and the vulnerability flags, with their usual overlaps."""
    disadvantaged = rng.random(n) < 0.25
    # Looked-after children and children in need are concentrated among disadvantaged pupils.
    looked_after = rng.random(n) < np.where(disadvantaged, 0.022, 0.0015)
    child_in_need = ~looked_after & (rng.random(n) < np.where(disadvantaged, 0.08, 0.013))
    sen_draw = rng.random(n)
    sen_boost = np.where(disadvantaged | looked_after, 1.5, 0.85)
    ehcp = sen_draw < 0.04 * sen_boost
    sen_support = ~ehcp & (sen_draw < 0.17 * sen_boost)
    ethnicity = rng.choice(list(ETHNICITY_SHARES), size=n, p=list(ETHNICITY_SHARES.values()))
    eal = rng.random(n) < np.where(np.isin(ethnicity, ["White British", "Mixed"]), 0.02, 0.6)
    return pd.DataFrame(
        {
            "gender": rng.choice(["F", "M"], size=n),
            "ethnicity": ethnicity,
            "disadvantaged": disadvantaged.astype(int),
            "looked_after": looked_after.astype(int),
            "child_in_need": child_in_need.astype(int),
            "sen_support": sen_support.astype(int),
            "ehcp": ehcp.astype(int),
            "eal": eal.astype(int),
        }
    )


def _school_record(flags: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Attendance, suspensions, exclusion, attainment and moves, shaped by the flags."""
    n = len(flags)
    vulnerable = flags["looked_after"] + flags["child_in_need"]
    # Absence rises with disadvantage and SEN; a beta draw keeps attendance in 0-100.
    absence_mean = (
        0.06 + 0.04 * flags["disadvantaged"] + 0.03 * flags["sen_support"] + 0.05 * flags["ehcp"] + 0.04 * vulnerable
    )
    concentration = 12.0
    absence = rng.beta(absence_mean * concentration, (1 - absence_mean) * concentration)
    attendance = np.round(100 * (1 - absence), 1)
    sen = flags["sen_support"] | flags["ehcp"]
    suspension_rate = 0.15 * np.exp(0.9 * flags["disadvantaged"] + 0.7 * sen + 0.6 * vulnerable)
    suspensions = rng.poisson(suspension_rate * (1 + (attendance < 85)))
    permanent_exclusion = rng.random(n) < np.clip(0.002 * (1 + suspensions), 0, 0.2)
    attainment = (
        50
        - 12 * flags["disadvantaged"]
        - 14 * flags["sen_support"]
        - 28 * flags["ehcp"]
        - 10 * flags["looked_after"]
        - 0.9 * np.clip(95 - attendance, 0, None)
        + rng.normal(0, 14, n)
    )
    return pd.DataFrame(
        {
            "attendance_pct": attendance,
            "suspensions": suspensions.astype(int),
            "permanent_exclusion": permanent_exclusion.astype(int),
            "attainment8": np.round(np.clip(attainment, 0, 90), 1),
            "school_moves": rng.poisson(0.15 + 0.8 * vulnerable + 0.2 * flags["disadvantaged"]).astype(int),
        }
    )


def neet_log_odds(
    pupils: pd.DataFrame, hidden_group_log_odds: Mapping[str, Mapping[str, float]] | None = None
) -> np.ndarray:
    """The generator's true log-odds of NEET for each pupil.

    ``hidden_group_log_odds`` adds risk to groups of columns the model never sees (for example
    ``{"ethnicity": {"Mixed": 1.0}}``): a deliberate mis-calibration for fairness tests.
    """
    w = RISK_LOG_ODDS
    shortfall = np.clip(95 - pupils["attendance_pct"], 0, None)
    logit = (
        INTERCEPT
        + w["attainment8_per_point"] * (pupils["attainment8"] - 46)
        + w["attendance_per_point_below_95"] * shortfall
        + w["attendance_below_85_extra"] * (pupils["attendance_pct"] < 85)
        + w["suspension"] * np.minimum(pupils["suspensions"], 6)
        + w["permanent_exclusion"] * pupils["permanent_exclusion"]
        + w["sen_support"] * pupils["sen_support"]
        + w["ehcp"] * pupils["ehcp"]
        + w["disadvantaged"] * pupils["disadvantaged"]
        + w["looked_after"] * pupils["looked_after"]
        + w["child_in_need"] * pupils["child_in_need"]
        + w["eal"] * pupils["eal"]
        + w["school_move"] * np.minimum(pupils["school_moves"], 4)
    ).to_numpy(dtype=float)
    for column, effects in (hidden_group_log_odds or {}).items():
        logit = logit + pupils[column].map(dict(effects)).fillna(0.0).to_numpy(dtype=float)
    return logit


def synthetic_pupils(
    n_history: int = 3000,
    n_current: int = 1500,
    *,
    random_state: int = 0,
    school_ids: Sequence[str] = ("SYN-SCHOOL-1", "SYN-SCHOOL-2", "SYN-SCHOOL-3", "SYN-SCHOOL-4"),
    latest_year: int = 2025,
    hidden_group_log_odds: Mapping[str, Mapping[str, float]] | None = None,
    recorded_on: dt.date | None = None,
) -> pd.DataFrame:
    """A SYNTHETIC pupil table: past Year 11 cohorts with NEET outcomes, and current Years 9-11.

    Parameters
    ----------
    n_history
        Pupils in past cohorts (Year 11 in ``latest_year - 3 .. latest_year - 1``), with ``neet``.
    n_current
        Pupils now in Years 9-11 (``neet`` empty), the list the model ranks.
    random_state
        Seed; the same seed gives the same cohort.
    school_ids
        Schools the pupils are spread over.
    latest_year
        Current academic year (2025 = 2025/26).
    hidden_group_log_odds
        Extra true risk for groups the model cannot see; see :func:`neet_log_odds`.
    recorded_on
        Date stamped on every record for the retention rule (defaults to today).

    Returns
    -------
    pandas.DataFrame
        ``pupil_id, synthetic, school_id, cohort_year, ncy, gender, ethnicity, <features>,
        sen_status, neet (0/1 or <NA>), recorded_on``.
    """
    rng = np.random.default_rng(random_state)
    n = n_history + n_current
    flags = _pupil_characteristics(n, rng)
    pupils = pd.concat([flags, _school_record(flags, rng)], axis=1)
    is_history = np.arange(n) < n_history
    p_neet = 1 / (1 + np.exp(-neet_log_odds(pupils, hidden_group_log_odds)))
    neet = (rng.random(n) < p_neet).astype(int)
    pupils.insert(0, "pupil_id", [f"SYNTHETIC-{i:07d}" for i in range(n)])
    pupils.insert(1, "synthetic", True)
    pupils.insert(2, "school_id", rng.choice(list(school_ids), size=n))
    pupils.insert(3, "ncy", np.where(is_history, 11, rng.choice([9, 10, 11], size=n)))
    past_years = rng.choice(latest_year - np.arange(1, 4), size=n)
    pupils.insert(3, "cohort_year", np.where(is_history, past_years, latest_year))
    pupils["sen_status"] = np.select(
        [pupils["ehcp"] == 1, pupils["sen_support"] == 1], ["EHCP", "SEN support"], "No SEN"
    )
    pupils["neet"] = pd.array(np.where(is_history, neet, 0), dtype="Int64")
    pupils.loc[~is_history, "neet"] = pd.NA
    pupils["recorded_on"] = (recorded_on or dt.date.today()).isoformat()
    return pupils
