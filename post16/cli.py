"""``sufficiency post16 DATA_DIR``: participation, attainment at 19, sixth-form demand and risk of NEET."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sufficiency.core.cells import csv_frame
from sufficiency.core.commands import load_or_exit, run_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    from post16.config import Post16Config
    from post16.result import Post16Result


def _pupils(pupils_file: Path | None, config: Post16Config) -> tuple[Any, Any]:
    """The pupil table and the pseudonym key for ``--pupils`` (none without it)."""
    from pydantic import ValidationError

    from post16.config import Post16Settings
    from post16.risk import read_pupils

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
    return None, None


#: The command's default output folder: pupil-level lists are never written there.
DEFAULT_OUT = Path("post16_out")


def _pupil_list_path(pupil_list: Path, out: Path) -> Path:
    """Check where the user asked the pupil-level list to go: a CSV file, outside the output folders."""
    target = pupil_list.resolve()
    if target.suffix.lower() != ".csv":
        raise typer.BadParameter("name a .csv file for the pupil-level list, e.g. --pupil-list "
                                 "/secure/share/roni_2025.csv", param_hint="--pupil-list")
    for folder in {out.resolve(), DEFAULT_OUT.resolve()}:
        if target == folder or folder in target.parents:
            raise typer.BadParameter(
                f"{pupil_list} is inside the output folder {folder}, which holds aggregate tables that are shared "
                "and copied: write the pupil-level list to a secure place of its own, outside it.",
                param_hint="--pupil-list")
    return target


def _write_pupil_list(result: Post16Result, target: Path) -> list[Path]:
    """The ranked list (and the factors behind each score, ``<name>_factors.csv``) where the user named."""
    roni = result.roni
    if roni is None:
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    factors = target.with_name(f"{target.stem}_factors.csv")
    csv_frame(roni.ranked).to_csv(target, index=False)
    csv_frame(roni.factors).to_csv(factors, index=False)
    console.print(
        f"[bold red]Warning:[/] {target} and {factors.name} hold pupil-level personal data "
        f"({len(roni.ranked)} pupils under pseudonyms{', SYNTHETIC' if roni.synthetic else ''}). Keep them where only "
        f"those who work with these pupils can read them, share them with no one else, and delete them by "
        f"{roni.delete_after} (post16.list_retention_days).")
    return [target, factors]


def _write_outputs(result: Post16Result, out: Path) -> list[Path]:
    from post16.risk import calibration_chart

    out.mkdir(parents=True, exist_ok=True)
    written = []
    # Aggregate tables only: the pupil-level list goes where --pupil-list names, never here.
    for name, frame in result.tables().items():
        csv_frame(frame).to_csv(out / f"{name}.csv", index=False)
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
LaOpt = Annotated[str | None, typer.Option(
    help="The authority: DfE LA code (358), GSS code (E08000009) or name; default: the scenario's la_code.")]
OutOpt = Annotated[Path, typer.Option(help="Folder for the aggregate CSV and chart outputs (never pupil-level data).")]
PupilsOpt = Annotated[
    Path | None,
    typer.Option(help="Pupil CSV for the risk-of-NEET model (personal data).", exists=True, dir_okay=False),
]
SyntheticOpt = Annotated[
    bool, typer.Option("--synthetic-demo", help="Run the risk-of-NEET model on a SYNTHETIC cohort.")
]
ForecastOpt = Annotated[bool, typer.Option(help="Use the pupil forecast for Years 12-13 (else actual rolls).")]
PupilListOpt = Annotated[
    Path | None,
    typer.Option(help="CSV file for the ranked Year 9-11 list (personal data), outside the output folder; without "
                      "it the list is not written.", dir_okay=False),
]


def register(app: typer.Typer) -> None:
    """Add the ``post16`` command to the ``sufficiency`` app."""

    @app.command("post16")
    def post16_command(
        data_dir: DataDirArg,
        la: LaOpt = None,
        out: OutOpt = DEFAULT_OUT,
        pupils: PupilsOpt = None,
        synthetic_demo: SyntheticOpt = False,
        forecast: ForecastOpt = True,
        pupil_list: PupilListOpt = None,
    ) -> None:
        """Post-16: participation and NEET against the target, attainment at 19, sixth-form demand, risk of NEET.

        The pupil-level risk-of-NEET list is written only to the file --pupil-list names (outside --out)."""
        from post16.show import print_post16

        target = _pupil_list_path(pupil_list, out) if pupil_list is not None else None
        inputs = load_or_exit(data_dir)
        pupil_table, settings = _pupils(pupils, inputs.scenario.post16)
        options = {"la": la, "pupils": pupil_table, "pupil_settings": settings, "synthetic_pupils": synthetic_demo,
                   "today": dt.date.today()}
        earlier = {}
        if forecast:
            try:  # the forecast is optional here: say why it cannot run and use the actual rolls
                earlier = dict(run_or_exit(inputs, ["forecast"], label="Forecasting pupils...").results)
            except typer.Exit:
                console.print("[yellow]Forecast not available; sixth-form demand uses actual rolls.[/yellow]")
        run = run_or_exit(inputs, ["post16"], options, label="Post-16...", earlier=earlier)
        result = run.post16
        if result is None:
            console.print(f"[red]{data_dir}: post-16 not run: {run.provenance.skipped.get('post16', 'no result')}; "
                          "or pass --la.[/red]")
            raise typer.Exit(1)
        print_post16(result, console)
        written = _write_outputs(result, out)
        console.print(f"Wrote {len(written)} files to {out}")
        if result.roni is not None and target is None:
            console.print("The pupil-level list was not written: name a secure file for it with --pupil-list.")
        elif target is not None:
            _write_pupil_list(result, target)
