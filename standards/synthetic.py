"""A plausible, documented synthetic set of school-level indicators for a sample borough.

School-level results are not shipped with the product, so the sample borough's
``school_indicators`` are generated. What is real and what is modelled:

Real
    The schools, their phase and governance, their latest Ofsted grade and their % of pupils
    eligible for free school meals (GIAS, September 2024), and the authority's own LA-level
    figures from LAIT that centre every modelled indicator year by year.
Modelled (assumptions, stated so they can be challenged)
    * Attainment: the LA figure for the year, plus a school effect by Ofsted grade
      (Outstanding +6, Good 0, Requires improvement -8, Inadequate -15 points of KS2 RWM),
      minus 0.5 points per point of % FSM above the LA average (the school-level gradient
      seen in the performance tables), plus cohort noise of a binomial cohort of 45 pupils
      (primary) or 180 (secondary). KS4 uses the same recipe scaled to the Attainment 8
      spread (0.45 A8 points per KS2 RWM point).
    * Progress 8 follows the school's Attainment 8 residual (1 A8 point = 0.1 P8) around the
      LA figure; it is left missing where the LA figure is not published (2024/25 onward).
    * Absence, persistent absence, suspensions and exclusions: the LA figure for the phase,
      plus 0.04 points of absence (0.3 of persistent absence) per point of % FSM above
      average, with school noise; exclusions are drawn as Poisson counts over the roll.
    * Disadvantaged % = 1.25 x % FSM (ever-6 FSM exceeds current FSM); SEN support, EHCP and
      EAL vary around the LA figure (EHCP at half the all-school rate: special schools hold
      the rest).
    * Inspection dates are drawn within the last five years; the grade before the last is the
      same grade with probability 0.7, otherwise one grade better or worse. Headteacher
      change: 8% of schools a year. Revenue balance: normal around 5% of income (sd 4), a
      deficit when negative (about one school in ten).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from standards.lait import ENGLAND, la_series
from sufficiency.core.phases import PRIMARY, SECONDARY, schools_teaching

OFSTED_GRADE = {"Outstanding": 1, "Good": 2, "Requires improvement": 3, "Inadequate": 4}
_OFSTED_EFFECT = {1: 6.0, 2: 0.0, 3: -8.0, 4: -15.0}
_KS2_FSM_SLOPE = -0.5
_A8_PER_KS2_POINT = 0.45


def _la_figures(la_number: int, years: Sequence[int]) -> pd.DataFrame:
    """LA figures by measure (columns) and year (rows), national where the LA has none."""
    s = la_series(la_number)
    s["value"] = s["value"].fillna(s["national"])
    wide = s.pivot(index="year", columns="measure", values="value")
    # Years beyond the data carry the latest figure forward and earlier years carry the first
    # back; a figure unpublished in a year the data covers (P8 from 2024/25) stays missing.
    extra = sorted(set(years) - set(wide.index))
    filled = wide.reindex(sorted(set(wide.index) | set(years))).ffill().bfill()
    wide = pd.concat([wide, filled.loc[extra]]).sort_index()
    return wide.loc[list(years)]


def _frame(schools: pd.DataFrame, years: Sequence[int], percent_fsm: pd.Series | None,
           rng: np.random.Generator) -> pd.DataFrame:
    base = schools[["school_id", "phase", "ofsted"]].copy()
    base["school_id"] = base["school_id"].astype(str)
    fsm = (percent_fsm.rename(index=str) if percent_fsm is not None
           else pd.Series(dtype=float)).reindex(base["school_id"]).to_numpy()
    base["fsm"] = np.where(np.isnan(fsm), np.nanmean(fsm) if np.isfinite(fsm).any() else 20.0,
                           fsm)
    base["grade"] = base["ofsted"].map(OFSTED_GRADE)
    base["effect"] = base["grade"].map(_OFSTED_EFFECT).fillna(0.0) + rng.normal(0, 3, len(base))
    base["fsm_dev"] = base["fsm"] - base["fsm"].mean()
    frame = base.merge(pd.DataFrame({"year": list(years)}), how="cross")
    return frame.sort_values(["school_id", "year"]).reset_index(drop=True)


def _attainment(f: pd.DataFrame, la: pd.DataFrame, rng: np.random.Generator) -> dict:
    n = len(f)
    lav = la.loc[f["year"]].reset_index(drop=True)
    primary = f["phase"].isin(schools_teaching(PRIMARY)).to_numpy()
    secondary = f["phase"].isin(schools_teaching(SECONDARY)).to_numpy()
    shift = f["effect"].to_numpy() + _KS2_FSM_SLOPE * f["fsm_dev"].to_numpy()

    def pct(centre: pd.Series, cohort: int) -> np.ndarray:
        p = np.clip(centre.to_numpy() + shift, 2, 98) / 100
        return np.round(100 * rng.binomial(cohort, p) / cohort)

    out = {}
    for ind, measure in [("ks2_rwm_expected", "KS2RWM_Expected_STD"),
                         ("ks2_reading_expected", "KS2R_Expected_STD"),
                         ("ks2_writing_expected", "KS2W_Teacher_Assess"),
                         ("ks2_maths_expected", "KS2M_Expected_STD")]:
        out[ind] = np.where(primary, pct(lav[measure], 45), np.nan)
    gap = (lav["NonDAP_NEW_KS2_RWM"] - lav["DAP_NEW_KS2_RWM"]).to_numpy()
    dis_share = np.clip(1.25 * f["fsm"].to_numpy() / 100, 0.02, 0.9)
    out["ks2_rwm_expected_disadvantaged"] = np.where(
        primary, np.clip(np.round(out["ks2_rwm_expected"] - (1 - dis_share) * gap
                                  + rng.normal(0, 6, n)), 0, 100), np.nan)
    out["ks2_rwm_expected_non_disadvantaged"] = np.where(
        primary, np.clip(np.round(out["ks2_rwm_expected"] + dis_share * gap
                                  + rng.normal(0, 3, n)), 0, 100), np.nan)
    a8 = lav["AVG_Attain8_Score"].to_numpy() + _A8_PER_KS2_POINT * shift + rng.normal(0, 2, n)
    out["ks4_attainment8"] = np.where(secondary, np.round(a8, 1), np.nan)
    resid = a8 - lav["AVG_Attain8_Score"].to_numpy()
    out["ks4_progress8"] = np.where(secondary, np.round(lav["AVG_Prog8_Score"].to_numpy()
                                                        + 0.1 * resid, 2), np.nan)
    out["ks4_em_grade4"] = np.where(secondary, np.clip(np.round(
        lav["EngMaths9-4"].to_numpy() + 1.2 * resid, 1), 0, 100), np.nan)
    out["ks4_em_grade5"] = np.where(secondary, np.clip(np.round(
        lav["EngMaths9-5"].to_numpy() + 1.4 * resid, 1), 0, 100), np.nan)
    a8_gap = (lav["NonDAP_KS4_ATT8"] - lav["DAP_KS4_ATT8"]).to_numpy()
    out["ks4_attainment8_disadvantaged"] = np.where(
        secondary, np.round(a8 - (1 - dis_share) * a8_gap + rng.normal(0, 2, n), 1), np.nan)
    out["ks4_attainment8_non_disadvantaged"] = np.where(
        secondary, np.round(a8 + dis_share * a8_gap + rng.normal(0, 1, n), 1), np.nan)
    return out


def _phase_measure(f: pd.DataFrame, la: pd.DataFrame, pri: str, sec: str, tot: str) -> np.ndarray:
    lav = la.loc[f["year"]].reset_index(drop=True)
    return np.select([f["phase"].eq("primary"), f["phase"].eq("secondary")],
                     [lav[pri].to_numpy(), lav[sec].to_numpy()], lav[tot].to_numpy())


def _behaviour(f: pd.DataFrame, la: pd.DataFrame, rng: np.random.Generator) -> dict:
    n, dev = len(f), f["fsm_dev"].to_numpy()
    worse = -0.1 * f["effect"].to_numpy()  # weaker schools see a little more absence
    auth = _phase_measure(f, la, "PriAuth", "SecAuth", "TotAuthAbs") + rng.normal(0, 0.4, n)
    unauth = (_phase_measure(f, la, "PriUnauth", "SecUnauth", "TotUnAuthAbs")
              * np.exp(rng.normal(0, 0.35, n)) + 0.03 * dev + 0.05 * worse)
    auth, unauth = np.clip(auth + 0.01 * dev, 1, None), np.clip(unauth, 0.1, None)
    persistent = (_phase_measure(f, la, "SFPriPerAbNew", "SFSecPerAbNew", "TotPerAbNew")
                  + 0.3 * dev + 0.5 * worse + rng.normal(0, 2, n))
    roll = np.where(f["phase"].eq("primary"), 315, 1050)
    susp = _phase_measure(f, la, "PriFixedEx", "SecFixedEx", "TotFixedEx")
    perm = _phase_measure(f, la, "PriPermEx", "SecPermEx", "TotPermEx")
    scale = np.exp(0.02 * dev)

    def rate(la_rate: np.ndarray) -> np.ndarray:
        # Exclusions are published a year behind attendance: no LA figure, no school figure.
        counts = rng.poisson(np.nan_to_num(roll * la_rate / 100 * scale))
        return np.where(np.isnan(la_rate), np.nan, np.round(100 * counts / roll, 2))

    return {
        "absence_authorised": np.round(auth, 2), "absence_unauthorised": np.round(unauth, 2),
        "absence_overall": np.round(auth + unauth, 2),
        "persistent_absence": np.round(np.clip(persistent, 1, 100), 1),
        "suspension_rate": rate(susp), "permanent_exclusion_rate": rate(perm),
    }


def _context(f: pd.DataFrame, la: pd.DataFrame, rng: np.random.Generator) -> dict:
    n, lav = len(f), la.loc[f["year"]].reset_index(drop=True)
    # The GIAS % FSM is for 2024; earlier years follow the LA's own FSM trend.
    fsm_trend = (_phase_measure(f, la, "PriFSM", "SecFSM", "PriFSM")
                 / np.where(f["phase"].eq("secondary"), la["SecFSM"].iloc[-1],
                            la["PriFSM"].iloc[-1]))
    fsm = np.clip(f["fsm"].to_numpy() * fsm_trend, 0, 100)
    eal_la = _phase_measure(f, la, "EALPri", "EALSec", "EALPri")
    return {
        "fsm_pct": np.round(fsm, 1),
        "disadvantaged_pct": np.round(np.clip(1.25 * fsm, 0, 100), 1),
        "sen_support_pct": np.round(np.clip(lav["SEN_TotSENSuP"].to_numpy()
                                            + rng.normal(0, 3, n), 1, 60), 1),
        "ehcp_pct": np.round(np.clip(0.5 * lav["SEN_TotStat"].to_numpy()
                                     * np.exp(rng.normal(0, 0.4, n)), 0, 30), 1),
        "eal_pct": np.round(np.clip(eal_la * np.exp(rng.normal(0, 0.6, n)), 0, 95), 1),
        "headteacher_change": rng.binomial(1, 0.08, n).astype(float),
    }


def _budget(f: pd.DataFrame, rng: np.random.Generator) -> dict:
    balance = np.round(rng.normal(5.0, 4.0, len(f)), 1)
    return {"budget_balance_pct": balance, "budget_deficit": (balance < 0).astype(float)}


def _ofsted(f: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Inspection history: the real latest grade, a modelled date and previous grade."""
    first = f.drop_duplicates("school_id").set_index("school_id")
    k = len(first)
    last_year = int(f["year"].max())
    offset_days = rng.integers(0, 5 * 365, k)
    date = pd.Timestamp(f"{last_year + 1}-07-15") - pd.to_timedelta(offset_days, unit="D")
    step = rng.choice([-1, 0, 0, 0, 0, 0, 0, 1, 1, 1], k)
    prev = np.clip(first["grade"].to_numpy() + step, 1, 4)
    hist = pd.DataFrame({"date": date, "grade": first["grade"].to_numpy(), "prev": prev},
                        index=first.index)
    h = hist.loc[f["school_id"]].reset_index(drop=True)
    year_end = pd.to_datetime((f["year"] + 1).astype(str) + "-08-31")
    known = (h["date"] <= year_end).to_numpy() & h["grade"].notna().to_numpy()
    date_num = h["date"].dt.strftime("%Y%m%d").astype(float).to_numpy()
    # Before the last inspection the school stood at its previous grade, inspected ~4 years earlier.
    prev_date = (h["date"] - pd.Timedelta(days=4 * 365)).dt.strftime("%Y%m%d").astype(float)
    has_grade = h["grade"].notna().to_numpy()
    return {
        "ofsted_overall_grade": np.where(known, h["grade"], np.where(has_grade, h["prev"], np.nan)),
        "ofsted_inspection_date": np.where(known, date_num, np.where(has_grade, prev_date, np.nan)),
        "ofsted_previous_grade": np.where(known, h["prev"], np.nan),
    }


def sample_school_indicators(schools: pd.DataFrame, years: Sequence[int],
                             random_state: int | None = 0,
                             percent_fsm: pd.Series | None = None,
                             la_number: int = 358) -> pd.DataFrame:
    """Generate a plausible ``school_indicators`` table (see the module docstring).

    Parameters
    ----------
    schools : pandas.DataFrame
        Canonical schools table (school_id, phase, ofsted are used).
    years : sequence of int
        Academic years (by their autumn) to generate.
    random_state : int, optional
        Seed; the same seed gives the same table.
    percent_fsm : pandas.Series, optional
        Real % of pupils eligible for free school meals, indexed by school_id.
    la_number : int
        LAIT number of the authority whose LA-level figures centre the school figures.

    Returns
    -------
    pandas.DataFrame
        Long table school_id, year, indicator, value (text, as in a data folder: grades in
        words, dates as YYYY-MM-DD), without rows for missing values.
    """
    rng = np.random.default_rng(random_state)
    years = sorted(int(y) for y in years)
    la = _la_figures(la_number if la_number is not None else ENGLAND, years)
    f = _frame(schools, years, percent_fsm, rng)
    columns = {**_ofsted(f, rng), **_attainment(f, la, rng), **_behaviour(f, la, rng),
               **_context(f, la, rng), **_budget(f, rng)}
    wide = pd.concat([f[["school_id", "year"]], pd.DataFrame(columns)], axis=1)
    long = wide.melt(id_vars=["school_id", "year"], var_name="indicator", value_name="value")
    long = long.dropna(subset=["value"])
    long["value"] = _as_text(long["indicator"], long["value"])
    return long.sort_values(["school_id", "year", "indicator"]).reset_index(drop=True)


def _as_text(indicator: pd.Series, value: pd.Series) -> pd.Series:
    """Write values as a planner would: grades in words, dates as YYYY-MM-DD, plain numbers."""
    text = value.map(lambda v: np.format_float_positional(v, precision=4, trim="-"))
    words = {v: k for k, v in OFSTED_GRADE.items()}
    grades = indicator.isin(["ofsted_overall_grade", "ofsted_previous_grade"])
    text[grades] = value[grades].map(words)
    dates = indicator.eq("ofsted_inspection_date")
    text[dates] = pd.to_datetime(value[dates].astype(int).astype(str),
                                 format="%Y%m%d").dt.strftime("%Y-%m-%d")
    return text
