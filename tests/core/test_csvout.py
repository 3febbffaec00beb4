"""CSV files as people read them: rounded, no negative zero, no rows for year groups an area does not teach."""

from __future__ import annotations

import pandas as pd

from sufficiency.core.csvout import csv_ready, taught_year_groups, write_csv


def test_figures_are_rounded_without_negative_zero(tmp_path):
    frame = pd.DataFrame({"planning_area_id": ["P1", "P1"], "year": [2025, 2026], "ncy": [0, 1],
                          "pupils": [12.3456, -0.00001], "surplus_rate": [0.123456, -0.0]})
    text = write_csv(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert "-0.0" not in text and "12.3," in text and "0.1235" in text
    assert pd.read_csv(tmp_path / "t.csv")["pupils"].tolist() == [12.3, 0.0]


def test_rows_of_year_groups_no_school_teaches_are_left_out():
    schools = pd.DataFrame({"school_id": ["a", "b"], "planning_area_id": ["P1", "S1"], "ncy_low": [0, 7],
                            "ncy_high": [6, 11]})
    taught = taught_year_groups(schools)
    assert ("P1", 6) in taught and ("P1", 7) not in taught and ("S1", 12) not in taught
    frame = pd.DataFrame({"planning_area_id": ["P1", "P1", "S1", "S1"], "year": [2025] * 4, "ncy": [6, 7, 11, 12],
                          "pupils": [30.0, 0.0, 40.0, 3.0]})
    kept = csv_ready(frame, taught)
    # Year 7 in a primary area goes; Year 12 with pupils in it stays (nothing is dropped that holds a figure)
    assert list(zip(kept["planning_area_id"], kept["ncy"], strict=True)) == [("P1", 6), ("S1", 11), ("S1", 12)]
