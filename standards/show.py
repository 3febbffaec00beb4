"""The standards part of a run in the terminal: risk by category, red and amber schools with the rules
that fired, the KPI tables, benchmarking and targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from rich.table import Table

from standards.kpi import format_kpi_table, format_number
from sufficiency.core.display import console
from sufficiency.core.years import academic_year

if TYPE_CHECKING:
    from standards.result import StandardsResult
    from sufficiency.core.result import ScenarioResult

_COLOURS = {"Red": "red", "Amber": "dark_orange", "Yellow": "yellow", "Green": "green"}


def print_result(result: ScenarioResult) -> None:
    """The standards part of a run."""
    print_standards(result.standards)


def print_standards(result: StandardsResult) -> None:
    console.print(f"[bold]Standards {academic_year(result.year)}[/] — "
                  f"{result.rules_label}")
    summary = Table(title="Schools by risk category (this year, last year)")
    summary.add_column("phase")
    for cat in _COLOURS:
        summary.add_column(cat, justify="right", style=_COLOURS[cat])
    for phase, group in result.risk_summary.groupby("phase", sort=False):
        cells = [f"{int(r.this_year)} ({format_number(r.last_year)})" for r in group.itertuples()]
        summary.add_row(phase, *cells)
    console.print(summary)
    flagged = result.risk[result.risk["category"].isin(["Red", "Amber"])]
    schools = Table(title="Red and amber schools: every rule that fired, with its evidence "
                          "(the school's figure, what it was compared with, the gap, the year)")
    for col in ("school", "phase", "category", "why"):
        schools.add_column(col)
    evidence = _evidence_by_school(result)
    for r in flagged.sort_values(["category", "name"], ascending=[False, True]).itertuples():
        why = "\n".join(evidence.get(str(r.school_id), [r.rules_fired]))
        why += f"\noverride: {r.override_reason}" if r.override_reason else ""
        schools.add_row(str(r.name), str(r.phase), f"[{_COLOURS[r.category]}]{r.category}[/]", why)
    console.print(schools)
    for phase, title in (("primary", "KPI table one: primary"),
                         ("secondary", "KPI table two: secondary")):
        shown = format_kpi_table(result.kpis[phase])
        table = Table(title=title)
        for col in ("indicator", "year", "value", "last year", "trend", "national"):
            table.add_column(col, justify="left" if col == "indicator" else "right")
        for r in shown.itertuples():
            table.add_row(r.indicator, str(r.year), r.value, r.last_year, r.trend, r.national)
        console.print(table)
    if result.benchmark is not None:
        _print_benchmark(result.benchmark)
    if result.targets is not None:
        targets = Table(title="Strategy targets")
        for col in ("target", "by", "current", "on the line now", "planned a year",
                    "needed a year", "status"):
            targets.add_column(col)
        for r in result.targets.itertuples():
            current = (f"{format_number(r.current)} ({int(r.current_year)})"
                       if pd.notna(r.current) else format_number(r.current))
            targets.add_row(r.label or r.indicator, f"{format_number(r.target)} ({r.deadline})",
                            current, format_number(r.expected_now),
                            format_number(r.planned_change_per_year),
                            format_number(r.needed_change_per_year), r.status)
        console.print(targets)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")


def _evidence_by_school(result: StandardsResult) -> dict[str, list[str]]:
    """Each school's fired rules in the year reported, each with its evidence, as lines of text."""
    fired = result.risk_fired
    fired = fired[fired["year"].astype(int) == result.year]
    out: dict[str, list[str]] = {}
    for r in fired.itertuples():
        text = getattr(r, "evidence", "") or ""
        out.setdefault(str(r.school_id), []).append(f"{r.rule_id}: {text}" if text else str(r.rule_id))
    return out


def _print_benchmark(bench) -> None:  # bench: a benchmark_la table
    ranked = bench.dropna(subset=["rank"])
    table = Table(title=f"Against every English LA (quartile 1 = best quarter; "
                        f"{len(ranked)} measures)")
    for col in ("measure", "unit", "year", "value", "England", "rank", "quartile", "to top 10%", "top 5%"):
        table.add_column(col, justify="left" if col in ("measure", "unit") else "right")
    for r in ranked.itertuples():
        top5 = "yes" if getattr(r, "in_top5", False) is True else "no"
        table.add_row(str(r.description), str(getattr(r, "unit", "") or ""), academic_year(r.year),
                      format_number(r.value), format_number(r.national), f"{int(r.rank)} of {int(r.n_las)}",
                      str(int(r.quartile)), format_number(r.distance_to_top10), top5)
    console.print(table)
