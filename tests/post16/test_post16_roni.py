"""The risk-of-NEET model on a SYNTHETIC cohort: better than a trivial baseline, calibrated,
explained, and audited for groups it serves worse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from post16.config import RoniConfig
from post16.evaluation import calibration_table, choose_threshold, evaluate, expected_calibration_error, fairness_report
from post16.roni import RoniModel
from post16.synthetic import synthetic_pupils


def test_model_beats_the_trivial_baseline(report):
    m = report.metrics
    assert m["log_loss"] < 0.85 * m["baseline_log_loss"]
    assert m["brier"] < m["baseline_brier"]
    assert m["roc_auc"] > 0.75
    assert m["pr_auc"] > 3 * m["baseline_pr_auc"]


def test_calibration_error_is_below_the_bound(report):
    # Stated bound: held-out expected calibration error under 0.05 (RoniConfig.max_calibration_error).
    assert report.metrics["ece"] < 0.05
    assert report.calibration_within_bound
    curve = report.calibration
    assert curve["n"].sum() == report.metrics["n"]
    assert curve["mean_predicted"].is_monotonic_increasing


def test_choice_is_the_lower_cross_validated_log_loss(report):
    assert set(report.cv_log_loss) == {"logistic", "boosting"}
    assert report.chosen_model == min(report.cv_log_loss, key=report.cv_log_loss.get)


def test_recall_at_threshold_matches_the_flagged_share(report):
    m = report.metrics
    assert m["flagged_share"] == pytest.approx(0.15, abs=0.02)
    assert 0.5 < m["recall"] <= 1.0


def test_fairness_audit_flags_the_hidden_group(report):
    fairness = report.fairness.set_index(["attribute", "group"])
    boys, girls = fairness.loc[("gender", "M")], fairness.loc[("gender", "F")]
    # Boys carry extra risk no model input shows, so the model under-states it (and over-states girls').
    assert boys["calibration_gap"] < -0.03 and boys["calibration_flag"]
    assert "under-stated" in boys["reason"]
    assert girls["calibration_flag"] and "over-stated" in girls["reason"]
    assert not fairness.loc[("ethnicity", "White British"), "calibration_flag"]
    assert {"M", "F"} <= set(report.flagged_groups["group"])


def test_fairness_report_on_a_hand_built_fixture():
    # Group A is calibrated: 100 pupils at 0.2, 20 NEET. Group B is deliberately mis-calibrated:
    # predicted 0.05 but 20 of 100 NEET. Threshold 0.1 flags all of A and none of B.
    y = np.r_[np.repeat([1, 0], [20, 80]), np.repeat([1, 0], [20, 80])]
    p = np.r_[np.full(100, 0.2), np.full(100, 0.05)]
    groups = pd.DataFrame({"group_col": ["A"] * 100 + ["B"] * 100})
    out = fairness_report(y, p, groups, threshold=0.1, config=RoniConfig(min_group_size=30)).set_index("group")
    assert out.loc["A", "calibration_gap"] == pytest.approx(0.0)
    assert out.loc["B", "calibration_gap"] == pytest.approx(-0.15)
    assert not out.loc["A", "calibration_flag"] and out.loc["B", "calibration_flag"]
    # Recall: overall 20 of 40 = 0.5; A 1.0, B 0.0 -> both differ by 0.5.
    assert out.loc["A", "recall"] == 1.0 and out.loc["B", "recall"] == 0.0
    assert out.loc["A", "recall_flag"] and out.loc["B", "recall_flag"]


def test_small_groups_are_not_judged():
    y = np.r_[np.zeros(95, int), np.ones(5, int)]
    p = np.full(100, 0.05)
    groups = pd.DataFrame({"g": ["big"] * 90 + ["small"] * 10})
    out = fairness_report(y, p, groups, 0.5, RoniConfig(min_group_size=30)).set_index("group")
    assert not out.loc["small", "judged"] and not out.loc["small", "flag"]
    assert out.loc["small", "reason"] == "too few pupils or outcomes to judge"


def test_evaluation_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    m = evaluate(y, p, threshold=0.3, n_bins=2)
    assert m["roc_auc"] == pytest.approx(0.75)  # 3 of 4 positive-negative pairs ordered right
    assert m["recall"] == 1.0 and m["precision"] == pytest.approx(2 / 3)
    assert m["baseline_log_loss"] == pytest.approx(np.log(2))
    # Two quantile bins: {0.1, 0.35} predicted 0.225 observed 0.5; {0.4, 0.8} predicted 0.6 observed 0.5.
    assert expected_calibration_error(y, p, 2) == pytest.approx((0.275 + 0.1) / 2)
    assert list(calibration_table(y, p, 2)["n"]) == [2, 2]


def test_threshold_rules():
    risk = np.linspace(0.0, 1.0, 101)
    assert choose_threshold(risk, 0.1) == pytest.approx(0.9)
    assert (risk >= choose_threshold(risk, 0.1)).sum() == 11  # the tie at the cut is flagged
    assert choose_threshold(risk, 0.1, threshold=0.42) == 0.42


def test_ranked_list_covers_years_9_to_11_in_order(report, cohort):
    ranked = report.ranked
    assert len(ranked) == 600 and set(ranked["ncy"]) <= {9, 10, 11}
    assert ranked["risk"].is_monotonic_decreasing
    assert list(ranked["rank"]) == list(range(1, 601))
    assert ranked["flagged"].sum() == (ranked["risk"] >= report.metrics["threshold"]).sum()
    assert ranked["synthetic"].all()
    assert "pupil_id" not in ranked.columns
    top = ranked.iloc[0]
    assert top["top_factors"]  # the highest-risk pupil has named factors


def test_logistic_contributions_add_up_to_the_log_odds(cohort):
    history = cohort[cohort["neet"].notna()].iloc[:1200]
    model = RoniModel(candidates=("logistic",), cv_folds=3).fit(history, history["neet"].astype(int))
    contrib = model.contributions(history.iloc[:50])
    intercept = model.explainer_.named_steps["model"].intercept_[0]
    log_odds = model.explainer_.decision_function(history.iloc[:50][model.features].to_numpy(float))
    assert np.allclose(contrib.sum(axis=1) + intercept, log_odds)
    assert model.surrogate_r2_ == 1.0


def test_explanations_name_the_factor_that_drives_the_score(cohort):
    history = cohort[cohort["neet"].notna()].iloc[:1500]
    model = RoniModel(candidates=("logistic",), cv_folds=3).fit(history, history["neet"].astype(int))
    pupil = history.iloc[[0]].copy()
    pupil[["attendance_pct", "attainment8", "suspensions", "school_moves"]] = [60.0, 46.0, 0, 0]
    pupil[["looked_after", "child_in_need", "disadvantaged", "sen_support", "ehcp", "eal", "permanent_exclusion"]] = 0
    factors = model.explain(pupil, top=3)
    assert factors.iloc[0]["feature"] == "attendance_pct"
    assert factors.iloc[0]["factor"] == "Attendance 60%"
    assert (factors["contribution"] >= 0.05).all()


def test_boosting_explanations_use_a_reported_surrogate(cohort):
    history = cohort[cohort["neet"].notna()].iloc[:1200]
    model = RoniModel(candidates=("boosting",), cv_folds=3).fit(history, history["neet"].astype(int))
    assert model.chosen_ == "boosting"
    assert 0.0 < model.surrogate_r2_ <= 1.0
    assert model.explain(history.iloc[:20])["contribution"].gt(0).all()


def test_synthetic_cohort_is_labelled_reproducible_and_follows_the_risk_factors():
    a = synthetic_pupils(4000, 10, random_state=3)
    b = synthetic_pupils(4000, 10, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(synthetic_pupils(4000, 10, random_state=4))
    assert a["synthetic"].all() and a["pupil_id"].str.startswith("SYNTHETIC-").all()
    hist = a[a["neet"].notna()]
    rate = hist.groupby("disadvantaged")["neet"].mean()
    assert rate[1] > 2 * rate[0]
    assert hist.loc[hist["attendance_pct"] < 85, "neet"].mean() > hist.loc[hist["attendance_pct"] >= 95, "neet"].mean()
    assert 0.03 < hist["neet"].mean() < 0.09  # near the national NEET-or-not-known rate


def test_no_current_pupils_gives_an_empty_list_and_small_history_is_refused():
    import datetime as dt

    from post16.config import Post16Config
    from post16.privacy import ephemeral_settings
    from post16.risk import train_and_rank

    config = Post16Config(roni=RoniConfig(cv_folds=3))
    pupils = synthetic_pupils(800, 0, random_state=1, recorded_on=dt.date(2026, 1, 1))
    report = train_and_rank(pupils, config, ephemeral_settings(0), today=dt.date(2026, 1, 2))
    assert report.ranked.empty and "top_factors" in report.ranked.columns
    with pytest.raises(ValueError, match="Add earlier cohorts"):
        train_and_rank(pupils.iloc[:150], config, ephemeral_settings(0), today=dt.date(2026, 1, 2))


def test_no_pupil_is_given_a_certain_outcome(report):
    # A risk of exactly 0 or 1 would tell a school a pupil cannot (or must) become NEET; no
    # history supports that, so every score stays strictly inside (0, 1).
    risk = report.ranked["risk"]
    assert risk.gt(0).all() and risk.lt(1).all()


# ------------------------------------------------------------------ honesty: validation, caveat, calibration limit
def test_validated_on_the_latest_cohort_and_the_caveat_says_synthetic(report, cohort):
    # The history's latest cohort (Year 11 in 2024/25) is the test set, whole; the earlier cohorts train.
    latest = int((cohort["neet"].notna() & (cohort["cohort_year"] == 2024)).sum())
    assert report.metrics["n"] == latest
    assert report.validated_on == f"the latest cohort (Year 11 in 2024/25): {latest} pupils"
    assert report.caveat.startswith("Trained and tested on SYNTHETIC pupils") and "nothing about" in report.caveat
    assert report.caveat.endswith(f"Evaluated on {report.validated_on}.")


def test_random_validation_and_a_single_cohort_fall_back_with_a_reason(cohort):
    from post16.config import Post16Config
    from post16.privacy import ephemeral_settings
    from post16.risk import train_and_rank
    from tests.post16.conftest import TODAY

    random = train_and_rank(cohort, Post16Config(roni=RoniConfig(cv_folds=3, validation="random")),
                            ephemeral_settings(1), today=TODAY)
    n = int(cohort["neet"].notna().sum())
    assert random.validated_on == f"a random 30% of the history: {round(0.3 * n)} pupils"
    single = cohort.assign(cohort_year=2024)
    one = train_and_rank(single, Post16Config(roni=RoniConfig(cv_folds=3)), ephemeral_settings(1), today=TODAY)
    assert "no cohort_year with two or more cohorts" in one.validated_on


def test_no_pupil_is_flagged_from_a_model_failing_the_calibration_limit(cohort):
    from post16.config import Post16Config
    from post16.privacy import ephemeral_settings
    from post16.result import run_post16
    from post16.risk import train_and_rank
    from tests.post16.conftest import TODAY

    strict = Post16Config(roni=RoniConfig(cv_folds=3, random_state=7, max_calibration_error=0.0001))
    failing = train_and_rank(cohort, strict, ephemeral_settings(1), today=TODAY)
    assert failing.metrics["ece"] > 0.0001 and failing.flags_withheld
    assert not failing.ranked["flagged"].any() and failing.ranked["risk"].notna().all()
    result = run_post16(strict, la="358", pupils=cohort, settings=ephemeral_settings(1), today=TODAY)
    assert any("no pupil is flagged" in n for n in result.notes)
    assert bool(result.tables()["roni_metrics_SYNTHETIC"]["flags_withheld"].iloc[0])


def test_training_and_list_retention_are_separate(cohort):
    import datetime as dt

    from post16.config import Post16Config
    from post16.privacy import ephemeral_settings
    from post16.risk import train_and_rank

    # Past cohorts' records two years old, current pupils' records today.
    today = dt.date(2026, 1, 15)
    aged = cohort.assign(recorded_on=cohort["recorded_on"].where(cohort["neet"].isna(), "2024-01-15"))
    kept = train_and_rank(aged, Post16Config(roni=RoniConfig(cv_folds=3, validation="random")),
                          ephemeral_settings(1), today=today)
    n = int(cohort["neet"].notna().sum())
    assert kept.metrics["n"] == round(0.3 * n)  # the default six years keeps every past cohort
    assert kept.delete_after == dt.date(2027, 1, 15)  # the list: 365 days
    with pytest.raises(ValueError, match="The pupil history has 0 pupils"):
        # A one-year training period would delete the whole history the model learns from.
        train_and_rank(aged, Post16Config(training_retention_days=365, roni=RoniConfig(cv_folds=3)),
                       ephemeral_settings(1), today=today)
    short = train_and_rank(aged, Post16Config(list_retention_days=30, roni=RoniConfig(cv_folds=3)),
                           ephemeral_settings(1), today=today)
    assert short.delete_after == dt.date(2026, 2, 14) and len(short.ranked) == len(kept.ranked)


def test_retention_days_is_refused_with_the_two_settings_named():
    from pydantic import ValidationError

    from post16.config import Post16Config
    from sufficiency.core.scenario import load_scenario

    scenario, problems = load_scenario(None, {"post16": {"retention_days": 365}})
    assert scenario is None and "list_retention_days" in problems[0].fix and "training_retention_days" in \
        problems[0].fix
    with pytest.raises(ValidationError):
        Post16Config.model_validate({"retention_days": 365})
