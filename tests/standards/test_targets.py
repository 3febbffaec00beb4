"""Strategy targets: on track / off track by hand, and the example file for the sample borough."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from standards.lait import DATA_DIR
from standards.targets import Target, TargetFileError, load_targets, target_status

UP = Target(indicator="m_up", baseline=90, baseline_year=2020, target=95, deadline=2025)
DOWN = Target(indicator="m_down", baseline=30, baseline_year=2020, target=14, deadline=2028)


def _status(target: Target, year: int, value: float) -> pd.Series:
    measures = pd.DataFrame({"measure": [target.indicator], "year": [year], "value": [value]})
    return target_status([target], measures).iloc[0]


@pytest.mark.parametrize("year, value, status, expected_now, needed", [
    # Line from 90 (2020) to 95 (2025): 1 point a year; expected 93 in 2023.
    (2023, 93.0, "on track", 93.0, 1.0),
    (2023, 92.0, "off track", 93.0, 1.5),
    (2023, 95.5, "met", 93.0, 0.0),
    (2025, 94.0, "missed", 95.0, np.nan),
])
def test_upward_target(year, value, status, expected_now, needed) -> None:
    row = _status(UP, year, value)
    assert row["status"] == status
    assert row["expected_now"] == pytest.approx(expected_now)
    assert row["planned_change_per_year"] == pytest.approx(1.0)
    assert (np.isnan(row["needed_change_per_year"]) if np.isnan(needed)
            else row["needed_change_per_year"] == pytest.approx(needed))


@pytest.mark.parametrize("year, value, status, needed", [
    # Line from 30 (2020) to 14 (2028): -2 a year; expected 24 in 2023.
    (2023, 24.0, "on track", -2.0),
    (2023, 31.0, "off track", -17 / 5),
    (2024, 14.0, "met", 0.0),
])
def test_downward_target(year, value, status, needed) -> None:
    row = _status(DOWN, year, value)
    assert row["status"] == status
    assert row["needed_change_per_year"] == pytest.approx(needed)


def test_stay_above_target_with_polarity() -> None:
    keep = Target(indicator="pref", baseline=94.4, baseline_year=2018, target=90, deadline=2026,
                  polarity="High")
    assert _status(keep, 2022, 91.0)["status"] == "met"
    assert _status(keep, 2022, 89.0)["status"] == "off track"


def test_no_figure_is_not_available() -> None:
    row = target_status([UP], pd.DataFrame({"measure": ["other"], "year": [2023], "value": [1.0]}))
    assert row.iloc[0]["status"] == "not available" and np.isnan(row.iloc[0]["current"])


def test_latest_year_is_used() -> None:
    measures = pd.DataFrame({"measure": ["m_up"] * 2, "year": [2022, 2023], "value": [99.0, 92.0]})
    assert target_status([UP], measures).iloc[0]["current"] == 92.0
    assert target_status([UP], measures, year=2022).iloc[0]["status"] == "met"


def test_example_file_for_sample_borough_reads() -> None:
    targets = load_targets(DATA_DIR / "trafford_targets.yaml")
    assert {t.indicator for t in targets} >= {"16-17Ed&Training", "primary.gap_fsm",
                                              "pref_top3_secondary", "schools_good_or_better"}


def test_csv_targets_and_errors_name_the_row(tmp_path: Path) -> None:
    good = tmp_path / "targets.csv"
    good.write_text("indicator,label,baseline,baseline_year,target,deadline\n"
                    "m_up,Up,90,2020,95,2025\n")
    assert load_targets(good)[0].target == 95
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,baseline,baseline_year,target,deadline\nm_up,90,2020,95,2019\n")
    with pytest.raises(TargetFileError, match="row 2.*deadline 2019 must be after"):
        load_targets(bad)
    missing = tmp_path / "missing.yaml"
    missing.write_text("targets:\n  - indicator: x\n    baseline: 1\n")
    with pytest.raises(TargetFileError, match="target 1, 'baseline_year'"):
        load_targets(missing)
