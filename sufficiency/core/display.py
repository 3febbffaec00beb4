"""Rich tables for the terminal: the readable face of every command."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from sufficiency.core.phases import ncy_short
from sufficiency.core.years import academic_year

if TYPE_CHECKING:
    import pandas as pd

    from sufficiency.core.errors import Problem

#: One console for every command. In a terminal Rich uses its width; piped or captured output
#: (CI logs, files) gets 160 columns rather than Rich's default of 80, so tables stay unwrapped.
console = Console(width=None if sys.stdout.isatty() else 160)
def count_words(n: int, noun: str, plural: str | None = None) -> str:
    """``3 schemes``, ``1 scheme``, ``1 place-year``: a whole count with its noun, singular for one."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def whole_parts(values: Sequence[float]) -> list[int]:
    """Whole numbers for the parts of a total, summing to the total rounded: a breakdown printed beside its total
    adds up (1,190.8 place-years as 487.4 + 703.4 reads 1,191 = 488 + 703, not 487 + 703). Each part is its value
    rounded down or up, the ups going to the largest fractions (the largest-remainder method); numpy and pandas
    round each value alone, which is what lets a breakdown miss its total."""
    v = np.asarray(values, dtype=float)
    floor = np.floor(v)
    ups = round(math.fsum(v)) - int(floor.sum())
    parts = floor.astype(int)
    parts[np.argsort(floor - v, kind="stable")[:ups]] += 1
    return parts.tolist()


#: Columns holding codes, printed as they are (no thousands separator in a year).
_CODES = {"year", "ncy", "base_year", "school_id", "urn", "la_code"}


def progress_log(command: str) -> Callable[[str], None]:
    """Log lines for a long command whose output is not a terminal (a log file, CI, a pipe), where a spinner
    or a bar shows nothing: each call prints the stage with the time since the command started,
    ``[   12.3 s] report: Report: charts``, once per change of stage."""
    start = time.monotonic()
    last: list[str] = []

    def log(stage: str) -> None:
        if last and last[-1] == stage:
            return
        last.append(stage)
        console.print(f"[{time.monotonic() - start:7.1f} s] {command}: {stage}", highlight=False, markup=False,
                      soft_wrap=True)

    return log


def frame_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None,
                justify_left: Sequence[str] = ()) -> Table:
    """A rich table of a DataFrame; numbers right-aligned with thousands separators."""
    import numpy as np
    import pandas as pd

    formats = formats or {}
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and col not in justify_left
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                cells.append("-")
            elif col in formats:
                cells.append(format(value, formats[col]))
            elif col in _CODES:
                cells.append(str(value))
            elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                cells.append(f"{value:,}")
            elif isinstance(value, (float, np.floating)):
                cells.append(f"{value:,.0f}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


def problems_table(problems: list[Problem], title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for name in ("", "file", "row", "column", "problem", "what to do"):
        table.add_column(name, overflow="fold")
    for p in problems:
        mark = "[red]error[/]" if p.severity == "error" else "[yellow]warning[/]"
        table.add_row(mark, p.file, "" if p.row is None else str(p.row), p.column or "", p.message, p.fix)
    return table


def year_group_matrix(table: pd.DataFrame, year: int, areas: pd.DataFrame, label: str = "") -> Table:
    """Roll against places per planning area (rows) and year group (columns), one year."""
    import pandas as pd

    one = table[(table["year"] == year) & ((table["pupils"] > 0) | (table["places"] > 0))]
    grid = Table(title=f"{label}Roll / places by planning area and year group, {academic_year(year)} "
                 "(red: more pupils than places)", title_justify="left", header_style="bold")
    grid.add_column("planning area", no_wrap=True)
    ncys = sorted(one["ncy"].unique())
    for g in ncys:
        grid.add_column(ncy_short(g), justify="right")
    names = pd.DataFrame(areas).set_index("planning_area_id")["name"]
    for area_id, rows in one.groupby("planning_area_id"):
        cells = []
        by = rows.set_index("ncy")
        for g in ncys:
            if g not in by.index:
                cells.append("")
                continue
            pupils, places = by.at[g, "pupils"], by.at[g, "places"]
            style = "red" if pupils > places else ""
            text = f"{pupils:,.0f}/{places:,.0f}"
            cells.append(f"[{style}]{text}[/]" if style else text)
        grid.add_row(f"{area_id} {names.get(area_id, '')}", *cells)
    return grid
