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


def _write_outputs(result: Post16Result, out: Path) -> list[Path]:
    from post16.risk import calibration_chart

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.tables(include_personal=True).items():
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
OutOpt = Annotated[Path, typer.Option(help="Folder for the CSV and chart outputs.")]
PupilsOpt = Annotated[
    Path | None,
    typer.Option(help="Pupil CSV for the risk-of-NEET model (personal data).", exists=True, dir_okay=False),
]
SyntheticOpt = Annotated[
    bool, typer.Option("--synthetic-demo", help="Run the risk-of-NEET model on a SYNTHETIC cohort.")
]
ForecastOpt = Annotated[bool, typer.Option(help="Use the pupil forecast for Years 12-13 (else actual rolls).")]


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
        from post16.show import print_post16

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
