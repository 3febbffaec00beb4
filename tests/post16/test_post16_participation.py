"""Participation, NEET and not known from NCCIS, checked by hand against the source files.

Each literal below was read from the DfE NCCIS LA dashboard CSV for that year
(``UD_NEETNK_LA_dashboard_*.csv``), columns TOTAL_participating_in_education_and_training_percent,
NEET_percent, Notknown_percent, NEET_not_known_percent, September_guarantee_Offer_made_percent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from post16.data.build_data import build_nccis
from post16.participation import group_splits, load_nccis, participation_table, resolve_la, trend_chart


@pytest.fixture(scope="module")
def nccis() -> pd.DataFrame:
    return load_nccis()


def _value(table: pd.DataFrame, year: int, measure: str, column: str = "la") -> float:
    row = table[(table["year"] == year) & (table["measure"] == measure)]
    assert len(row) == 1
    return row[column].iloc[0]


@pytest.mark.parametrize(
    ("la", "year", "participation", "neet", "not_known", "neet_nk", "guarantee"),
    [
        ("358", 2024, 94.5, 2.3, 1.8, 4.2, 96.3),  # Trafford
        ("E08000009", 2020, 94.2, 2.3, 2.5, 4.8, 96.1),  # Trafford by GSS code
        ("Camden", 2020, 95.0, 1.8, 1.4, 3.2, 98.7),
        ("886", 2021, 91.5, 2.8, 2.3, 5.1, 94.6),  # Kent
        ("370", 2024, 92.2, 3.9, 2.3, 6.2, 99.6),  # Barnsley
        ("890", 2021, 86.7, 4.6, 2.0, 6.6, 85.3),  # Blackpool
    ],
)
def test_figures_match_the_source_files(nccis, la, year, participation, neet, not_known, neet_nk, guarantee):
    table = participation_table(nccis, la)
    assert _value(table, year, "participation_pct") == pytest.approx(participation)
    assert _value(table, year, "neet_pct") == pytest.approx(neet)
    assert _value(table, year, "not_known_pct") == pytest.approx(not_known)
    assert _value(table, year, "neet_or_not_known_pct") == pytest.approx(neet_nk)
    assert _value(table, year, "september_guarantee_pct") == pytest.approx(guarantee)


def test_comparators_are_england_and_the_region(nccis):
    table = participation_table(nccis, "358")
    # England and North West rows of the 2025 and 2021 files (academic years 2024/25 and 2020/21).
    assert _value(table, 2024, "participation_pct", "england") == pytest.approx(92.0)
    assert _value(table, 2024, "participation_pct", "region") == pytest.approx(90.6)
    assert _value(table, 2020, "participation_pct", "region") == pytest.approx(92.7)
    assert _value(table, 2022, "neet_or_not_known_pct", "england") == pytest.approx(5.2)


def test_target_gap_and_the_boundary(nccis):
    trafford = participation_table(nccis, "358", target_pct=95.0)
    assert _value(trafford, 2024, "participation_pct", "gap_to_target") == pytest.approx(-0.5)
    assert not _value(trafford, 2024, "participation_pct", "meets_target")
    camden = participation_table(nccis, "202", target_pct=95.0)
    assert _value(camden, 2020, "participation_pct", "meets_target")  # exactly 95.0 meets it
    assert pd.isna(_value(camden, 2020, "neet_pct", "target"))


def test_rank_counts_the_authorities_doing_better(nccis):
    table = participation_table(nccis, "358")
    las = nccis[(nccis["geographic_level"] == "Local authority") & (nccis["year"] == 2024)]
    better = int((las["participation_pct"] > 94.5).sum())
    assert _value(table, 2024, "participation_pct", "rank") == better + 1
    # Luton's 2025-file (2024/25) participation is suppressed ('c') so 150 of 151 LAs are ranked.
    assert _value(table, 2024, "participation_pct", "of") == 150
    assert _value(table, 2024, "neet_pct", "of") == 151
    # For NEET, lower is better: the LA with the lowest NEET rate ranks first.
    best = las.loc[las["neet_pct"].idxmin(), "la_code"]
    assert _value(participation_table(nccis, best), 2024, "neet_pct", "rank") == 1


def test_suppressed_cells_are_missing_not_zero(nccis):
    luton = nccis[(nccis["la_name"] == "Luton") & (nccis["year"] == 2024)]
    assert luton["participation_pct"].isna().all()
    assert luton["september_guarantee_pct"].iloc[0] == pytest.approx(97.0)


def test_send_and_vulnerable_group_splits(nccis):
    splits = group_splits(nccis, "358")
    row = splits[(splits["year"] == 2023) & (splits["group"] == "EHCP")].iloc[0]
    assert (row["cohort_share_pct"], row["la"], row["england"]) == pytest.approx((6.3, 9.8, 10.2))
    vg = splits[(splits["year"] == 2023) & (splits["group"] == "Vulnerable group")].iloc[0]
    assert vg["la"] == pytest.approx(15.4)
    assert vg["gap_to_england"] == pytest.approx(15.4 - 27.7, abs=0.05)
    # The 2021 file (2020/21) has no LA-level splits: those years are left out, not reported as zero.
    assert 2020 not in set(splits["year"])


def test_unknown_authority_names_what_to_type(nccis):
    with pytest.raises(LookupError, match="three-digit DfE code"):
        resolve_la(nccis, "Atlantis")
    assert resolve_la(nccis, "trafford")["la_code"] == "358"


def test_trend_chart_has_both_panels_and_the_target(nccis):
    fig = trend_chart(participation_table(nccis, "358"), "Trafford", 95.0)
    axes = fig.get_axes()
    assert len(axes) == 2
    target_lines = [line for line in axes[0].get_lines() if np.allclose(line.get_ydata(), 95.0)]
    assert target_lines


@pytest.mark.shared
def test_shipped_table_rebuilds_from_the_shared_source(shared_neet_dir):
    rebuilt = build_nccis(shared_neet_dir)
    shipped = load_nccis()
    assert len(rebuilt) == len(shipped)
    key = ["year", "geographic_level", "region_code", "la_code"]
    merged = shipped.merge(rebuilt, on=key, suffixes=("", "_new"))
    assert len(merged) == len(shipped)
    for col in ("participation_pct", "neet_pct", "not_known_pct", "september_guarantee_pct"):
        assert np.allclose(merged[col], merged[f"{col}_new"], equal_nan=True)


def test_each_year_names_the_months_it_averages(nccis):
    # The 2025 file is the December 2024 to February 2025 average: academic year 2024/25, filed under
    # 2024 here as in LAIT (and the standards KPI tables), with the same figure: one figure, one label.
    table = participation_table(nccis, "358")
    assert _value(table, 2024, "neet_or_not_known_pct", "period") == "Dec 2024-Feb 2025"
    splits = group_splits(nccis, "358")
    assert set(splits.loc[splits["year"] == 2023, "period"]) == {"Dec 2023-Feb 2024"}
    from standards.lait import la_series

    lait = la_series(358).set_index(["measure", "year"])["value"]
    assert lait[("16-17_not known_NEET", 2024)] == pytest.approx(_value(table, 2024, "neet_or_not_known_pct"))


def test_one_figure_one_source_one_rank_one_label(nccis):
    """NEET or not known for Trafford in 2024/25 (4.2%) is ranked once, from NCCIS, under one year label."""
    from standards.result import RANKED_BY_POST16, run_standards
    from sufficiency.core.inputs import load_inputs
    from sufficiency.sample import sample_dir

    table = participation_table(nccis, "358")
    las = nccis[(nccis["geographic_level"] == "Local authority") & (nccis["year"] == 2024)]
    # Hand-checked: 51 of the 151 authorities NCCIS lists had a lower rate than Trafford's 4.2 in 2024/25.
    assert int((las["neet_or_not_known_pct"] < 4.2).sum()) == 51
    assert _value(table, 2024, "neet_or_not_known_pct", "rank") == 52
    assert _value(table, 2024, "neet_or_not_known_pct", "of") == 151
    inputs = load_inputs(sample_dir())
    standards = run_standards(inputs.school_indicators, inputs.schools, inputs.rolls, la="358")
    # The standards benchmark no longer ranks the same figure again (LAIT's copy ranked it 53 of 153).
    assert not set(RANKED_BY_POST16) & set(standards.benchmark["measure"])
    assert any("benchmarked once, in the post-16 part" in n for n in standards.notes)


def test_apprenticeships_at_16_17_from_the_source(nccis):
    # NCCIS "2025" file (2024/25), Apprenticeship_percent: Trafford 6.3, Barnsley 5.2 (read from the file).
    assert _value(participation_table(nccis, "358"), 2024, "apprenticeship_pct") == pytest.approx(6.3)
    assert _value(participation_table(nccis, "370"), 2024, "apprenticeship_pct") == pytest.approx(5.2)
