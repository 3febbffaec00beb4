"""A school missing from one census between two it reports: the folder loads with a
warning, and the forecast leaves the school out of the two ratios the gap touches instead of reading it as
pupils who left and came back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecasting.forecast import run_forecast
from forecasting.panel import Panel, area_rolls, school_gaps, with_gaps
from sufficiency import load_inputs

YEARS = (2019, 2020, 2021, 2022)


def _folder(tmp_path: Path, gap: bool) -> Path:
    # School A has 30 pupils in every year group every year, B 20: every cohort survives whole (ratio 1).
    rows = ["school_id,year,ncy,pupils"]
    for school, pupils in (("A", 30), ("B", 20)):
        for year in YEARS:
            if gap and school == "B" and year == 2021:
                continue
            rows += [f"{school},{year},{g},{pupils}" for g in range(7)]
    folder = tmp_path / ("gap" if gap else "whole")
    folder.mkdir()
    (folder / "schools.csv").write_text("school_id,planning_area_id,ncy_low,ncy_high,pan\nA,P1,0,6,30\nB,P1,0,6,20\n")
    (folder / "rolls.csv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("gap", [False, True])
def test_the_gap_leaves_the_ratios_whole(tmp_path: Path, gap: bool) -> None:
    inputs = load_inputs(_folder(tmp_path, gap))
    assert len(inputs.warnings) == (1 if gap else 0)
    forecast = run_forecast(inputs, horizon=3)
    # Every ratio is 1, so every year group keeps 50 pupils (A's 30 and B's 20) in every year ahead; read as
    # pupils, the gap would give 2020->2021 ratios of 30/50 and 2021->2022 ratios of 50/30.
    assert np.allclose(forecast.by_area["pupils"], 50.0)
    # B keeps its two fifths of the area's pupils: its missing year does not count as a share of 0.
    b = forecast.by_school[forecast.by_school["school_id"] == "B"]
    assert np.allclose(b["pupils"], 20.0)


def test_the_panel_knows_the_gap(tmp_path: Path) -> None:
    inputs = load_inputs(_folder(tmp_path, gap=True))
    assert school_gaps(inputs.rolls).to_dict("records") == [{"school_id": "B", "year": 2021}]
    panel = with_gaps(Panel.from_long(area_rolls(inputs.rolls, inputs.schools)), inputs.rolls, inputs.schools)
    prev, nxt = panel.ratio_bases()
    # As the year before the gap (2020), B is left out of the divisor; as the year after (2022), of the dividend.
    assert prev[0, 1, 0] == 30 and prev[0, 0, 0] == 50 and prev[0, 3, 0] == 50
    assert nxt[0, 3, 0] == 30 and nxt[0, 1, 0] == 50
    assert panel.gap.tolist() == [[False, False, True, False]]
    assert panel.up_to(2020).gap.tolist() == [[False, False]]
