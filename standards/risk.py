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
from sufficiency.core.years import academic_year

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
        data), ofsted (the latest outcome in words), ofsted_inspection_date, ofsted_grade (the
        last single-word grade), ofsted_report_card (the last report card's areas in words),
        evidence (each fired rule's evidence, joined by " | ").
    fired : pandas.DataFrame
        One row per rule that fired: school_id, year, rule_id, category, description, reason,
        and its evidence: indicator, unit, school_value, comparison, comparison_basis, gap,
        gap_unit, year_label (of the rule's first test) and evidence (every test in words).
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
    if {"suspension_rate_sen", "suspension_rate"} <= set(out.columns):
        all_pupils = out["suspension_rate"].where(out["suspension_rate"] > 0)
        out["sen_suspension_ratio"] = out["suspension_rate_sen"] / all_pupils
    else:
        out["sen_suspension_ratio"] = np.nan
    return out


def _previous(series: pd.Series, lag: int = 1) -> pd.Series:
    """The same school's figure ``lag`` years earlier (NaN when absent)."""
    return series.groupby(level="school_id").shift(lag)


def national_for(wide: pd.DataFrame, indicator: str, phase: pd.Series,
                 national: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The national figure each school-year is compared with, and which one it is.

    Returns
    -------
    (pandas.Series, pandas.Series)
        The national figure for the school's phase and year (all-through schools, or phases
        without their own comparator, use the all-school figure, else whichever phase the
        indicator belongs to: KS2 is primary, KS4 secondary), and its basis in words, e.g.
        "national, primary schools".
    """
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
    basis = pd.Series(np.where(comparator.notna(), "national, " + phase.astype(str) + " schools", None),
                      index=wide.index, dtype=object)
    for fallback in ("all", "primary", "secondary"):
        found = pd.Series(column(np.full(len(years), fallback)), index=wide.index)
        fill = comparator.isna() & found.notna()
        comparator = comparator.where(~fill, found)
        basis = basis.where(~fill, "national, all schools" if fallback == "all" else f"national, {fallback} schools")
    return comparator, basis


def gap_to_national(wide: pd.DataFrame, indicator: str, phase: pd.Series,
                     national: pd.DataFrame) -> pd.Series:
    """Return ``indicator`` minus the national figure for each school's phase and year."""
    return wide[indicator] - national_for(wide, indicator, phase, national)[0]


#: What makes schools similar: their intake (free school meals, SEN support) and their size.
SIMILARITY_FEATURES = ("fsm_pct", "sen_support_pct", "pupils_on_roll")


class SimilarSchools:
    """Each school's most similar schools in the same phase and year, by intake and size.

    Schools are compared on % of pupils eligible for free school meals, % on SEN support and pupils on
    roll, each standardised within the phase and year (so a point of FSM counts as much as the spread of
    FSM among those schools); the ``k`` nearest by Euclidean distance are the school's similar schools
    (scikit-learn ``NearestNeighbors``). A school lacking any of the three has none. The comparison for an
    indicator is the mean over those of its similar schools with a figure that year.

    Parameters
    ----------
    wide
        The pivoted indicators (school_id, year) with the similarity features as columns.
    phase
        Each row's phase.
    k
        How many similar schools (fewer where the phase has fewer schools that year).
    """

    def __init__(self, wide: pd.DataFrame, phase: pd.Series, k: int = 10) -> None:
        from sklearn.neighbors import NearestNeighbors

        self.k = k
        n = len(wide)
        self.neighbours = np.full((n, k), -1, dtype=int)
        self.phase = phase
        present = [c for c in SIMILARITY_FEATURES if c in wide.columns]
        if len(present) < len(SIMILARITY_FEATURES):
            return
        features = wide[list(SIMILARITY_FEATURES)].to_numpy(dtype=float)
        years = wide.index.get_level_values("year").to_numpy()
        complete = ~np.isnan(features).any(axis=1)
        groups = pd.DataFrame({"year": years, "phase": phase.to_numpy(), "row": np.arange(n)})[complete]
        for _, group in groups.groupby(["year", "phase"]):
            rows = group["row"].to_numpy()
            if len(rows) < 2:
                continue
            x = features[rows]
            spread = x.std(axis=0)
            z = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
            take = min(k + 1, len(rows))
            _, found = NearestNeighbors(n_neighbors=take).fit(z).kneighbors(z)
            for i, row in enumerate(rows):
                others = [rows[j] for j in found[i] if rows[j] != row][:k]
                self.neighbours[row, :len(others)] = others

    def compare(self, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """The mean of each row's similar schools' figures, and its basis in words."""
        data = values.to_numpy(dtype=float)
        picked = np.where(self.neighbours >= 0, data[np.clip(self.neighbours, 0, None)], np.nan)
        counts = (~np.isnan(picked)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, np.nansum(picked, axis=1) / np.maximum(counts, 1), np.nan)
        basis = np.where(counts > 0, [f"similar schools: the {c} {p} schools nearest in FSM %, SEN support % "
                                      "and size" for c, p in zip(counts, self.phase.astype(str), strict=True)], None)
        return pd.Series(means, index=values.index), pd.Series(basis, index=values.index, dtype=object)


#: Columns of the evidence behind each criterion, row by row (see :func:`measure_criterion`).
EVIDENCE_COLUMNS = ["indicator", "school_value", "comparison", "comparison_basis", "gap", "operator",
                    "threshold", "fallback_for"]


def measure_criterion(wide: pd.DataFrame, crit: Criterion, phase: pd.Series,
                      national: pd.DataFrame, similar: SimilarSchools | None = None) -> pd.DataFrame:
    """A criterion measured on every school-year, with the evidence a reader needs.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``wide``: ``holds`` (bool), ``known`` (bool) and :data:`EVIDENCE_COLUMNS`:
        the school's figure, the figure it is compared with and its basis (national for the
        phase, its similar schools, the school's own figure the year before, or the rule's threshold), the gap
        (the measure compared with the threshold: school minus comparison) and, where the
        criterion's fallback was used because the indicator was not published, the indicator
        it stood in for.
    """
    index = wide.index
    school = wide[crit.indicator] if crit.indicator in wide.columns else pd.Series(np.nan, index=index)
    if crit.measure == "value":
        comparison = pd.Series(crit.threshold, index=index, dtype=float)
        basis = pd.Series("the rule's threshold", index=index, dtype=object)
        value = school
    elif crit.measure == "change":
        comparison = _previous(school)
        basis = pd.Series("the school, the year before", index=index, dtype=object)
        value = school - comparison
    elif crit.measure == "gap_to_similar":
        comparison, basis = similar.compare(school) if similar is not None and crit.indicator in wide.columns \
            else (pd.Series(np.nan, index=index), pd.Series(None, index=index, dtype=object))
        value = school - comparison
    else:
        comparison, basis = national_for(wide, crit.indicator, phase, national) if crit.indicator in wide.columns \
            else (pd.Series(np.nan, index=index), pd.Series(None, index=index, dtype=object))
        value = school - comparison
    out = pd.DataFrame({
        "holds": _OPS[crit.operator](value, crit.threshold).fillna(False).astype(bool),
        "known": value.notna(), "indicator": crit.indicator, "school_value": school,
        "comparison": comparison, "comparison_basis": basis, "gap": value if crit.measure != "value" else np.nan,
        "operator": crit.operator, "threshold": crit.threshold, "fallback_for": None}, index=index)
    if crit.fallback is not None:
        # Where the school's figure is not published, the fallback's test stands in for it.
        instead = measure_criterion(wide, crit.fallback, phase, national, similar)
        use = school.isna() & instead["school_value"].notna()
        instead["fallback_for"] = crit.indicator
        out = out.where(~use, instead, axis=0).astype({"holds": bool, "known": bool})
    return out


def evaluate_rule(rule: Rule, wide: pd.DataFrame, phase: pd.Series,
                  national: pd.DataFrame, similar: SimilarSchools | None = None) -> tuple[pd.Series, pd.Series]:
    """Return (fired, checkable) booleans over the rows of ``wide`` for one rule."""
    fired, checkable, _ = evaluate_rule_with_evidence(rule, wide, phase, national, similar)
    return fired, checkable


def evaluate_rule_with_evidence(rule: Rule, wide: pd.DataFrame, phase: pd.Series, national: pd.DataFrame,
                                similar: SimilarSchools | None = None
                                ) -> tuple[pd.Series, pd.Series, list[pd.DataFrame]]:
    """Return (fired, checkable, evidence): evidence is one :func:`measure_criterion` frame per criterion."""
    applies = phase.isin(schools_teaching(rule.phase)) if rule.phase != "all" else (
        pd.Series(True, index=wide.index))
    holds = pd.Series(True, index=wide.index)
    known = pd.Series(True, index=wide.index)
    evidence = []
    for crit in rule.criteria:
        measured = measure_criterion(wide, crit, phase, national, similar)
        holds &= measured["holds"]
        known &= measured["known"]
        evidence.append(measured)
    fired = holds.copy()
    for lag in range(1, rule.years_running):
        fired &= _previous(holds, lag).fillna(False).astype(bool)
    return fired & applies, known | ~applies, evidence


def assess_risk(school_indicators: pd.DataFrame, schools: pd.DataFrame,
                rules: RuleSet | None = None,
                national: pd.DataFrame | None = None, rolls: pd.DataFrame | None = None,
                similar_schools: int = 10) -> RiskAssessment:
    """Risk-assess every school in every year of ``school_indicators``.

    Parameters
    ----------
    school_indicators : pandas.DataFrame
        Canonical long table: school_id, year, indicator, value.
    schools : pandas.DataFrame
        Canonical schools table; school_id and phase are used, name and governance carried.
    rules : RuleSet, optional
        The rule set; the shipped ``risk_rules_v2.yaml`` by default.
    national : pandas.DataFrame, optional
        National comparators (indicator, phase, year, national); from LAIT by default.
    rolls : pandas.DataFrame, optional
        Canonical rolls: each school's pupils on roll in a year (its size, for similar schools).
    similar_schools : int
        How many similar schools each school is compared with (``gap_to_similar``).

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
    if rolls is not None and len(rolls):
        size = rolls.assign(school_id=rolls["school_id"].astype(str), year=rolls["year"].astype(int)) \
            .groupby(["school_id", "year"])["pupils"].sum()
        wide["pupils_on_roll"] = size.reindex(wide.index).to_numpy(dtype=float)
    similar = SimilarSchools(wide, phase, similar_schools)
    fired_cols, unchecked_cols, evidence = {}, {}, {}
    for rule in rules.rules:
        fired_cols[rule.id], unchecked_cols[rule.id], evidence[rule.id] = evaluate_rule_with_evidence(
            rule, wide, phase, national, similar)
    fired = pd.DataFrame(fired_cols)
    unchecked = ~pd.DataFrame(unchecked_cols)
    table = _school_table(fired, unchecked, rules, info)
    table["ofsted"], table["ofsted_inspection_date"] = _ofsted_columns(wide)
    # Single-word grades and report cards side by side: a report card supersedes the grade for
    # the rules, but a reader still sees the last single-word grade it replaced.
    table["ofsted_grade"], table["ofsted_report_card"] = _inspection_columns(
        add_derived(pivot_indicators(school_indicators)), wide.index)
    fired_table = _fired_table(fired, rules, evidence)
    joined = (fired_table.assign(text=fired_table["rule_id"] + ": " + fired_table["evidence"])
              .groupby(["school_id", "year"])["text"].agg(" | ".join))
    table["evidence"] = pd.MultiIndex.from_frame(table[["school_id", "year"]]).map(joined).astype(object).fillna("")
    return RiskAssessment(table, fired_table, rules)


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


_GRADE_WORDS = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}
_CARD_WORDS = {1: "Urgent improvement", 2: "Needs attention", 3: "Expected standard", 4: "Strong standard",
               5: "Exceptional"}


def _inspection_columns(graded: pd.DataFrame, index: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    """The last single-word grade and the last report card (each evaluation area in words), per row.

    ``graded`` is the pivot in which grades are not superseded by report cards, so both show.
    """
    graded = graded.reindex(index)
    grade = graded.get("ofsted_overall_grade", pd.Series(np.nan, index=index)).map(_GRADE_WORDS)
    areas = [c for c in _RC_AREAS if c in graded.columns]
    card = pd.Series("", index=index, dtype=object)
    for area in areas:
        word = graded[area].map(_CARD_WORDS)
        name = area.removeprefix("ofsted_rc_").replace("_", " and " if area.endswith(
            ("teaching", "behaviour", "governance")) else " ")
        card = card.where(word.isna(), card + np.where(card == "", "", "; ") + name + ": " + word.fillna(""))
    if "ofsted_rc_safeguarding" in graded.columns:
        safe = graded["ofsted_rc_safeguarding"].map({1: "met", 0: "not met"})
        card = card.where(safe.isna(), card + np.where(card == "", "", "; ") + "safeguarding: " + safe.fillna(""))
    return grade.fillna("not available").to_numpy(), card.replace("", "not available").to_numpy()


#: Units of the worked-out indicators (the others' are in the vocabulary).
_DERIVED_UNITS = {"years_since_inspection": "years", "ofsted_grade_change": "grades (positive = worse)",
                  "ofsted_rc_lowest": "grade 1-5", "ofsted_rc_needs_attention": "areas",
                  "sen_suspension_ratio": "times the school's rate"}
_DERIVED_LABELS = {"years_since_inspection": "Years since the last inspection",
                   "ofsted_grade_change": "Change of Ofsted grade",
                   "ofsted_rc_lowest": "Lowest report-card grade",
                   "ofsted_rc_needs_attention": "Report-card areas needing attention",
                   "sen_suspension_ratio": "Suspensions of pupils with SEN against all pupils"}


def indicator_units() -> pd.DataFrame:
    """indicator, label, unit and gap_unit of every indicator a rule may use.

    ``gap_unit`` is the unit of a difference: percentage points for a percentage, else the unit.
    """
    from standards.lait import school_vocabulary

    vocab = school_vocabulary()[["indicator", "label", "unit"]]
    derived = pd.DataFrame({"indicator": list(_DERIVED_UNITS), "unit": list(_DERIVED_UNITS.values()),
                            "label": [_DERIVED_LABELS[i] for i in _DERIVED_UNITS]})
    out = pd.concat([vocab, derived], ignore_index=True)
    out["gap_unit"] = np.where(out["unit"].str.startswith("%"), "percentage points", out["unit"])
    return out


def _number(value: float) -> str:
    if pd.isna(value):
        return "not available"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _figure(value: float, unit: str) -> str:
    """A figure with its unit; grades and flags in words ("Requires improvement (grade 3 of 1-4)", "yes")."""
    if pd.notna(value) and unit == "grade 1-4" and value in _GRADE_WORDS:
        return f"{_GRADE_WORDS[int(value)]} (grade {int(value)} of 1-4)"
    if pd.notna(value) and unit == "grade 1-5" and value in _CARD_WORDS:
        return f"{_CARD_WORDS[int(value)]} (grade {int(value)} of 1-5)"
    if pd.notna(value) and unit in ("1 yes / 0 no", "1 met / 0 not met"):
        return unit.split(" / ")[0 if value == 1 else 1].split(" ", 1)[1]
    return f"{_number(value)} {unit}"


def evidence_text(row: pd.Series | dict, label: str, unit: str, gap_unit: str) -> str:
    """One criterion's evidence in words, e.g. "KS2 ...: 45 % of pupils in 2024/25 against 61 (national,
    primary schools): gap -16 percentage points (rule: <= -15)"."""
    get = row.get
    school = f"{label}: {_figure(get('school_value'), unit)} in {academic_year(get('year'))}"
    if get("comparison_basis") == "the rule's threshold":
        text = f"{school} (rule: {get('operator')} {_number(get('threshold'))})"
    else:
        text = (f"{school} against {_number(get('comparison'))} ({get('comparison_basis')}): gap "
                f"{_number(get('gap'))} {gap_unit} (rule: {get('operator')} {_number(get('threshold'))})")
    if isinstance(get("fallback_for"), str) and get("fallback_for"):
        text += f"; used because {get('fallback_for')} is not published for the school that year"
    return text


#: Evidence columns of the rules-fired table, for the rule's first criterion (all in ``evidence``).
FIRED_EVIDENCE = ["indicator", "unit", "school_value", "comparison", "comparison_basis", "gap", "gap_unit",
                  "year_label", "evidence"]


def _fired_table(fired: pd.DataFrame, rules: RuleSet, evidence: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    meta = pd.DataFrame([{"rule_id": r.id, "category": r.category, "description": r.description,
                          "reason": r.reason} for r in rules.rules])
    units = indicator_units().set_index("indicator")
    years_running = {r.id: r.years_running for r in rules.rules}
    parts = []
    for rule_id, frames in evidence.items():
        hit = fired[rule_id].to_numpy(bool)
        if not hit.any():
            continue
        texts = None
        first = None
        for number, frame in enumerate(frames):
            rows = frame[hit].reset_index()
            rows["year_label"] = [academic_year(y) for y in rows["year"]]
            meta_rows = units.reindex(rows["indicator"])
            rows["unit"] = meta_rows["unit"].fillna("").to_numpy()
            rows["gap_unit"] = meta_rows["gap_unit"].fillna("").to_numpy()
            labels = meta_rows["label"].fillna(rows["indicator"]).to_numpy()
            text = [evidence_text(r, lab, u, g) for r, lab, u, g in zip(
                rows.to_dict("records"), labels, rows["unit"], rows["gap_unit"], strict=True)]
            # The years before, for a rule that must hold several years running.
            for lag in range(1, years_running[rule_id]):
                earlier = frame.groupby(level="school_id").shift(lag)[hit].reset_index()
                earlier["year"] = earlier["year"] - lag
                text = [f"{t}; and {evidence_text(r, lab, u, g)}" for t, r, lab, u, g in zip(
                    text, earlier.to_dict("records"), labels, rows["unit"], rows["gap_unit"], strict=True)]
            texts = text if texts is None else [f"{a}; and {b}" for a, b in zip(texts, text, strict=True)]
            if number == 0:
                first = rows
        assert first is not None and texts is not None
        first = first.assign(rule_id=rule_id, evidence=texts)
        parts.append(first[["school_id", "year", "rule_id", *FIRED_EVIDENCE]])
    columns = ["school_id", "year", "rule_id", "category", "description", "reason", *FIRED_EVIDENCE]
    if not parts:
        return pd.DataFrame(columns=columns)
    long = pd.concat(parts, ignore_index=True).merge(meta, on="rule_id")
    return long[columns].sort_values(["year", "school_id", "rule_id"]).reset_index(drop=True)


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
