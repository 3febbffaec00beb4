"""The HTML report: one self-contained file (styles inline, charts as base64 PNG).

The same HTML is printed to PDF by :mod:`reports.pdf`, so the two always agree.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from reports.areas import GROWTH
from reports.content import ReportData, deficit_matrix, describe_area
from reports.format import (
    KIND_SHORT,
    indicator_decimals,
    money,
    money_short,
    ncy_label,
    number,
    percent,
    risk_reasons_text,
    year_label,
)

#: How a figure the data does not hold reads in a table.
NOT_AVAILABLE = "not available"


@dataclass
class Table:
    """A table of text cells ready for the template."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    note: str = ""
    css: str = ""
    row_css: list[str] = field(default_factory=list)
    #: Column widths in percent; given, the table lays out fixed (fast, and never wider than the page).
    widths: list[int] = field(default_factory=list)


def frame_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
                caption: str, note: str = "", css: str = "", widths: Sequence[int] = ()) -> Table:
    """A Table from a DataFrame: ``columns`` is (column, header, formatter or None for text)."""
    rows = [[(fmt(v) if fmt else ("" if pd.isna(v) else str(v)))
             for (_, _, fmt), v in zip(columns, values, strict=True)]
            for values in frame[[c for c, _, _ in columns]].itertuples(index=False)]
    return Table(caption, [h for _, h, _ in columns], rows, [fmt is not None for _, _, fmt in columns],
                 note, css, widths=list(widths))


def _needed_table(data: ReportData) -> Table:
    years = data.years
    rows = []
    for phase in ("primary", "secondary"):
        part = data.needed[data.needed["phase"] == phase].set_index("year")
        if part.empty:
            continue
        rows.append([f"{phase.capitalize()}: places needed without the programme",
                     *[number(part["places_needed"].get(y, np.nan)) for y in years],
                     number(part["places_needed"].sum())])
        if data.has_plan:
            rows.append([f"{phase.capitalize()}: shortfall after the programme (with margin)",
                         *[number(part["shortfall_after"].get(y, np.nan)) for y in years],
                         number(part["shortfall_after"].sum())])
    return Table("Places needed by phase and year", ["", *[year_label(y) for y in years], "Total"], rows,
                 [False] + [True] * (len(years) + 1),
                 "Counted per planning area and year group, without offsetting spare places elsewhere (DfE method). "
                 "The shortfall after the programme is measured against demand plus the operating margin. "
                 "Figures are rounded to whole places, so a total can differ by one from the sum of its parts.")


def _by_kind_table(data: ReportData) -> Table | None:
    if data.programme_by_kind.empty:
        return None
    frame = data.programme_by_kind
    table = frame_table(frame, [("type", "Type of scheme", None), ("schemes", "Schemes", number),
                                ("places", "Places", number), ("capital_cost", "Capital cost", money)],
                        "The recommended programme by type of scheme")
    table.rows.append(["Total", number(frame["schemes"].sum()), number(frame["places"].sum()),
                       money(data.capital_total)])
    table.row_css = [""] * (len(table.rows) - 1) + ["total"]
    return table


def _tiles(data: ReportData) -> list[dict[str, str]]:
    if not data.has_plan:
        return [{"value": "Not run", "label": "Capital programme"},
                {"value": money_short(data.budget) if data.budget is not None else "Not set",
                 "label": "Capital budget"},
                {"value": number(data.needed["places_needed"].sum()),
                 "label": "Places needed without schemes (place-years)"},
                {"value": year_label(data.base_year), "label": "Base year"}]
    growth = data.programme[data.programme["kind"].isin(GROWTH)]
    return [{"value": money_short(data.capital_total), "label": "Capital cost of the programme"},
            {"value": money_short(data.budget) if data.budget is not None else "Not set", "label": "Capital budget"},
            {"value": number(growth["places"].sum()), "label": "Places added by growth schemes"},
            {"value": number(data.shortfall_total), "label": "Shortfall left (place-years)"}]


def _area_views(data: ReportData, charts: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for area in data.areas.itertuples(index=False):
        aid = area.planning_area_id
        matrix = deficit_matrix(data.area_deficits, aid)
        table = None
        if not matrix.empty:
            rows = data.area_deficits[data.area_deficits["planning_area_id"] == aid]
            after = rows.pivot_table(index="ncy", columns="year", values="shortfall_after", aggfunc="sum")
            table = _area_deficit_table(aid, matrix.reindex(columns=data.years, fill_value=0.0), after, data.years,
                                        data.has_plan)
        out.append({"id": aid, "name": area.name, "phase": area.phase, "chart": charts[f"area:{aid}"],
                    "sentence": describe_area(data.area_totals, data.area_deficits, aid, area.name),
                    "deficits": table})
    return out


def _area_deficit_table(aid: str, matrix: pd.DataFrame, after: pd.DataFrame, years: Sequence[int],
                        has_plan: bool) -> Table:
    """An area's places needed by year group and year, each with what the programme leaves short beside it."""

    def cell(ncy: int, year: int) -> str:
        need = matrix.at[ncy, year]
        left = after.at[ncy, year] if ncy in after.index and year in after.columns else np.nan
        text = number(need) if need > 0.5 else "0"
        return f"{text} → {number(left)}" if has_plan and pd.notna(left) else text

    return Table(f"{aid}: year groups short of places (needed before → short after the programme)",
                 ["Year group", *[year_label(y) for y in years]],
                 [[ncy_label(n), *[cell(n, y) for y in years]] for n in matrix.index],
                 [False] + [True] * len(years), css="small")


def _schemes_table(data: ReportData) -> Table | None:
    if data.programme.empty:
        return None
    frame = data.programme.assign(year_text=data.programme["year"].map(year_label),
                                  short=data.programme["kind"].map(KIND_SHORT).fillna(data.programme["type"]))
    table = frame_table(frame, [("school", "School", None), ("short", "Type", None),
                                ("planning_area_id", "Area", None), ("year_text", "Opens", None),
                                ("places", "Places", number), ("capital_cost", "Cost", money),
                                ("reason", "Why", None)],
                        f"Schemes of the recommended programme ({len(frame)})", css="small",
                        widths=[20, 12, 5, 7, 6, 9, 41])
    return table


def _balance_table(data: ReportData) -> Table:
    from reports.maps import area_balance

    frame = data.areas.merge(area_balance(data, data.map_year), on="planning_area_id", how="left")
    return frame_table(frame, [("planning_area_id", "Area", None), ("name", "Name", None), ("phase", "Phase", None),
                               ("pupils", "Forecast pupils", number), ("places", "Places today", number),
                               ("balance", "Spare (+) or short (−)", number), ("rate", "% of places", percent)],
                       f"Surplus and deficit mapped, {year_label(data.map_year)} (before the programme)", css="small")


def _comparison_table(data: ReportData) -> Table | None:
    if data.comparison is None:
        return None
    frame = data.comparison
    names = [c for c in frame.columns if c != "measure"]
    rows = [[m, *[(money(v) if "£" in m else number(v)) for v in frame.loc[i, names]]]
            for i, m in frame["measure"].items()]
    return Table("Scenarios side by side", ["Measure", *names], rows, [False] + [True] * len(names),
                 "Place-years: places summed over planning areas, year groups and years of the plan period.")


def _standards_view(data: ReportData) -> dict[str, Any] | None:
    std = data.result.standards
    if std is None:
        return None
    summary = frame_table(std.risk_summary, [("phase", "Phase", None), ("category", "Risk category", None),
                                             ("this_year", f"Schools {year_label(std.year)}", number),
                                             ("last_year", "Last year", number), ("change", "Change", number)],
                          f"Schools by risk category: {std.rules_label}")
    kpis = []
    for phase, raw in std.kpis.items():
        kpis.append(frame_table(indicator_text(raw), [("indicator", "Indicator", None), ("unit", "Unit", None),
                                      ("value", year_label(std.year), str), ("last_year", "Last year", str),
                                      ("change", "Change", str), ("trend", "Trend", None),
                                      ("national", "England", str)],
                                f"Key indicators, {phase} ({'table one' if phase == 'primary' else 'table two'})",
                                css="small", widths=[40, 11, 10, 10, 9, 10, 10]))
    red = int(std.risk["category"].eq("Red").sum())
    amber = int(std.risk["category"].eq("Amber").sum())
    intro = (f"Risk assessment of {len(std.risk):,} schools for {year_label(std.year)}: {red} Red and {amber} Amber. "
             + " ".join(std.notes))
    return {"intro": intro, "summary": summary, "kpis": kpis}


def indicator_text(kpis: pd.DataFrame) -> pd.DataFrame:
    """Indicator figures as text, each row to the decimals its unit and size call for."""
    out = kpis.copy()
    columns = ("value", "last_year", "change", "national")
    for col in columns:
        out[col] = out[col].astype(object)
    for i, row in kpis.iterrows():
        places = indicator_decimals(row["unit"], *(row[c] for c in columns))
        for col in columns:
            out.at[i, col] = NOT_AVAILABLE if pd.isna(row[col]) else number(row[col], places)
    out["trend"] = out["trend"].replace("", NOT_AVAILABLE).fillna(NOT_AVAILABLE)
    return out


def _post16_view(data: ReportData) -> dict[str, Any] | None:
    p16 = data.result.post16
    if p16 is None:
        return None
    latest = p16.latest()
    intro = (f"{p16.la_name}: {latest['la']:.1f}% of 16-17 year olds were in education or training in "
             f"{int(latest['year'])} (England {latest['england']:.1f}%, {p16.region_name} {latest['region']:.1f}%).")
    sixth = None
    if p16.sixth_form_totals is not None:
        sixth = frame_table(p16.sixth_form_totals.assign(year_text=p16.sixth_form_totals["year"].map(year_label)),
                            [("year_text", "Year", None), ("year12", "Year 12", number), ("year13", "Year 13", number),
                             ("pupils", "Pupils", number), ("places", "Places", number),
                             ("surplus", "Spare (+) / short (−)", number), ("shortfall", "Places short", number),
                             ("providers_short", "Providers short", number)],
                            f"Sixth-form demand against places ({p16.sixth_form_source or 'forecast'})")
    return {"intro": intro, "sixth_form": sixth, "notes": list(p16.notes)}


def _provenance_tables(data: ReportData) -> dict[str, Table]:
    s = data.solver
    rows = [["Created", s["created_at"]], ["Solver", str(s.get("solver", "not run"))], ["Status", s["status"]]]
    if "gap" in s:
        rows += [["Optimality gap (share of the controllable cost: capital in use, empty places, travel)",
                  f"{s['gap']:.4%} of £{s['controllable_cost']:,.0f}"],
                 ["Solve time", f"{s['seconds']:,.1f} s"], ["Solver message", s["message"]]]
    rows += [[f"Stage time: {k}", f"{v:,.1f} s"] for k, v in s["stage_seconds"].items()]
    # zero-width spaces let long dotted setting names break at their dots in narrow columns
    settings = data.assumptions.assign(setting=data.assumptions["setting"].str.replace(".", ".\u200b", regex=False))
    return {
        "solver": Table("Run and solver", ["Item", "Value"], rows, [False, False]),
        "sources": Table("Input files (SHA-256 of their bytes)", ["File", "SHA-256"],
                         [[f, f'<span class="hash">{h}</span>'] for f, h in data.sources.itertuples(index=False)],
                         [False, False], widths=[25, 75]),
        "versions": frame_table(data.versions, [("package", "Software", None), ("version", "Version", None)],
                                "Software versions"),
        "assumptions": frame_table(settings, [("setting", "Setting", None), ("value", "Value", None),
                                                      ("source", "What it is and its source", None)],
                                   "Every assumption of the scenario as run, with its source", css="small",
                                   widths=[30, 17, 53]),
    }


def _annex_table(data: ReportData) -> Table | None:
    if data.annex is None:
        return None
    frame = data.annex.assign(year_text=data.annex["first_year"].map(year_label),
                              risk_reasons=data.annex["risk_reasons"].map(risk_reasons_text))
    table = frame_table(frame, [("school", "School", None), ("planning_area_id", "Area", None),
                                ("schemes", "Schemes", None), ("year_text", "From", None),
                                ("places", "Places", number), ("capital_cost", "Cost", money),
                                ("ofsted", "Ofsted", None), ("risk", "Risk", None),
                                ("risk_reasons", "Risk reasons", None)],
                        "Schools proposed for expansion or a bulge class", css="small",
                        widths=[16, 5, 12, 7, 6, 11, 10, 7, 26])
    table.row_css = [f"rag-{r}" for r in frame["risk"]]
    return table


def _cell_text(value: Any) -> str:
    """A cell of a stage's table as a person reads it: thousands separated, a dash for nothing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:,.1f}"
    return str(value)


def _stage_sections(data: ReportData) -> list[dict[str, Any]]:
    """The sections stages add (their own heading, paragraphs, tables and notes)."""
    views = []
    for section in data.stage_sections:
        tables = []
        for caption, frame in section.tables:
            numeric = [pd.api.types.is_numeric_dtype(frame[c]) and c != "year" for c in frame.columns]
            rows = [[_cell_text(v) for v in values] for values in frame.itertuples(index=False)]
            tables.append(Table(caption, [str(c) for c in frame.columns], rows, numeric))
        views.append({"title": section.title, "paragraphs": list(section.paragraphs), "tables": tables,
                      "notes": list(section.notes)})
    return views


def view_model(data: ReportData, charts: dict[str, bytes]) -> dict[str, Any]:
    """Everything the template shows, as text and base64 images."""
    from sufficiency import __version__

    images = {k: base64.b64encode(v).decode("ascii") for k, v in charts.items()}
    result = data.result
    subtitle = (f"Scenario '{result.name}'{': ' + result.scenario.description if result.scenario.description else ''} "
                f"Base year {year_label(data.base_year)}; forecast {year_label(data.years[0])} to "
                f"{year_label(data.years[-1])}. Produced {result.provenance.created_at[:10]} by sufficiency "
                f"{__version__}.")
    return {
        "title": data.title, "subtitle": subtitle, "version": __version__, "css": _css(),
        "has_shortfall": data.has_shortfall, "has_plan": data.has_plan, "capacity_differs": data.capacity_differs,
        "headline": data.headline(), "tiles": _tiles(data),
        "needed": _needed_table(data), "by_kind": _by_kind_table(data), "risks": data.risks,
        "charts": images, "base_year": year_label(data.base_year), "areas": _area_views(data, images),
        "schemes": _schemes_table(data), "map_year": year_label(data.map_year),
        "roll_year": year_label(result.current.year), "balance": _balance_table(data),
        "comparison": _comparison_table(data), "standards": _standards_view(data), "post16": _post16_view(data),
        "annex": _annex_table(data), "notes": data.notes, "stage_sections": _stage_sections(data),
        **_provenance_tables(data),
    }


def _css() -> str:
    return files("reports").joinpath("templates/report.css").read_text(encoding="utf-8")


def render_html(data: ReportData, charts: dict[str, bytes]) -> str:
    """The report as one self-contained HTML document."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    view = view_model(data, charts)
    # hashes carry their own span markup; everything else is escaped text
    view["sources"].rows = [[f, Markup(h)] for f, h in view["sources"].rows]
    return env.get_template("report.html.j2").render(v=view)
