"""The cohort-survival estimator: exact projections, intake, transfer, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import CohortSurvival, ForecastInputError, IntakeModel, Persistence
from forecasting.feeders import self_feeding, sources_by_errors
from forecasting.panel import Panel


def plain(**kw) -> CohortSurvival:
    return CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.0), **kw)


def test_one_year_ahead_by_hand(two_area_rolls):
    f = plain().fit(two_area_rolls).predict(1).set_index(["planning_area_id", "ncy"])["pupils"]
    # Reception held at 2024; Year 1 = 2024 Reception x mean ratio; Year 2 = 2024 Year 1 x 1.
    assert f["A"].tolist() == pytest.approx([120, 120 * 0.925, 99])
    assert f["B"].tolist() == pytest.approx([40, 40 * 0.95, 40])


def test_two_years_ahead_compounds(two_area_rolls):
    f = plain().fit(two_area_rolls).predict(2)
    a = f[(f.planning_area_id == "A") & (f.year == 2026)].sort_values("ncy")["pupils"].tolist()
    assert a == pytest.approx([120, 120 * 0.925, 120 * 0.925])


def test_intake_damped_trend_by_hand(two_area_rolls):
    m = CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.5)).fit(two_area_rolls)
    g = (110 / 100 + 120 / 110) / 2 - 1  # A's mean Reception growth
    expected_2025 = 120 * (1 + g * 0.5)
    expected_2026 = expected_2025 * (1 + g * 0.25)
    assert m.intake_.predict_array(2)[0] == pytest.approx([expected_2025, expected_2026])
    assert m.intake_.predict_array(2)[1] == pytest.approx([40, 40])  # B's Reception never changed


def test_intake_trend_stops_after_trend_years_and_its_gain_ebbs_by_hand(two_area_rolls):
    g = (110 / 100 + 120 / 110) / 2 - 1  # A's mean Reception growth
    path = [120 * (1 + g * 0.5)]
    path.append(path[-1] * (1 + g * 0.25))
    held = CohortSurvival(ratio_method="mean", shrinkage="none",
                          intake=IntakeModel(damping=0.5, trend_years=2, trend_ebb=1.0))
    # Two years of damped growth, then the level holds.
    assert held.fit(two_area_rolls).intake_.predict_array(4)[0] == pytest.approx(path + [path[-1]] * 2)
    # By default the gain ebbs: half of it (in logs) is kept each year after, back towards 2024's 120.
    ebbing = CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.5, trend_years=2))
    gain = path[-1] / 120
    assert ebbing.fit(two_area_rolls).intake_.predict_array(4)[0] == pytest.approx(
        path + [120 * gain ** 0.5, 120 * gain ** 0.25])
    running = CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.5, trend_years=None))
    path.append(path[-1] * (1 + g * 0.125))
    assert running.fit(two_area_rolls).intake_.predict_array(3)[0] == pytest.approx(path)


def test_entry_cohort_trend_stops_after_trend_years_past_the_last_known_year(two_area_rolls):
    cohort = pd.DataFrame({"planning_area_id": ["A"] * 4, "year": [2022, 2023, 2024, 2025],
                           "cohort": [200, 220, 240, 300]})
    # A's intake ratio is 0.5 every year; the cohort is known to 2025, grows one year (damped by
    # 0.5) past it, then holds, or (by default) ebbs back towards 2025's 300 by half a year in logs.
    g = (220 / 200 + 240 / 220 + 300 / 240) / 3 - 1
    step = 1 + g * 0.5
    for ebb, later in ((1.0, [step, step]), (0.5, [step ** 0.5, step ** 0.25])):
        model = CohortSurvival(ratio_method="mean", shrinkage="none",
                               intake=IntakeModel(damping=0.5, trend_years=1, trend_ebb=ebb))
        reception = model.fit(two_area_rolls, entry_cohort=cohort).intake_.predict_array(4)[0]
        assert reception == pytest.approx([150, 150 * step] + [150 * f for f in later])


def test_intake_from_entry_cohort(two_area_rolls):
    cohort = pd.DataFrame({"planning_area_id": ["A"] * 4 + ["B"] * 4, "year": [2022, 2023, 2024, 2025] * 2,
                           "cohort": [200, 220, 240, 300, 80, 80, 80, 100]})
    m = plain().fit(two_area_rolls, entry_cohort=cohort)
    # A's intake ratio is 0.5 every year, B's 0.5: 2025 Reception = 0.5 x cohort.
    assert m.intake_.predict_array(1)[:, 0] == pytest.approx([150, 50])


def _intake_by_method(two_area_rolls, **intake) -> np.ndarray:
    """2025 Reception of A and B from an entry cohort whose intake ratios move year to year."""
    cohort = pd.DataFrame({"planning_area_id": ["A"] * 4 + ["B"] * 4, "year": [2022, 2023, 2024, 2025] * 2,
                           "cohort": [200, 200, 200, 300, 80, 100, 80, 100]})
    model = CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.0, **intake))
    return model.fit(two_area_rolls, entry_cohort=cohort).intake_.predict_array(1)[:, 0]


def test_intake_ratio_by_exponential_smoothing_by_hand(two_area_rolls):
    # Reception 2022-2024: A 100, 110, 120; B 40, 40, 40. Intake ratios (Reception / cohort):
    # A 100/200, 110/200, 120/200 = 0.50, 0.55, 0.60; B 40/80, 40/100, 40/80 = 0.50, 0.40, 0.50.
    # Exponential smoothing, alpha 0.5: 2024 weighs 0.5, 2023 0.5 x 0.5 = 0.25, 2022 0.5 x 0.25 = 0.125;
    # normalised by their sum 0.875: 4/7, 2/7, 1/7.
    # A: (4 x 0.60 + 2 x 0.55 + 1 x 0.50) / 7 = 4.0 / 7; 2025 Reception = 300 x 4/7 = 171.43.
    # B: (4 x 0.50 + 2 x 0.40 + 1 x 0.50) / 7 = 3.3 / 7; 2025 Reception = 100 x 3.3/7 = 47.14.
    assert _intake_by_method(two_area_rolls, ratio_method="exponential") == pytest.approx(
        [300 * 4.0 / 7, 100 * 3.3 / 7])


def test_intake_ratio_by_mean_keeps_the_plain_mean(two_area_rolls):
    # The mean of the ratios above: A (0.50 + 0.55 + 0.60) / 3 = 0.55, B (0.50 + 0.40 + 0.50) / 3 = 1.4 / 3.
    by_hand = [300 * 0.55, 100 * 1.4 / 3]
    assert _intake_by_method(two_area_rolls, ratio_method="mean") == pytest.approx(by_hand)
    # None follows the model's ratio method, here the mean: the result before this setting existed.
    assert _intake_by_method(two_area_rolls) == pytest.approx(by_hand)


def test_intake_ratio_method_none_follows_the_model_and_a_bad_one_is_refused(two_area_rolls):
    from sklearn.utils._param_validation import InvalidParameterError  # noqa: PLC2701 - no public import

    from forecasting import ForecastConfig
    from forecasting.forecast import make_model
    from sufficiency.core.scenario import load_scenario

    config = ForecastConfig(intake_ratio_method=None)
    assert make_model(config).intake.ratio_method is None  # the model's own: ratio_method ('combination')
    assert make_model(ForecastConfig()).intake.ratio_method == "exponential"
    with pytest.raises(InvalidParameterError, match="ratio_method"):
        CohortSurvival(intake=IntakeModel(ratio_method="smooth")).fit(two_area_rolls)
    _, problems = load_scenario(None, {"forecast": {"intake_ratio_method": "smooth"}})
    assert [p.column for p in problems] == ["forecast.intake_ratio_method"]
    assert "'exponential'" in problems[0].message and "'smooth'" in problems[0].message


def test_predict_is_pure(two_area_rolls):
    m = plain().fit(two_area_rolls)
    before = m.panel_.values.copy()
    first, second = m.predict_array(5), m.predict_array(5)
    assert np.array_equal(first, second)
    assert np.array_equal(before, m.panel_.values)


def test_fit_returns_self_and_learned_attributes_end_in_underscore(two_area_rolls):
    m = CohortSurvival()
    assert m.fit(two_area_rolls) is m
    learned = [k for k in vars(m) if k not in CohortSurvival().__dict__]
    assert learned and all(k.endswith("_") for k in learned)


def test_too_little_history_is_a_clear_error(two_area_rolls):
    with pytest.raises(ForecastInputError, match="at least 3 consecutive years"):
        CohortSurvival().fit(two_area_rolls[two_area_rolls.year >= 2023])


def test_one_year_group_is_a_clear_error(two_area_rolls):
    reception = two_area_rolls[two_area_rolls["ncy"] == 0]
    with pytest.raises(ForecastInputError, match="one year group .*at least two consecutive year groups"):
        CohortSurvival().fit(reception)


def test_k12_axis_runs(make_synthetic):
    rolls = make_synthetic(3, 4, 13)  # K-12 coded 0-12
    f = CohortSurvival().fit(rolls).predict(15)
    assert sorted(f.ncy.unique()) == list(range(13))
    assert f.year.max() == 2013 + 15


def test_transfer_from_feeder_area():
    # P is a primary area (Reception-Year 6), S a secondary area (Years 7-8) fed by it.
    rows = []
    for t, year in enumerate([2020, 2021, 2022]):
        rows += [("P", year, g, 100) for g in range(0, 7)]
        rows += [("S", year, 7, 90 if t else 95), ("S", year, 8, 90)]
    rolls = pd.DataFrame(rows, columns=["planning_area_id", "year", "ncy", "pupils"])
    feeders = pd.DataFrame({"from_area": ["P"], "to_area": ["S"], "weight": [1.0]})
    m = plain().fit(rolls, feeders=feeders)
    f = m.predict(1).set_index(["planning_area_id", "ncy"])["pupils"]
    assert f[("S", 7)] == pytest.approx(100 * 0.9)  # Year 6 of P x transfer ratio 90/100
    assert f[("P", 7)] == 0.0  # no Year 7 in a primary area


def high_school_entry_rolls(years: int = 5, with_high_school_district: bool = True) -> pd.DataFrame:
    """A city at high school entry. A, B and C fill their Grade 9 from their own Grade 8 a year earlier;
    X's Grade 9 is a tenth of A, B and C's Grade 8 a year earlier (students choose high schools across
    the city) while its own Grade 8 (about 44: under 0.9 of its Grade 9, about 62, and over 0.5 of it)
    goes up and down; H has a few Grade 8 pupils and a large Grade 9, so Grade 8 to 9 is a transfer."""
    g8 = {"A": [200, 220, 190, 230, 210, 205], "B": [210, 200, 215, 190, 220, 200],
          "C": [190, 205, 200, 210, 195, 215], "X": [40, 50, 35, 52, 45, 48], "H": [10] * 6}
    if not with_high_school_district:
        del g8["H"]
    rows = []
    for t in range(years):
        city = sum(g8[a][t - 1] for a in "ABC") if t else 600
        for area, v in g8.items():
            g9 = {"X": city / 10, "H": city / 20}.get(area, v[t - 1] if t else v[0])
            rows += [(area, 2010 + t, 8, v[t]), (area, 2010 + t, 9, g9)]
    return pd.DataFrame(rows, columns=["planning_area_id", "year", "ncy", "pupils"])


def test_sources_by_errors_take_the_feeders_where_they_forecast_the_past_better():
    rolls = high_school_entry_rolls()
    panel = Panel.from_long(rolls)
    prev, nxt = panel.ratio_bases()
    base = self_feeding(panel.values, 0.5)
    # X's Grade 8 is over half its Grade 9: the threshold alone keeps it on its own; H is fed.
    assert base[:, 0].tolist() == [True, True, True, False, True]  # areas A, B, C, H, X
    chosen = sources_by_errors(prev, nxt, base, panel.areas, panel.values, None, 0.9)
    assert chosen[:, 0].tolist() == [True, True, True, False, False]  # X is fed too
    # Nothing under 0.5 of its next year group but not fed already, too few years to test both
    # sources on, or no area fed at the transition (no transfer): unchanged.
    assert (sources_by_errors(prev, nxt, base, panel.areas, panel.values, None, 0.5) == base).all()
    for short in (Panel.from_long(high_school_entry_rolls(years=3)),
                  Panel.from_long(high_school_entry_rolls(with_high_school_district=False))):
        sp, sn = short.ratio_bases()
        own = self_feeding(short.values, 0.5)
        assert (sources_by_errors(sp, sn, own, short.areas, short.values, None, 0.9) == own).all()


def test_transfer_test_share_forecasts_grade_9_from_the_feeders():
    rolls = high_school_entry_rolls()
    tested = plain(transfer_test_share=0.9).fit(rolls)
    g9 = tested.predict(1).set_index(["planning_area_id", "ncy"])["pupils"]
    # X's Grade 9 is a tenth of A, B and C's Grade 8 in 2014, as in every past year.
    assert g9[("X", 9)] == pytest.approx((210 + 220 + 195) / 10)
    own = plain().fit(rolls).predict(1).set_index(["planning_area_id", "ncy"])["pupils"]
    assert own[("X", 9)] != pytest.approx(g9[("X", 9)], rel=1e-3)  # its own Grade 8 misses
    assert own[("A", 9)] == pytest.approx(g9[("A", 9)])  # the other areas are as they were


def test_persistence_repeats_last_year(two_area_rolls):
    f = Persistence().fit(two_area_rolls).predict_array(3)
    assert np.array_equal(f[:, 2], f[:, 0])
    assert f[0, 0].tolist() == [120, 99, 95]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=4 * 3 * 2, max_size=4 * 3 * 2))
def test_forecast_is_never_negative(values):
    years, groups = 4, 3
    rolls = pd.DataFrame({
        "planning_area_id": np.repeat(["X", "Y"], years * groups),
        "year": np.tile(np.repeat(np.arange(2020, 2020 + years), groups), 2),
        "ncy": np.tile(np.arange(groups), 2 * years),
        "pupils": values,
    })
    if rolls.groupby("year").pupils.sum().min() == 0:
        return
    m = CohortSurvival().fit(rolls)
    assert (m.predict_array(15) >= 0).all()
    assert np.isfinite(m.predict_array(15)).all()


def test_entry_cohort_beyond_known_years_follows_its_trend_not_zero(two_area_rolls):
    cohort = pd.DataFrame({"planning_area_id": ["A"] * 4 + ["B"] * 4, "year": [2022, 2023, 2024, 2025] * 2,
                           "cohort": [200, 220, 240, 240, 80, 80, 80, 80]})
    m = plain().fit(two_area_rolls, entry_cohort=cohort)
    # B's cohort never changed: its intake stays at 0.5 x 80 however far ahead.
    assert m.intake_.predict_array(6)[1] == pytest.approx(np.full(6, 40.0))
    # A's cohort grew (10%, 9.1%, 0%): later years keep growing, damped, never collapse.
    assert np.all(np.diff(m.intake_.predict_array(6)[0][1:]) >= 0)


def test_sixth_form_from_staying_on_ratios_and_none_where_there_is_no_sixth_form():
    # Area A keeps 80% of Year 11 into Year 12 and 90% of Year 12 into Year 13; area B has no sixth form.
    rows = []
    for year in (2021, 2022, 2023):
        rows += [("A", year, 11, 100), ("A", year, 12, 80), ("A", year, 13, 72)]
        rows += [("B", year, 11, 150), ("B", year, 12, 0), ("B", year, 13, 0)]
    rolls = pd.DataFrame(rows, columns=["planning_area_id", "year", "ncy", "pupils"])
    f = CohortSurvival().fit(rolls).predict(2).set_index(["planning_area_id", "year", "ncy"])["pupils"]
    assert f[("A", 2024, 12)] == pytest.approx(80.0)
    assert f[("A", 2025, 13)] == pytest.approx(72.0)
    assert f[("B", 2024, 12)] == 0.0 and f[("B", 2025, 13)] == 0.0
