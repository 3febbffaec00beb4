"""Commands ``sufficiency forecast`` and ``sufficiency backtest``.

Planning tools and benchmarks call these, so their options and output files are kept stable:
``forecast.csv`` (planning_area_id, year, ncy, pupils, lower_80, upper_80, lower_95, upper_95)
and ``forecast_by_school.csv`` (school_id, planning_area_id, year, ncy, pupils).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sufficiency.core.cells import csv_frame
from sufficiency.core.commands import load_or_exit, overridden_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    import pandas as pd

    from sufficiency.core.result import ScenarioResult


def register(app: typer.Typer) -> None:
    """Add the forecasting commands to the ``sufficiency`` app."""
    app.command("forecast")(forecast_command)
    app.command("backtest",
                context_settings={"allow_extra_args": True, "ignore_unknown_options": False})(backtest_command)


def forecast_command(
    data_dir: Annotated[Path, typer.Argument(
        help="Data folder with schools.csv and rolls.csv (other tables optional).")],
    base_year: Annotated[int | None, typer.Option(
        "--base-year", help="Last year of rolls used; later years are ignored.")] = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", min=1, max=15, help="Years ahead (default: scenario, 7).")] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="Folder for forecast.csv and forecast_by_school.csv.")] = Path("out"),
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="Variant(s) to run and compare: principal, high, low (repeatable).")] = None,
    scenario: Annotated[list[Path] | None, typer.Option(
        "--scenario", help="Scenario YAML file(s) to run on this folder and compare (repeatable).")] = None,
) -> None:
    """Forecast pupils by planning area, school, year group and year, with 80% and 95% intervals.

    With several --variant or --scenario options, each run is written as forecast_<name>.csv
    and their totals compared in comparison.csv; the first run is also forecast.csv.
    """
    from forecasting.forecast import run_forecast

    runs = _runs(data_dir, variant or [], scenario or [])
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, (inputs, config) in runs.items():  # one run per scenario or variant named
        try:
            results[name] = run_forecast(inputs, config, base_year=base_year, horizon=horizon)
        except ValueError as exc:
            console.print(f"[red]{data_dir}: {exc}[/]")
            raise typer.Exit(1) from None
        for note in results[name].warnings:
            console.print(f"[yellow]warning:[/] {note}")
        for note in results[name].notes:
            console.print(f"note: {note}")
    first = next(iter(results.values()))
    csv_frame(first.by_area).to_csv(out / "forecast.csv", index=False)
    csv_frame(first.by_school).to_csv(out / "forecast_by_school.csv", index=False)
    written = [out / "forecast.csv", out / "forecast_by_school.csv"]
    if len(results) > 1:
        for name, fc in results.items():
            csv_frame(fc.by_area).to_csv(out / f"forecast_{name}.csv", index=False)
            written.append(out / f"forecast_{name}.csv")
        compare = comparison(results)
        csv_frame(compare).to_csv(out / "comparison.csv", index=False)
        written.append(out / "comparison.csv")
        _print_frame(compare, "Pupils in all planning areas, by run")
    else:
        _print_frame(_authority_totals(first), f"Forecast pupils, all planning areas ({first.variant})")
    for path in written:
        console.print(f"wrote {path}")


def backtest_command(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Argument(help="Data folder with schools.csv and rolls.csv.")],
    origins: Annotated[list[str], typer.Option("--origins", help="Origin years: --origins 2015 2016 (or 2015,2016).")],
    horizon: Annotated[int, typer.Option("--horizon", min=1, max=15, help="Longest horizon scored.")] = 3,
    out: Annotated[Path, typer.Option("--out", help="Folder for backtest.csv.")] = Path("out"),
) -> None:
    """Rolling-origin backtest of the forecast against persistence, 100% survival and the 3-year mean."""
    from forecasting.backtest import backtest

    years = _parse_years([*origins, *ctx.args])
    inputs = load_or_exit(data_dir)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            metrics = backtest(inputs, years, horizon)
    except ValueError as exc:
        console.print(f"[red]{data_dir}: {exc}[/]")
        raise typer.Exit(1) from None
    for note in dict.fromkeys(str(w.message) for w in caught):
        console.print(f"[yellow]note: {note}[/]")
    out.mkdir(parents=True, exist_ok=True)
    csv_frame(metrics).to_csv(out / "backtest.csv", index=False)
    _print_frame(metrics, f"Backtest from origins {', '.join(map(str, years))}", digits=2)
    console.print(f"wrote {out / 'backtest.csv'}")


def _parse_years(values: list[str]) -> list[int]:
    """Years from '2015 2016' or '2015,2016', with a clear message for anything else."""
    years = []
    for token in ",".join(values).split(","):
        if token.strip():
            if not token.strip().isdigit():
                raise typer.BadParameter(f"'{token}' is not a year; write --origins 2015 2016", param_hint="--origins")
            years.append(int(token))
    return sorted(set(years))


def _runs(data_dir: Path, variants: list[str], scenarios: list[Path]) -> dict[str, tuple[Any, Any]]:
    """(inputs, config) per run: one per scenario file, times one per variant named."""
    from sufficiency.core.commands import scenario_file_or_exit

    overrides = {path.stem: scenario_file_or_exit(path) or {} for path in scenarios}
    # The tables are read once, under the first scenario; each scenario only changes the settings.
    inputs = load_or_exit(data_dir, next(iter(overrides.values()), None))
    bundles = {stem: overridden_or_exit(inputs, extra) for stem, extra in overrides.items()} or {"": inputs}
    runs = {}
    for stem, inputs in bundles.items():
        config = inputs.scenario.forecast
        for name in variants or [config.variant]:
            if name not in config.variants:
                console.print(f"[red]--variant {name}: not one of {', '.join(config.variants)} "
                              "(add it under forecast.variants in scenario.yaml)[/]")
                raise typer.Exit(1)
            label = "_".join(p for p in (stem, name if variants else "") if p) or name
            runs[label] = (inputs, config.model_copy(update={"variant": name}))
    return runs


def comparison(results: dict[str, Any]) -> pd.DataFrame:
    """Authority totals per year, one column per run, for comparing scenarios side by side."""
    import pandas as pd

    cols = {name: _authority_totals(fc).set_index("year")["pupils"] for name, fc in results.items()}
    return pd.DataFrame(cols).rename_axis("year").reset_index()


def _authority_totals(fc: Any) -> pd.DataFrame:
    """Pupils summed over every area and year group, per year."""
    return fc.totals.groupby("year", as_index=False)["pupils"].sum()


def _cell(value: Any, digits: int = 1) -> str:
    """A number as a person reads it: thousands separated, fixed decimals, a dash for none (a
    baseline has no interval, so no coverage)."""
    import pandas as pd

    if isinstance(value, float):
        return "–" if pd.isna(value) else f"{value:,.{digits}f}"
    return str(value)


def _print_frame(df: pd.DataFrame, title: str, digits: int = 1) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in df.columns:
        table.add_column(str(col), justify="right")
    for row in df.itertuples(index=False):
        table.add_row(*(_cell(v, digits) for v in row))
    console.print(table)


def planned_before(result: ScenarioResult) -> pd.DataFrame:
    """The forecast against today's places in the year groups the plan provides places for (Reception-Year 6
    in a primary area, Years 7-11 in a secondary one; the sixth form is planned in post-16), as the capital
    programme and its report count them."""
    from sufficiency.core.capacity import planned_cells

    areas = result.inputs.planning_areas
    return planned_cells(result.forecast.sufficiency_before, areas.set_index("planning_area_id")["phase"])


def forecast_against_places(result: ScenarioResult) -> pd.DataFrame:
    """Per planning area and forecast year: places needed (counted per year group), before any scheme."""
    from sufficiency.core.capacity import summarise
    from sufficiency.core.years import academic_year

    by = summarise(planned_before(result), result.inputs.planning_areas)
    wide = by.pivot(index=["planning_area_id", "name"], columns="year", values="places_needed")
    wide.columns = [academic_year(y) for y in wide.columns]
    return wide.reset_index()


def print_result(result: ScenarioResult) -> None:
    """The forecast part of a run: borough totals against today's places, and places needed by area."""
    from sufficiency.core.display import frame_table
    from sufficiency.core.years import academic_year

    fc = result.forecast
    console.print(f"[bold]Forecast[/] from {academic_year(fc.base_year)}, {fc.horizon} years ahead "
                  f"(variant: {fc.variant}).")
    if any(c.startswith("lower_") for c in fc.totals.columns) and "planning_area_id" in fc.totals:
        console.print("[dim]Intervals are given per planning area in forecast.csv.[/]")
    before = planned_before(result)
    borough = before.groupby("year")[["pupils", "places", "places_needed", "surplus"]].sum().reset_index()
    console.print(frame_table(borough, "Borough: forecast pupils against today's places, Reception to Year 11 "
                              "(places needed counted per planning area and year group; the sixth form is in "
                              "the post-16 section)"))
    console.print(frame_table(forecast_against_places(result),
                              "Places needed by planning area and year, before any scheme (Reception to Year 11)"))
    for note in fc.notes:
        console.print(f"note: {note}")


def print_accuracy(result: ScenarioResult) -> None:
    """The forecast scored on the council's own past years, by phase and years ahead."""
    from forecasting.report import AREA_CAPTION, AUTHORITY_CAPTION
    from sufficiency.core.display import frame_table

    accuracy = result.results["accuracy"]
    console.print(accuracy.summary())
    authority, areas = accuracy.shown()
    console.print(frame_table(authority, AUTHORITY_CAPTION, formats={
        c: "+.1f" if "signed" in c else ".1f" for c in authority.columns[3:]}))
    console.print(frame_table(areas, AREA_CAPTION, formats={c: ".1f" for c in areas.columns[3:]}))
    for note in accuracy.notes:
        console.print(f"note: {note}")
