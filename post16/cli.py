"""``sufficiency post16 DATA_DIR``: participation, attainment at 19, sixth-form demand and risk of NEET."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from post16.config import Post16Config, Post16Settings
from post16.privacy import ephemeral_settings
from post16.result import Post16Result, run_post16
from post16.risk import calibration_chart, read_pupils
from post16.synthetic import synthetic_pupils

log = logging.getLogger(__name__)
MEASURE_NAMES = {
    "participation_pct": "In education or training",
    "neet_pct": "NEET",
    "not_known_pct": "Not known",
    "neet_or_not_known_pct": "NEET or not known",
    "september_guarantee_pct": "September Guarantee offers",
}


def _config(inputs) -> Post16Config:
    section = getattr(inputs.scenario, "post16", None)
    return section if isinstance(section, Post16Config) else Post16Config.model_validate(section or {})


def _demand(inputs, console: Console) -> tuple[pd.DataFrame | None, str]:
    """Year 12-13 numbers: actual rolls to the base year, then the forecast by school when it runs.

    Keeping the actual years in front of the forecast lets the first forecast year's Year 13 be
    compared with the base year's actual Year 12 (the drop-out between them).
    """
    try:
        from forecasting.forecast import run_forecast
    except ImportError:
        return inputs.rolls, "actual rolls"
    try:
        forecast = run_forecast(inputs)
    except Exception as exc:  # the forecast is optional here: say why and fall back to the rolls
        console.print(f"[yellow]Forecast not available ({exc}); sixth-form demand uses actual rolls.[/yellow]")
        return inputs.rolls, "actual rolls"
    actual = inputs.rolls[inputs.rolls["year"] <= forecast.base_year]
    cols = ["school_id", "year", "ncy", "pupils"]
    demand = pd.concat([actual[cols], forecast.by_school[cols]], ignore_index=True)
    return demand, f"actual rolls to {forecast.base_year}, forecast by school after"


def _pupils(pupils_file: Path | None, synthetic_demo: bool, config: Post16Config):
    if pupils_file is not None:
        try:
            settings = Post16Settings()
        except ValidationError as exc:
            raise typer.BadParameter(
                "pupil data needs a pseudonym key: set SUFFICIENCY_POST16_PSEUDONYM_KEY to a secret of at least "
                f"16 characters (for example the output of `openssl rand -hex 32`). ({exc.errors()[0]['msg']})",
                param_hint="--pupils",
            ) from None
        return read_pupils(pupils_file, config), settings
    if synthetic_demo:
        return synthetic_pupils(random_state=config.roni.random_state), ephemeral_settings(config.roni.random_state)
    return None, None


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
        table.add_row(*[str(v) if col == "year" else _fmt(v) for col, v in zip(columns, row)])
    return table


def _roni_tables(result: Post16Result) -> list[Table]:
    roni = result.roni
    label = " [SYNTHETIC DATA]" if roni.synthetic else ""
    m = roni.metrics
    summary = Table(title=f"Risk-of-NEET model{label}: {roni.chosen_model}, calibrated")
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


def _write_outputs(result: Post16Result, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.tables(include_personal=True).items():
        frame.to_csv(out / f"{name}.csv", index=False)
        written.append(out / f"{name}.csv")
    figures = {"participation_trend.png": result.trend_figure()}
    if result.roni is not None:
        tag = "_SYNTHETIC" if result.roni.synthetic else ""
        figures[f"roni_calibration{tag}.png"] = calibration_chart(result.roni)
    for name, fig in figures.items():
        fig.savefig(out / name)
        written.append(out / name)
    return written


DataDirArg = Annotated[
    Path, typer.Argument(help="Data folder (schools, rolls, scenario.yaml ...).", exists=True, file_okay=False)
]
LaOpt = Annotated[str | None, typer.Option(help="LA code (358), GSS code or name; default post16.la_code.")]
OutOpt = Annotated[Path, typer.Option(help="Folder for the CSV and chart outputs.")]
PupilsOpt = Annotated[
    Path | None,
    typer.Option(help="Pupil CSV for the risk-of-NEET model (personal data).", exists=True, dir_okay=False),
]
SyntheticOpt = Annotated[
    bool, typer.Option("--synthetic-demo", help="Run the risk-of-NEET model on a SYNTHETIC cohort.")
]
ForecastOpt = Annotated[bool, typer.Option(help="Use the pupil forecast for Years 12-13 (else actual rolls).")]
SIXTH_FORM_COLUMNS = [
    "year", "year12", "year13", "places", "surplus", "shortfall", "providers_short", "retention_12_to_13_pct",
]


def _print_result(result: Post16Result, console: Console) -> None:
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
        console.print(f"Ranked Year 9-11 list: {len(ranked)} pupils (pseudonymised), "
                      f"{int(ranked['flagged'].sum())} flagged; delete after {result.roni.delete_after}.")
    for note in result.notes:
        console.print(f"[yellow]{note}[/yellow]")


def register(app: typer.Typer) -> None:
    """Add the ``post16`` command to the ``sufficiency`` app."""

    @app.command("post16")
    def post16_command(
        data_dir: DataDirArg,
        la: LaOpt = None,
        out: OutOpt = Path("post16_out"),
        pupils: PupilsOpt = None,
        synthetic_demo: SyntheticOpt = False,
        forecast: ForecastOpt = True,
    ) -> None:
        """Post-16: participation and NEET against the target, attainment at 19, sixth-form demand, risk of NEET."""
        from sufficiency import InputError, load_inputs

        from sufficiency.core.display import console
        try:
            inputs = load_inputs(data_dir)
        except InputError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        config = _config(inputs)
        demand, source = _demand(inputs, console) if forecast else (inputs.rolls, "actual rolls")
        pupil_table, settings = _pupils(pupils, synthetic_demo, config)
        try:
            result = run_post16(config, la=la, demand=demand, demand_source=source, schools=inputs.schools,
                                pupils=pupil_table, settings=settings, today=dt.date.today())
        except (LookupError, ValueError) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        _print_result(result, console)
        written = _write_outputs(result, out)
        console.print(f"Wrote {len(written)} files to {out}")
