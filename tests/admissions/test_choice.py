"""The preference model: calibrated school constants reproduce observed first preferences; draws follow the
logit; the plan's schemes change admission numbers at the point of entry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from admissions.choice import calibrate_constants, draw_preferences, first_preference_probabilities
from admissions.places import entry_schools, plan_places


def world(seed: int = 1, n: int = 4000, s: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 6000, (n, 2))
    schools = rng.uniform(0, 6000, (s, 2))
    distance = np.hypot(homes[:, None, 0] - schools[None, :, 0], homes[:, None, 1] - schools[None, :, 1])
    return -distance / 1000.0, rng.random((n, s)) > 0.05


def test_calibration_reproduces_the_observed_first_preference_shares() -> None:
    base, eligible = world()
    observed = np.array([300, 120, 80, 410, 60, 200, 150, 90], dtype=float)
    fitted = calibrate_constants(base, eligible, observed, np.full(8, 60.0))
    assert fitted.converged
    np.testing.assert_allclose(fitted.model_share, observed / observed.sum(), atol=0.002)
    # Uncalibrated, the shares are far from the observed ones (the test can fail).
    plain = first_preference_probabilities(base, eligible).mean(axis=0)
    assert np.abs(plain - observed / observed.sum()).max() > 0.02


def test_schools_without_an_observed_count_keep_their_constant_and_the_rest_share_as_observed() -> None:
    base, eligible = world(2)
    observed = np.array([300, 120, np.nan, 410, 60, 200, np.nan, 90])
    fitted = calibrate_constants(base, eligible, observed, np.full(8, 60.0))
    assert fitted.constants[2] == 0 and fitted.constants[6] == 0
    known = ~np.isnan(observed)
    got = fitted.model_share[known] / fitted.model_share[known].sum()
    np.testing.assert_allclose(got, observed[known] / np.nansum(observed), atol=0.003)


def test_drawn_preferences_name_distinct_eligible_schools_and_first_choices_follow_the_logit() -> None:
    base, eligible = world(3, n=20000)
    prefs = draw_preferences(base, eligible, 3, 1.0, np.random.default_rng(0))
    named = prefs != -1
    assert named[:, 0].all()
    for row, ok in zip(prefs[:200], eligible[:200], strict=True):
        chosen = row[row != -1]
        assert len(set(chosen)) == len(chosen) and ok[chosen].all()
    expected = first_preference_probabilities(base, eligible).mean(axis=0)
    observed = np.bincount(prefs[:, 0], minlength=8) / len(prefs)
    np.testing.assert_allclose(observed, expected, atol=0.01)


def test_a_family_names_no_more_schools_than_it_may_attend() -> None:
    eligible = np.array([[True, False, False, False], [True, True, True, True]])
    prefs = draw_preferences(np.zeros((2, 4)), eligible, 3, 1.0, np.random.default_rng(0))
    assert prefs[0].tolist() == [0, -1, -1]
    assert (prefs[1] != -1).all()


def test_the_plan_changes_admission_numbers_at_the_point_of_entry() -> None:
    schools = pd.DataFrame({"school_id": ["1", "2", "3", "4"], "name": ["One", "Two", "Three", "Four"],
                            "planning_area_id": "P1", "x": [0.0, 1000, 2000, 3000], "y": 0.0, "ncy_low": [0, 0, 0, 3],
                            "ncy_high": [6, 6, 6, 6], "pan": [30, 60, 30, 30]})
    chosen = entry_schools(schools, "primary")
    assert chosen["school_id"].tolist() == ["1", "2", "3"]  # a junior school admits no Reception
    today = pd.DataFrame([(s, y, a) for s, a in (("1", 30), ("2", 60), ("3", 30)) for y in (2026, 2027, 2028)],
                         columns=["school_id", "year", "admission_number"])
    schemes = pd.DataFrame({
        "option_id": ["expand:1:0", "bulge:2:0", "close:3", "new_school:P1", "reduce:2:0", "expand:4:3"],
        "kind": ["expand", "bulge", "close", "new_school", "reduce", "expand"],
        "school_id": ["1", "2", "3", None, "2", "4"], "planning_area_id": "P1",
        "year": [2027, 2027, 2028, 2028, 2028, 2027], "forms_of_entry": [1.0, 1.0, 1.0, 2.0, 1.0, 1.0]})
    after, with_new = plan_places(today, chosen, schemes, schools, "primary")
    got = after.pivot_table(index="school_id", columns="year", values="admission_number")
    assert got.loc["1"].tolist() == [30, 60, 60]  # an expansion from its year on
    assert got.loc["2"].tolist() == [60, 90, 30]  # a bulge in its year alone; a reduction after
    assert got.loc["3"].tolist() == [30, 30, 0]  # a closure
    new = with_new.loc[with_new["new"], "school_id"].item()
    assert got.loc[new].tolist() == [0, 0, 60]  # a new school of 2 forms of entry, at the area's middle
    assert with_new.loc[with_new["new"], "x"].item() == pytest.approx(1000.0)
