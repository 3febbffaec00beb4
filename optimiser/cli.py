"""Command ``sufficiency plan``: forecast, then choose the least-cost capital programme.

Writes ``plan.csv`` (one row per scheme, with its reason) and ``sufficiency_after.csv``
(planning_area_id, year, ncy, demand, capacity, surplus, shortfall), and prints the programme.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sufficiency.core.cells import csv_frame
from sufficiency.core.commands import DataDir, ScenarioFile, load_or_exit, run_or_exit, scenario_file_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    import pandas as pd

    from sufficiency.core.result import ScenarioResult


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the ``sufficiency`` app."""
    app.command("plan")(plan_command)


def plan_command(
    data_dir: DataDir,
    scenario: ScenarioFile = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for plan.csv and sufficiency_after.csv.")] = Path("out"),
    solver: Annotated[str | None, typer.Option("--solver", help="highs (default) or cbc.")] = None,
) -> None:
    """Forecast pupils, then plan expansions, bulge classes, new schools and reductions at least cost."""
    overrides = scenario_file_or_exit(scenario) or {}
    if solver is not None:
        overrides = {**overrides, "optimiser": {**overrides.get("optimiser", {}), "solver": solver}}
    inputs = load_or_exit(data_dir, overrides or None)
    plan = run_or_exit(inputs, ["plan"], label="Choosing the capital programme...").plan
    out.mkdir(parents=True, exist_ok=True)
    csv_frame(plan.schemes).to_csv(out / "plan.csv", index=False)
    csv_frame(plan.sufficiency_after).to_csv(out / "sufficiency_after.csv", index=False)
    print_plan(plan, inputs.schools)
    console.print(f"wrote {out / 'plan.csv'}\nwrote {out / 'sufficiency_after.csv'}")


def print_result(result: ScenarioResult) -> None:
    """The capital programme part of a run."""
    print_plan(result.plan, result.inputs.schools)


def print_plan(plan: Any, schools: pd.DataFrame) -> None:
    """Print the programme, the cost beside the greedy baseline, and any shortfall."""
    from rich.table import Table

    from optimiser.plan import COST_UNITS, SHORTFALL_CAUSE_TEXT
    from sufficiency.core.display import frame_table

    names = schools.set_index("school_id")["name"].to_dict()
    table = Table(title="Capital programme", show_lines=False)
    for col in ("Year", "Scheme", "Where", "Places", "Capital", "Why"):
        table.add_column(col, overflow="fold")
    for s in plan.schemes.itertuples(index=False):
        where = names.get(s.school_id, s.school_id) if isinstance(s.school_id, str) else f"area {s.planning_area_id}"
        table.add_row(str(s.year), s.kind.replace("_", " "), str(where), f"{s.places:+.0f}",
                      f"£{s.capital_cost / 1e6:.2f}m", s.reason)
    console.print(table if len(plan.schemes) else "[green]No scheme is needed: places meet pupils plus margin.[/]")
    base = plan.baseline.costs if plan.baseline is not None else None
    labels = {"capital": "capital (undiscounted: what the board spends)",
              "capital_annualised": "capital in use within the horizon (annuities, discounted)",
              "surplus_revenue": "empty places (revenue, discounted)", "travel_penalty": "travel (discounted)",
              "controllable": "controllable cost (the three above)",
              "rule_weighting": "the council's rules", "shortfall_penalty": "avoidable shortfall",
              "shortfall": "places short, all causes", "shortfall_unavoidable": "of which cohorts already in school"}
    for title, unit, caption in (
            ("Cost, pounds", "pounds", f"discounted at {plan.model.inputs.config.discount_rate:.1%} a year where marked"
             if plan.model is not None else ""),
            ("Weightings that steer the plan (not money)", "weighting, not money",
             "they choose between plans; no one pays them"),
            ("Shortfall, place-years", "place-years", "places short, summed over the years they are short")):
        costs = Table(title=title, caption=caption)
        costs.add_column("item")
        costs.add_column("optimiser", justify="right")
        costs.add_column("greedy baseline", justify="right")
        for item, value in plan.costs.items():
            if COST_UNITS[item] == unit:
                costs.add_row(labels.get(item, item.replace("_", " ")), f"{value:,.0f}",
                              f"{base[item]:,.0f}" if base is not None else "-")
        console.print(costs)
    s = plan.solve
    console.print(f"Solver {s.solver}: {s.status}; the best plan can be at most {s.gap:.2%} of the controllable "
                  f"cost (£{s.controllable:,.0f}) cheaper; {s.seconds:.1f} s ({s.message})")
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if plan.total_shortfall > 0:
        console.print(f"[red]Shortfall: {plan.total_shortfall:,.0f} place-years cannot be met[/]")
        by_cause = plan.shortfall.groupby("cause")["shortfall"].sum()
        for cause, total in by_cause.items():
            console.print(f"  {total:,.0f} place-years {SHORTFALL_CAUSE_TEXT.get(cause, cause)}")
        worst = plan.shortfall.sort_values("shortfall", ascending=False).head(5)
        console.print(frame_table(worst, "Largest shortfalls (pupils and places)"))
