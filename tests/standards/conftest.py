"""Hand-made schools and national figures for the standards tests."""

from __future__ import annotations

import pandas as pd
import pytest

#: National comparators used by the hand-made cases (not the real ones, so the arithmetic is
#: easy to check by hand).
NATIONAL = pd.DataFrame([
    ("ks2_rwm_expected", "primary", 2023, 60.0), ("ks2_rwm_expected", "primary", 2024, 61.0),
    ("ks4_em_grade4", "secondary", 2024, 65.0), ("ks4_attainment8", "secondary", 2023, 46.0),
    ("ks4_attainment8", "secondary", 2024, 46.0),
    ("persistent_absence", "primary", 2024, 15.0), ("absence_overall", "primary", 2024, 5.0),
    ("absence_overall", "primary", 2023, 5.5), ("suspension_rate", "primary", 2024, 1.0),
    ("absence_overall", "all", 2024, 6.0),
    ("ks2_rwm_expected_sen_support", "primary", 2024, 21.0),
    ("ks4_attainment8_sen_support", "secondary", 2024, 33.0),
], columns=["indicator", "phase", "year", "national"])


def school_table(ids_phases: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """A canonical-enough schools table: {school_id: (phase, governance)}."""
    return pd.DataFrame([{"school_id": sid, "name": f"School {sid}", "phase": ph,
                          "governance": gov} for sid, (ph, gov) in ids_phases.items()])


def indicators(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    """Long school_indicators from (school_id, year, indicator, value) tuples."""
    return pd.DataFrame(rows, columns=["school_id", "year", "indicator", "value"])


@pytest.fixture()
def national() -> pd.DataFrame:
    return NATIONAL.copy()
