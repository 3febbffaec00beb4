"""Benchmark one authority against every English local authority on the LAIT measures.

For each measure and year, every LA with a published figure is ranked best first using the
measure's polarity from the LAIT data dictionary ("High": higher is better, "Low": lower is
better). Ties share the best rank (``method="min"``, as in sports tables). The quartile is
``ceil(4 * rank / n)`` so quartile 1 is the best quarter of authorities. The top-10% threshold
is the figure of the LA ranked ``ceil(0.1 * n)``: the weakest figure still inside the top 10%.
The distance from the top 10% is how far the authority must move, in the better direction, to
reach that threshold (0 when it is already there). The "top 5% nationally" test the strategies
set (for Level 3 at 19, among others) is the same with ``ceil(0.05 * n)``: ``top5_threshold`` and
``in_top5`` (the authority's rank is at most that). Measures without a polarity ("-") get a value
and national figure but no rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from standards.lait import ENGLAND, NON_LA_NUMBERS, la_numbers, lait_measures, lait_values

_COLUMNS = ["measure", "description", "topic", "polarity", "unit", "year", "value", "national",
            "rank", "n_las", "quartile", "top10_threshold", "distance_to_top10", "top5_threshold", "in_top5"]


def rank_all_las(lait: pd.DataFrame, measures: pd.DataFrame,
                 las: frozenset[int] | None = None) -> pd.DataFrame:
    """Rank every LA on every measure and year in ``lait``.

    Parameters
    ----------
    lait : pandas.DataFrame
        Long values: measure, year, la_number, value.
    measures : pandas.DataFrame
        Dictionary with at least measure and polarity.
    las : frozenset of int, optional
        LA numbers to rank (England and regions excluded); all shipped LAs by default.

    Returns
    -------
    pandas.DataFrame
        The input rows for LAs plus polarity, rank, n_las, quartile, top10_threshold and
        distance_to_top10.
    """
    las = la_numbers() if las is None else las
    df = lait[lait["la_number"].isin(las)].merge(measures[["measure", "polarity"]],
                                                 on="measure", how="left")
    df["polarity"] = df["polarity"].fillna("-")
    # Turn every measure into "higher is better" so one ranking serves both polarities.
    sign = df["polarity"].map({"High": 1.0, "Low": -1.0}).fillna(np.nan)
    df["_score"] = df["value"] * sign
    groups = df.groupby(["measure", "year"])["_score"]
    df["rank"] = groups.rank(ascending=False, method="min")
    df["n_las"] = groups.transform("count").where(sign.notna())
    df["quartile"] = np.ceil(4 * df["rank"] / df["n_las"]).clip(1, 4)
    cutoff_rank = np.ceil(0.1 * df["n_las"])
    # The weakest score still in the top 10%: the cutoff-th largest score in the group.
    ordered = df.sort_values("_score", ascending=False)
    ordered["_pos"] = ordered.groupby(["measure", "year"]).cumcount() + 1
    thresholds = (ordered[ordered["_pos"] == cutoff_rank.loc[ordered.index]]
                  .set_index(["measure", "year"])["_score"])
    df["_top10_score"] = pd.MultiIndex.from_frame(df[["measure", "year"]]).map(thresholds)
    df["top10_threshold"] = df["_top10_score"] * sign
    df["distance_to_top10"] = (df["_top10_score"] - df["_score"]).clip(lower=0)
    top5_rank = np.ceil(0.05 * df["n_las"])
    top5 = (ordered[ordered["_pos"] == top5_rank.loc[ordered.index]].set_index(["measure", "year"])["_score"])
    df["top5_threshold"] = pd.MultiIndex.from_frame(df[["measure", "year"]]).map(top5) * sign
    df["in_top5"] = (df["rank"] <= top5_rank).where(df["rank"].notna())
    return df.drop(columns=["_score", "_top10_score"])


def benchmark_la(la_number: int, year: int | None = None, measures: list[str] | None = None,
                 lait: pd.DataFrame | None = None,
                 dictionary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Benchmark one authority against every English LA.

    Parameters
    ----------
    la_number : int
        LAIT "LA Number" of the authority, e.g. 358 for Trafford.
    year : int, optional
        Academic year (by its autumn). By default the latest year with a figure for the
        authority, measure by measure.
    measures : list of str, optional
        LAIT measure codes; all shipped measures by default.
    lait, dictionary : pandas.DataFrame, optional
        Long LAIT values and the data dictionary; the shipped extract by default.

    Returns
    -------
    pandas.DataFrame
        One row per measure: measure, description, topic, polarity, unit, year, value, national,
        rank, n_las, quartile (1 best), top10_threshold, distance_to_top10, top5_threshold and
        in_top5 (whether the authority is in the top 5% of authorities).

    Raises
    ------
    ValueError
        When the authority has no figures at all.
    """
    lait = lait_values() if lait is None else lait
    dictionary = lait_measures() if dictionary is None else dictionary
    if measures is not None:
        lait = lait[lait["measure"].isin(measures)]
    # Every authority present in the data is ranked; England and the regions never are.
    ranked = rank_all_las(lait, dictionary,
                          las=frozenset(set(lait["la_number"]) - NON_LA_NUMBERS))
    own = ranked[ranked["la_number"] == la_number]
    if own.empty:
        raise ValueError(f"LA number {la_number} has no LAIT figures; check the LA number "
                         "(the three-digit DfE code, e.g. 358 for Trafford).")
    if year is None:
        own = own[own["year"] == own.groupby("measure")["year"].transform("max")]
    else:
        own = own[own["year"] == year]
    nat = lait.loc[lait["la_number"] == ENGLAND, ["measure", "year", "value"]]
    own = own.merge(nat.rename(columns={"value": "national"}), on=["measure", "year"],
                    how="left")
    described = [c for c in ("measure", "description", "topic", "unit") if c in dictionary.columns]
    own = own.merge(dictionary[described], on="measure", how="left")
    return own.reindex(columns=_COLUMNS).sort_values(["topic", "measure"]).reset_index(drop=True)
