"""The DfE preference figures shipped with the engine are the open data's own, and read back as published."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from admissions import dfe


def test_trafford_s_published_rates_read_back() -> None:
    rates = dfe.observed_rates("358").set_index(["phase", "source", "period"])
    # DfE 2018: 2,817 of 2,984 Year 7 applicants offered one of their first three preferences (94.4%).
    row = rates.loc[("secondary", "DfE applications and offers", "September 2018")]
    assert row["applicants"] == 2984 and row["top_three_pct"] == pytest.approx(100 * 2817 / 2984)
    assert row["preferences_allowed"] == 6
    card = rates.loc[("secondary", "DfE School Places Scorecard", "2024/25")]
    assert card["top_three_pct"] == pytest.approx(93.05, abs=0.01)
    assert dfe.resolve_la("E08000009") == dfe.resolve_la("Trafford") == ("358", "E08000009", "Trafford")
    assert dfe.observed_rates("no such place").empty


def test_the_comparison_puts_the_simulation_beside_each_source() -> None:
    simulated = pd.DataFrame({"phase": ["primary", "secondary"], "first_pct": [90.0, 70.0],
                              "top_three_pct": [99.0, 90.0], "no_preferred_pct": [1.0, 3.0]})
    table = dfe.comparison("Trafford", simulated).set_index(["phase", "source", "measure"])
    row = table.loc[("secondary", "DfE applications and offers", "top_three_pct")]
    assert row["real_low"] <= row["real_pct"] <= row["real_high"]
    assert row["difference_pts"] == pytest.approx(90.0 - row["real_pct"], abs=0.01)


@pytest.mark.shared
def test_the_shipped_files_are_the_open_data_s(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    with zipfile.ZipFile(shared_data / "england" / "admissions" / "school_applications_and_offers.zip") as z:
        raw = pd.read_csv(z.open("school_applications_and_offers.csv"), dtype=str)
    la = raw[raw["geographic_level"] == "Local authority"]
    shipped = pd.read_csv(dfe.OFFERS_FILE, dtype=str)
    assert len(shipped) == len(la)
    monkeypatch.setattr(dfe, "DATA_DIR", tmp_path)
    monkeypatch.setattr(dfe, "OFFERS_FILE", tmp_path / "offers.csv")
    monkeypatch.setattr(dfe, "SCORECARD_FILE", tmp_path / "cards.csv")
    dfe.build(shared_data)
    assert (tmp_path / "offers.csv").read_bytes() == (Path(dfe.__file__).parent / "data" /
                                                      "applications_offers.csv").read_bytes()
    assert (tmp_path / "cards.csv").read_bytes() == (Path(dfe.__file__).parent / "data" /
                                                     "scorecard_preferences.csv").read_bytes()
