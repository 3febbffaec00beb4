"""How numbers read in the reports: hand-checked cases."""

import math

import pytest

from reports.format import (
    indicator_decimals,
    money,
    money_short,
    ncy_label,
    ncy_range_label,
    ncy_short,
    number,
    percent,
    place_years,
    risk_reasons_text,
    year_label,
)


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (1234.4, "1,234"), (-1234.6, "\u22121,235"), (-0.2, "0"), (1_000_000, "1,000,000"), (math.nan, "–"),
])
def test_number(value, text):
    assert number(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (1, "1 place-year"), (0.6, "1 place-year"), (0, "0 place-years"), (1066, "1,066 place-years"),
])
def test_place_years(value, text):
    assert place_years(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (28_505_850, "£28,505,850"), (0, "£0"), (-334_590, "\u2212£334,590"), (None, "–"),
])
def test_money(value, text):
    assert money(value) == text


@pytest.mark.parametrize(("value", "text"), [(28_505_850, "£28.5m"), (298_050, "£298k"), (900, "£900")])
def test_money_short(value, text):
    assert money_short(value) == text


def test_labels():
    assert year_label(2025) == "2025/26"
    assert year_label(1999) == "1999/00"
    assert ncy_label(0) == "Reception" and ncy_label(7) == "Year 7"
    assert ncy_short(0) == "R" and ncy_short(11) == "Y11"
    assert ncy_range_label(range(0, 7)) == "Reception–Year 6"
    assert ncy_range_label((7, 8, 9, 10, 11), short=True) == "Y7–Y11"
    assert percent(0.052) == "5.2%"


@pytest.mark.parametrize(("unit", "figures", "places"), [
    ("schools", (7, 15, -8, math.nan), 0),                          # a count
    ("% of sessions", (3.15, 3.59, -0.44, 3.7), 2),                 # the data's own two decimals
    ("% of pupils", (84.0, 84.0, 0.0, 80.0), 0),                    # whole percentages stay whole
    ("% of pupils", (74.0, 72.6, 1.4, 68.3), 1),
    ("% of schools", (81.538462, 75.384615, 6.153846, math.nan), 2),  # no more than two decimals
    ("per 100 pupils", (0.01316, 0.01742, -0.00426, 0.03168), 3),   # two significant digits: 0.032
    ("per 100 pupils", (0.24468, 0.238, 0.00668, 0.25336), 3),      # 0.245 against 0.238, not 0.24 twice
    ("score", (0.35, 0.24, 0.11, -0.03), 2),
    ("pupils", (math.nan, math.nan, math.nan, math.nan), 0),
])
def test_indicator_decimals(unit, figures, places):
    assert indicator_decimals(unit, *figures) == places


def test_risk_reasons_read_without_rule_codes():
    raw = ("A8-ofsted-grade-declined: The last graded inspection was worse than the one before. | "
           "Y3-attainment8-fall: Attainment 8 fell by 4 points or more on last year.")
    assert risk_reasons_text(raw) == ("The last graded inspection was worse than the one before. "
                                      "Attainment 8 fell by 4 points or more on last year.")
    assert risk_reasons_text("") == "" and risk_reasons_text(None) == ""
    assert risk_reasons_text("Judged Inadequate: no code here.") == "Judged Inadequate: no code here."


def test_signed_percent():
    from reports.format import signed_percent

    assert signed_percent(0.07) == "+7%"
    assert signed_percent(-0.271) == "\u221227%"
    assert signed_percent(0.001) == "0%" and signed_percent(-0.001) == "0%"
