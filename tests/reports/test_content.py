"""The report's figures agree with the forecast and plan tables they come from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.plan import SHORTFALL_CAUSE_TEXT
from reports.content import biggest_risks
from reports.format import number, year_label
from sufficiency.core.phases import PHASE_NCY

pytestmark = pytest.mark.slow


def _phase_cells(frame: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    phase = frame["planning_area_id"].map(phases)
    keep = [n in PHASE_NCY[p] for n, p in zip(frame["ncy"], phase, strict=True)]
    return frame[keep].assign(phase=phase[keep])


def test_places_needed_match_the_sufficiency_tables(data, principal):
    """Places needed: whole pupils above places per year group, summed without offsetting; short after: the
    plan's pupils to place above its places, counted the same way (no margin)."""
    phases = data.areas.set_index("planning_area_id")["phase"]
    before = _phase_cells(principal.forecast.sufficiency_before, phases)
    need = (before["pupils"].round() - before["places"].round()).clip(lower=0)
    expected = need.groupby([before["phase"], before["year"]]).sum()
    got = data.needed.set_index(["phase", "year"])["places_needed"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    # within a rounding of the sufficiency table's own (fractional) places needed
    assert (got - before.groupby(["phase", "year"])["places_needed"].sum()).abs().max() < 10
    after = _phase_cells(principal.plan.sufficiency_after, phases)
    short = (after["demand"].round() - after["capacity"].round()).clip(lower=0)
    assert data.needed["shortfall_after"].sum() == short.sum()
    assert set(data.needed["year"]) == set(principal.forecast.by_area["year"])


def test_programme_matches_the_plan(data, principal):
    schemes = principal.plan.schemes
    assert len(data.programme) == len(schemes)
    assert data.programme["option_id"].tolist() == schemes["option_id"].tolist()
    assert data.programme["capital_cost"].sum() == pytest.approx(schemes["capital_cost"].sum())
    assert data.capital_total == pytest.approx(principal.plan.costs["capital"])
    assert data.programme_by_kind["places"].sum() == pytest.approx(schemes["places"].sum())
    assert data.programme_by_kind["schemes"].sum() == len(schemes)
    assert data.shortfall_total == pytest.approx(principal.plan.total_shortfall)


def test_area_totals_carry_the_forecast_and_places(data, principal):
    """The fan chart's figures are the phase's: its pupils and places, and intervals as wide as the total's."""
    phases = data.areas.set_index("planning_area_id")["phase"]
    future = data.area_totals[~data.area_totals["actual"]].set_index(["planning_area_id", "year"])
    cells = _phase_cells(principal.forecast.sufficiency_before, phases)
    pupils = cells.assign(pupils=cells["pupils"].round()).groupby(["planning_area_id", "year"])["pupils"].sum()
    np.testing.assert_allclose(future.loc[pupils.index, "pupils"], pupils)
    places = cells.groupby(["planning_area_id", "year"])["places"].sum()
    np.testing.assert_allclose(future.loc[places.index, "places_before"], places)
    totals = principal.forecast.totals.set_index(["planning_area_id", "year"])
    np.testing.assert_allclose(future.loc[totals.index, "upper_95"] - future.loc[totals.index, "pupils"],
                               totals["upper_95"] - totals["pupils"])
    # an area where the plan changes nothing keeps today's places
    changed = set(principal.plan.schemes["planning_area_id"])
    for area in set(data.areas["planning_area_id"]) - changed:
        rows = future.loc[area]
        np.testing.assert_allclose(rows["places_after"], rows["places_before"])
    past = data.area_totals[data.area_totals["actual"]]
    history = _phase_cells(principal.forecast.history, phases).groupby(["planning_area_id", "year"])["pupils"].sum()
    np.testing.assert_allclose(past.set_index(["planning_area_id", "year"]).loc[history.index, "pupils"], history)


def test_headline_says_why_the_shortfall_stands(data, principal):
    causes = principal.plan.shortfall.set_index(["planning_area_id", "year", "ncy"])["cause"]
    short = data.cells[data.cells["shortfall_after"] > 0].set_index(["planning_area_id", "year", "ncy"])
    by_cause = short["shortfall_after"].groupby(short.index.map(causes)).sum()
    assert by_cause.sum() == short["shortfall_after"].sum()  # every cell short has the plan's cause
    for cause, total in by_cause.items():
        if total > 0:
            assert f"{number(total)} {SHORTFALL_CAUSE_TEXT[cause]}" in data.headline()[0]


def test_deficits_are_the_cells_short_of_places(data, principal):
    deficits = data.area_deficits
    assert (deficits[["places_needed", "shortfall_after"]].max(axis=1) > 0.5).all()
    assert deficits["places_needed"].sum() == pytest.approx(data.needed["places_needed"].sum(), rel=1e-9, abs=5)
    for row in deficits.itertuples():
        assert row.ncy in PHASE_NCY[row.phase]


def test_headline_names_the_shortfall_and_risks(data, principal):
    assert principal.plan.total_shortfall > 0, "the sample borough's plan leaves a shortfall"
    assert data.has_shortfall
    assert data.headline()[0].startswith("Shortfall:")
    for row in data.phase_peaks.itertuples():
        assert f"{number(row.peak_short_after)} {row.phase} places in {year_label(row.peak_short_year)}" in (
            data.headline()[0])
    assert 1 <= len(data.risks) <= 3


def test_annex_flags_every_school_growing(data, principal):
    schemes = principal.plan.schemes
    growing = set(schemes.loc[schemes["kind"].isin(["expand", "bulge"]), "school_id"])
    assert set(data.annex["school_id"]) == growing
    ofsted = principal.inputs.schools.set_index("school_id")["ofsted"]
    assert (data.annex["ofsted"] == data.annex["school_id"].map(ofsted)).all()
    risk = principal.standards.risk.set_index("school_id")["category"]
    assert (data.annex["risk"] == data.annex["school_id"].map(risk)).all()


def test_assumptions_cite_every_setting(data, principal):
    table = data.assumptions.set_index("setting")
    assert table.loc["optimiser.primary_costs.new_school", "value"] == "£25,089"
    assert table.loc["optimiser.closure_cost", "value"] == "£500,000"
    assert table.loc["optimiser.capital_budget", "value"] == "not set"
    assert table.loc["optimiser.walk_under_8_m", "value"] == "3,218.69"  # metres, not pounds
    assert "Scorecards" in table.loc["optimiser.primary_costs", "source"]
    assert table.loc["horizon", "value"] == str(principal.scenario.horizon)
    assert set(data.sources["file"]) == set(principal.provenance.source_hashes)


def test_comparison_sets_scenarios_side_by_side(data, principal, low):
    table = data.comparison.set_index("measure")
    assert list(table.columns) == ["principal", "low"]
    assert table.loc["Capital cost (£)", "principal"] == pytest.approx(principal.plan.costs["capital"])
    assert np.isnan(table.loc["Capital cost (£)", "low"])  # the low run had no plan
    last = low.forecast.by_area["year"].max()
    phases = data.areas.set_index("planning_area_id")["phase"]
    cells = _phase_cells(low.forecast.by_area, phases)
    assert table.loc["Pupils in the last forecast year (R-Y11)", "low"] == pytest.approx(
        cells.loc[cells["year"] == last, "pupils"].round().sum())
    peaks = data.phase_peaks.set_index("phase")
    assert table.loc["Peak primary places needed without schemes (places)", "principal"] == (
        peaks.loc["primary", "peak_needed"])


def test_headline_without_shortfall_says_demand_is_met(data):
    from dataclasses import replace

    met = replace(data, cells=data.cells.assign(shortfall_after=0.0))
    assert not met.has_shortfall
    assert met.headline()[0].startswith("The recommended programme gives every forecast pupil a place")
    over = replace(data, budget=data.capital_total / 2)
    assert "over budget by" in " ".join(over.headline())
    assert biggest_risks(over)[0].startswith("The programme costs")


def test_annex_puts_the_riskiest_schools_first(data):
    rank = data.annex["risk"].map({"Red": 0, "Amber": 1, "Yellow": 2, "Green": 3}).fillna(4)
    assert rank.is_monotonic_increasing
    for _, group in data.annex.groupby(rank):
        assert group["capital_cost"].is_monotonic_decreasing


def test_standards_figures_read_to_one_precision_a_row(principal):
    from reports.html import NOT_AVAILABLE, indicator_text

    for raw in principal.standards.kpis.values():
        text = indicator_text(raw)
        for (_, row), (_, figures) in zip(raw.iterrows(), text.iterrows(), strict=True):
            cells = [figures[c] for c in ("value", "last_year", "change", "national") if figures[c] != NOT_AVAILABLE]
            decimals = {len(c.split(".")[1]) if "." in c else 0 for c in cells}
            assert len(decimals) <= 1 and max(decimals, default=0) <= 3, (row["indicator"], cells)
            if row["unit"] in ("schools", "inspections"):
                assert decimals <= {0}
            if pd.notna(row["change"]) and abs(row["change"]) > 1e-6:
                assert figures["value"] != figures["last_year"], row["indicator"]
            for col in ("value", "national"):
                if pd.notna(row[col]):
                    shown = float(figures[col].replace(",", "").replace("\u2212", "-"))
                    assert shown == pytest.approx(row[col], abs=0.5 * 10 ** -max(decimals))
