"""Every risk rule, checked on a hand-made school that meets it and one that just misses it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from standards.risk import assess_risk, risk_summary
from standards.rules import DEFAULT_RULES, RuleFileError, load_rules, with_settings
from tests.standards.conftest import NATIONAL, indicators, school_table

RULES = load_rules()

# rule id -> (phase, rows that fire it, rows that just miss it); the assessed year is 2024.
# Thresholds are exercised at their edge: the firing case sits on the threshold where the
# operator includes it, the missing case one step beyond.
CASES: dict[str, tuple[str, list, list]] = {
    "R1-ofsted-inadequate": ("primary", [(2024, "ofsted_overall_grade", 4)],
                             [(2024, "ofsted_overall_grade", 3)]),
    "R2-report-card-urgent-improvement": (
        "secondary", [(2024, "ofsted_rc_achievement", 1), (2024, "ofsted_rc_inclusion", 4)],
        [(2024, "ofsted_rc_achievement", 3), (2024, "ofsted_rc_inclusion", 4)]),
    "R3-safeguarding-not-met": ("primary", [(2024, "ofsted_rc_safeguarding", 0)],
                                [(2024, "ofsted_rc_safeguarding", 1)]),
    # national 60 (2023) and 61 (2024): gaps -15 and -15 fire; -15 then -14 do not.
    "R4-ks2-well-below-national-two-years": (
        "primary", [(2023, "ks2_rwm_expected", 45), (2024, "ks2_rwm_expected", 46)],
        [(2023, "ks2_rwm_expected", 45), (2024, "ks2_rwm_expected", 47)]),
    "R5-progress8-well-below-two-years": (
        "secondary", [(2023, "ks4_progress8", -0.6), (2024, "ks4_progress8", -0.5)],
        [(2023, "ks4_progress8", -0.4), (2024, "ks4_progress8", -0.9)]),
    "A1-ofsted-requires-improvement": ("primary", [(2024, "ofsted_overall_grade", 3)],
                                       [(2024, "ofsted_overall_grade", 2)]),
    "A2-report-card-needs-attention": (
        "primary", [(2024, "ofsted_rc_curriculum_teaching", 2)],
        [(2024, "ofsted_rc_curriculum_teaching", 3)]),
    "A3-ks2-below-national": ("primary", [(2024, "ks2_rwm_expected", 51)],
                              [(2024, "ks2_rwm_expected", 52)]),
    "A4-progress8-below-average": ("secondary", [(2024, "ks4_progress8", -0.3)],
                                   [(2024, "ks4_progress8", -0.29)]),
    "A5-english-maths-below-national": ("secondary", [(2024, "ks4_em_grade4", 55)],
                                        [(2024, "ks4_em_grade4", 55.1)]),
    "A6-persistent-absence-high": ("primary", [(2024, "persistent_absence", 25)],
                                   [(2024, "persistent_absence", 24.9)]),
    "A7-deficit-above-five-percent": ("primary", [(2024, "budget_balance_pct", -5.1)],
                                      [(2024, "budget_balance_pct", -5.0)]),
    "A8-ofsted-grade-declined": (
        "secondary", [(2024, "ofsted_overall_grade", 3), (2024, "ofsted_previous_grade", 2)],
        [(2024, "ofsted_overall_grade", 2), (2024, "ofsted_previous_grade", 1)]),
    # national for pupils on SEN support 21 (KS2) and 33 (Attainment 8).
    "A9-sen-ks2-below-national": ("primary", [(2024, "ks2_rwm_expected_sen_support", 11)],
                                  [(2024, "ks2_rwm_expected_sen_support", 11.1)]),
    "A10-sen-attainment8-below-national": ("secondary", [(2024, "ks4_attainment8_sen_support", 28)],
                                           [(2024, "ks4_attainment8_sen_support", 28.1)]),
    "Y8-outstanding-to-good": (
        "primary", [(2024, "ofsted_overall_grade", 2), (2024, "ofsted_previous_grade", 1)],
        [(2024, "ofsted_overall_grade", 1), (2024, "ofsted_previous_grade", 1)]),
    # Similar schools need other schools: see test_similar_schools_by_hand (no case here).
    # 20 suspensions per 100 pupils with SEN against 5 for all pupils: 4 times.
    "Y9-sen-suspensions-high": ("primary", [(2024, "suspension_rate_sen", 20), (2024, "suspension_rate", 5)],
                                [(2024, "suspension_rate_sen", 19.9), (2024, "suspension_rate", 5)]),
    "Y1-new-headteacher": ("primary", [(2024, "headteacher_change", 1)],
                           [(2024, "headteacher_change", 0)]),
    "Y2-ks2-fall": ("primary", [(2023, "ks2_rwm_expected", 80), (2024, "ks2_rwm_expected", 70)],
                    [(2023, "ks2_rwm_expected", 80), (2024, "ks2_rwm_expected", 71)]),
    "Y3-attainment8-fall": ("secondary",
                            [(2023, "ks4_attainment8", 50), (2024, "ks4_attainment8", 46)],
                            [(2023, "ks4_attainment8", 50), (2024, "ks4_attainment8", 46.5)]),
    "Y4-absence-above-national": ("primary", [(2024, "absence_overall", 6.5)],
                                  [(2024, "absence_overall", 6.4)]),
    "Y5-suspensions-high": ("primary", [(2024, "suspension_rate", 6)],
                            [(2024, "suspension_rate", 5.9)]),
    "Y6-budget-deficit": ("primary", [(2024, "budget_deficit", 1)],
                          [(2024, "budget_deficit", 0)]),
    # Four years before 31 August 2025 is 31 August 2021 (leap days make it 3.999 years).
    "Y7-inspection-due": ("primary", [(2024, "ofsted_inspection_date", 20210828)],
                          [(2024, "ofsted_inspection_date", 20210903)]),
}


def _assess(phase: str, rows: list) -> pd.DataFrame:
    school = school_table({"1": (phase, "maintained")})
    table = indicators([("1", y, i, v) for y, i, v in rows])
    return assess_risk(table, school, RULES, NATIONAL)


SIMILAR = {"Y10-ks2-below-similar-schools", "Y11-attainment8-below-similar-schools"}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) | SIMILAR == {r.id for r in RULES.rules}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_school(rule_id: str) -> None:
    phase, fires, _ = CASES[rule_id]
    result = _assess(phase, fires)
    fired = result.fired[result.fired["year"] == 2024]["rule_id"].tolist()
    assert rule_id in fired
    rule = next(r for r in RULES.rules if r.id == rule_id)
    row = result.for_year(2024).iloc[0]
    # The category is at least as serious as the rule's, and the reason is listed.
    order = ["Green", "Yellow", "Amber", "Red"]
    assert order.index(row["category"]) >= order.index(rule.category)
    assert rule_id in row["reasons"]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_does_not_fire_just_beyond_threshold(rule_id: str) -> None:
    phase, _, misses = CASES[rule_id]
    result = _assess(phase, misses)
    assert rule_id not in result.fired[result.fired["year"] == 2024]["rule_id"].tolist()


def test_phase_restricts_rules_and_all_through_meets_both() -> None:
    rows = [(2024, "ks2_rwm_expected", 40), (2024, "ks4_progress8", -0.4)]
    secondary = _assess("secondary", rows).fired["rule_id"].tolist()
    assert "A3-ks2-below-national" not in secondary and "A4-progress8-below-average" in secondary
    both = _assess("all-through", rows).fired["rule_id"].tolist()
    assert {"A3-ks2-below-national", "A4-progress8-below-average"} <= set(both)


def test_most_serious_category_wins_and_green_when_nothing_fires() -> None:
    school = school_table({"1": ("primary", "maintained"), "2": ("primary", "academy")})
    table = indicators([("1", 2024, "ofsted_overall_grade", 4), ("1", 2024, "headteacher_change", 1),
                        ("2", 2024, "ofsted_overall_grade", 2)])
    out = assess_risk(table, school, RULES, NATIONAL).for_year(2024).set_index("school_id")
    assert out.loc["1", "category"] == "Red"
    assert out.loc["1", "rules_fired"] == "R1-ofsted-inadequate; Y1-new-headteacher"
    assert out.loc["2", "category"] == "Green" and out.loc["2", "rules_fired"] == ""


def test_missing_data_never_fires_and_is_listed() -> None:
    out = _assess("primary", [(2024, "headteacher_change", 0)]).for_year(2024).iloc[0]
    assert out["category"] == "Green"
    assert "A3-ks2-below-national" in out["not_checked"]
    assert "Y1-new-headteacher" not in out["not_checked"]
    # Secondary-only rules do not apply to a primary school, so they are not "unchecked".
    assert "A4-progress8-below-average" not in out["not_checked"]


def test_ofsted_grade_carries_forward_to_later_years() -> None:
    result = _assess("primary", [(2022, "ofsted_overall_grade", 3), (2024, "headteacher_change", 0)])
    assert result.for_year(2024).iloc[0]["category"] == "Amber"


def test_summary_counts_by_phase_and_compares_with_last_year() -> None:
    school = school_table({"1": ("primary", "maintained"), "2": ("primary", "academy"),
                           "3": ("secondary", "academy")})
    table = indicators([("1", 2023, "ofsted_overall_grade", 3), ("1", 2024, "ofsted_overall_grade", 2),
                        ("1", 2024, "ofsted_previous_grade", 3),
                        ("2", 2023, "ofsted_overall_grade", 2), ("2", 2024, "ofsted_overall_grade", 4),
                        ("3", 2023, "ofsted_overall_grade", 1), ("3", 2024, "ofsted_overall_grade", 1)])
    summary = risk_summary(assess_risk(table, school, RULES, NATIONAL).schools, 2024)
    s = summary.set_index(["phase", "category"])
    assert s.loc[("primary", "Red"), ["this_year", "last_year", "change"]].tolist() == [1, 0, 1]
    assert s.loc[("primary", "Amber"), ["this_year", "last_year"]].tolist() == [0, 1]
    assert s.loc[("primary", "Green"), ["this_year", "last_year"]].tolist() == [1, 1]
    assert s.loc[("all", "Green"), ["this_year", "last_year"]].tolist() == [2, 2]
    assert summary["this_year"].sum() == 2 * 3  # each school once in its phase and once in "all"


def test_summary_without_last_year_is_not_zero() -> None:
    result = _assess("primary", [(2024, "ofsted_overall_grade", 2)])
    summary = risk_summary(result.schools, 2024)
    assert summary["last_year"].isna().all()


def test_rule_file_is_readable_and_versioned() -> None:
    assert RULES.version == 2 and "v2" in DEFAULT_RULES.name
    for rule in RULES.rules:
        assert rule.reason.strip() and rule.description.strip()
        assert rule.criteria and all(c.threshold is not None for c in rule.criteria)


@pytest.mark.parametrize("mutation, message", [
    (lambda r: r["rules"][0]["criteria"][0].update(indicator="ks2_rwn"), "unknown indicator 'ks2_rwn'"),
    (lambda r: r["rules"][1].pop("reason"), "R2-report-card-urgent-improvement"),
    (lambda r: r["rules"][1].update(id=r["rules"][0]["id"]), "unique"),
    (lambda r: r["rules"][0].update(category="Purple"), "category"),
])
def test_bad_rule_files_are_refused_with_the_rule_named(tmp_path: Path, mutation, message: str) -> None:
    import yaml

    data = yaml.safe_load(DEFAULT_RULES.read_text())
    mutation(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleFileError, match=message):
        load_rules(path)


def test_later_report_card_supersedes_the_old_grade() -> None:
    # Requires improvement in 2022, then a report card in 2025 at the expected standard or
    # better in every area: the report card is the latest outcome, so A1 no longer fires.
    rows = [(2022, "ofsted_overall_grade", 3), (2022, "ofsted_previous_grade", 2),
            (2025, "ofsted_rc_achievement", 3), (2025, "ofsted_rc_inclusion", 4)]
    result = _assess("primary", rows)
    years = result.schools.set_index("year")
    assert years.loc[2024, "category"] == "Amber"  # RI (A1) and declined below Good (A8) still stand
    assert years.loc[2024, "ofsted"] == "Requires improvement"
    assert years.loc[2025, "category"] == "Green"
    assert years.loc[2025, "ofsted"] == "Report card, lowest area: Expected standard"
    # A graded inspection after the report card is the latest outcome again.
    regraded = _assess("primary", rows + [(2026, "ofsted_overall_grade", 4)])
    assert regraded.schools.set_index("year").loc[2026, "category"] == "Red"


# ------------------------------------------------------------------ evidence
def _fired(phase: str, rows: list, rule_id: str, rules=RULES) -> pd.Series:
    school = school_table({"1": (phase, "maintained")})
    result = assess_risk(indicators([("1", y, i, v) for y, i, v in rows]), school, rules, NATIONAL)
    fired = result.fired.set_index(["year", "rule_id"])
    return fired.loc[(2024, rule_id)]


def test_evidence_against_national() -> None:
    # 46% against the national 61% for primary schools in 2024/25: 15 points below (hand-worked), and
    # 45% against 60% the year before.
    row = _fired("primary", [(2023, "ks2_rwm_expected", 45), (2024, "ks2_rwm_expected", 46)],
                 "R4-ks2-well-below-national-two-years")
    assert (row["school_value"], row["comparison"], row["gap"]) == (46.0, 61.0, -15.0)
    assert row["comparison_basis"] == "national, primary schools" and row["year_label"] == "2024/25"
    assert row["unit"] == "% of pupils" and row["gap_unit"] == "percentage points"
    assert row["evidence"] == (
        "KS2 reading writing and maths at the expected standard: 46 % of pupils in 2024/25 against 61 (national, "
        "primary schools): gap -15 percentage points (rule: <= -15); and KS2 reading writing and maths at the "
        "expected standard: 45 % of pupils in 2023/24 against 60 (national, primary schools): gap -15 percentage "
        "points (rule: <= -15)")


def test_evidence_against_last_year_and_a_threshold() -> None:
    fall = _fired("secondary", [(2023, "ks4_attainment8", 50), (2024, "ks4_attainment8", 46)], "Y3-attainment8-fall")
    assert (fall["school_value"], fall["comparison"], fall["gap"]) == (46.0, 50.0, -4.0)
    assert fall["comparison_basis"] == "the school, the year before" and fall["gap_unit"] == "score 0-90"
    deficit = _fired("primary", [(2024, "budget_balance_pct", -6.5)], "A7-deficit-above-five-percent")
    assert (deficit["school_value"], deficit["comparison"]) == (-6.5, -5.0) and pd.isna(deficit["gap"])
    assert deficit["comparison_basis"] == "the rule's threshold"
    assert deficit["evidence"] == "Revenue balance: -6.5 % of income in 2024/25 (rule: < -5)"


def test_every_fired_rule_has_evidence_on_the_sample() -> None:
    from standards.indicators import numeric_indicators
    from sufficiency.core.inputs import load_inputs
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    result = assess_risk(numeric_indicators(inputs.school_indicators), inputs.schools, RULES)
    assert len(result.fired) > 0
    assert result.fired["evidence"].str.len().gt(0).all()
    assert result.fired["school_value"].notna().all() and result.fired["comparison"].notna().all()
    flagged = result.schools[result.schools["category"] != "Green"]
    assert flagged["evidence"].str.len().gt(0).all()


def test_attainment8_stands_in_where_progress8_is_not_published() -> None:
    # No Progress 8 in 2024 (not published): Attainment 8 of 41 against the national 46 is 5 below, so A4
    # fires through its fallback; with Progress 8 published (-0.2) the fallback is not used and A4 does not fire.
    row = _fired("secondary", [(2024, "ks4_attainment8", 41)], "A4-progress8-below-average")
    assert (row["indicator"], row["school_value"], row["comparison"], row["gap"]) == ("ks4_attainment8", 41.0,
                                                                                       46.0, -5.0)
    assert "used because ks4_progress8 is not published" in row["evidence"]
    published = _assess("secondary", [(2024, "ks4_attainment8", 41), (2024, "ks4_progress8", -0.2)])
    assert "A4-progress8-below-average" not in published.fired["rule_id"].tolist()
    # Two years running for R5: 2023 Attainment 8 38 (national 46, -8) and 2024 38 (-8).
    two = _assess("secondary", [(2023, "ks4_attainment8", 38), (2024, "ks4_attainment8", 38)])
    assert "R5-progress8-well-below-two-years" in two.fired[two.fired["year"] == 2024]["rule_id"].tolist()


def test_outstanding_to_good_is_yellow_unless_the_setting_says_amber() -> None:
    rows = [(2024, "ofsted_overall_grade", 2), (2024, "ofsted_previous_grade", 1)]
    assert _assess("primary", rows).for_year(2024).iloc[0]["category"] == "Yellow"
    amber = with_settings(RULES, outstanding_to_good_amber=True)
    school = school_table({"1": ("primary", "maintained")})
    result = assess_risk(indicators([("1", y, i, v) for y, i, v in rows]), school, amber, NATIONAL)
    assert result.for_year(2024).iloc[0]["category"] == "Amber"
    assert RULES.rules == load_rules().rules  # the shipped rule set itself is unchanged
    v1 = load_rules(DEFAULT_RULES.with_name("risk_rules_v1.yaml"))
    with pytest.raises(RuleFileError, match="standards.outstanding_to_good_amber"):
        with_settings(v1, outstanding_to_good_amber=True)


def test_report_card_is_recorded_beside_the_single_word_grade() -> None:
    rows = [(2022, "ofsted_overall_grade", 2), (2025, "ofsted_rc_achievement", 2),
            (2025, "ofsted_rc_curriculum_teaching", 3), (2025, "ofsted_rc_safeguarding", 1)]
    result = _assess("primary", rows).schools.set_index("year")
    assert result.loc[2025, "ofsted_grade"] == "Good"  # the last single-word grade, still shown
    assert result.loc[2025, "ofsted_report_card"] == (
        "curriculum and teaching: Expected standard; achievement: Needs attention; safeguarding: met")
    assert result.loc[2024, "ofsted_report_card"] == "not available"
    assert result.loc[2025, "category"] == "Amber"  # A2: needs attention


def test_similar_schools_by_hand() -> None:
    # Four primary schools: A, B and C alike (FSM 10-12%, SEN support 10%, 200 pupils), D unlike them all.
    # With two similar schools each, A's are B and C: KS2 70 and 80, mean 75, so A's 60 is 15 below (Y10 fires);
    # B's are A and C (60, 80: mean 70), so B's 70 is level with them.
    school = school_table({s: ("primary", "maintained") for s in "ABCD"})
    intake = {"A": (10, 10, 200, 60), "B": (11, 10, 200, 70), "C": (12, 10, 200, 80), "D": (40, 30, 600, 50)}
    rows = [(s, 2024, ind, v) for s, values in intake.items()
            for ind, v in zip(("fsm_pct", "sen_support_pct", "pupils_on_roll", "ks2_rwm_expected"), values,
                              strict=True) if ind != "pupils_on_roll"]
    rolls = pd.DataFrame([(s, 2024, 6, v[2]) for s, v in intake.items()], columns=["school_id", "year", "ncy",
                                                                                    "pupils"])
    result = assess_risk(indicators(rows), school, RULES, NATIONAL, rolls=rolls, similar_schools=2)
    fired = result.fired.set_index(["school_id", "rule_id"])
    a = fired.loc[("A", "Y10-ks2-below-similar-schools")]
    assert (a["school_value"], a["comparison"], a["gap"]) == (60.0, 75.0, -15.0)
    assert a["comparison_basis"] == "similar schools: the 2 primary schools nearest in FSM %, SEN support % and size"
    assert ("B", "Y10-ks2-below-similar-schools") not in fired.index
    # Without the schools' sizes there is no similarity, and the rule is listed as not checked.
    unsized = assess_risk(indicators(rows), school, RULES, NATIONAL, similar_schools=2).for_year(2024)
    assert unsized["not_checked"].str.contains("Y10-ks2-below-similar-schools").all()
