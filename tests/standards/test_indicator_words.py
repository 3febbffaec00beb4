"""Words in school_indicators are read only where they belong."""

from __future__ import annotations

import pandas as pd
import pytest

from standards.indicators import IndicatorError, numeric_indicators


def _rows(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"school_id": "A", "year": 2024, "indicator": i, "value": v} for i, v in rows])


def test_yes_is_a_flag_not_a_percentage() -> None:
    read = numeric_indicators(_rows(("headteacher_change", "yes"), ("budget_deficit", "No"),
                                    ("ofsted_overall_grade", "Good"), ("ks2_rwm_expected", "68")))
    assert read["value"].tolist() == [1.0, 0.0, 2.0, 68.0]
    with pytest.raises(IndicatorError, match=r"row 2: ks2_rwm_expected='yes'"):
        numeric_indicators(_rows(("ks2_rwm_expected", "yes")))
