"""Charts and the map render from real results; the map is skipped without boundaries."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.charts import all_charts, chart_steps
from reports.maps import area_balance, sufficiency_map

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_chart_is_a_png(data):
    ticks = []
    charts = all_charts(data, progress=lambda: ticks.append(1), workers=1)
    assert len(ticks) == chart_steps(data)
    expected = {"needed", "timeline", "map", "comparison", "post16"} | {f"area:{a}" for a in data.areas["planning_area_id"]}
    assert set(charts) == expected
    assert all(png.startswith(PNG) for png in charts.values())


def test_map_balance_matches_the_sufficiency_table(data, principal):
    balance = area_balance(data, data.map_year).set_index("planning_area_id")
    rows = principal.sufficiency_before[principal.sufficiency_before["year"] == data.map_year]
    p01 = rows[(rows["planning_area_id"] == "P01") & rows["ncy"].between(0, 6)]
    assert balance.loc["P01", "balance"] == pytest.approx(p01["places"].sum() - p01["pupils"].sum())


def test_no_map_without_boundaries(data):
    plain = pd.DataFrame(data.result.inputs.planning_areas).drop(columns="geometry")
    result = data.result.__class__(**{**data.result.__dict__, "inputs": data.result.inputs.replace(planning_areas=plain)})
    stripped = data.__class__(**{**data.__dict__, "result": result})
    assert sufficiency_map(stripped) == {}
