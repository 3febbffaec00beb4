"""Command ``sufficiency plan``: forecast, then choose the least-cost capital programme.

Writes ``plan.csv`` (one row per scheme, with its reason) and ``sufficiency_after.csv``
(planning_area_id, year, ncy, demand, capacity, surplus, shortfall), and prints the programme.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from optimiser.plan import SHORTFALL_CAUSE_TEXT
from sufficiency.core.display import console, frame_table


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the ``sufficiency`` app."""
    app.command("plan")(plan_command)


def plan_command(
    data_dir: Annotated[Path, typer.Argument(help="Data folder with schools.csv and rolls.csv (options.csv optional).")],
    scenario: Annotated[Path | None, typer.Option("--scenario", help="Scenario YAML whose settings override the folder's.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for plan.csv and sufficiency_after.csv.")] = Path("out"),
    solver: Annotated[str | None, typer.Option("--solver", help="highs (default) or cbc.")] = None,
) -> None:
    """Forecast pupils, then plan expansions, bulge classes, new schools and reductions at least cost."""
    from forecasting import run_forecast
    from optimiser import SpecificationError, run_plan
    from sufficiency.app.cli import load_or_exit

    inputs = load_or_exit(data_dir, _overrides(scenario))
    with console.status("Forecasting pupils..."):
        try:
            forecast = run_forecast(inputs)
        except ValueError as exc:
            console.print(f"[red]{data_dir}: {exc}[/]")
            raise typer.Exit(1) from None
    config = inputs.scenario.optimiser
    with console.status("Choosing the capital programme..."):
        try:
            plan = run_plan(forecast.by_area[["planning_area_id", "year", "ncy", "pupils"]], inputs.schools, config,
                            options=inputs.options, distances=area_distances(inputs),
                            planning_areas=inputs.planning_areas, base_year=forecast.base_year, solver=solver,
                            rolls=inputs.rolls)
        except SpecificationError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    out.mkdir(parents=True, exist_ok=True)
    plan.schemes.to_csv(out / "plan.csv", index=False)
    plan.sufficiency_after.to_csv(out / "sufficiency_after.csv", index=False)
    print_plan(plan, inputs.schools)
    console.print(f"wrote {out / 'plan.csv'}\nwrote {out / 'sufficiency_after.csv'}")


def _overrides(scenario: Path | None) -> dict[str, Any] | None:
    if scenario is None:
        return None
    import yaml

    try:
        loaded = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        console.print(f"[red]{scenario}: cannot be read as YAML ({exc}). Fix the file or leave out --scenario.[/]")
        raise typer.Exit(1) from None
    if loaded is not None and not isinstance(loaded, dict):
        console.print(f"[red]{scenario}: must hold 'setting: value' lines.[/]")
        raise typer.Exit(1)
    return loaded or None


def area_distances(inputs: Any) -> pd.DataFrame | None:
    """Planning-area distances in metres: between area centroids when areas have geometry,
    else between the mean positions of each area's schools."""
    areas = inputs.planning_areas
    if areas is not None and "geometry" in areas and areas.geometry.notna().all():
        from geodata import centroid_distances

        return centroid_distances(areas)
    schools = inputs.schools.dropna(subset=["x", "y"])
    if schools.empty:
        return None
    centre = schools.groupby("planning_area_id")[["x", "y"]].mean()
    xy = centre.to_numpy()
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return pd.DataFrame(dist, index=centre.index.astype(str), columns=centre.index.astype(str))


def print_plan(plan: Any, schools: pd.DataFrame) -> None:
    """Print the programme, the cost beside the greedy baseline, and any shortfall."""
    names = schools.set_index("school_id")["name"].to_dict()
    table = Table(title="Capital programme", show_lines=False)
    for col in ("Year", "Scheme", "Where", "Places", "Capital", "Why"):
        table.add_column(col, overflow="fold")
    for s in plan.schemes.itertuples(index=False):
        where = names.get(s.school_id, s.school_id) if isinstance(s.school_id, str) else f"area {s.planning_area_id}"
        table.add_row(str(s.year), s.kind.replace("_", " "), str(where), f"{s.places:+.0f}",
                      f"£{s.capital_cost / 1e6:.2f}m", s.reason)
    console.print(table if len(plan.schemes) else "[green]No scheme is needed: places meet pupils plus margin.[/]")
    costs = Table(title="Cost (pounds; discounted at 3.5% unless marked)")
    costs.add_column("item")
    costs.add_column("optimiser", justify="right")
    costs.add_column("greedy baseline", justify="right")
    base = plan.baseline.costs if plan.baseline is not None else None
    for item, value in plan.costs.items():
        costs.add_row(item.replace("_", " ") + (" (undiscounted)" if item == "capital" else ""),
                      f"{value:,.0f}", f"{base[item]:,.0f}" if base is not None else "-")
    costs.caption = "rule weighting steers choices towards the council's rules; it is not money spent"
    console.print(costs)
    s = plan.solve
    console.print(f"Solver {s.solver}: {s.status}, gap {s.gap:.2%}, {s.seconds:.1f} s ({s.message})")
    if plan.total_shortfall > 0:
        console.print(f"[red]Shortfall: {plan.total_shortfall:,.0f} place-years cannot be met[/]")
        by_cause = plan.shortfall.groupby("cause")["shortfall"].sum()
        for cause, total in by_cause.items():
            console.print(f"  {total:,.0f} place-years {SHORTFALL_CAUSE_TEXT.get(cause, cause)}")
        worst = plan.shortfall.sort_values("shortfall", ascending=False).head(5)
        console.print(frame_table(worst, "Largest shortfalls (pupils and places)"))
