"""How numbers read in the reports: hand-checked cases."""

import math

import pytest

from reports.format import money, money_short, ncy_label, ncy_short, number, percent, year_label


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (1234.4, "1,234"), (-1234.6, "\u22121,235"), (-0.2, "0"), (1_000_000, "1,000,000"), (math.nan, "–"),
])
def test_number(value, text):
    assert number(value) == text


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
    assert percent(0.052) == "5.2%"
