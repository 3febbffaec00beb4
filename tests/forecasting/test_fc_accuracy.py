"""The forecast scored on the council's own past years (the accuracy stage), and the council's own forecasts'
errors from the DfE School Places Scorecards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting import scorecards
from forecasting.accuracy import AREA_LABELS, assess, latest_origins, shown_tables, summary_text
from forecasting.backtest import backtest_errors, baselines
from forecasting.config import AccuracyConfig
from sufficiency.core.stages import REGISTRY, StageSkipped


def one_area() -> pd.DataFrame:
    """One planning area, Reception and Year 1, 2019-2023 (the figures of the hand calculation below)."""
    rec = [100, 100, 100, 100, 110]
    y1 = [95, 98, 96, 99, 101]
    years = list(range(2019, 2024))
    return pd.DataFrame({"planning_area_id": "A", "year": years * 2, "ncy": [0] * 5 + [1] * 5, "pupils": rec + y1})


def test_origins_are_the_latest_with_history_and_an_outturn() -> None:
    years = np.arange(2017, 2025)
    assert latest_origins(years, 3, 3) == [2021, 2022, 2023]
    assert latest_origins(years, 10, 3) == [2019, 2020, 2021, 2022, 2023]  # 2019 is the first with 3 years
    assert latest_origins(np.arange(2020, 2024), 3, 3) == [2022]
    assert latest_origins(np.arange(2021, 2024), 3, 3) == []


def test_the_plain_methods_authority_error_by_hand() -> None:
    # Origins 2021 and 2022 (three years of rolls to each). The 3-year-mean cohort survival holds Reception at its
    # last value and moves Year 1 on by the mean of the Reception-to-Year-1 ratios it has seen:
    #   from 2021: ratios 98/100, 96/100 -> 0.97; 2022: 100 + 97 = 197 against 199 (-1.005%); 2023: 197 against
    #   211 (-6.635%);
    #   from 2022: ratios 0.98, 0.96, 0.99 -> 0.97667; 2023: 197.667 against 211 (-6.319%).
    accuracy = assess(one_area())
    assert accuracy.origins == [2021, 2022] and accuracy.horizon == 2
    m = accuracy.measures.set_index(["level", "phase", "horizon", "model"])
    one = m.loc[("authority", "primary", 1, "csr_mean_3")]
    assert one["n"] == 2
    assert one["mape"] == pytest.approx((1.005 + 6.319) / 2, abs=1e-3)
    assert one["mean_signed_error"] == pytest.approx(-(1.005 + 6.319) / 2, abs=1e-3)
    assert m.loc[("authority", "primary", 2, "csr_mean_3"), "mape"] == pytest.approx(6.635, abs=1e-3)
    # One area: its phase total is the authority's.
    assert m.loc[("planning_area", "primary", 1, "csr_mean_3"), "median_ape"] == pytest.approx(3.662, abs=1e-3)


def test_the_authority_is_the_sum_of_its_areas(make_synthetic) -> None:
    rolls = make_synthetic(5, 7, 13, seed=3)
    accuracy = assess(rolls, settings=AccuracyConfig(origins=2, horizon=2))
    errors = backtest_errors(rolls, accuracy.origins, 2, models={"csr_mean_3": baselines()["csr_mean_3"]},
                             phases={"primary": (0, 6), "secondary": (7, 11)})
    part = errors[(errors.level == "area_phase") & (errors.model == "sufficiency") & (errors.phase == "secondary")
                  & (errors.horizon == 1)]
    by_origin = part.groupby("origin")[["forecast", "actual"]].sum()
    expected = ((by_origin.forecast / by_origin.actual - 1) * 100).abs().mean()
    m = accuracy.measures.set_index(["level", "phase", "horizon", "model"])
    assert m.loc[("authority", "secondary", 1, "sufficiency"), "mape"] == pytest.approx(expected, abs=1e-3)
    # Intervals are scored for the areas, never for the authority's few totals.
    assert m.xs("authority").coverage_80.isna().all()
    areas = m.xs(("planning_area", "sufficiency"), level=("level", "model"))
    assert areas.coverage_80.between(0, 1).all() and (areas.coverage_95 >= areas.coverage_80).all()


def test_too_short_a_history_is_refused_with_what_is_needed() -> None:
    short = one_area()[lambda d: d.year >= 2021]
    with pytest.raises(ValueError, match="rolls run 2021-2023.*at least 4 years of rolls"):
        assess(short)


def test_the_councils_own_forecasts_by_hand() -> None:
    # Trafford (358, E08000009) in the scorecard file: For_1_P 0.0042, -0.0028, 0.0050 and For_3_P -0.0055, 0.0171,
    # 0.0445 (2022/23, 2023/24, 2024/25), kept as % to two decimals.
    name, own = scorecards.council_errors("358")
    assert name == "Trafford"
    assert scorecards.council_errors("E08000009")[0] == scorecards.council_errors("trafford")[0] == "Trafford"
    primary = own[own.phase == "primary"].set_index(["horizon", "scorecard"])["error_pct"]
    assert primary.loc[(1, "2023/24")] == pytest.approx(-0.28)
    assert primary.loc[(3, "2023/24")] == pytest.approx(1.71)
    accuracy = assess(one_area(), la="358")
    row = accuracy.headline().set_index(["phase", "horizon"]).loc[("primary", 1)]
    assert row["council_ape"] == pytest.approx((0.42 + 0.28 + 0.50) / 3)
    assert row["council_signed"] == pytest.approx((0.42 - 0.28 + 0.50) / 3)
    assert row["council_n"] == 3
    assert "the council's own forecasts 0.4%" in accuracy.summary()
    assert any("Trafford's SCAP forecasts" in n for n in accuracy.notes)


def test_an_unknown_or_unscored_authority_is_said_so() -> None:
    unknown = assess(one_area(), la="=HYPERLINK(\"x\")" + "y" * 500)
    assert unknown.la_name is None and unknown.council.empty
    assert any("is not an English authority" in n and len(n) < 400 for n in unknown.notes)
    authority, _ = shown_tables(unknown.headline())
    assert not any(c.startswith("The council's own") for c in authority.columns)
    city = assess(one_area(), la="201")  # City of London: the scorecards publish no forecast accuracy
    assert city.la_name == "City of London" and city.council.empty
    assert any("publish no forecast accuracy for City of London" in n for n in city.notes)


def test_the_tables_a_reader_sees_say_their_units() -> None:
    accuracy = assess(one_area(), la="358")
    authority, areas = shown_tables(accuracy.headline())
    for frame in (authority, areas):
        assert all("(%)" in c for c in frame.columns[3:])
    assert list(areas.columns) == list(AREA_LABELS.values())
    # Counts are whole numbers on every page (a float column shows "3.0 forecasts scored").
    assert [authority[c].dtype.kind for c in ("Years ahead", "Forecasts scored")] == ["i", "i"]
    assert areas["Planning-area totals scored"].dtype.kind == "i"
    # The scorecards score one and three years ahead: two years ahead has no council figure.
    council = authority.set_index(["Phase", "Years ahead"]).iloc[:, -1]
    assert council.loc[("Primary", 1)] == pytest.approx(0.2) and np.isnan(council.loc[("Primary", 2)])
    text = summary_text(accuracy.headline(), accuracy.origins)
    assert text.startswith("Made again from each of 2021/22 and 2022/23 with only the data known then")


def test_the_stage_on_the_sample_borough(sample_inputs) -> None:
    from sufficiency.core.stages import StageContext

    stage = REGISTRY.get("accuracy")
    context = StageContext(inputs=sample_inputs, scenario=sample_inputs.scenario, results={}, options={}, stage=stage)
    accuracy = stage.function()(context)
    assert accuracy.origins == [2021, 2022, 2023] and accuracy.horizon == 3
    tables = stage.result_tables(accuracy)
    assert set(tables) == {"headline", "measures", "council", "origins", "notes"}
    headline = tables["headline"]
    assert len(headline) == 6 and set(headline.phase) == {"primary", "secondary"}
    # Two years ahead the scorecards give nothing; one and three years ahead, three scorecards each.
    assert headline.set_index("horizon").loc[2, "council_n"].eq(0).all()
    assert headline.set_index("horizon").loc[[1, 3], "council_n"].eq(3).all()
    assert stage.result_files(accuracy)["forecast_accuracy"] is accuracy.measures
    # The sample's secondary signed error a year ahead rounds to zero from below: shown 0.0, never "-0.0".
    for frame in shown_tables(accuracy.headline()):
        values = frame.select_dtypes("number").to_numpy(float).ravel()
        assert not (np.signbit(values) & (values == 0)).any(), frame
    short = sample_inputs.replace(rolls=sample_inputs.rolls[sample_inputs.rolls.year >= 2022])
    with pytest.raises(StageSkipped, match="at least 4 years of rolls"):
        stage.function()(StageContext(inputs=short, scenario=short.scenario, results={}, options={}, stage=stage))


@pytest.mark.shared
def test_the_shipped_file_is_the_open_data_s(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(scorecards, "DATA_DIR", tmp_path)
    monkeypatch.setattr(scorecards, "SCORECARD_FILE", tmp_path / "cards.csv")
    scorecards.build(shared_data)
    shipped = Path(scorecards.__file__).parent / "data" / "scorecard_forecast_accuracy.csv"
    assert (tmp_path / "cards.csv").read_bytes() == shipped.read_bytes()
    raw = pd.read_csv(shared_data / "england" / "scorecards" / "scorecard_data_2025_2023.csv", dtype=str)
    trafford = raw[(raw.LANumber == "358") & (raw.Year == "2023/24")].iloc[0]
    assert round(float(trafford.For_3_P) * 100, 2) == 1.71


def test_the_report_section_shows_both_tables_and_the_notes() -> None:
    from types import SimpleNamespace

    from forecasting.report import AREA_CAPTION, AUTHORITY_CAPTION, sections

    accuracy = assess(one_area(), la="358")
    assert sections(SimpleNamespace(results={})) == []
    (section,) = sections(SimpleNamespace(results={"accuracy": accuracy}))
    assert section.title == "Forecast accuracy on the council's own past years"
    assert section.paragraphs[-1] == accuracy.summary()
    (c1, authority), (c2, areas) = section.tables
    assert (c1, c2) == (AUTHORITY_CAPTION, AREA_CAPTION)
    expected = shown_tables(accuracy.headline())
    pd.testing.assert_frame_equal(authority, expected[0])
    pd.testing.assert_frame_equal(areas, expected[1])
    assert section.notes == tuple(accuracy.notes)


def test_intervals_that_did_not_hold_are_said_so(make_synthetic) -> None:
    # Rolls from pure binomial progression have none of the drift and shared yearly shocks the intervals allow for
    # (real rolls have them): the intervals hold more outturns than promised, and the note says they were too wide.
    steady = make_synthetic(20, 8, 13, seed=11)
    (wide,) = [n for n in assess(steady).notes if "inside the 80% interval" in n]
    assert wide.endswith("Here the intervals were too wide.")
    stepped = steady.assign(pupils=np.where(steady.year >= 2016, steady.pupils * 1.15, steady.pupils).round())
    accuracy = assess(stepped)
    (note,) = [n for n in accuracy.notes if "inside the 80% interval" in n]
    ours = accuracy.measures.query("level == 'planning_area' and model == 'sufficiency'")
    inside = int(round((ours.coverage_80 * ours.n).sum()))
    assert f"fell {inside} of {int(ours.n.sum())} (" in note and "Here the intervals were too narrow" in note
