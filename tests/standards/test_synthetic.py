"""The sample borough's synthetic school indicators: documented, consistent with the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from standards.data.build import SAMPLE_SEED, SAMPLE_YEARS, build_sample_indicators
from standards.indicators import IndicatorError, numeric_indicators
from standards.lait import DATA_DIR, school_vocabulary
from standards.synthetic import OFSTED_GRADE, sample_school_indicators
from sufficiency.sample import sample_dir

COMMITTED = DATA_DIR / "sample_school_indicators.csv"


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    return pd.read_csv(sample_dir() / "schools.csv", dtype={"school_id": str})


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return numeric_indicators(pd.read_csv(COMMITTED, dtype=str))


def test_same_seed_same_table_and_seed_matters(schools) -> None:
    a = sample_school_indicators(schools, [2023, 2024], random_state=3)
    b = sample_school_indicators(schools, [2023, 2024], random_state=3)
    c = sample_school_indicators(schools, [2023, 2024], random_state=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_committed_file_uses_documented_vocabulary_and_real_urns(committed, schools) -> None:
    assert set(committed["indicator"]) <= set(school_vocabulary()["indicator"])
    assert set(committed["school_id"]) == set(schools["school_id"])
    assert sorted(committed["year"].unique()) == list(SAMPLE_YEARS)
    assert not committed.duplicated(["school_id", "year", "indicator"]).any()


def test_latest_ofsted_grade_is_the_real_one(committed, schools) -> None:
    last = committed[(committed["year"] == max(SAMPLE_YEARS))
                     & (committed["indicator"] == "ofsted_overall_grade")].set_index("school_id")
    real = schools.set_index("school_id")["ofsted"].map(OFSTED_GRADE).dropna()
    assert (last["value"].reindex(real.index) == real).all()


def test_values_within_their_scales(committed) -> None:
    wide = committed.pivot_table(index=["school_id", "year"], columns="indicator", values="value")
    shares = ("_pct", "_expected", "grade4", "grade5")
    pct = [c for c in wide if (c.endswith(shares) and c != "budget_balance_pct")
           or c.startswith("ks2_") or c == "persistent_absence"]
    assert ((wide[pct] >= 0) & (wide[pct] <= 100) | wide[pct].isna()).all().all()
    assert wide["ks4_attainment8"].dropna().between(0, 90).all()
    assert wide["ofsted_overall_grade"].dropna().isin([1, 2, 3, 4]).all()
    np.testing.assert_allclose(wide["absence_overall"],
                               wide["absence_authorised"] + wide["absence_unauthorised"], atol=0.011)
    # Progress 8 is not published for 2024/25 results, so it is absent, never zero.
    assert wide.xs(2024, level="year")["ks4_progress8"].isna().all()


def test_disadvantage_follows_real_fsm(committed, shared_data: Path) -> None:
    gias = pd.read_csv(shared_data / "trafford/trafford_schools_and_colleges.csv",
                       dtype={"unique_reference_number": str}).set_index("unique_reference_number")
    fsm = committed[(committed["indicator"] == "fsm_pct") & (committed["year"] == 2024)]
    real = gias["percent_fsm"].reindex(fsm["school_id"]).to_numpy()
    # 2024 is the GIAS year, so the LA's FSM trend factor is 1 there.
    np.testing.assert_allclose(fsm["value"], real, atol=0.051)


def test_attainment_falls_with_disadvantage(committed) -> None:
    wide = committed.pivot_table(index=["school_id", "year"], columns="indicator", values="value")
    primary = wide.dropna(subset=["ks2_rwm_expected"])
    assert primary["ks2_rwm_expected"].corr(primary["fsm_pct"]) < -0.3


@pytest.mark.shared
def test_committed_file_rebuilds_from_shared_data(shared_data: Path, tmp_path: Path) -> None:
    build_sample_indicators(shared_data / "trafford/trafford_schools_and_colleges.csv",
                            dest=tmp_path)
    assert (tmp_path / COMMITTED.name).read_text() == COMMITTED.read_text()
    assert SAMPLE_SEED == 20250101


def test_words_and_dates_are_read_and_bad_values_named() -> None:
    table = pd.DataFrame({"school_id": ["1"] * 5, "year": [2024] * 5,
                          "indicator": ["ofsted_overall_grade", "ofsted_inspection_date",
                                        "ofsted_rc_inclusion", "headteacher_change",
                                        "ks2_rwm_expected"],
                          "value": ["Requires improvement", "2023-05-17", "Needs attention",
                                    "yes", "71"]})
    assert numeric_indicators(table)["value"].tolist() == [3, 20230517, 2, 1, 71]
    table.loc[4, "value"] = "seventy"
    with pytest.raises(IndicatorError, match="row 6: ks2_rwm_expected='seventy'"):
        numeric_indicators(table, "school_indicators.csv")
