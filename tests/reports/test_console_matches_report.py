"""What `sufficiency run` prints beside the capital programme counts places needed as the report does: the same
year groups (Reception to Year 11), the same whole pupils, so an area's figure in a year is one number."""

from __future__ import annotations

import numpy as np

from forecasting.cli import forecast_against_places
from reports.content import area_totals
from reports.measures import area_years, cells
from sufficiency.core.summary import current_summary, planned_by_area
from sufficiency.core.years import academic_year


def test_places_needed_on_the_console_are_the_reports(principal) -> None:
    phases = principal.inputs.planning_areas.set_index("planning_area_id")["phase"]
    report = area_years(cells(principal, phases))
    console = forecast_against_places(principal).drop(columns="name").set_index("planning_area_id")
    for row in report.itertuples(index=False):
        assert console.loc[row.planning_area_id, academic_year(row.year)] == row.places_needed, row
    # the sixth form is not in it: the whole borough's figure is below the sum over every year group
    everything = principal.forecast.sufficiency_before.groupby("year")["places_needed"].sum()
    assert np.all(console.sum(axis=0).to_numpy() <= everything.round().to_numpy() + 1)



def test_places_and_pupils_now_on_the_console_are_the_reports(principal) -> None:
    """The console's "Now" counts an area's places and pupils in the base year over Reception to Year 11, as
    the report's actual years do (the sixth form is named apart)."""
    phases = principal.inputs.planning_areas.set_index("planning_area_id")["phase"]
    summary = current_summary(principal.inputs)
    now = planned_by_area(summary, phases).set_index("planning_area_id")
    report = area_totals(principal, area_years(cells(principal, phases)), phases)
    base = report[report["actual"] & (report["year"] == summary.year)].set_index("planning_area_id")
    assert sorted(now.index) == sorted(base.index)
    for area in now.index:
        assert now.loc[area, "pupils"] == base.loc[area, "pupils"], area
        assert now.loc[area, "places"] == base.loc[area, "places_before"], area
    # the sixth form is not in it: secondary areas hold fewer pupils than their whole roll
    whole = summary.by_area[summary.by_area["year"] == summary.year].set_index("planning_area_id")["pupils"]
    secondary = phases[phases == "secondary"].index
    assert (now.loc[secondary, "pupils"] < whole[secondary]).all()
