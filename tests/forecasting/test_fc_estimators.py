"""The forecasters as scikit-learn estimators: clone, parameters, validation, score and grid search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError  # noqa: PLC2701 - sklearn has no public import of it
from sklearn.utils.validation import check_is_fitted

from forecasting import CohortSurvival, ForecastConfig, HousingYield, IntakeModel, Persistence, RollingOrigin
from forecasting.forecast import make_model
from forecasting.panel import Panel, area_rolls

GRID = {"ratio_method": ["mean", "weighted", "median"]}


@pytest.fixture(scope="module")
def borough_rolls() -> pd.DataFrame:
    """The sample borough's rolls summed to its planning areas, 2017-2024."""
    from sufficiency.sample import sample_dir

    rolls = pd.read_csv(sample_dir() / "rolls.csv", dtype={"school_id": str})
    schools = pd.read_csv(sample_dir() / "schools.csv", dtype=str)
    return area_rolls(rolls, schools)


def two_year_history() -> pd.DataFrame:
    """One area, Reception and Year 1: 2020-2021 known, 2022 the outturn.

    Year 1 is 90% of last year's Reception both years and Reception is flat at 100, so a plain
    model forecasts 2022 as Reception 100 and Year 1 90; the outturn is 110 and 81.
    """
    return pd.DataFrame({"planning_area_id": "A", "year": [2020, 2020, 2021, 2021, 2022, 2022],
                         "ncy": [0, 1] * 3, "pupils": [100, 90, 100, 90, 110, 81]})


def plain(**kw) -> CohortSurvival:
    return CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.0), **kw)


def params_but_objects(model) -> dict:
    """Deep parameters without the sub-estimator objects (which compare by identity)."""
    return {k: v for k, v in model.get_params(deep=True).items() if not hasattr(v, "get_params")}


def test_clone_has_equal_params_and_its_own_intake_model():
    model = CohortSurvival(ratio_method="median", n_years=4, intake=IntakeModel(damping=0.3, source="trend"))
    copy = clone(model)
    assert copy is not model and copy.intake is not model.intake
    assert params_but_objects(copy) == params_but_objects(model)
    assert params_but_objects(copy)["intake__damping"] == 0.3
    assert params_but_objects(clone(CohortSurvival())) == params_but_objects(CohortSurvival())


def test_clone_of_a_fitted_model_is_unfitted(two_area_rolls):
    fitted = plain().fit(two_area_rolls)
    check_is_fitted(fitted)
    copy = clone(fitted)
    assert not hasattr(copy, "panel_") and not hasattr(copy, "intake_")
    with pytest.raises(NotFittedError):
        copy.predict(1)
    assert np.array_equal(copy.fit(two_area_rolls).predict_array(3), fitted.predict_array(3))


@pytest.mark.parametrize("make", [
    lambda: CohortSurvival("mean"),
    lambda: Persistence(3),
    lambda: IntakeModel(0.5),
    lambda: HousingYield(False),
    lambda: RollingOrigin([2020]),
])
def test_hyperparameters_are_keyword_only(make):
    with pytest.raises(TypeError, match="positional"):
        make()


@pytest.mark.parametrize(("model", "name"), [
    (CohortSurvival(shrinkage="bayes"), "shrinkage"),
    (CohortSurvival(n_years=-1), "n_years"),
    (CohortSurvival(ratio_method="average"), "ratio_method"),
    (CohortSurvival(smoothing_alpha=0.0), "smoothing_alpha"),
    (CohortSurvival(intake=IntakeModel(damping=1.5)), "damping"),
    (CohortSurvival(intake=IntakeModel(source="census")), "source"),
    (Persistence(min_history_years=1), "min_history_years"),
])
def test_a_bad_hyperparameter_is_refused_at_fit_naming_it(two_area_rolls, model, name):
    before = model.get_params(deep=True)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        model.fit(two_area_rolls)
    assert not hasattr(model, "panel_")
    assert model.get_params(deep=True) == before  # stored unchanged, never replaced by a default


def test_housing_yield_validates_its_hyperparameters_at_fit():
    with pytest.raises(InvalidParameterError, match="'yields_shift' parameter"):
        HousingYield(yields_shift=-2.0).fit(None, base_year=2024)
    with pytest.raises(InvalidParameterError, match="'above_trend' parameter"):
        HousingYield(above_trend="yes").fit(None, base_year=2024)


def test_housing_yield_scales_by_its_shift_and_spreads_over_the_base_year(two_area_rolls):
    housing = pd.DataFrame({"site_id": ["s1"], "planning_area_id": ["A"], "year": [2025], "dwellings": [100]})
    yields = pd.DataFrame({"phase": ["primary"] * 2, "years_since_completion": [0, 1],
                           "pupils_per_dwelling": [0.1, 0.3]})
    panel = Panel.from_long(two_area_rolls)
    central = HousingYield(above_trend=False).fit(housing, pupil_yields=yields, base_year=2024)
    high = HousingYield(above_trend=False, yields_shift=0.5).fit(housing, pupil_yields=yields, base_year=2024)
    assert central.predict_array(panel, 2)[0].sum(axis=1) == pytest.approx([10, 30])
    assert high.predict_array(panel, 2) == pytest.approx(1.5 * central.predict_array(panel, 2))
    with pytest.raises(ValueError, match="not the base year 2024"):
        central.predict_array(panel.up_to(2023), 2)


def test_deep_params_include_the_intake_model_and_set_params_reaches_it(two_area_rolls):
    model = make_model(ForecastConfig(intake_damping=0.7, intake_source="population"))
    params = model.get_params(deep=True)
    assert params["intake__damping"] == 0.7 and params["intake__source"] == "population"
    changed = plain().set_params(intake__damping=0.5).fit(two_area_rolls)
    direct = CohortSurvival(ratio_method="mean", shrinkage="none", intake=IntakeModel(damping=0.5)).fit(two_area_rolls)
    assert np.array_equal(changed.predict_array(3), direct.predict_array(3))
    assert not np.array_equal(changed.predict_array(3), plain().fit(two_area_rolls).predict_array(3))


def test_setting_an_intake_parameter_on_the_default_model_touches_no_other_model():
    model = CohortSurvival().set_params(intake__damping=0.2)
    assert model.get_params(deep=True)["intake__damping"] == 0.2
    assert CohortSurvival().intake is None


def test_repr_shows_the_changed_parameters():
    model = CohortSurvival(ratio_method="mean", intake=IntakeModel(damping=0.5))
    assert repr(model) == "CohortSurvival(intake=IntakeModel(damping=0.5), ratio_method='mean')"
    assert repr(RollingOrigin(origins=[2020, 2021], horizon=2)) == "RollingOrigin(horizon=2, origins=[2020, 2021])"


def test_fit_keeps_the_old_ways_of_passing_rolls(two_areas, two_area_rolls):
    by_area = plain().fit(two_area_rolls).predict_array(2)
    assert np.array_equal(plain().fit(Panel.from_long(two_area_rolls)).predict_array(2), by_area)
    schools = two_areas.rolls[two_areas.rolls.school_id == "a1"]  # area A has one school, a1
    by_school = plain().fit(schools).predict(1).set_index("ncy")["pupils"]
    assert by_school.tolist() == pytest.approx(by_area[0, 0].tolist())


def test_an_entry_cohort_passed_as_y_is_refused_not_dropped(two_area_rolls):
    cohort = pd.DataFrame({"planning_area_id": ["A", "B"], "year": [2025, 2025], "cohort": [300, 100]})
    with pytest.raises(TypeError, match="entry_cohort="):
        plain().fit(two_area_rolls, cohort)


def test_score_by_hand_on_a_two_year_history():
    rolls = two_year_history()
    model = plain(min_history_years=2).fit(rolls[rolls.year <= 2021])
    # Reception 100 against 110, Year 1 100 x 0.9 = 90 against 81: mean of 10/110 and 9/81.
    expected = -(10 / 110 + 9 / 81) / 2 * 100
    assert model.score(rolls) == pytest.approx(expected)  # years up to the base year are not scored
    assert model.score(rolls[rolls.year == 2022]) == pytest.approx(expected)
    assert Persistence(min_history_years=2).fit(rolls[rolls.year <= 2021]).score(rolls) == pytest.approx(expected)


def test_a_perfect_forecast_scores_zero_and_an_empty_outturn_is_refused():
    rolls = two_year_history()
    perfect = rolls.assign(pupils=np.where(rolls.year == 2022, [100, 90] * 3, rolls.pupils))
    model = plain(min_history_years=2).fit(perfect[perfect.year <= 2021])
    assert model.score(perfect) == 0.0
    with pytest.raises(ValueError, match="no rolls after the base year 2021"):
        model.score(perfect[perfect.year <= 2021])


def test_rolling_origin_splits_rows_by_year():
    rolls = pd.DataFrame({"year": [2024, 2020, 2021, 2022, 2023, 2022]})
    cv = RollingOrigin(origins=[2021, 2022], horizon=2)
    splits = [(train.tolist(), test.tolist()) for train, test in cv.split(rolls)]
    assert splits == [([1, 2], [3, 4, 5]), ([1, 2, 3, 5], [0, 4])]
    assert cv.get_n_splits(rolls) == 2


@pytest.mark.parametrize(("cv", "error"), [
    (RollingOrigin(origins=[2024], horizon=1), "no rows to test"),
    (RollingOrigin(origins=[2019], horizon=1), "no rows to train"),
    (RollingOrigin(origins=[2021], horizon=0), "horizon"),
    (RollingOrigin(origins=[], horizon=1), "origins is empty"),
])
def test_rolling_origin_refuses_splits_that_cannot_be_scored(cv, error):
    with pytest.raises(ValueError, match=error):
        list(cv.split(pd.DataFrame({"year": [2020, 2021, 2022, 2023, 2024]})))


def test_grid_search_over_the_ratio_summary_picks_the_best_rolling_origin_score(borough_rolls):
    origins, horizon = [2020, 2021, 2022], 2
    search = GridSearchCV(CohortSurvival(), GRID, cv=RollingOrigin(origins=origins, horizon=horizon))
    search.fit(borough_rolls)
    assert [p["ratio_method"] for p in search.cv_results_["params"]] == GRID["ratio_method"]
    # Each candidate's mean score is the mean over origins of fitting up to it and scoring the next years.
    year = borough_rolls["year"]
    by_hand = [np.mean([CohortSurvival(ratio_method=m).fit(borough_rolls[year <= o])
                        .score(borough_rolls[(year > o) & (year <= o + horizon)]) for o in origins])
               for m in GRID["ratio_method"]]
    assert len(set(np.round(by_hand, 6))) == len(by_hand)  # the methods really differ, so the pick means something
    assert search.cv_results_["mean_test_score"] == pytest.approx(by_hand)
    assert search.best_params_ == {"ratio_method": GRID["ratio_method"][int(np.argmax(by_hand))]}
    assert search.best_estimator_.panel_.years[-1] == 2024  # refitted on every year


def test_grid_search_reaches_the_intake_model(borough_rolls):
    search = GridSearchCV(CohortSurvival(), {"intake__damping": [0.0, 0.9]},
                          cv=RollingOrigin(origins=[2021, 2022], horizon=1)).fit(borough_rolls)
    assert search.best_params_["intake__damping"] in (0.0, 0.9)
    assert search.best_estimator_.intake_.damping == search.best_params_["intake__damping"]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
