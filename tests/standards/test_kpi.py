"""KPI tables one and two on a small fixture whose every figure is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from standards.indicators import numeric_indicators
from standards.kpi import NOT_AVAILABLE, format_kpi_table, kpi_tables, trend_word
from standards.risk import assess_risk
from standards.rules import load_rules
from tests.standards.conftest import NATIONAL, indicators, school_table

SCHOOLS = school_table({"P1": ("primary", "maintained"), "P2": ("primary", "academy"),
                        "P3": ("primary", "maintained"), "S1": ("secondary", "academy"),
                        "S2": ("secondary", "maintained")})
ROLLS = pd.DataFrame(
    [("P1", 2023, 3, 200), ("P1", 2024, 3, 200), ("P2", 2023, 3, 100), ("P2", 2024, 3, 100),
     ("P3", 2023, 3, 250), ("P3", 2024, 3, 300), ("S1", 2023, 8, 1000), ("S1", 2024, 8, 1000),
     ("S2", 2023, 8, 500), ("S2", 2024, 8, 500)],
    columns=["school_id", "year", "ncy", "pupils"])
ROWS = [
    # P1: good since May 2019 (due inspection), KS2 above national, a deficit over 5% in 2024.
    ("P1", 2023, "ofsted_overall_grade", "Good"), ("P1", 2023, "ofsted_inspection_date", "2019-05-10"),
    ("P1", 2023, "ks2_rwm_expected", 65), ("P1", 2024, "ks2_rwm_expected", 70),
    ("P1", 2023, "absence_authorised", 4.2), ("P1", 2024, "absence_authorised", 4.0),
    ("P1", 2024, "budget_balance_pct", -6),
    # P2: inspected March 2024 (academic year 2023), Good -> Requires improvement.
    ("P2", 2023, "ofsted_overall_grade", "Requires improvement"),
    ("P2", 2023, "ofsted_previous_grade", "Good"), ("P2", 2023, "ofsted_inspection_date", "2024-03-01"),
    ("P2", 2023, "ks2_rwm_expected", 62), ("P2", 2024, "ks2_rwm_expected", 55),
    ("P2", 2023, "absence_authorised", 4.8), ("P2", 2024, "absence_authorised", 5.0),
    # P3: good since January 2019, then outstanding in November 2024 (academic year 2024).
    ("P3", 2023, "ofsted_overall_grade", 2), ("P3", 2023, "ofsted_inspection_date", 20190115),
    ("P3", 2024, "ofsted_overall_grade", 1), ("P3", 2024, "ofsted_previous_grade", 2),
    ("P3", 2024, "ofsted_inspection_date", 20241120),
    ("P3", 2023, "ks2_rwm_expected", 58), ("P3", 2024, "absence_authorised", 3.0),
    # S1: good since June 2022. S2: requires improvement since January 2020, inadequate Oct 2024.
    ("S1", 2023, "ofsted_overall_grade", 2), ("S1", 2023, "ofsted_inspection_date", 20220601),
    ("S1", 2023, "ks4_attainment8", 48), ("S1", 2024, "ks4_attainment8", 50),
    ("S2", 2023, "ofsted_overall_grade", 3), ("S2", 2023, "ofsted_inspection_date", 20200110),
    ("S2", 2024, "ofsted_overall_grade", 4), ("S2", 2024, "ofsted_previous_grade", 3),
    ("S2", 2024, "ofsted_inspection_date", 20241010),
    ("S2", 2023, "ks4_attainment8", 47), ("S2", 2024, "ks4_attainment8", 40),
]
LAIT = pd.DataFrame(
    [("PriAuth", 2023, 999, 4.5), ("PriAuth", 2023, 970, 3.9), ("PriAuth", 2024, 999, 4.0),
     ("PriAuth", 2024, 970, 3.7), ("KS2RWM_Expected_STD", 2024, 999, 70),
     ("KS2RWM_Expected_STD", 2024, 970, 61), ("NonFSM_NEW_KS2_RWM", 2024, 999, 75),
     ("FSM_NEW_KS2_RWM", 2024, 999, 50), ("NonFSM_NEW_KS2_RWM", 2024, 970, 70),
     ("FSM_NEW_KS2_RWM", 2024, 970, 46)],
    columns=["measure", "year", "la_number", "value"])


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return numeric_indicators(indicators(ROWS))


@pytest.fixture(scope="module")
def tables(data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    assessment = assess_risk(data, SCHOOLS, load_rules(), NATIONAL)
    local = pd.DataFrame({"kpi_id": ["fair_access_referrals"] * 2, "year": [2023, 2024],
                          "value": [10, 12], "table": ["primary", "primary"]})
    return {k: v.set_index("kpi_id") for k, v in kpi_tables(
        data, SCHOOLS, ROLLS, assessment, la_number=999, year=2024, lait=LAIT, national=NATIONAL,
        local=local).items()}


def _row(tables: dict, table: str, kpi: str) -> pd.Series:
    return tables[table].loc[kpi]


@pytest.mark.parametrize("table, kpi, value, last, trend", [
    # KS2 RWM at or above national (61 in 2024, 60 in 2023): 2024 P1 yes, P2 no, P3 no
    # figure -> 1 of 2; 2023 P1 yes, P2 yes, P3 no -> 2 of 3.
    ("primary", "schools_at_or_above_national", 50.0, 200 / 3, "declined"),
    # Pupils in good/outstanding: 2024 (200 + 300) / 600; 2023 (200 + 250) / 550.
    ("primary", "pupils_good_or_outstanding", 500 / 6, 4500 / 55, "improved"),
    ("primary", "schools_good_or_better", 200 / 3, 200 / 3, "no change"),
    # P2 amber both years (RI, declined); P1 amber in 2024 (deficit over 5%).
    ("primary", "schools_amber", 2, 1, "declined"),
    ("primary", "schools_red", 0, 0, "no change"),
    ("primary", "inspections", 1, 1, "no change"),
    ("primary", "inspections_improved", 1, 0, "improved"),
    ("primary", "inspections_declined", 0, 1, "improved"),
    # Four or more years at 31 August: 2024 P1 only; 2023 P1 and P3.
    ("primary", "schools_due_inspection", 1, 2, "down"),
    ("primary", "schools_at_risk_of_decline", 1, 0, "declined"),
    # LAIT figures of LA 999 beside England.
    ("primary", "absence_authorised", 4.0, 4.5, "improved"),
    ("primary", "gap_fsm", 25.0, np.nan, NOT_AVAILABLE),
    ("primary", "fair_access_referrals", 12, 10, "up"),
    ("secondary", "schools_at_or_above_national", 50.0, 100.0, "declined"),
    ("secondary", "pupils_good_or_outstanding", 1000 / 15, 1000 / 15, "no change"),
    ("secondary", "schools_red", 1, 0, "declined"),
    ("secondary", "schools_amber", 0, 1, "improved"),
    ("secondary", "inspections_declined", 1, 0, "declined"),
])
def test_kpi_values_by_hand(tables, table, kpi, value, last, trend) -> None:
    row = _row(tables, table, kpi)
    assert row["value"] == pytest.approx(value)
    assert (np.isnan(row["last_year"]) if np.isnan(last) else row["last_year"] == pytest.approx(last))
    assert row["trend"] == trend
    assert row["year"] == 2024


def test_national_comparators(tables) -> None:
    assert _row(tables, "primary", "absence_authorised")["national"] == pytest.approx(3.7)
    assert _row(tables, "primary", "gap_fsm")["national"] == pytest.approx(24.0)
    assert _row(tables, "primary", "absence_authorised")["source"] == "LAIT"


def test_missing_figures_are_not_available_never_zero(tables) -> None:
    for table in tables.values():
        missing = table[table["source"] == ""]
        assert missing["value"].isna().all()
        shown = format_kpi_table(table.reset_index())
        assert (shown.loc[shown["source"] == NOT_AVAILABLE, "value"] == NOT_AVAILABLE).all()
    assert {"phonics_y2_recheck", "gap_gender", "gap_eal", "mobility"} <= set(
        tables["primary"].index[tables["primary"]["value"].isna()])
    assert {"neet", "elective_home_education", "children_missing_education"} <= set(
        tables["secondary"].index[tables["secondary"]["value"].isna()])


def test_every_required_row_is_present(tables) -> None:
    common = {"schools_at_or_above_national", "pupils_good_or_outstanding", "schools_red",
              "schools_amber", "inspections", "schools_due_inspection",
              "schools_at_risk_of_decline", "absence_authorised", "absence_unauthorised",
              "absence_persistent", "exclusions_permanent", "exclusions_fixed_term",
              "fair_access_referrals", "pupils_in_pru", "mobility", "gap_disadvantaged",
              "gap_sen", "gap_gender", "gap_eal", "elective_home_education",
              "children_missing_education"}
    assert common | {"gld", "phonics_y1", "phonics_y2_recheck", "ks1_reading", "ks2_rwm"} <= set(
        tables["primary"].index)
    assert common | {"ks4_progress8", "ks4_attainment8", "ks4_em_4", "ks4_em_5", "neet"} <= set(
        tables["secondary"].index)


def test_without_lait_la_rows_come_from_schools_pupil_weighted(data) -> None:
    t = kpi_tables(data, SCHOOLS, ROLLS, None, year=2024, lait=LAIT,
                   national=NATIONAL)["primary"].set_index("kpi_id")
    row = t.loc["absence_authorised"]
    # (4.0 x 200 + 5.0 x 100 + 3.0 x 300) / 600 and (4.2 x 200 + 4.8 x 100) / 300.
    assert row["value"] == pytest.approx(2200 / 600)
    assert row["last_year"] == pytest.approx(1320 / 300)
    assert row["source"] == "schools, pupil-weighted"
    # No assessment given: the risk rows are not available rather than zero.
    assert np.isnan(t.loc["schools_red", "value"])


def test_without_rolls_pupil_share_is_not_available(data) -> None:
    t = kpi_tables(data, SCHOOLS, None, None, year=2024, lait=LAIT, national=NATIONAL)
    assert np.isnan(t["primary"].set_index("kpi_id").loc["pupils_good_or_outstanding", "value"])


@pytest.mark.parametrize("change, polarity, word", [
    (1.0, "High", "improved"), (-1.0, "High", "declined"), (1.0, "Low", "declined"),
    (-1.0, "Low", "improved"), (0.0, "High", "no change"), (2.0, "-", "up"),
    (np.nan, "High", NOT_AVAILABLE)])
def test_trend_words(change, polarity, word) -> None:
    assert trend_word(change, polarity) == word


def test_gender_gap_from_school_figures_when_given() -> None:
    rows = ROWS + [("P1", 2024, "ks2_rwm_expected_girls", 80), ("P1", 2024, "ks2_rwm_expected_boys", 70),
                   ("P2", 2024, "ks2_rwm_expected_girls", 60), ("P2", 2024, "ks2_rwm_expected_boys", 44)]
    data = numeric_indicators(indicators(rows))
    t = kpi_tables(data, SCHOOLS, ROLLS, None, la_number=999, year=2024, lait=LAIT,
                   national=NATIONAL)["primary"].set_index("kpi_id")
    # Girls (80 x 200 + 60 x 100) / 300 = 73.33; boys (70 x 200 + 44 x 100) / 300 = 61.33.
    assert t.loc["gap_gender", "value"] == pytest.approx(12.0)
    assert t.loc["gap_gender", "source"] == "schools, pupil-weighted"
    assert np.isnan(t.loc["gap_eal", "value"])


def test_the_measures_the_strategies_name_are_in_the_kpi_tables() -> None:
    """Trafford's figures as LAIT publishes them (see test_benchmark.NAMED_MEASURES for the source check)."""
    from standards.result import run_standards
    from sufficiency.core.inputs import load_inputs
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    result = run_standards(inputs.school_indicators, inputs.schools, inputs.rolls, la="358")
    secondary = result.kpis["secondary"].set_index("kpi_id")
    primary = result.kpis["primary"].set_index("kpi_id")
    # Progress 8 gap 2023/24: other pupils 0.52 minus disadvantaged -0.43 = 0.95 (hand-worked).
    assert secondary.loc["gap_disadvantaged_p8", ["year", "value"]].tolist() == [2023, pytest.approx(0.95)]
    assert secondary.loc["level3_at_19", ["year", "value", "unit"]].tolist() == [2023, pytest.approx(72.853),
                                                                                 "% of 19 year olds"]
    assert secondary.loc["care_leavers_eet", ["year", "value"]].tolist() == [2024, 56.0]
    assert secondary.loc["lac_attainment8", ["year", "value"]].tolist() == [2024, pytest.approx(19.7)]
    assert secondary.loc["ks4_apprenticeships", ["year", "value"]].tolist() == [2022, pytest.approx(1.9)]
    assert primary.loc["lac_ks2_rwm", ["year", "value"]].tolist() == [2023, 50.0]
    assert primary.loc["early_years_2", ["year", "value"]].tolist() == [2024, pytest.approx(76.7)]
