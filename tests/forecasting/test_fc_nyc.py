"""The NYC district panel (real data, skipped without the shared folder)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forecasting import backtest
from forecasting.external import read_nyc_snapshot

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def nyc(shared_data):
    schools, rolls = read_nyc_snapshot(shared_data / "nyc" / "2013_-_2018_Demographic_Snapshot_School.csv")
    return SimpleNamespace(schools=schools, rolls=rolls)


def test_reader_gives_32_districts_k12_five_years(nyc):
    assert nyc.schools.planning_area_id.nunique() == 32
    assert sorted(nyc.rolls.ncy.unique()) == list(range(13))
    assert sorted(nyc.rolls.year.unique()) == [2013, 2014, 2015, 2016, 2017]
    assert nyc.rolls.pupils.dtype.kind == "i"


def test_beats_three_year_mean_cohort_survival(nyc):
    m = backtest(nyc, [2015, 2016], 2)
    area = m[m.level == "area_total"].set_index(["model", "horizon"])
    for h in (1, 2):
        assert area.loc[("sufficiency", h), "mape"] < area.loc[("csr_mean_3", h), "mape"]
        assert abs(area.loc[("sufficiency", h), "mean_signed_error"]) <= 0.5
    cells = m[(m.model == "sufficiency") & (m.level != "authority_total")]
    assert cells.coverage_80.between(0.70, 0.90).all()
