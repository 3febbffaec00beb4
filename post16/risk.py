"""From a pupil table to a ranked, explained Year 9-11 risk-of-NEET list, with its evaluation.

The pupil table is the authority's own history (past cohorts with their NEET outcome at 16-17)
plus the pupils now in Years 9-11 (outcome empty). It is read, checked, cut to the retention
period and pseudonymised before anything else; logs carry counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from post16.config import Post16Config, Post16Settings
from post16.evaluation import calibration_table, choose_threshold, evaluate, fairness_report
from post16.privacy import PSEUDONYM_COLUMN, RAW_ID_COLUMN, apply_retention, delete_after, pseudonymise_table
from post16.roni import RoniModel
from sufficiency.core.errors import InputError, Problem
from sufficiency.core.years import academic_year

log = logging.getLogger(__name__)

RANKED_YEARS = (9, 10, 11)


@dataclass(frozen=True)
class RoniReport:
    """The risk-of-NEET model's choice, evaluation, fairness audit and ranked list.

    Attributes
    ----------
    synthetic
        True when the pupils came from :mod:`post16.synthetic` (every table says so).
    chosen_model, cv_log_loss
        The candidate chosen and each candidate's cross-validated log loss.
    surrogate_r2
        Fidelity of the explanation model (1.0 for logistic regression).
    metrics
        :func:`post16.evaluation.evaluate` on the held-out history.
    calibration
        Calibration curve of the held-out history.
    fairness
        :func:`post16.evaluation.fairness_report` on the held-out history.
    ranked
        Year 9-11 pupils by descending risk: ``rank, pupil_ref, school_id, ncy, risk, flagged,
        top_factors, synthetic, delete_after``.
    factors
        Long table of the factors behind each ranked pupil's score (``pupil_ref, order, factor,
        feature, value, contribution``).
    delete_after
        Date by which the ranked list must be deleted under the retention setting.
    """

    synthetic: bool
    chosen_model: str
    cv_log_loss: dict[str, float]
    surrogate_r2: float
    metrics: dict[str, float]
    calibration: pd.DataFrame
    fairness: pd.DataFrame
    #: Pupil-level (personal): never written into a run's output folder (its columns only).
    ranked: pd.DataFrame = field(metadata={"personal": True})
    factors: pd.DataFrame = field(metadata={"personal": True})
    delete_after: dt.date
    max_calibration_error: float
    #: How the model was evaluated, in words (e.g. "the latest cohort (Year 11 in 2024/25): 500 pupils").
    validated_on: str = ""
    #: What the held-out scores can and cannot say (always shown beside them).
    caveat: str = ""

    @property
    def calibration_within_bound(self) -> bool:
        """Whether held-out expected calibration error is within the configured bound."""
        return self.metrics["ece"] <= self.max_calibration_error

    @property
    def flags_withheld(self) -> bool:
        """No pupil is flagged because the model failed the calibration bound."""
        return not self.calibration_within_bound

    @property
    def flagged_groups(self) -> pd.DataFrame:
        """Rows of the fairness audit that differ materially."""
        return self.fairness[self.fairness["flag"]]


def read_pupils(path: Path | str, config: Post16Config) -> pd.DataFrame:
    """Read and check a pupil CSV (``pupil_id, ncy, neet`` and the model's feature columns).

    Raises
    ------
    sufficiency.InputError
        Listing every missing column and every out-of-range value by file, row and column.
    """
    path = Path(path)
    pupils = pd.read_csv(path, dtype={RAW_ID_COLUMN: "string"})
    check_pupils(pupils, config, file=path.name)
    return pupils


def check_pupils(pupils: pd.DataFrame, config: Post16Config, file: str = "pupils") -> None:
    """Raise :class:`sufficiency.InputError` naming each problem in a pupil table."""
    roni = config.roni
    required = [RAW_ID_COLUMN, "ncy", "neet", *roni.numeric_features, *roni.binary_features]
    problems = [
        Problem(file, None, col, "required column is missing", f"add a '{col}' column (see post16 docs)")
        for col in required
        if col not in pupils.columns and not (col == RAW_ID_COLUMN and PSEUDONYM_COLUMN in pupils.columns)
    ]
    rules = {col: (0, 1) for col in (*roni.binary_features, "neet")}
    # Attainment 8 is a score out of 90 (ten slots, English and maths double-weighted, grade 9 top); a pupil
    # cannot be suspended or move school a negative number of times, and 50 a year is beyond any record.
    rules.update({"attendance_pct": (0, 100), "ncy": (0, 14), "attainment8": (0, 90), "suspensions": (0, 50),
                  "school_moves": (0, 20)})
    for col, (low, high) in rules.items():
        if col not in pupils.columns:
            continue
        values = pd.to_numeric(pupils[col], errors="coerce")
        bad = pupils[col].notna() & (values.isna() | (values < low) | (values > high))
        # Row numbers as a spreadsheet shows them: header is row 1. Report the first few.
        for idx in np.flatnonzero(bad.to_numpy())[:5]:
            problems.append(
                Problem(file, int(idx) + 2, col, f"value '{pupils[col].iloc[idx]}' is outside {low}-{high}",
                        f"correct it to a number from {low} to {high}, or leave it empty if unknown")
            )
    if problems:
        raise InputError(problems)


def _ranked_list(model: RoniModel, current: pd.DataFrame, threshold: float, top: int, expiry: dt.date, synthetic: bool):
    if current.empty:  # no pupils in Years 9-11 yet: an empty list with the usual columns
        current = current.assign(risk=pd.Series(dtype=float))
        ranked = current[[PSEUDONYM_COLUMN, *[c for c in ("school_id", "ncy") if c in current.columns], "risk"]]
        ranked = ranked.assign(flagged=False, top_factors="", synthetic=synthetic, delete_after=expiry.isoformat())
        factors = pd.DataFrame(columns=[PSEUDONYM_COLUMN, "order", "factor", "feature", "value", "contribution"])
        return ranked.assign(rank=pd.Series(dtype=int))[["rank", *ranked.columns]], factors
    risk = model.risk(current)
    factors = model.explain(current, top=top)
    factors.insert(0, PSEUDONYM_COLUMN, current.loc[factors["row"], PSEUDONYM_COLUMN].to_numpy())
    factors = factors.drop(columns="row")
    joined = factors.groupby(PSEUDONYM_COLUMN, sort=False)["factor"].agg("; ".join)
    ranked = current[[PSEUDONYM_COLUMN, *[c for c in ("school_id", "ncy") if c in current.columns]]].copy()
    ranked["risk"] = np.round(risk, 4)
    ranked["flagged"] = risk >= threshold
    ranked["top_factors"] = ranked[PSEUDONYM_COLUMN].map(joined).fillna("")
    ranked["synthetic"] = synthetic
    ranked["delete_after"] = expiry.isoformat()
    ranked = ranked.sort_values("risk", ascending=False, kind="stable").reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked, factors


def train_and_rank(
    pupils: pd.DataFrame, config: Post16Config, settings: Post16Settings, today: dt.date | None = None
) -> RoniReport:
    """Fit the RONI model on the history, evaluate it on held-out pupils and rank Years 9-11.

    Parameters
    ----------
    pupils
        Pupil table (see :func:`check_pupils`); raw ids are replaced by pseudonyms at once.
    config
        Post-16 settings (features, tolerances, threshold rule, retention).
    settings
        Holds the pseudonym key.
    today
        Reference date for retention (defaults to today).

    Returns
    -------
    RoniReport
    """
    roni = config.roni
    check_pupils(pupils, config)
    # Two retention periods: past cohorts are kept longer, as the model learns from them; current pupils'
    # records (and the list made from them) for the list's own period.
    known = pd.to_numeric(pupils["neet"], errors="coerce").notna().to_numpy()
    pupils = pd.concat([apply_retention(pupils[known], config.training_retention_days, today),
                        apply_retention(pupils[~known], config.list_retention_days, today)], ignore_index=True)
    pupils = pseudonymise_table(pupils, settings)
    synthetic = bool(pupils["synthetic"].any()) if "synthetic" in pupils.columns else False
    outcome = pd.to_numeric(pupils["neet"], errors="coerce")
    history = pupils[outcome.notna().to_numpy()]
    current = pupils[outcome.isna().to_numpy() & pupils["ncy"].isin(RANKED_YEARS).to_numpy()]
    y = outcome[outcome.notna()].astype(int).to_numpy()
    if y.sum() < 2 * roni.cv_folds or len(history) < 200:
        raise ValueError(
            f"The pupil history has {len(history)} pupils and {int(y.sum())} NEET outcomes; the model needs at "
            f"least 200 pupils and {2 * roni.cv_folds} NEET outcomes. Add earlier cohorts."
        )
    log.info("risk-of-NEET model: %d pupils with outcomes, %d to rank", len(history), len(current))
    train, test, y_train, y_test, validated_on = _split(history, y, roni)
    model = RoniModel(roni.numeric_features, roni.binary_features, cv_folds=roni.cv_folds,
                      calibration_method=roni.calibration_method, random_state=roni.random_state).fit(train, y_train)
    test_risk = model.risk(test)
    threshold = choose_threshold(test_risk, roni.flag_share, roni.threshold)
    groups = _audit_groups(test, roni.fairness_groups)
    expiry = delete_after(config.list_retention_days, today)
    metrics = evaluate(y_test, test_risk, threshold, roni.calibration_bins)
    ranked, factors = _ranked_list(model, current, threshold, roni.top_factors, expiry, synthetic)
    if metrics["ece"] > roni.max_calibration_error:
        # A model whose risks are not probabilities must not pick pupils for support.
        ranked["flagged"] = False
    log.info("risk-of-NEET model chosen: %s; %d pupils flagged", model.chosen_, int(ranked["flagged"].sum()))
    return RoniReport(
        synthetic=synthetic,
        chosen_model=model.chosen_,
        cv_log_loss=model.cv_log_loss_,
        surrogate_r2=model.surrogate_r2_,
        metrics=metrics,
        calibration=calibration_table(y_test, test_risk, roni.calibration_bins),
        fairness=fairness_report(y_test, test_risk, groups, threshold, roni),
        ranked=ranked,
        factors=factors,
        delete_after=expiry,
        max_calibration_error=roni.max_calibration_error,
        validated_on=validated_on,
        caveat=auc_caveat(synthetic, validated_on),
    )


#: Said wherever the model's scores are shown for a synthetic cohort.
SYNTHETIC_CAVEAT = (
    "Trained and tested on SYNTHETIC pupils drawn from a logistic model of the same kind as the one fitted, so "
    "these scores (ROC AUC, PR AUC, calibration) say how well the method recovers its own assumptions, nothing "
    "about how well it ranks real pupils. Validate it on the authority's own past cohorts before use."
)


def auc_caveat(synthetic: bool, validated_on: str) -> str:
    """What the held-out scores can and cannot say, shown beside them everywhere."""
    if synthetic:
        return f"{SYNTHETIC_CAVEAT} Evaluated on {validated_on}."
    return (f"Evaluated on {validated_on} of the authority's own pupils; a later cohort can differ, so check "
            "the scores again each year.")


def _split(history: pd.DataFrame, y: np.ndarray, roni) -> tuple:
    """Train and test rows: the latest cohort held out (``validation: latest_cohort``), else a random share.

    Returns ``(train, test, y_train, y_test, validated_on)`` with ``validated_on`` in words.
    """
    cohorts = pd.to_numeric(history["cohort_year"], errors="coerce") if "cohort_year" in history.columns else None
    if roni.validation == "latest_cohort" and cohorts is not None and cohorts.nunique() > 1:
        latest = cohorts.max()
        test = (cohorts == latest).to_numpy()
        if y[test].sum() >= 1 and y[~test].sum() >= 2 * roni.cv_folds:
            label = f"the latest cohort (Year 11 in {academic_year(latest)}): {int(test.sum())} pupils"
            return history[~test], history[test], y[~test], y[test], label
    train, test, y_train, y_test = train_test_split(
        history, y, test_size=roni.test_share, stratify=y, random_state=roni.random_state
    )
    why = "" if roni.validation == "random" else " (no cohort_year with two or more cohorts to hold the latest out)"
    return train, test, y_train, y_test, f"a random {roni.test_share:.0%} of the history{why}: {len(test)} pupils"


def calibration_chart(report: RoniReport):
    """Reliability diagram of the held-out history: predicted against observed NEET rate.

    Returns
    -------
    matplotlib.figure.Figure
        Marked SYNTHETIC in the title when the cohort was synthetic.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    curve = report.calibration
    top = float(max(curve["mean_predicted"].max(), curve["observed_rate"].max(), 0.05)) * 1.05
    ax.plot([0, top], [0, top], ":", color="grey", label="Perfect calibration")
    ax.plot(curve["mean_predicted"], curve["observed_rate"], "-o", markersize=4,
            label=f"{report.chosen_model}, calibrated")
    ax.set_xlabel("Predicted risk of NEET")
    ax.set_ylabel("Observed NEET rate")
    label = " (SYNTHETIC DATA)" if report.synthetic else ""
    ax.set_title(f"Calibration on held-out pupils{label}\nECE {report.metrics['ece']:.3f}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _audit_groups(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The audited columns present, deriving ``sen_status`` from the SEN flags when absent."""
    groups = pd.DataFrame(index=frame.index)
    for col in columns:
        if col in frame.columns:
            groups[col] = frame[col]
        elif col == "sen_status" and {"ehcp", "sen_support"} <= set(frame.columns):
            groups[col] = np.select([frame["ehcp"] == 1, frame["sen_support"] == 1], ["EHCP", "SEN support"], "No SEN")
    return groups
