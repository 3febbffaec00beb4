"""The Excel workbook: a sheet per table with frozen headers, number formats and charts.

Numbers are written as numbers (not text) at full precision, so the workbook re-reads to
exactly the figures of the run; formats only change how Excel shows them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.content import ReportData
from reports.format import PLAN_HEADERS, header_text, indicator_decimals, year_label
from sufficiency.core.cells import text_only

HEADER_FILL = PatternFill("solid", fgColor="08306B")
HEADER_FONT = Font(bold=True, color="FFFFFF")
POUNDS = "£#,##0"
COUNT = "#,##0"
#: Formats by column name; other number columns get COUNT, or no separator for years and codes.
DEFAULT_FORMATS = {"capital_cost": POUNDS, "cost": POUNDS, "surplus_rate": "0.0%", "rate": "0.0%",
                   "gap": "0.000%", "forms_of_entry": "0.0", "year": "0", "ncy": "0", "first_year": "0"}
#: Formats of figures by column: pounds, whole places, pupils to one decimal, rates, years and codes.
PUPILS = "#,##0.0"
FIGURE_FORMATS = {"pupils": PUPILS, "demand": COUNT, "lower_80": PUPILS, "upper_80": PUPILS, "lower_95": PUPILS,
                  "upper_95": PUPILS, "places": COUNT, "places_before": COUNT, "places_after": COUNT,
                  "places_needed": COUNT, "shortfall_after": COUNT, "capacity": COUNT, "surplus": COUNT,
                  "shortfall": COUNT, "places_added": COUNT, "places_removed": COUNT, "schemes": COUNT,
                  "peak_needed": COUNT, "peak_short_after": COUNT, "peak_needed_year": "0", "peak_short_year": "0"}


WIDE_COLUMNS = {"reason": 90, "source": 90, "risk_reasons": 60, "reasons": 60, "sha256": 70, "value": 40,
                "setting": 45, "measure": 48, "school": 36, "school_name": 36, "name": 28, "indicator": 48}


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def add_frame_sheet(book: Workbook, title: str, frame: pd.DataFrame, formats: dict[str, str] | None = None,
                    start_row: int = 1, readable: bool = True, headers: dict[str, str] | None = None) -> Worksheet:
    """A sheet holding ``frame`` with a bold frozen header row, filters and number formats; ``readable``
    headers (:data:`HEADERS`, or this sheet's own ``headers`` first) unless a return's own field names must stay."""
    ws = book.create_sheet(title[:31])
    _write_frame(ws, frame, formats, start_row, readable, headers)
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if len(frame):
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(frame.columns))}{start_row + len(frame)}"
    return ws


def _free_sheet_title(book: Workbook, caption: str) -> str:
    """A sheet name from a caption: without the characters Excel refuses, at most 31 characters, and not
    the name of a sheet the book already has."""
    base = re.sub(r"[\\/?*:\[\]]", " ", caption).strip(" '")[:31] or "Table"
    title, n = base, 2
    while title.lower() in {name.lower() for name in book.sheetnames}:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


#: Number columns holding years and codes, written without a thousands separator.
CODES = {"year", "ncy", "base_year", "roll_year", "first_year", "la_code", "urn", "laestab", "ncy_low", "ncy_high"}


def _is_code(name: str) -> bool:
    return name in CODES or name.endswith("_id")


def _write_frame(ws: Worksheet, frame: pd.DataFrame, formats: dict[str, str] | None, start_row: int,
                 readable: bool = True, headers: dict[str, str] | None = None) -> None:
    formats = {**DEFAULT_FORMATS, **(FIGURE_FORMATS if readable else {}), **(formats or {})}
    for j, name in enumerate(frame.columns, start=1):
        text = ((headers or {}).get(str(name)) or header_text(name)) if readable else str(name)
        cell = ws.cell(row=start_row, column=j, value=text)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="bottom", wrap_text=True)
    for i, values in enumerate(frame.itertuples(index=False), start=start_row + 1):
        for j, value in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=_cell(value))
    for j, name in enumerate(frame.columns, start=1):
        fmt = formats.get(str(name))
        if fmt is None and _is_number(frame[name]):
            fmt = "0" if _is_code(str(name)) else COUNT
        if fmt:
            for row in ws.iter_rows(min_row=start_row + 1, max_row=start_row + len(frame), min_col=j, max_col=j):
                row[0].number_format = fmt
        width = WIDE_COLUMNS.get(str(name), max(10, min(24, len(header_text(name)) + 3)))
        ws.column_dimensions[get_column_letter(j)].width = width
        if width >= 40:
            for row in ws.iter_rows(min_row=start_row + 1, max_row=start_row + len(frame), min_col=j, max_col=j):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _summary_sheet(book: Workbook, data: ReportData) -> None:
    ws = book.create_sheet("Summary")
    ws["A1"] = data.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"Scenario '{data.result.name}', base year {year_label(data.base_year)}, "
                f"created {data.result.provenance.created_at}")
    from reports.pageone import accuracy_sentence, range_sentence

    row = 4
    accuracy = accuracy_sentence(data)
    for line in [*(f"Warning: {w}" for w in data.warnings), *data.headline(), range_sentence(data),
                 *([accuracy] if accuracy else []), *(f"Note: {n}" for n in data.forecast_notes)]:
        ws.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        ws.row_dimensions[row].height = max(30, 15 * math.ceil(len(line) / 120))  # about 120 characters a line
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="The three biggest risks").font = Font(bold=True)
    for i, risk in enumerate(data.risks, start=1):
        ws.cell(row=row + i, column=1, value=f"{i}. {risk}").alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row + i, start_column=1, end_row=row + i, end_column=8)
        ws.row_dimensions[row + i].height = 30
    for col in "ABCDEFGH":
        ws.column_dimensions[col].width = 16
    ws.column_dimensions["A"].width = 24


def _needed_sheet(book: Workbook, data: ReportData) -> None:
    frame = data.needed.copy()
    frame.insert(2, "academic_year", frame["year"].map(year_label))
    ws = add_frame_sheet(book, "Places needed", frame)
    wide = data.needed.pivot_table(index="year", columns="phase", values="places_needed", aggfunc="sum")
    start = len(frame) + 4
    ws.cell(row=start, column=1,
            value="Places needed without the programme, by year (chart data)").font = Font(bold=True)
    _write_frame(ws, wide.reset_index().assign(year=lambda f: f["year"].map(year_label)), None, start + 1)
    chart = BarChart()
    chart.title = "Places needed without the programme"
    chart.y_axis.title = "Places (sum of year groups)"
    chart.x_axis.title = "Academic year"
    chart.y_axis.numFmt = COUNT
    chart.add_data(Reference(ws, min_col=2, max_col=1 + wide.shape[1], min_row=start + 1,
                             max_row=start + 1 + len(wide)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=start + 2, max_row=start + 1 + len(wide)))
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"J{2}")


def _programme_sheets(book: Workbook, data: ReportData) -> None:
    frame = data.programme.copy()
    frame.insert(frame.columns.get_loc("year") + 1, "academic_year", frame["year"].map(year_label))
    add_frame_sheet(book, "Programme", frame)
    add_frame_sheet(book, "Programme by type", data.programme_by_kind)
    if frame.empty:
        return
    by_year = (frame.pivot_table(index="year", columns="type", values="places", aggfunc="sum", fill_value=0)
               .reindex(data.years, fill_value=0))
    by_year.insert(0, "academic_year", [year_label(y) for y in by_year.index])
    by_year["capital_cost"] = frame.groupby("year")["capital_cost"].sum().reindex(data.years, fill_value=0)
    ws = add_frame_sheet(book, "Programme by year", by_year.reset_index(drop=True))
    kinds = by_year.shape[1] - 2
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "Places added or removed by year the scheme opens"
    chart.y_axis.title = "Places"
    chart.x_axis.title = "Academic year"
    chart.add_data(Reference(ws, min_col=2, max_col=1 + kinds, min_row=1, max_row=1 + len(by_year)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(by_year)))
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"{get_column_letter(by_year.shape[1] + 2)}2")


def _page_one_sheets(book: Workbook, data: ReportData) -> None:
    """Page one's tables: where places are needed and why, and the reductions needing consultation."""
    from reports.pageone import area_needs, reductions

    needs = area_needs(data)[["planning_area_id", "name", "phase", "peak_needed", "peak_needed_year",
                              "peak_short_after", "peak_short_year", "capital_cost", "driver"]]
    add_frame_sheet(book, "Where places are needed", needs)
    if data.has_plan:
        cuts = reductions(data)[["school_id", "school", "planning_area_id", "type", "year", "places_removed",
                                 "ofsted", "popularity", "needs_agreement", "why", "area_short", "short_reached",
                                 "reason"]]
        add_frame_sheet(book, "Reductions and closures", cuts)


def _area_sheets(book: Workbook, data: ReportData) -> None:
    totals = data.area_totals.copy()
    totals.insert(2, "academic_year", totals["year"].map(year_label))
    ws = add_frame_sheet(book, "Area totals", totals)
    borough = (data.area_totals.groupby(["year", "phase"])["pupils"].sum().unstack("phase"))
    start = len(totals) + 4
    _write_frame(ws, borough.reset_index().assign(year=lambda f: f["year"].map(year_label)), None, start)
    chart = LineChart()
    chart.title = "Pupils by phase, actual then forecast (all year groups)"
    chart.y_axis.title = "Pupils"
    chart.x_axis.title = "Academic year"
    chart.y_axis.numFmt = COUNT
    chart.add_data(Reference(ws, min_col=2, max_col=1 + borough.shape[1], min_row=start, max_row=start + len(borough)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(borough)))
    chart.width, chart.height = 18, 8
    ws.add_chart(chart, f"{get_column_letter(totals.shape[1] + 2)}2")
    add_frame_sheet(book, "Year groups short", data.area_deficits)
    add_frame_sheet(book, "Forecast by area", data.result.forecast.by_area)
    if data.result.plan is not None:
        add_frame_sheet(book, "Sufficiency after", data.result.plan.sufficiency_after, headers=PLAN_HEADERS)
        parts = _cost_parts(data.result.plan)
        ws = add_frame_sheet(book, "Cost breakdown", parts, {"amount": "#,##0"})
        for i, unit in enumerate(parts["unit"], start=2):  # only pounds read as money; weightings never do
            ws.cell(row=i, column=2).number_format = POUNDS if unit == "pounds" else "#,##0"


def _other_sheets(book: Workbook, data: ReportData) -> None:
    if data.comparison is not None:
        add_frame_sheet(book, "Scenario comparison", data.comparison, {n: "#,##0" for n in data.comparison.columns})
    if data.annex is not None:
        add_frame_sheet(book, "Expansion annex", data.annex)
    std = data.result.standards
    if std is not None:
        add_frame_sheet(book, "Standards risk", std.risk)
        add_frame_sheet(book, "Risk summary", std.risk_summary)
        for phase, table in std.kpis.items():
            _indicator_formats(add_frame_sheet(book, f"KPIs {phase}", table), table)
    p16 = data.result.post16
    if p16 is not None:
        from post16.show import MEASURE_NAMES

        shown = p16.participation.assign(measure=p16.participation["measure"].map(lambda m: MEASURE_NAMES.get(m, m)))
        add_frame_sheet(book, "Post-16 participation", shown, {"la": "0.0", "england": "0.0", "region": "0.0"})
        if p16.sixth_form_totals is not None:
            add_frame_sheet(book, "Sixth form", p16.sixth_form_totals)
    for section in data.stage_sections:  # each table a stage adds, on a sheet of its own
        for caption, frame in section.tables:
            add_frame_sheet(book, _free_sheet_title(book, caption), frame)
    add_frame_sheet(book, "Assumptions", data.assumptions)
    solver = pd.DataFrame([(k, str(v)) for k, v in data.solver.items()], columns=["item", "value"])
    ws = add_frame_sheet(book, "Sources", data.sources)
    _write_frame(ws, data.versions, None, len(data.sources) + 3)
    _write_frame(ws, solver, None, len(data.sources) + len(data.versions) + 5)


def _indicator_formats(ws: Worksheet, table: pd.DataFrame) -> None:
    """Each indicator's figures shown to the decimals its unit and size call for (stored in full)."""
    columns = ("value", "last_year", "change", "national")
    where = [table.columns.get_loc(c) + 1 for c in columns]
    for i, row in enumerate(table.itertuples(index=False), start=2):
        places = indicator_decimals(row.unit, *(getattr(row, c) for c in columns))
        for col in where:
            ws.cell(row=i, column=col).number_format = "#,##0" + ("." + "0" * places if places else "")


def _cost_parts(plan: Any) -> pd.DataFrame:
    """The plan's parts, each with its unit: pounds, weightings (not money) and place-years."""
    from optimiser.plan import COST_UNITS

    return pd.DataFrame({"item": [k.replace("_", " ") for k in plan.costs.index], "amount": plan.costs.to_numpy(),
                         "unit": [COST_UNITS[k] for k in plan.costs.index]})


def write_workbook(data: ReportData, path: Path) -> Path:
    """Write the report's tables to an Excel workbook at ``path``."""
    book = Workbook()
    book.remove(book.active)
    _summary_sheet(book, data)
    _page_one_sheets(book, data)
    _needed_sheet(book, data)
    _programme_sheets(book, data)
    _area_sheets(book, data)
    _other_sheets(book, data)
    text_only(book).save(path)  # names and reasons are the user's text: never formulas
    return path
