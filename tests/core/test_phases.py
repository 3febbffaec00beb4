"""The one definition of phases, the statutory walking distances and academic-year labels,
checked against cases worked by hand."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd
import pytest

from sufficiency.core import phases, statute
from sufficiency.core.phases import (
    ALL_NCY,
    AREA_NCY,
    COMPULSORY_NCY,
    ENTRY_POINTS,
    PHASE_NCY,
    PHASES,
    RECEPTION,
    YEAR_7,
    YEAR_12,
    area_phase_of,
    phase_of,
    school_phase,
    schools_teaching,
    span,
)
from sufficiency.core.years import academic_year, time_period


@pytest.mark.parametrize(("ncy", "phase"), [(0, "primary"), (6, "primary"), (7, "secondary"), (11, "secondary"),
                                            (12, "sixth_form"), (13, "sixth_form")])
def test_phase_of_a_year_group(ncy: int, phase: str) -> None:
    assert phase_of(ncy) == phase


def test_phase_of_is_none_outside_reception_to_year_13() -> None:
    assert phase_of(-1) is None
    assert phase_of(14) is None
    assert phase_of(float("nan")) is None


def test_phase_of_keeps_the_shape_it_is_given() -> None:
    series = pd.Series([0, 6, 7, 11, 12, None], index=list("abcdef"), dtype="Int64")
    out = phase_of(series)
    assert isinstance(out, pd.Series) and list(out.index) == list("abcdef")
    assert out[:5].tolist() == ["primary", "primary", "secondary", "secondary", "sixth_form"]
    assert pd.isna(out["f"])
    array = phase_of(np.array([3, 9, 13]))
    assert isinstance(array, np.ndarray) and array.tolist() == ["primary", "secondary", "sixth_form"]


def test_phases_their_year_groups_and_entry_points() -> None:
    assert span("primary") == (0, 6)
    assert span("secondary") == (7, 11)
    assert span("sixth_form") == (12, 13)
    assert (RECEPTION, YEAR_7, YEAR_12) == (0, 7, 12)
    assert ENTRY_POINTS == (0, 7, 12)
    assert ALL_NCY == tuple(range(14))
    assert COMPULSORY_NCY == tuple(range(12))
    assert AREA_NCY == {"primary": tuple(range(7)), "secondary": tuple(range(7, 14))}
    # the Literal the API validates against names exactly the phases defined
    assert get_args(phases.Phase) == PHASES == tuple(PHASE_NCY)


def test_every_year_group_is_in_exactly_one_phase() -> None:
    counted = [n for years in PHASE_NCY.values() for n in years]
    assert sorted(counted) == list(ALL_NCY) and len(set(counted)) == len(counted)


def test_area_phase_counts_the_sixth_form_as_secondary() -> None:
    assert area_phase_of(6) == "primary"
    assert area_phase_of(7) == "secondary"
    assert area_phase_of(12) == "secondary"
    assert area_phase_of(pd.Series([0, 13])).tolist() == ["primary", "secondary"]


def test_school_phase_from_its_age_range() -> None:
    low = pd.Series([0, 3, 7, 11, 0, None])
    high = pd.Series([6, 6, 13, 13, 11, 6])
    # infant-to-Year-6, junior, 11-18, sixth-form-only, all-through, unknown
    out = school_phase(low, high)
    assert out[:5].tolist() == ["primary", "primary", "secondary", "secondary", "all-through"]
    assert pd.isna(out.iloc[5])


def test_all_through_schools_teach_both_planning_phases_and_are_planned_as_secondary() -> None:
    assert set(schools_teaching("primary")) == {"primary", "all-through"}
    assert set(schools_teaching("secondary")) == {"secondary", "all-through"}
    assert phases.SCHOOL_AREA_PHASE["all-through"] == "secondary" == area_phase_of(11)


def test_year_group_labels() -> None:
    assert (phases.ncy_label(0), phases.ncy_label(7), phases.ncy_short(0), phases.ncy_short(13)) == (
        "Reception", "Year 7", "R", "Y13")


def test_walking_distance_year_2_against_year_3_in_metres() -> None:
    # Year 2 pupils are at most 7 on 31 August: 2 miles. Year 3 pupils all turn 8 in the year: 3 miles.
    assert statute.walking_distance_m(2) == pytest.approx(2 * 1609.344) == pytest.approx(3218.688)
    assert statute.walking_distance_m(3) == pytest.approx(3 * 1609.344) == pytest.approx(4828.032)
    assert statute.walking_distance_m(0) == statute.walking_distance_m(2)
    assert statute.under_8(2) and not statute.under_8(3)
    limits = statute.walking_distance_m(pd.Series([0, 2, 3, 11], index=[5, 6, 7, 8]), 100.0, 200.0)
    assert limits.tolist() == [100.0, 100.0, 200.0, 200.0] and list(limits.index) == [5, 6, 7, 8]


def test_optimiser_walking_settings_default_to_the_statute() -> None:
    from optimiser.config import OptimiserConfig

    config = OptimiserConfig()
    assert config.walk_under_8_m == pytest.approx(3218.688)
    assert config.walk_from_8_m == pytest.approx(4828.032)
    assert config.walking_limit(2) == pytest.approx(3218.688)
    assert config.walking_limit(3) == pytest.approx(4828.032)
    assert config.year_groups == list(range(12))
    assert config.entry_ncys == [0, 7] and config.bulge_ncys == [0, 7]


@pytest.mark.parametrize(("year", "label"), [(2025, "2025/26"), (1999, "1999/00"), (2099, "2099/00"),
                                             (2100, "2100/01"), (2009, "2009/10")])
def test_academic_year_label_across_century_boundaries(year: int, label: str) -> None:
    assert academic_year(year) == label


def test_dfe_time_period_code() -> None:
    assert time_period(2016) == "201617"
    assert time_period(2099) == "209900"
