"""Charts for the report: matplotlib figures rendered to PNG bytes.

Every chart has a title, axis labels with units, and stays readable printed in greyscale:
series differ in lightness, line style and marker, and bands carry hatching.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.figure import new_figure, to_png
from reports.format import KIND_LABELS, ncy_range_label, number, year_label
from sufficiency.core.phases import AREA_NCY, PHASE_NCY, SECONDARY

if TYPE_CHECKING:
    from reports.content import ReportData

DARK, MID, LIGHT, PALE = "#08306b", "#4292c6", "#9ecae1", "#deebf7"
ACCENT = "#b35806"
#: One fill and hatch per kind of scheme: lightness and hatching both tell them apart.
KIND_STYLE = {"expand": (DARK, ""), "new_school": ("#2d2d2d", "xx"), "bulge": (LIGHT, "//"),
              "reduce": ("#bdbdbd", ".."), "close": ("#636363", "\\\\")}

thousands = FuncFormatter(lambda v, _: number(v))
pounds_m = FuncFormatter(lambda v, _: f"£{v / 1e6:,.1f}m")


def _year_axis(ax, years) -> None:
    years = sorted(int(y) for y in years)
    step = 1 if len(years) <= 10 else 2
    ticks = years[::step]
    ax.set_xticks(ticks)
    ax.set_xticklabels([year_label(y) for y in ticks], rotation=45, ha="right", fontsize=7)
    ax.set_xlabel("Academic year")


def fan_chart(totals: pd.DataFrame, area: str, name: str, phase: str) -> bytes:
    """Pupils (actual then forecast with 80% and 95% intervals) against places, one area."""
    rows = totals[totals["planning_area_id"] == area].sort_values("year")
    past, future = rows[rows["actual"]], rows[~rows["actual"]]
    fig = new_figure(7.2, 2.75)
    ax = fig.add_subplot()
    # the forecast bands start from the last actual point so the fan opens from the data
    joint = pd.concat([past.tail(1).assign(lower_95=past["pupils"].iloc[-1], upper_95=past["pupils"].iloc[-1],
                                           lower_80=past["pupils"].iloc[-1], upper_80=past["pupils"].iloc[-1]),
                       future])
    ax.fill_between(joint["year"], joint["lower_95"], joint["upper_95"], facecolor=PALE, edgecolor=LIGHT,
                    hatch="...", linewidth=0.0, label="95% interval")
    ax.fill_between(joint["year"], joint["lower_80"], joint["upper_80"], facecolor=LIGHT, edgecolor=MID,
                    linewidth=0.0, label="80% interval")
    ax.plot(past["year"], past["pupils"], "-o", color="black", markersize=3, linewidth=1.4, label="Pupils (actual)")
    ax.plot(joint["year"], joint["pupils"], "--", color="black", linewidth=1.4, label="Pupils (forecast)")
    places = pd.concat([past, future])
    ax.step(places["year"], places["places_before"], where="mid", color="#636363", linewidth=1.3,
            linestyle=(0, (1, 1)), label="Places today")
    if future["places_after"].notna().any():
        ax.step(future["year"], future["places_after"], where="mid", color=ACCENT, linewidth=2.0,
                label="Places after programme")
    group = ncy_range_label(PHASE_NCY.get(phase, AREA_NCY[SECONDARY]))  # the phase's year groups, as every figure
    ax.set_title(f"{name} ({area}): pupils against places", fontsize=10, loc="left")
    ax.set_ylabel(f"Pupils ({group})", fontsize=8)
    ax.yaxis.set_major_formatter(thousands)
    ax.tick_params(labelsize=7)
    _year_axis(ax, places["year"])
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.subplots_adjust(left=0.1, right=0.77, top=0.9, bottom=0.27)
    return to_png(fig, tight=False)


def _present(frame: pd.DataFrame) -> list[str]:
    """The phases a table has rows for, primary first: a chart draws a panel for each and no other."""
    found = set(frame["phase"])
    return [p for p in ("primary", "secondary") if p in found] + sorted(found - {"primary", "secondary"})


def needed_chart(needed: pd.DataFrame) -> bytes:
    """Places needed before the programme and short after it, by phase and year (a panel per phase present)."""
    phases = _present(needed)
    fig = new_figure(7.2, 2.5)
    axes = np.atleast_1d(fig.subplots(1, len(phases), sharey=True))
    for ax, phase in zip(axes, phases, strict=True):
        rows = needed[needed["phase"] == phase].sort_values("year")
        x = np.arange(len(rows))
        ax.bar(x - 0.2, rows["places_needed"], width=0.4, color=LIGHT, edgecolor=DARK, hatch="//",
               linewidth=0.6, label="Places needed without the programme")
        if rows["shortfall_after"].notna().any():
            ax.bar(x + 0.2, rows["shortfall_after"].fillna(0), width=0.4, color=DARK, edgecolor=DARK,
                   linewidth=0.6, label="Places short after the programme")
        ax.set_xticks(x)
        ax.set_xticklabels([year_label(y) for y in rows["year"]], rotation=45, ha="right", fontsize=7)
        ax.set_title(phase.capitalize(), fontsize=9)
        ax.set_xlabel("Academic year", fontsize=8)
        ax.yaxis.set_major_formatter(thousands)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    axes[0].set_ylabel("Places in the year\n(sum of year groups short)", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.95))
    fig.suptitle("Places needed by phase and year (places in each year)", fontsize=10, y=1.02)
    fig.subplots_adjust(top=0.75, wspace=0.08)
    return to_png(fig)


def timeline_chart(programme: pd.DataFrame, years: list[int]) -> bytes:
    """The programme over time: places added or removed and capital committed, by year."""
    fig = new_figure(7.2, 3.9)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.array(years)
    up, down = np.zeros(len(x)), np.zeros(len(x))
    handles = []
    for kind, (color, hatch) in KIND_STYLE.items():
        rows = programme[programme["kind"] == kind]
        if rows.empty:
            continue
        values = rows.groupby("year")["places"].sum().reindex(x, fill_value=0).to_numpy()
        base = np.where(values >= 0, up, down)
        top.bar(x, values, bottom=base, color=color, hatch=hatch, edgecolor="black", linewidth=0.4, width=0.7)
        up, down = up + np.clip(values, 0, None), down + np.clip(values, None, 0)
        handles.append(Patch(facecolor=color, hatch=hatch, edgecolor="black", linewidth=0.4,
                             label=KIND_LABELS.get(kind, kind)))
    top.axhline(0, color="black", linewidth=0.6)
    top.set_ylabel("Places added (+) or\nremoved (−)", fontsize=8)
    top.yaxis.set_major_formatter(thousands)
    top.set_title("Programme timeline: places and capital by year the scheme opens", fontsize=10, loc="left")
    top.legend(handles=handles, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    cost = programme.groupby("year")["capital_cost"].sum().reindex(x, fill_value=0)
    bottom.bar(x, cost.to_numpy(), color=MID, edgecolor="black", linewidth=0.4, width=0.7)
    for xi, value in zip(x, cost.to_numpy(), strict=True):
        if value > 0:
            bottom.annotate(f"£{value / 1e6:,.1f}m", (xi, value), ha="center", va="bottom", fontsize=6)
    bottom.set_ylabel("Capital (£m)", fontsize=8)
    bottom.yaxis.set_major_formatter(pounds_m)
    bottom.set_ylim(0, max(cost.max() * 1.25, 1.0))
    for ax in (top, bottom):
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", alpha=0.3, linewidth=0.5)
    _year_axis(bottom, x)
    return to_png(fig)


def comparison_chart(totals: pd.DataFrame) -> bytes:
    """Forecast pupils by scenario and year, one panel per phase."""
    phases = [p for p in _present(totals) if p in PHASE_NCY]
    fig = new_figure(7.2, 2.9)
    axes = np.atleast_1d(fig.subplots(1, len(phases)))
    styles = ["-o", "--s", ":^", "-.D", "-v"]
    greys = ["black", "#4d4d4d", "#8c8c8c", "#2166ac", "#b35806"]
    for ax, phase in zip(axes, phases, strict=True):
        rows = totals[totals["phase"] == phase]
        for i, (name, part) in enumerate(rows.groupby("scenario", sort=False)):
            part = part.sort_values("year")
            ax.plot(part["year"], part["pupils"], styles[i % 5], color=greys[i % 5], markersize=3.5,
                    linewidth=1.3, label=name)
        ax.set_title(f"{phase.capitalize()} ({ncy_range_label(PHASE_NCY[phase], short=True)})", fontsize=9)
        ax.set_ylabel("Forecast pupils", fontsize=8)
        ax.yaxis.set_major_formatter(thousands)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
        if not rows.empty:
            _year_axis(ax, rows["year"].unique())
        ax.legend(fontsize=7, frameon=False)
    fig.suptitle("Forecast pupils by scenario", fontsize=10, y=0.99)
    fig.subplots_adjust(wspace=0.4, top=0.82)
    return to_png(fig)


def post16_chart(result) -> bytes:
    """The post-16 participation trend chart, with axis labels and units added."""
    fig = result.trend_figure()
    for ax in fig.axes:
        ax.set_xlabel("Year (December–February average)", fontsize=8)
        ax.set_ylabel("% of 16–17 year olds", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return to_png(fig)


def chart_tasks(data: ReportData) -> list[tuple[str, Callable[[], dict[str, bytes]]]]:
    """Every chart of a report as (name, function returning ``{name: png}``), slowest first."""
    from reports.maps import sufficiency_map

    tasks: list[tuple[str, Callable[[], dict[str, bytes]]]] = [("map", lambda: sufficiency_map(data))]
    tasks.append(("needed", lambda: {"needed": needed_chart(data.needed)}))
    if data.has_plan and len(data.programme):
        tasks.append(("timeline", lambda: {"timeline": timeline_chart(data.programme, data.years)}))
    for area in data.areas.itertuples(index=False):
        key = f"area:{area.planning_area_id}"
        tasks.append((key, lambda a=area, k=key: {k: fan_chart(data.area_totals, a.planning_area_id, a.name, a.phase)}))
    if data.comparison_totals is not None:
        tasks.append(("comparison", lambda: {"comparison": comparison_chart(data.comparison_totals)}))
    if data.result.post16 is not None:
        tasks.append(("post16", lambda: {"post16": post16_chart(data.result.post16)}))
    return tasks


#: The tasks of the render in progress, read by forked workers (closures cannot be pickled).
_TASKS: list[tuple[str, Callable[[], dict[str, bytes]]]] = []


def _run_task(index: int) -> dict[str, bytes]:
    return _TASKS[index][1]()


def all_charts(data: ReportData, progress: Callable[[], None] | None = None,
               workers: int | None = None) -> dict[str, bytes]:
    """Every chart of a report by name; ``progress()`` is called after each one.

    Charts are drawn in ``workers`` processes (default: up to two, the cores a planning
    officer's laptop can spare) where the platform can fork, else one after another.
    """
    global _TASKS
    tick = progress or (lambda: None)
    tasks = chart_tasks(data)
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    charts: dict[str, bytes] = {}
    if workers > 1 and "fork" in mp.get_all_start_methods():
        _TASKS = tasks
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                for drawn in pool.map(_run_task, range(len(tasks))):
                    charts.update(drawn)
                    tick()
        finally:
            _TASKS = []
        return charts
    for _, draw in tasks:
        charts.update(draw())
        tick()
    return charts


def chart_steps(data: ReportData) -> int:
    """How many times :func:`all_charts` calls ``progress`` (for a progress bar's total)."""
    return len(chart_tasks(data))
