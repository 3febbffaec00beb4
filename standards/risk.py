"""School risk assessment: apply the rule file to every school and year at once.

The indicators are pivoted to one row per school and year. Each criterion is one vectorised
comparison over all rows; a rule fires where all its criteria hold for ``years_running``
consecutive years. A school's category is the most serious among the rules that fired,
Green when none did. Missing figures never make a rule fire; the rules that could not be
checked are listed beside each school.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from standards.lait import national_comparators
from standards.rules import CATEGORIES, SEVERITY, Criterion, Rule, RuleSet, load_rules
from sufficiency.core.phases import schools_teaching

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}
_RC_AREAS = ("ofsted_rc_inclusion", "ofsted_rc_curriculum_teaching", "ofsted_rc_achievement",
             "ofsted_rc_attendance_behaviour", "ofsted_rc_personal_development",
             "ofsted_rc_leadership_governance", "ofsted_rc_early_years", "ofsted_rc_sixth_form")
#: Inspection outcomes stand until the next inspection, so they carry forward across years.
_STATEFUL_PREFIX = "ofsted_"
#: The 4-point grades a later report card supersedes.
_GRADED = ("ofsted_overall_grade", "ofsted_previous_grade")


@dataclass(frozen=True)
class RiskAssessment:
    """The result of a risk assessment.

    Attributes
    ----------
    schools : pandas.DataFrame
        One row per school and year: school_id, name, phase, governance, year, category,
        rules_fired (ids joined by "; "), reasons (plain text), not_checked (rule ids lacking
        data), ofsted (last overall grade in words), ofsted_inspection_date.
    fired : pandas.DataFrame
        One row per rule that fired: school_id, year, rule_id, category, description, reason.
    rules : RuleSet
        The rule set used (its label is printed with every output).
    """

    schools: pd.DataFrame
    fired: pd.DataFrame
    rules: RuleSet

    def for_year(self, year: int) -> pd.DataFrame:
        """Return the school list for one year."""
        return self.schools[self.schools["year"] == year].reset_index(drop=True)


def pivot_indicators(school_indicators: pd.DataFrame,
                     report_card_supersedes: bool = False) -> pd.DataFrame:
    """Pivot the long ``school_indicators`` table to one row per (school_id, year).

    Inspection outcomes (``ofsted_*``) carry forward to later years until the next inspection.
    With ``report_card_supersedes``, a 4-point overall grade (and the grade before it) stops
    carrying forward once a later report-card inspection is recorded: the report card is then
    the school's latest inspection outcome (the risk assessment; the KPI rows keep the last
    graded judgement, as DfE's "good or outstanding" statistics do).

    Raises
    ------
    ValueError
        When a school, year and indicator appear more than once.
    """
    keys = ["school_id", "year", "indicator"]
    dup = school_indicators.duplicated(keys, keep=False)
    if dup.any():
        first = school_indicators.loc[dup, keys].iloc[0].to_dict()
        raise ValueError(f"school_indicators: {int(dup.sum())} rows repeat a school, year and "
                         f"indicator (first: {first}); keep one value per school, year and "
                         "indicator.")
    df = school_indicators.assign(school_id=school_indicators["school_id"].astype(str),
                                  year=school_indicators["year"].astype(int))
    wide = df.pivot(index=["school_id", "year"], columns="indicator", values="value")
    wide.columns.name = None
    # Fill in every year for every school so "last year" is always the row before.
    schools, years = wide.index.levels
    full = pd.MultiIndex.from_product([schools, range(years.min(), years.max() + 1)],
                                      names=["school_id", "year"])
    wide = wide.reindex(full)
    stateful = [c for c in wide.columns if c.startswith(_STATEFUL_PREFIX)]
    superseded = _superseded_grades(wide) if report_card_supersedes else None
    wide[stateful] = wide.groupby(level="school_id")[stateful].ffill()
    if superseded is not None:
        graded = [c for c in _GRADED if c in wide.columns]
        wide.loc[superseded, graded] = np.nan
    return wide.astype(float)


def _superseded_grades(wide: pd.DataFrame) -> pd.Series | None:
    """Rows whose latest report card is later than their latest 4-point grade (before ffill)."""
    areas = [c for c in wide.columns if c.startswith("ofsted_rc_")]
    if not areas or "ofsted_overall_grade" not in wide.columns:
        return None
    year = pd.Series(wide.index.get_level_values("year"), index=wide.index, dtype=float)

    def last_seen(mask: pd.Series) -> pd.Series:
        return year.where(mask).groupby(level="school_id").ffill()

    graded = last_seen(wide["ofsted_overall_grade"].notna())
    card = last_seen(wide[areas].notna().any(axis=1))
    return (card > graded).fillna(False).astype(bool)


def add_derived(wide: pd.DataFrame) -> pd.DataFrame:
    """Add the worked-out indicators named in the rule file (see its header)."""
    out = wide.copy()
    year = out.index.get_level_values("year").to_numpy()
    if "ofsted_inspection_date" in out:
        dates = pd.to_datetime(out["ofsted_inspection_date"].astype("Int64").astype(str),
                               format="%Y%m%d", errors="coerce")
        year_end = pd.to_datetime([f"{y + 1}-08-31" for y in year])
        out["years_since_inspection"] = ((year_end - dates.to_numpy()).days / 365.25).to_numpy()
    else:
        out["years_since_inspection"] = np.nan
    if {"ofsted_overall_grade", "ofsted_previous_grade"} <= set(out.columns):
        out["ofsted_grade_change"] = out["ofsted_overall_grade"] - out["ofsted_previous_grade"]
    else:
        out["ofsted_grade_change"] = np.nan
    areas = [c for c in _RC_AREAS if c in out.columns]
    rc = out[areas] if areas else pd.DataFrame(index=out.index)
    out["ofsted_rc_lowest"] = rc.min(axis=1) if areas else np.nan
    out["ofsted_rc_needs_attention"] = (rc == 2).sum(axis=1).where(rc.notna().any(axis=1))
    return out


def _previous(series: pd.Series, lag: int = 1) -> pd.Series:
    """The same school's figure ``lag`` years earlier (NaN when absent)."""
    return series.groupby(level="school_id").shift(lag)


def gap_to_national(wide: pd.DataFrame, indicator: str, phase: pd.Series,
                     national: pd.DataFrame) -> pd.Series:
    """Return ``indicator`` minus the national figure for each school's phase and year."""
    nat = national[national["indicator"] == indicator]
    table = nat.pivot_table(index="year", columns="phase", values="national", aggfunc="first")
    years = wide.index.get_level_values("year")
    grid = table.reindex(index=years).to_numpy(dtype=float)  # one row per school-year
    rows = np.arange(len(years))

    def column(phases: np.ndarray) -> np.ndarray:
        idx = table.columns.get_indexer(phases)
        picked = grid[rows, np.clip(idx, 0, None)] if grid.size else np.full(len(rows), np.nan)
        return np.where(idx >= 0, picked, np.nan)

    comparator = pd.Series(column(phase.to_numpy()), index=wide.index)
    # All-through schools, or phases without their own comparator, use the all-school figure,
    # else whichever phase the indicator belongs to (KS2 is primary, KS4 secondary).
    for fallback in ("all", "primary", "secondary"):
        comparator = comparator.fillna(pd.Series(column(np.full(len(years), fallback)),
                                                 index=wide.index))
    return wide[indicator] - comparator


def _measure(wide: pd.DataFrame, crit: Criterion, phase: pd.Series,
             national: pd.DataFrame) -> pd.Series:
    if crit.indicator not in wide.columns:
        return pd.Series(np.nan, index=wide.index)
    if crit.measure == "value":
        return wide[crit.indicator]
    if crit.measure == "change":
        return wide[crit.indicator] - _previous(wide[crit.indicator])
    return gap_to_national(wide, crit.indicator, phase, national)


def evaluate_rule(rule: Rule, wide: pd.DataFrame, phase: pd.Series,
                  national: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return (fired, checkable) booleans over the rows of ``wide`` for one rule."""
    applies = phase.isin(schools_teaching(rule.phase)) if rule.phase != "all" else (
        pd.Series(True, index=wide.index))
    holds = pd.Series(True, index=wide.index)
    known = pd.Series(True, index=wide.index)
    for crit in rule.criteria:
        values = _measure(wide, crit, phase, national)
        holds &= _OPS[crit.operator](values, crit.threshold).fillna(False).astype(bool)
        known &= values.notna()
    fired = holds.copy()
    for lag in range(1, rule.years_running):
        fired &= _previous(holds, lag).fillna(False).astype(bool)
    return fired & applies, known | ~applies


def assess_risk(school_indicators: pd.DataFrame, schools: pd.DataFrame,
                rules: RuleSet | None = None,
                national: pd.DataFrame | None = None) -> RiskAssessment:
    """Risk-assess every school in every year of ``school_indicators``.

    Parameters
    ----------
    school_indicators : pandas.DataFrame
        Canonical long table: school_id, year, indicator, value.
    schools : pandas.DataFrame
        Canonical schools table; school_id and phase are used, name and governance carried.
    rules : RuleSet, optional
        The rule set; the shipped ``risk_rules_v1.yaml`` by default.
    national : pandas.DataFrame, optional
        National comparators (indicator, phase, year, national); from LAIT by default.

    Returns
    -------
    RiskAssessment
    """
    rules = load_rules() if rules is None else rules
    national = national_comparators() if national is None else national
    wide = add_derived(pivot_indicators(school_indicators, report_card_supersedes=True))
    info = schools.assign(school_id=schools["school_id"].astype(str)).set_index("school_id")
    ids = wide.index.get_level_values("school_id")
    phase = pd.Series(ids.map(info["phase"]), index=wide.index).fillna("all-through")
    fired_cols, unchecked_cols = {}, {}
    for rule in rules.rules:
        fired_cols[rule.id], unchecked_cols[rule.id] = evaluate_rule(rule, wide, phase, national)
    fired = pd.DataFrame(fired_cols)
    unchecked = ~pd.DataFrame(unchecked_cols)
    table = _school_table(fired, unchecked, rules, info)
    table["ofsted"], table["ofsted_inspection_date"] = _ofsted_columns(wide)
    return RiskAssessment(table, _fired_table(fired, rules), rules)


def _ofsted_columns(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The last outcome in words and the last inspection date, for each row.

    The 4-point overall grade where it is the latest outcome, else the report card's lowest
    evaluation area (e.g. "Report card, lowest area: Needs attention").
    """
    words = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}
    card = {1: "Urgent improvement", 2: "Needs attention", 3: "Expected standard",
            4: "Strong standard", 5: "Exceptional"}
    grade = wide.get("ofsted_overall_grade", pd.Series(np.nan, index=wide.index))
    lowest = wide.get("ofsted_rc_lowest", pd.Series(np.nan, index=wide.index))
    date = wide.get("ofsted_inspection_date", pd.Series(np.nan, index=wide.index))
    when = pd.to_datetime(date.astype("Int64").astype(str), format="%Y%m%d", errors="coerce")
    outcome = grade.map(words).fillna("Report card, lowest area: " + lowest.map(card))
    return (outcome.fillna("not available").to_numpy(),
            when.dt.strftime("%Y-%m-%d").fillna("not available").to_numpy())


def _fired_table(fired: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    meta = pd.DataFrame([{"rule_id": r.id, "category": r.category, "description": r.description,
                          "reason": r.reason} for r in rules.rules])
    long = fired.stack().rename("fired").reset_index().rename(columns={"level_2": "rule_id"})
    long = long[long["fired"]].drop(columns="fired").merge(meta, on="rule_id")
    return long.sort_values(["year", "school_id", "rule_id"]).reset_index(drop=True)


def _school_table(fired: pd.DataFrame, unchecked: pd.DataFrame, rules: RuleSet,
                  info: pd.DataFrame) -> pd.DataFrame:
    hits = fired.to_numpy()
    severity = np.array([SEVERITY[r.category] for r in rules.rules])
    worst = (hits * severity).max(axis=1, initial=0)
    by_severity = {v: k for k, v in SEVERITY.items()}
    ids = np.array(fired.columns)
    text = {r.id: f"{r.id}: {r.description}" for r in rules.rules}
    out = fired.index.to_frame(index=False)
    out["category"] = [by_severity[w] for w in worst]
    # Joining names per row is string work over schools, not over cells of the model.
    out["rules_fired"] = ["; ".join(ids[row]) for row in hits]
    out["reasons"] = [" | ".join(text[i] for i in ids[row]) for row in hits]
    out["not_checked"] = ["; ".join(ids[row]) for row in unchecked.to_numpy()]
    for col in ("name", "phase", "governance"):
        out[col] = out["school_id"].map(info[col]) if col in info else np.nan
    cols = ["school_id", "name", "phase", "governance", "year", "category", "rules_fired",
            "reasons", "not_checked"]
    return out[cols]


def risk_summary(schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """Count schools by category and phase for ``year`` beside the year before.

    Parameters
    ----------
    schools : pandas.DataFrame
        The ``schools`` table of a :class:`RiskAssessment` (after any overrides).
    year : int
        The year reported.

    Returns
    -------
    pandas.DataFrame
        Columns phase, category, this_year, last_year, change; a row for every phase present
        and every category, plus an "all" phase. last_year and change are NaN when the year
        before was not assessed.
    """
    both = schools[schools["year"].isin([year, year - 1])]
    both = pd.concat([both, both.assign(phase="all")])
    counts = (both.groupby(["phase", "category", "year"]).size()
              .unstack("year").reindex(columns=[year, year - 1]).fillna(0).astype(int))
    phases = list(dict.fromkeys(sorted(schools["phase"].dropna().unique()) + ["all"]))
    full = pd.MultiIndex.from_product([phases, list(CATEGORIES)], names=["phase", "category"])
    counts = counts.reindex(full, fill_value=0)
    counts.columns = ["this_year", "last_year"]
    if not (schools["year"] == year - 1).any():
        # No assessment last year: the comparison is not available, not zero.
        counts["last_year"] = np.nan
    counts["change"] = counts["this_year"] - counts["last_year"]
    return counts.reset_index()
