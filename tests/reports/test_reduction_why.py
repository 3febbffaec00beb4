"""Why a school loses places, as page one says it: the spare places, and whether an area short of
places as well is short where the cut reaches."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from reports.pageone import cut_reach, reductions_note, spare_clause

REASON = ("removes 210 places: without it, Reception in P02 would have 130 spare places beyond the margin in "
          "2031/32 (48% of pupils), and an empty place costs revenue every year; it leaves room for the forecast's "
          "upper end")


def _data(short: list[tuple[int, int, float]]) -> SimpleNamespace:
    """A primary area P02 whose year groups are short (year, ncy, places short), the rest not."""
    rows = [("P02", "primary", year, ncy, 0.0) for year in range(2025, 2032) for ncy in range(7)]
    table = pd.DataFrame(rows, columns=["planning_area_id", "phase", "year", "ncy", "shortfall_after"])
    for year, ncy, places in short:
        table.loc[(table.year == year) & (table.ncy == ncy), "shortfall_after"] = places
    return SimpleNamespace(cells=table)


def _cut(kind: str = "reduce", year: int = 2029) -> SimpleNamespace:
    return SimpleNamespace(planning_area_id="P02", year=year, kind=kind, reason=REASON, school="Heyes Lane")


def _note(data: SimpleNamespace, cut: SimpleNamespace) -> str | None:
    groups, reached = cut_reach(data, cut)
    return reductions_note(pd.DataFrame([{**vars(cut), "area_short": groups, "short_reached": reached}]))


def test_the_spare_places_its_reason_names():
    assert spare_clause(REASON) == ("Reception in P02 would have 130 spare places beyond the margin in 2031/32 "
                                    "(48% of pupils)")
    assert spare_clause(None) == "Spare places (see the plan's reasons)"


def test_an_area_with_no_shortfall_has_no_note():
    assert cut_reach(_data([]), _cut()) == ("", 0.0)
    assert _note(_data([]), _cut()) is None


def test_a_shortfall_in_older_cohorts_is_out_of_the_cuts_reach():
    # Year 6 in 2031/32 entered Reception in 2025/26, Year 3 in 2029/30 in 2026/27: before a cut from 2029/30.
    data = _data([(2029, 3, 20.0), (2029, 6, 58.0), (2031, 6, 53.0)])
    assert cut_reach(data, _cut()) == ("Years 3–6", 0.0)
    assert _note(data, _cut()).startswith("Short of places after the programme as well, in year groups the cuts do "
                                          "not reach: P02 (Years 3–6). These are cohorts already in school")


def test_a_shortfall_the_cut_reaches_is_flagged():
    # Year 1 in 2031/32 entered Reception in 2030/31, after a cut from 2029/30: the cut reaches it.
    data = _data([(2029, 6, 10.0), (2031, 1, 12.0)])
    assert cut_reach(data, _cut()) == ("Years 1–6", 12.0)
    assert _note(data, _cut()) == ("Check before consulting: Heyes Lane (P02) is cut from 2029/30, and 12 "
                                   "place-years short after the programme are in cohorts the cut reaches.")
    # A closure reaches every year group from its year on; a shortfall before it is out of reach.
    assert cut_reach(data, _cut("close", 2029)) == ("Years 1–6", 22.0)
    assert cut_reach(_data([(2027, 6, 10.0)]), _cut("close", 2029)) == ("Year 6", 0.0)
