"""The post-16 part of a run in the terminal: participation against the target, SEND and vulnerable
groups, attainment at 19, sixth-form demand and the risk-of-NEET model's evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from post16.result import Post16Result
    from sufficiency.core.result import ScenarioResult

MEASURE_NAMES = {
    "participation_pct": "In education or training",
    "neet_pct": "NEET",
    "not_known_pct": "Not known",
    "neet_or_not_known_pct": "NEET or not known",
    "september_guarantee_pct": "September Guarantee offers",
    "apprenticeship_pct": "In an apprenticeship",
    "level2_at_19": "Level 2 by age 19",
    "level3_at_19": "Level 3 by age 19",
}
SIXTH_FORM_COLUMNS = [
    "year", "year12", "year13", "places", "surplus", "shortfall", "providers_short", "retention_12_to_13_pct",
]


def _fmt(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "-"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.{digits}f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _participation_table(result: Post16Result) -> Table:
    table = Table(title=f"16-17 year olds, {result.la_name} (NCCIS; % of cohort)")
    for col in ("Measure", "Months averaged", result.la_name, "Region", "England", "Rank", "Target"):
        table.add_column(col, justify="left" if col == "Measure" else "right")
    latest_year = result.participation["year"].max()
    for _, row in result.participation[result.participation["year"] == latest_year].iterrows():
        target = "-" if pd.isna(row["target"]) else f"{row['target']:g} ({'met' if row['meets_target'] else 'not met'})"
        table.add_row(MEASURE_NAMES.get(row["measure"], row["measure"]), row["period"], _fmt(row["la"]),
                      _fmt(row["region"]), _fmt(row["england"]), f"{row['rank']} of {row['of']}", target)
    return table


def _frame_table(title: str, frame: pd.DataFrame, columns: list[str]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right")
    for row in frame[columns].itertuples(index=False):  # keeps each column's type: years stay whole
        table.add_row(*[str(v) if col == "year" else _fmt(v) for col, v in zip(columns, row, strict=True)])
    return table


def _roni_tables(result: Post16Result) -> list[Table]:
    roni = result.roni
    label = " [SYNTHETIC DATA]" if roni.synthetic else ""
    m = roni.metrics
    summary = Table(title=f"Risk-of-NEET model{label}: {roni.chosen_model}, calibrated",
                    caption=roni.caveat or None)
    summary.add_column("Measure")
    summary.add_column("Model", justify="right")
    summary.add_column("Baseline (base rate)", justify="right")
    rows = [
        ("CV log loss", f"{roni.cv_log_loss[roni.chosen_model]:.4f}", "-"),
        ("Held-out log loss", f"{m['log_loss']:.4f}", f"{m['baseline_log_loss']:.4f}"),
        ("ROC AUC", f"{m['roc_auc']:.3f}", "0.500"),
        ("PR AUC", f"{m['pr_auc']:.3f}", f"{m['baseline_pr_auc']:.3f}"),
        ("Expected calibration error", f"{m['ece']:.3f} (bound {roni.max_calibration_error:g})", "-"),
        (f"Recall at threshold {m['threshold']:.3f}", f"{m['recall']:.2f}", "-"),
        ("Share flagged", f"{m['flagged_share']:.2f}", "-"),
    ]
    for row in rows:
        summary.add_row(*row)
    flagged = roni.flagged_groups
    fairness = Table(title=f"Groups whose calibration or recall differs materially{label}")
    for col in ("Attribute", "Group", "Pupils", "NEET", "Observed", "Predicted", "Recall", "Why"):
        fairness.add_column(col)
    for _, row in flagged.iterrows():
        fairness.add_row(str(row["attribute"]), str(row["group"]), str(row["n"]), str(row["neet"]),
                         f"{row['observed_rate']:.3f}", f"{row['mean_predicted']:.3f}", _fmt(row["recall"], 2),
                         row["reason"])
    return [summary, fairness]


def print_post16(result: Post16Result, console: Console) -> None:
    console.print(_participation_table(result))
    groups = result.groups[result.groups["year"] == result.groups["year"].max()]
    console.print(_frame_table("SEND and vulnerable groups: NEET or not known (%)", groups,
                               ["period", "group", "cohort_share_pct", "la", "region", "england"]))
    if not result.attainment19.empty:
        latest = result.attainment19[result.attainment19["year"] == result.attainment19["year"].max()]
        console.print(_frame_table("Attainment by 19 (%)", latest,
                                   ["year", "measure", "la", "target", "gap_to_target", "england"]))
    if result.sixth_form_totals is not None:
        console.print(_frame_table(f"Sixth-form demand ({result.sixth_form_source})", result.sixth_form_totals,
                                   SIXTH_FORM_COLUMNS))
    if result.roni is not None:
        for table in _roni_tables(result):
            console.print(table)
        ranked = result.roni.ranked
        flagged = ("none flagged: the model failed the calibration bound" if result.roni.flags_withheld
                   else f"{int(ranked['flagged'].sum())} flagged")
        console.print(f"Ranked Year 9-11 list: {len(ranked)} pupils (pseudonymised), {flagged}; "
                      f"delete after {result.roni.delete_after}.")
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")


def print_result(result: ScenarioResult) -> None:
    """The post-16 part of a run."""
    from sufficiency.core.display import console

    print_post16(result.post16, console)
