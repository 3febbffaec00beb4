"""Charts and the map render from real results; the map is skipped without boundaries."""

from __future__ import annotations

import base64
import re
from dataclasses import replace

import pandas as pd
import pytest

from reports.charts import all_charts, chart_steps
from reports.maps import area_balance, sufficiency_map

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_chart_is_in_the_html_as_a_png(written, data):
    html = written["report_principal.html"].read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    expected = 5 + len(data.areas)  # needed, timeline, map, comparison, post-16 and one per area
    assert len(images) == expected
    assert all(base64.b64decode(png).startswith(PNG) for png in images)


def test_charts_drawn_one_after_another(data):
    small = replace(data, areas=data.areas.head(1), comparison_totals=None)
    ticks = []
    charts = all_charts(small, progress=lambda: ticks.append(1), workers=1)
    assert len(ticks) == chart_steps(small) == len(charts)
    assert set(charts) == {"needed", "timeline", "map", "post16", f"area:{data.areas['planning_area_id'].iloc[0]}"}
    assert all(png.startswith(PNG) for png in charts.values())


def test_map_balance_matches_the_sufficiency_table(data, principal):
    balance = area_balance(data, data.map_year).set_index("planning_area_id")
    rows = principal.forecast.sufficiency_before[principal.forecast.sufficiency_before["year"] == data.map_year]
    p01 = rows[(rows["planning_area_id"] == "P01") & rows["ncy"].between(0, 6)]
    # whole pupils per year group, as every figure of the report counts them (reports/measures.py)
    assert balance.loc["P01", "balance"] == p01["places"].round().sum() - p01["pupils"].round().sum()


def test_no_map_without_boundaries(data):
    plain = pd.DataFrame(data.result.inputs.planning_areas).drop(columns="geometry")
    result = data.result.__class__(**{**data.result.__dict__,
                                      "inputs": data.result.inputs.replace(planning_areas=plain)})
    stripped = data.__class__(**{**data.__dict__, "result": result})
    assert sufficiency_map(stripped) == {}
