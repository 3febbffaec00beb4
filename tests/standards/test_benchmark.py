"""Benchmarking against every LA: ranks by hand on a fixture, and against the real LAIT data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from standards.benchmark import benchmark_la, rank_all_las
from standards.data.build import build, period_to_year
from standards.lait import DATA_DIR, lait_measures, lait_values

FIXTURE = pd.read_csv(Path(__file__).parent / "data" / "lait_fixture.csv")
DICTIONARY = pd.DataFrame({"measure": ["HighM", "LowM", "Neutral"],
                           "polarity": ["High", "Low", "-"],
                           "description": ["higher is better", "lower is better", "neither"],
                           "topic": ["T", "T", "T"]})


def _bench(la: int, year: int | None = None) -> pd.DataFrame:
    return benchmark_la(la, year=year, lait=FIXTURE, dictionary=DICTIONARY).set_index("measure")


@pytest.mark.parametrize("la, rank, quartile, distance", [
    # HighM 2024, best first: 106 (90), 101 (80), 102 = 103 (70), 104 (60), 105 (50); n = 6.
    # Quartile ceil(4 rank / 6); the top 10% is rank ceil(0.6) = 1, so the threshold is 90.
    (106, 1, 1, 0.0), (101, 2, 2, 10.0), (102, 3, 2, 20.0), (103, 3, 2, 20.0),
    (104, 5, 4, 30.0), (105, 6, 4, 40.0),
])
def test_high_polarity_ranks_by_hand(la, rank, quartile, distance) -> None:
    row = _bench(la, 2024).loc["HighM"]
    assert (row["rank"], row["quartile"], row["n_las"]) == (rank, quartile, 6)
    assert row["distance_to_top10"] == pytest.approx(distance)
    assert row["top10_threshold"] == 90 and row["national"] == 72 and row["polarity"] == "High"


@pytest.mark.parametrize("la, rank, quartile, distance", [
    # LowM 2024, best (lowest) first: 105 (1), 102 (3), 106 (4), 101 (5), 103 (8); n = 5
    # (104 has no figure). The top 10% is rank ceil(0.5) = 1: threshold 1.
    (105, 1, 1, 0.0), (102, 2, 2, 2.0), (106, 3, 3, 3.0), (101, 4, 4, 4.0), (103, 5, 4, 7.0),
])
def test_low_polarity_ranks_by_hand(la, rank, quartile, distance) -> None:
    row = _bench(la, 2024).loc["LowM"]
    assert (row["rank"], row["quartile"], row["n_las"]) == (rank, quartile, 5)
    assert row["distance_to_top10"] == pytest.approx(distance)
    assert row["top10_threshold"] == 1


def test_regions_and_england_are_never_ranked() -> None:
    ranked = rank_all_las(FIXTURE, DICTIONARY, frozenset(range(101, 107)))
    assert not ranked["la_number"].isin([970, 981]).any()
    # The region's 99 would otherwise be first.
    assert _bench(106, 2024).loc["HighM", "rank"] == 1


def test_neutral_polarity_has_value_but_no_rank() -> None:
    row = _bench(101, 2024).loc["Neutral"]
    assert row["value"] == 12 and row["national"] == 14 and row["polarity"] == "-"
    assert np.isnan(row["rank"]) and np.isnan(row["quartile"])


def test_latest_year_per_measure_by_default() -> None:
    bench = _bench(101)
    assert bench.loc["HighM", "year"] == 2024 and bench.loc["HighM", "value"] == 80
    earlier = _bench(101, 2023).loc["HighM"]
    # 2023: 102 (95), 101 (85): rank 2 of 2, quartile 4, threshold 95.
    assert (earlier["rank"], earlier["quartile"], earlier["distance_to_top10"]) == (2, 4, 10)


def test_unknown_la_is_explained() -> None:
    with pytest.raises(ValueError, match="LA number 123 has no LAIT figures"):
        benchmark_la(123, lait=FIXTURE, dictionary=DICTIONARY)


@pytest.mark.parametrize("label, year", [
    ("2024", 2023), ("2025 (prov)", 2024), ("2023/24", 2023), ("2023-24", 2023),
    ("2023-24 (OT)", 2023), ("2014-16", np.nan), ("2013/14-15/16", np.nan)])
def test_period_labels(label, year) -> None:
    got = period_to_year(label)
    assert (np.isnan(got) and np.isnan(year)) or got == year


def test_shipped_extract_has_polarity_for_every_measure() -> None:
    measures = lait_measures()
    assert set(lait_values()["measure"]) <= set(measures["measure"])
    assert measures["polarity"].isin(["High", "Low", "-"]).all()


def test_sample_borough_benchmark_is_real_trafford() -> None:
    bench = benchmark_la(358).set_index("measure")
    # Trafford's published KS2 RWM expected standard for 2024/25 is 72% (England 63%).
    assert bench.loc["KS2RWM_Expected_STD", ["year", "value", "national"]].tolist() == [2024, 72, 63]
    assert bench.loc["KS2RWM_Expected_STD", "quartile"] == 1


# ------------------------------------------------------------------ against the real LAIT data
MEASURES = {"KS2RWM_Expected_STD": ("2025", False), "TotAbs": ("2025", True),
            "AVG_Attain8_Score": ("2025", False), "16-17 NEET": ("2025", True),
            "TotPermEx": ("2023/24", True)}


@pytest.fixture(scope="module")
def raw_lait(shared_data: Path) -> pd.DataFrame:
    return pd.read_parquet(shared_data / "england/lait/bds_long_0.parquet",
                           columns=["Short Desc", "Years", "LA Number", "Values"])


@pytest.fixture(scope="module")
def benchmarks() -> dict[tuple[int, int], pd.DataFrame]:
    cache: dict[tuple[int, int], pd.DataFrame] = {}
    return cache


@pytest.mark.shared
@pytest.mark.parametrize("measure", sorted(MEASURES))
@pytest.mark.parametrize("la", [358, 330, 873])
def test_ranks_match_direct_computation_on_real_lait(raw_lait: pd.DataFrame, benchmarks: dict,
                                                     measure: str, la: int) -> None:
    raw = raw_lait
    label, lower_is_better = MEASURES[measure]
    rows = raw[(raw["Short Desc"] == measure) & (raw["Years"] == label)
               & (raw["LA Number"] < 970)]
    values = pd.to_numeric(rows["Values"], errors="coerce").dropna()
    numbers = rows.loc[values.index, "LA Number"].astype(int)
    mine = values[numbers == la].iloc[0]
    better = (values < mine) if lower_is_better else (values > mine)
    expected_rank = int(better.sum()) + 1
    key = (la, int(period_to_year(label)))
    if key not in benchmarks:
        benchmarks[key] = benchmark_la(la, year=key[1]).set_index("measure")
    got = benchmarks[key].loc[measure]
    assert got["value"] == pytest.approx(mine, rel=1e-4)
    assert got["rank"] == expected_rank
    assert got["n_las"] == len(values)


@pytest.mark.shared
def test_shipped_extract_rebuilds_from_shared_data(shared_data: Path, tmp_path: Path) -> None:
    build(shared_data / "england" / "lait", tmp_path)
    for name in ("lait_values.csv", "lait_measures.csv", "la_codes.csv"):
        assert (tmp_path / name).read_text() == (DATA_DIR / name).read_text(), name


def test_top_five_percent_by_hand() -> None:
    # HighM 2024, six authorities: the top 5% is rank ceil(0.3) = 1, so only 106 (90) is in it.
    assert _bench(106, 2024).loc["HighM", "in_top5"] and _bench(106, 2024).loc["HighM", "top5_threshold"] == 90
    assert not _bench(101, 2024).loc["HighM", "in_top5"]
    assert pd.isna(_bench(101, 2024).loc["Neutral", "in_top5"])


#: The measures the strategies name that the extract now carries, each read by hand from LAIT's
#: bds_long_0.parquet (the source file) for Trafford (358) and Barnet (302): (source "Years" label,
#: academic year it is filed under, Trafford's value, Barnet's value; None where LAIT suppresses it).
NAMED_MEASURES = {
    "LAC_KS2_ExpStd_RWM": ("2024", 2023, 50.0, None),  # looked-after children, KS2 RWM expected (%)
    "LAC_KS2_AVG_Prog8_R": ("2023", 2022, 0.49, 2.72),  # their KS2 progress in reading (score)
    "LAC_KS4_AVG_Attain8": ("2025", 2024, 19.7, 16.1),  # their Attainment 8 (score)
    "LAC_KS4_AVG_Prog8": ("2024", 2023, -1.28, -1.12),  # their Progress 8 (score)
    "CareLeaverEET": ("2025", 2024, 56.0, 64.0),  # care leavers in education, employment or training (%)
    "Level3Age19": ("2024", 2023, 72.853, 76.254),  # Level 3 by 19 (% of 19 year olds)
    "DAP_KS4_Prog8": ("2024", 2023, -0.43, 0.1),  # Progress 8 of disadvantaged pupils (score)
    "NonDAP_KS4_Prog8": ("2024", 2023, 0.52, 0.77),  # ... and of the others (score)
    "SusEdOverall_All": ("2023", 2022, 95.3, 94.7),  # KS4 pupils in sustained education or employment (%)
    "KS4_DES_Apprentice": ("2023", 2022, 1.9, 0.9),  # KS4 pupils going to apprenticeships (%)
    "KS4_DES_NotSus": ("2023", 2022, 2.9, 2.6),  # KS4 destination not sustained (%)
    "%_2yr_olds": ("2025", 2024, 76.7, 51.4),  # 2 year olds in funded early education (%)
    "%_3&4yr_olds": ("2025", 2024, 98.4, 84.6),  # 3 and 4 year olds taking up free early education (%)
}


@pytest.mark.parametrize("measure", sorted(NAMED_MEASURES))
def test_named_measures_are_shipped_as_published_for_two_authorities(measure: str) -> None:
    _, year, trafford, barnet = NAMED_MEASURES[measure]
    values = lait_values()
    for la, expected in ((358, trafford), (302, barnet)):
        found = values[(values["measure"] == measure) & (values["la_number"] == la) & (values["year"] == year)]
        if expected is None:
            assert found.empty  # suppressed in the source: absent, never zero
        else:
            assert found["value"].iloc[0] == pytest.approx(expected)
    assert measure in set(lait_measures()["measure"])


@pytest.mark.shared
@pytest.mark.parametrize("measure", sorted(NAMED_MEASURES))
def test_named_measures_match_the_source_file(measure: str) -> None:
    source = Path(__file__).resolve().parents[3] / "shared" / "data" / "england" / "lait" / "bds_long_0.parquet"
    if not source.exists():
        pytest.skip(f"shared data not present at {source}")
    raw = pd.read_parquet(source)
    label, _, trafford, barnet = NAMED_MEASURES[measure]
    for la, expected in ((358, trafford), (302, barnet)):
        cell = raw[(raw["Short Desc"] == measure) & (raw["LA Number"].astype(int) == la) & (raw["Years"] == label)]
        text = cell["Values"].str.strip().iloc[0]
        assert (text in ("-", "x", "c")) if expected is None else float(text) == pytest.approx(expected)


def test_level3_at_19_has_a_rank_and_the_top_five_percent_test() -> None:
    row = benchmark_la(358).set_index("measure").loc["Level3Age19"]
    assert row["year"] == 2023 and row["value"] == pytest.approx(72.853)
    level3 = lait_values()
    level3 = level3[(level3["measure"] == "Level3Age19") & (level3["year"] == 2023)
                    & ~level3["la_number"].isin([970, 980, 981, 982, 983, 984, 985, 986, 987, 988, 989, 990, 1000])]
    # Rank by hand: one more than the authorities above Trafford; the top 5% is the ceil(0.05 n) best.
    assert row["rank"] == int((level3["value"] > 72.853).sum()) + 1 and row["n_las"] == len(level3)
    cutoff = level3["value"].sort_values(ascending=False).iloc[int(np.ceil(0.05 * len(level3))) - 1]
    assert row["top5_threshold"] == pytest.approx(cutoff) and row["in_top5"] == (72.853 >= cutoff)
