"""What `sufficiency run` prints beside the capital programme counts places needed as the report does: the same
year groups (Reception to Year 11), the same whole pupils, so an area's figure in a year is one number."""

from __future__ import annotations

import numpy as np

from forecasting.cli import forecast_against_places
from reports.measures import area_years, cells
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
