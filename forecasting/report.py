"""The forecast-accuracy section of the report: the forecast scored on the council's own past years."""

from __future__ import annotations

from typing import Any

from sufficiency.core.stages import ReportSection


def sections(scenario_result: Any) -> list[ReportSection]:
    accuracy = scenario_result.results.get("accuracy")
    if accuracy is None:
        return []
    paragraphs = (
        "Would these numbers have been right before? The forecast was made again from each of the latest years "
        "of the council's rolls, with the rolls, births and population known by that year alone, and set against "
        "the pupils who came. Beside it are the 3-year-mean cohort survival, the usual spreadsheet method, and, "
        "where the council is named, its own forecasts as the DfE School Places Scorecards score them. An "
        "80% interval should hold about 80% of the outturns; a mean signed error below zero means the forecast "
        "ran low.",
        accuracy.summary(),
    )
    authority, areas = accuracy.shown()
    return [ReportSection(
        title="Forecast accuracy on the council's own past years",
        paragraphs=paragraphs,
        tables=((AUTHORITY_CAPTION, authority), (AREA_CAPTION, areas)),
        notes=tuple(accuracy.notes))]


AUTHORITY_CAPTION = ("The authority's pupils by phase (errors in % of the pupils on roll; the council's own "
                     "forecasts from the DfE School Places Scorecards 2022/23-2024/25, one and three years ahead)")
AREA_CAPTION = "Planning areas' pupils by phase (errors in % of the pupils on roll; share of outturns in %)"
