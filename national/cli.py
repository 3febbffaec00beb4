"""``sufficiency national``: every authority of a national folder in one Dask job."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sufficiency.core.commands import OutDir, ScenarioFile, StoreOption, scenario_file_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from national.job import NationalResult

INSTALL = ("national runs need Dask's distributed scheduler: pip install 'dask[distributed]' bokeh "
           "(both are in the package's dependencies: 'make install' installs them)")


def national(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Argument(
        help="A national data folder: canonical tables with an la_code column, or one sub-folder per authority. "
             "Default: the national extract shipped with the package (every English authority, 2011/12-2016/17).",
        show_default=False)] = None,
    scenario: ScenarioFile = None,
    paths: Annotated[int, typer.Option("--paths", min=1, help="Sampled futures per authority.")] = 1000,
    plan: Annotated[bool, typer.Option("--plan", help="Also choose each authority's capital programme.")] = False,
    accuracy: Annotated[bool, typer.Option(
        "--accuracy/--no-accuracy", help="Score the forecast on each authority's own past years, beside the "
        "3-year mean and its own forecasts (DfE School Places Scorecards).")] = True,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786); default a local cluster of "
        "one worker process per core.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Workers of the local cluster "
                                                "(default one per core).")] = None,
    authority: Annotated[list[str] | None, typer.Option(
        "--authority", help="Run only this authority (its la_code; repeatable).")] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Skip authorities whose results with the "
                                         "same settings are already under --out.")] = True,
    store: StoreOption = None,
    out: OutDir = Path("out/national"),
) -> None:
    """Forecast (and with --plan, plan) every authority of a national folder in one job on Dask: places
    needed by authority, phase and year with intervals from sampled futures, the chance each authority is
    short, programme costs, and a table of the authorities that failed and why. Results are written per
    authority as each finishes, so a stopped job resumes where it was."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        console.print(f"[red]{INSTALL}[/]")
        raise typer.Exit(1) from None
    from national.authority import Settings
    from national.build import SHIPPED
    from national.folder import NationalFolderError
    from national.job import run_national
    from national.record import RunRecord

    data = data or SHIPPED
    settings = Settings(n_paths=paths, plan=plan, accuracy=accuracy, overrides=scenario_file_or_exit(scenario) or {})
    record = RunRecord.create(_sessions(ctx, store), str(data), str(out),
                              {"paths": paths, "plan": plan, "accuracy": accuracy, "scheduler": scheduler,
                               "workers": workers,
                               "scenario": settings.overrides, "authorities": authority})
    record.start([])
    console.print(f"National run {record.run_id} on {data}")
    try:
        result = run_national(data, out, settings, scheduler=scheduler, workers=workers, codes=authority,
                              resume=resume, on_status=record.status)
    except NationalFolderError as exc:
        record.finish(None, str(exc))
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    except Exception as exc:
        record.finish(None, f"{type(exc).__name__}: {exc}")
        raise
    record.finish(result)
    _show(result)


def _sessions(ctx: typer.Context, store: str | None) -> sessionmaker[Session]:
    from sufficiency.app.services import AppServices

    services = ctx.obj if isinstance(ctx.obj, AppServices) else AppServices()
    return services.sessions(store)


def _show(result: NationalResult) -> None:
    import pandas as pd
    from rich.table import Table

    counts: dict[str, int] = {}
    for status in result.statuses.values():
        counts[status] = counts.get(status, 0) + 1
    console.print(f"{len(result.statuses)} authorities in {result.seconds:.1f} s on {result.workers} worker(s): "
                  + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    short = result.tables["authorities_short"]
    if len(short):
        table = Table(title="Authorities short of places (central forecast)", title_justify="left",
                      header_style="bold")
        for col in ("authority", "phase", "first year short", "most places needed", "chance short, last year"):
            table.add_column(col)
        for row in short.head(15).itertuples():
            table.add_row(f"{row.la_name} ({row.la_code})", row.phase, str(row.first_year_short),
                          f"{row.most_places_needed:,.0f}", f"{row.chance_short_last_year:.0%}")
        console.print(table)
        if len(short) > 15:
            console.print(f"... and {len(short) - 15} more in authorities_short.csv")
    scored = result.tables["accuracy_england"]
    if len(scored):
        table = Table(title="The forecast on each authority's own past years: median % error of the phase total "
                      "(this forecast / 3-year mean / the authorities' own forecasts, DfE scorecards)",
                      title_justify="left", header_style="bold")
        for col in ("phase", "years ahead", "authorities", "this forecast", "3-year mean", "own forecasts",
                    "better than the 3-year mean", "better than their own"):
            table.add_column(col)
        for row in scored.itertuples():
            own = "-" if pd.isna(row.council_median_ape) else f"{row.council_median_ape:.2f}"
            better = "-" if pd.isna(row.share_better_than_council) else f"{row.share_better_than_council:.0%}"
            table.add_row(row.phase, str(row.horizon), str(row.authorities), f"{row.median_ape:.2f}",
                          f"{row.baseline_median_ape:.2f}", own, f"{row.share_better_than_baseline:.0%}", better)
        console.print(table)
    failures = result.tables["failures"]
    for row in failures.itertuples():
        console.print(f"[yellow]failed[/] {row.la_code} at {row.step}: {row.reason}")
    for path in result.files:
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("national")(national)
