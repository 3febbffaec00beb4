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
from sufficiency.core.display import console, whole_parts

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
    robust: Annotated[bool, typer.Option(
        "--robust", help="Also the robust plan: permanent schemes chosen once for every future (the robust "
                         "section's variants, scenario files and paths), bulge classes as each one's recourse; "
                         "writes robust_plan.csv (committed and contingent schemes with triggers), "
                         "robust_outcomes.csv and robust_value.csv.")] = False,
    paths: Annotated[int | None, typer.Option(
        "--paths", min=1, max=200,
        help="With --robust: plan on this many futures drawn from the forecast's own uncertainty (reduced from "
             "robust.path_draws by k-means) instead of the variants.")] = None,
    method: Annotated[str | None, typer.Option(
        "--method", help="With --robust: extensive (one MILP, default) or hedging (progressive hedging).")] = None,
) -> None:
    """Forecast pupils, then plan expansions, bulge classes, new schools and reductions at least cost."""
    overrides = scenario_file_or_exit(scenario) or {}
    if solver is not None:
        overrides = {**overrides, "optimiser": {**overrides.get("optimiser", {}), "solver": solver}}
    if (paths is not None or method is not None) and not robust:
        console.print("[red]--paths and --method go with --robust[/]")
        raise typer.Exit(2)
    if method is not None and method not in ("extensive", "hedging"):
        console.print(f"[red]--method must be extensive or hedging, not {method}[/]")
        raise typer.Exit(2)
    inputs = load_or_exit(data_dir, overrides or None)
    options = {"paths": paths, "variants": [] if paths else None, "method": method}
    result = run_or_exit(inputs, ["plan", "robust"] if robust else ["plan"], options=options,
                         label="Choosing the capital programme...")
    from optimiser.stage import files as plan_files
    from optimiser.stage import robust_files

    plan = result.plan
    out.mkdir(parents=True, exist_ok=True)
    written = _write_csv(plan_files(plan), out)
    print_plan(plan, inputs.schools)
    if robust:
        print_robust(result.results["robust"], inputs.schools)
        written += _write_csv(robust_files(result.results["robust"]), out)
    console.print("\n".join(f"wrote {p}" for p in written))


def print_robust_result(result: ScenarioResult) -> None:
    """The robust programme part of a run."""
    print_robust(result.results["robust"], result.inputs.schools)


def print_robust(robust: Any, schools: pd.DataFrame) -> None:
    """The robust plan: committed and contingent schemes, each future's outcome beside the principal plan's and
    its own optimum's, and what planning for every future is worth (VSS, EVPI)."""
    from rich.table import Table

    from optimiser.plan import margin_words
    from sufficiency.core.display import count_words

    names = schools.set_index("school_id")["name"].to_dict()
    table = Table(title="Robust capital programme: committed now, and contingent on what comes")
    for col in ("Status", "Year", "Scheme", "Where", "Places", "Capital", "Chance", "Trigger"):
        table.add_column(col, overflow="fold")
    for s in robust.schemes.itertuples(index=False):
        where = names.get(s.school_id, s.school_id) if isinstance(s.school_id, str) else f"area {s.planning_area_id}"
        table.add_row(s.status, str(s.year), s.kind.replace("_", " "), str(where), f"{s.places:+.0f}",
                      f"£{s.capital_cost / 1e6:.2f}m", f"{s.probability:.0%}", s.trigger)
    console.print(table)
    kept = margin_words(robust.margin)
    outcomes = Table(title="Each future under each plan",
                     caption=f"capital in pounds as spent; controllable cost in discounted pounds; shortfall in "
                             f"place-years short of pupils plus {kept} (the report's page one counts pupils above "
                             "places)")
    for col in ("scenario", "chance", "plan", "capital", "controllable", "shortfall"):
        outcomes.add_column(col, justify="right" if col not in ("scenario", "plan") else "left")
    chance = robust.scenarios.set_index("scenario")["probability"]
    for o in robust.outcomes.itertuples(index=False):
        share = f"{chance[o.scenario]:.0%}" if o.scenario in chance else "not planned for"
        outcomes.add_row(o.scenario, share,
                         o.plan, f"£{o.capital / 1e6:.2f}m", f"£{o.controllable / 1e6:.2f}m", f"{o.shortfall:,.0f}")
    console.print(outcomes)
    v = robust.value
    lines = [f"Expected controllable cost: robust £{v['robust_controllable'] / 1e6:.2f}m, principal plan "
             f"£{v['principal_controllable'] / 1e6:.2f}m; expected shortfall {v['robust_shortfall']:,.0f} against "
             f"{v['principal_shortfall']:,.0f} place-years short of pupils plus {kept}."]
    if "vss_objective" in v:
        extra = -v["vss_controllable"]
        lines.append(f"Value of the stochastic solution: £{v['vss_objective'] / 1e6:,.2f}m on the objective "
                     "(discounted pounds, each place-year short weighted at the shortfall penalty): "
                     f"{count_words(round(v['vss_shortfall']), 'place-year')} less shortfall for "
                     f"£{abs(extra) / 1e6:,.2f}m "
                     f"{'more' if extra >= 0 else 'less'} controllable cost.")
    if "evpi_objective" in v:
        lines.append(f"Expected value of perfect information: £{v['evpi_objective'] / 1e6:,.2f}m on the objective "
                     f"(discounted; £{v['evpi_controllable'] / 1e6:,.2f}m controllable, "
                     f"{count_words(round(v['evpi_shortfall']), 'place-year')}).")
    s = robust.solve
    lines.append(f"Solved by the {robust.method} form: {s.status}, within {s.gap:.2%} of the best bound on the "
                 f"expected controllable cost (£{s.controllable / 1e6:.2f}m), {s.seconds:.1f} s "
                 f"({robust.total_seconds:.1f} s with every scenario's evaluation).")
    for line in lines + [f"[yellow]warning:[/] {w}" for w in robust.warnings]:
        console.print(line)


def print_result(result: ScenarioResult) -> None:
    """The capital programme part of a run."""
    print_plan(result.plan, result.inputs.schools)


def _write_csv(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Each stage file as ``out/{name}.csv``, the paths written."""
    paths = []
    for name, frame in frames.items():
        csv_frame(frame).to_csv(out / f"{name}.csv", index=False)
        paths.append(out / f"{name}.csv")
    return paths

def print_plan(plan: Any, schools: pd.DataFrame) -> None:
    """Print the programme, the cost beside the greedy baseline, and any shortfall."""
    from rich.table import Table

    from optimiser.plan import COST_UNITS, SHORTFALL_CAUSE_TEXT
    from sufficiency.core.capacity import places_short
    from sufficiency.core.display import frame_table

    names = schools.set_index("school_id")["name"].to_dict()
    # The plan's shortfall is of pupils plus the operating margin it keeps; the report's "places short" is of
    # pupils alone (reports.measures), so the console names the margin wherever it counts one.
    margin = plan.model.inputs.config.margin if plan.model is not None else None
    against = f"pupils plus the {margin:.0%} operating margin" if margin is not None else "pupils plus the margin"
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
              "shortfall": f"places short of {against}, all causes",
              "shortfall_unavoidable": "of which cohorts already in school"}
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
        after = plan.sufficiency_after
        console.print(f"[red]Shortfall: {plan.total_shortfall:,.0f} place-years short of {against} cannot be "
                      f"met[/] (the report counts pupils above places alone: "
                      f"{places_short(after['demand'], after['capacity']):,.0f} place-years)")
        by_cause = plan.shortfall.groupby("cause")["shortfall"].sum()
        for cause, total in zip(by_cause.index, whole_parts(by_cause.to_numpy()), strict=True):
            console.print(f"  {total:,} place-years {SHORTFALL_CAUSE_TEXT.get(cause, cause)}")
        worst = plan.shortfall.sort_values("shortfall", ascending=False).head(5)
        console.print(frame_table(worst, f"Largest shortfalls (pupils and places; shortfall of {against})"))
