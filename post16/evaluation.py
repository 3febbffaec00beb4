"""How good and how fair a risk-of-NEET score is: discrimination, calibration, recall by group.

All functions are pure, on arrays of outcomes (0/1) and predicted probabilities, so they apply to
any model and can be checked by hand on small fixtures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from post16.config import RoniConfig


def choose_threshold(y_prob: np.ndarray, flag_share: float, threshold: float | None = None) -> float:
    """The risk above which a pupil is flagged: ``threshold`` if set, else the top ``flag_share``.

    The quantile rule flags the share of pupils the service can work with; ties at the cut are
    all flagged.
    """
    if threshold is not None:
        return float(threshold)
    return float(np.quantile(np.asarray(y_prob, dtype=float), 1.0 - flag_share, method="higher"))


def calibration_table(y_true: np.ndarray, y_prob: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Calibration curve on quantile bins of predicted risk.

    Returns
    -------
    pandas.DataFrame
        ``bin, n, mean_predicted, observed_rate, lower, upper`` per bin (bins with equal
        predictions merge). ``lower``/``upper``: the bin's range of predicted risk.
    """
    y_true, y_prob = np.asarray(y_true, dtype=float), np.asarray(y_prob, dtype=float)
    edges = np.unique(np.quantile(y_prob, np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.searchsorted(edges, y_prob, side="right") - 1, 0, max(len(edges) - 2, 0))
    frame = pd.DataFrame({"bin": bins, "y": y_true, "p": y_prob})
    table = frame.groupby("bin").agg(
        n=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean"),
        lower=("p", "min"), upper=("p", "max"),
    )
    return table.reset_index()


def expected_calibration_error(y_true: np.ndarray, y_prob: np.ndarray, n_bins: int = 10) -> float:
    """Mean absolute gap between predicted and observed rates over quantile bins, weighted by size."""
    table = calibration_table(y_true, y_prob, n_bins)
    gaps = (table["mean_predicted"] - table["observed_rate"]).abs()
    return float((gaps * table["n"]).sum() / table["n"].sum())


def _recall_precision(y_true: np.ndarray, flagged: np.ndarray) -> tuple[float, float]:
    positives, hits = y_true.sum(), (flagged & (y_true == 1)).sum()
    recall = hits / positives if positives else np.nan
    precision = hits / flagged.sum() if flagged.sum() else np.nan
    return float(recall), float(precision)


def evaluate(y_true: np.ndarray, y_prob: np.ndarray, threshold: float, n_bins: int = 10) -> dict[str, float]:
    """Discrimination, calibration and recall at the threshold, with a trivial baseline beside them.

    The baseline gives every pupil the observed base rate: AUC 0.5, PR AUC equal to the base rate,
    and the log loss and Brier score of that constant.

    Returns
    -------
    dict
        ``n, neet, base_rate, roc_auc, pr_auc, log_loss, brier, ece, threshold, recall, precision,
        flagged_share, baseline_log_loss, baseline_brier, baseline_pr_auc``.
    """
    y_true, y_prob = np.asarray(y_true, dtype=int), np.asarray(y_prob, dtype=float)
    base = float(y_true.mean())
    flagged = y_prob >= threshold
    recall, precision = _recall_precision(y_true, flagged)
    constant = np.full_like(y_prob, base)
    return {
        "n": int(len(y_true)),
        "neet": int(y_true.sum()),
        "base_rate": base,
        "roc_auc": float(roc_auc_score(y_true, y_prob)),
        "pr_auc": float(average_precision_score(y_true, y_prob)),
        "log_loss": float(log_loss(y_true, np.clip(y_prob, 1e-6, 1 - 1e-6), labels=[0, 1])),
        "brier": float(brier_score_loss(y_true, y_prob)),
        "ece": expected_calibration_error(y_true, y_prob, n_bins),
        "threshold": float(threshold),
        "recall": recall,
        "precision": precision,
        "flagged_share": float(flagged.mean()),
        "baseline_log_loss": float(log_loss(y_true, constant, labels=[0, 1])),
        "baseline_brier": float(brier_score_loss(y_true, constant)),
        "baseline_pr_auc": base,
    }


def fairness_report(
    y_true: np.ndarray, y_prob: np.ndarray, groups: pd.DataFrame, threshold: float, config: RoniConfig | None = None
) -> pd.DataFrame:
    """Calibration and recall for every group of every audited column, with material gaps flagged.

    A group is judged when it has at least ``min_group_size`` pupils and five NEET outcomes.
    It is flagged for calibration when its mean predicted risk differs from its observed NEET rate
    by more than ``group_calibration_tolerance`` and by more than two binomial standard errors of
    the observed rate (so chance in a small group is not called bias); for recall when its recall
    at the threshold differs from the overall recall by more than ``group_recall_tolerance`` and
    by more than two binomial standard errors (on the group's NEET count).

    Parameters
    ----------
    y_true, y_prob
        Outcomes (0/1) and predicted probabilities, aligned with ``groups``.
    groups
        One column per audited attribute (e.g. ``sen_status``, ``gender``).
    threshold
        Risk at which pupils are flagged.
    config
        Tolerances; defaults to :class:`post16.config.RoniConfig`.

    Returns
    -------
    pandas.DataFrame
        ``attribute, group, n, neet, observed_rate, mean_predicted, calibration_gap,
        calibration_se, recall, recall_gap, recall_se, precision, judged, calibration_flag, recall_flag,
        flag, reason``.
    """
    config = config or RoniConfig()
    y_true, y_prob = np.asarray(y_true, dtype=int), np.asarray(y_prob, dtype=float)
    flagged = y_prob >= threshold
    overall_recall, _ = _recall_precision(y_true, flagged)
    frame = pd.DataFrame({"y": y_true, "p": y_prob, "flagged": flagged, "hit": flagged & (y_true == 1)})
    table = _group_rates(frame, groups)
    table["calibration_gap"] = table["mean_predicted"] - table["observed_rate"]
    rate = table["observed_rate"].clip(1e-3, 1 - 1e-3)
    table["calibration_se"] = np.sqrt(rate * (1 - rate) / table["n"])
    table["recall"] = table["hits"] / table["neet"].replace(0, np.nan)
    table["precision"] = table["hits"] / table["flagged_n"].replace(0, np.nan)
    table["recall_gap"] = table["recall"] - overall_recall
    table["judged"] = (table["n"] >= config.min_group_size) & (table["neet"] >= 5)
    gap = table["calibration_gap"].abs()
    table["calibration_flag"] = (
        table["judged"] & (gap > config.group_calibration_tolerance) & (gap > 2 * table["calibration_se"])
    )
    # Recall in a group of a few dozen NEET outcomes is noisy; require the gap to pass two standard errors too.
    recall_se = np.sqrt(overall_recall * (1 - overall_recall) / table["neet"].clip(lower=1))
    table["recall_se"] = recall_se
    recall_gap = table["recall_gap"].abs()
    table["recall_flag"] = table["judged"] & (recall_gap > config.group_recall_tolerance) & (recall_gap > 2 * recall_se)
    table["flag"] = table["calibration_flag"] | table["recall_flag"]
    table["reason"] = _reasons(table)
    cols = [
        "attribute", "group", "n", "neet", "observed_rate", "mean_predicted", "calibration_gap", "calibration_se",
        "recall", "recall_gap", "recall_se", "precision", "judged", "calibration_flag", "recall_flag", "flag", "reason",
    ]
    return table[cols]


def _group_rates(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Counts and rates per group of each audited column (missing values form an 'Unknown' group)."""
    parts = []
    for attribute in groups.columns:
        keyed = frame.assign(group=groups[attribute].astype("string").fillna("Unknown").to_numpy())
        agg = keyed.groupby("group").agg(
            n=("y", "size"), neet=("y", "sum"), observed_rate=("y", "mean"), mean_predicted=("p", "mean"),
            flagged_n=("flagged", "sum"), hits=("hit", "sum"),
        )
        agg.insert(0, "attribute", attribute)
        parts.append(agg.reset_index())
    return pd.concat(parts, ignore_index=True)


def _reasons(table: pd.DataFrame) -> pd.Series:
    """Plain words for each flag, e.g. 'risk under-stated by 6.1 points'."""
    under = np.where(table["calibration_gap"] < 0, "under-stated", "over-stated")
    calib = np.where(
        table["calibration_flag"],
        "risk " + pd.Series(under) + " by " + (table["calibration_gap"].abs() * 100).round(1).astype(str) + " points",
        "",
    )
    recall = np.where(
        table["recall_flag"],
        "recall " + (table["recall"] * 100).round(0).astype("Int64").astype(str) + "% vs overall "
        + ((table["recall"] - table["recall_gap"]) * 100).round(0).astype("Int64").astype(str) + "%",
        "",
    )
    both = pd.Series(calib).str.cat(pd.Series(recall), sep="; ").str.strip("; ")
    return both.where(table["judged"].to_numpy(), "too few pupils or outcomes to judge")
