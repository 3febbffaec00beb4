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
    MINUS,
    header_text,
    indicator_decimals,
    money,
    money_short,
    ncy_label,
    number,
    percent,
    risk_reasons_text,
    year_label,
)
from reports.pageone import accuracy_sentence, range_sentence, reductions, reductions_note
from sufficiency.core.display import count_words

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
    #: Columns of codes (planning area ids): never broken across lines.
    codes: list[bool] = field(default_factory=list)


def frame_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
                caption: str, note: str = "", css: str = "", widths: Sequence[int] = ()) -> Table:
    """A Table from a DataFrame: ``columns`` is (column, header, formatter or None for text)."""
    rows = [[(fmt(v) if fmt else ("" if pd.isna(v) else str(v)))
             for (_, _, fmt), v in zip(columns, values, strict=True)]
            for values in frame[[c for c, _, _ in columns]].itertuples(index=False)]
    return Table(caption, [h for _, h, _ in columns], rows, [fmt is not None for _, _, fmt in columns],
                 note, css, widths=list(widths), codes=[c.endswith("_id") for c, _, _ in columns])


def _needed_table(data: ReportData) -> Table:
    years = data.years
    rows = []
    for phase in data.phases:
        part = data.needed[data.needed["phase"] == phase].set_index("year")
        if part.empty:
            continue
        rows.append([f"{phase.capitalize()}: places needed without the programme",
                     *[number(part["places_needed"].get(y, np.nan)) for y in years],
                     number(part["places_needed"].max())])
        if data.has_plan:
            rows.append([f"{phase.capitalize()}: places short after the programme",
                         *[number(part["shortfall_after"].get(y, np.nan)) for y in years],
                         number(part["shortfall_after"].max())])
    return Table("Places needed by phase and year (places in each year)",
                 ["", *[year_label(y) for y in years], "Peak"], rows,
                 [False] + [True] * (len(years) + 1),
                 "Places in each year, counted per planning area and year group without offsetting spare places "
                 "elsewhere (DfE method): pupils above places today before the programme, and pupils above the "
                 "places after it. The peak is the largest year, not a sum over years.")


def _by_kind_table(data: ReportData) -> Table | None:
    if data.programme_by_kind.empty:
        return None
    frame = data.programme_by_kind
    table = frame_table(frame, [("type", "Type of scheme", None), ("schemes", "Schemes", number),
                                ("places", "Places (once fully in)", number), ("capital_cost", "Capital (£)", money)],
                        "The recommended programme by type of scheme")
    table.rows.append(["Total", number(frame["schemes"].sum()), number(frame["places"].sum()),
                       money(data.capital_total)])
    table.row_css = [""] * (len(table.rows) - 1) + ["total"]
    return table


def _tiles(data: ReportData) -> list[dict[str, str]]:
    peak = data.phase_peaks
    need = peak.loc[peak["peak_needed"].idxmax()] if len(peak) else None
    need_tile = {"value": number(need["peak_needed"]) if need is not None else "0",
                 "label": (f"Places needed without schemes at the peak ({need['phase']}, "
                           f"{year_label(need['peak_needed_year'])})" if need is not None and need["peak_needed"] > 0
                           else "Places needed without schemes (no year group short)")}
    if not data.has_plan:
        return [{"value": "Not run", "label": "Capital programme"}, need_tile,
                {"value": money_short(data.budget) if data.budget is not None else "Not set",
                 "label": "Capital budget"},
                {"value": year_label(data.base_year), "label": "Base year (latest census)"}]
    growth = data.programme[data.programme["kind"].isin(GROWTH)]
    short = peak.loc[peak["peak_short_after"].idxmax()]
    short_label = (f"Places short after the programme at the worst ({short['phase']}, "
                   f"{year_label(short['peak_short_year'])})" if short["peak_short_after"] > 0
                   else "Places short after the programme")
    return [{"value": money_short(data.capital_total), "label": "Capital cost of the programme (£)"},
            {"value": number(growth["places"].sum()), "label": "Places added by growth schemes, once fully in"},
            need_tile, {"value": number(short["peak_short_after"]), "label": short_label}]


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
                    "sentence": describe_area(data.area_totals, data.area_year, aid, area.name, area.phase),
                    "deficits": table})
    return out


def _area_deficit_table(aid: str, matrix: pd.DataFrame, after: pd.DataFrame, years: Sequence[int],
                        has_plan: bool) -> Table:
    """An area's places needed by year group and year, each with what the programme leaves short beside it."""

    def cell(ncy: int, year: int) -> str:
        need = matrix.at[ncy, year]
        left = after.at[ncy, year] if ncy in after.index and year in after.columns else np.nan
        text = number(need)
        return f"{text} → {number(left)}" if has_plan and pd.notna(left) else text

    rows = [[ncy_label(n), *[cell(n, y) for y in years]] for n in matrix.index]
    rows.append(["All year groups", *[cell_total(matrix, after, y, has_plan) for y in years]])
    caption = (f"{aid}: places needed without the programme → places short after it, by year group (places)"
               if has_plan else f"{aid}: places needed by year group (places)")
    table = Table(caption, ["Year group", *[year_label(y) for y in years]], rows,
                  [False] + [True] * len(years), css="small")
    table.row_css = [""] * (len(rows) - 1) + ["total"]
    return table


def cell_total(matrix: pd.DataFrame, after: pd.DataFrame, year: int, has_plan: bool) -> str:
    """The all-year-groups cell of an area's table: the sums of the column's two figures."""
    need = number(matrix[year].sum())
    if not has_plan:
        return need
    left = after[year].sum() if year in after.columns else 0.0
    return f"{need} → {number(left)}"


def _areas_table(data: ReportData) -> tuple[Table | None, str]:
    """Page one: the areas needing places, where and why (the rest counted in a line)."""
    from reports.pageone import TOP, area_needs

    frame = area_needs(data)
    if frame.empty:
        return None, "No planning area needs places in any year of the plan period."
    shown = frame.head(TOP).assign(
        area=lambda f: f["name"] + " (" + f["planning_area_id"] + ")",
        need=lambda f: [f"{number(n)} in {year_label(y)}" if n > 0 else "0"
                        for n, y in zip(f["peak_needed"], f["peak_needed_year"], strict=True)],
        short=lambda f: [(f"{number(n)} in {year_label(y)}" if n > 0 else "0") if pd.notna(n) else "not planned"
                         for n, y in zip(f["peak_short_after"], f["peak_short_year"], strict=True)])
    table = frame_table(shown, [("area", "Planning area", None), ("phase", "Phase", None),
                                ("need", "Places needed at the peak, without schemes", None),
                                ("short", "Places short at the worst, with the programme", None),
                                ("capital_cost", "Capital (£)", money), ("driver", "What drives it", None)],
                        "Where places are needed, and why", css="small", widths=[19, 8, 15, 15, 11, 32])
    rest = frame.iloc[TOP:]
    line = (f"{count_words(len(rest), 'more area')} need places or have schemes (peak places needed "
            f"{number(rest['peak_needed'].max())} or fewer): see 'Planning areas'." if len(rest) else "")
    return table, line


def _top_schemes_table(data: ReportData) -> tuple[Table | None, str]:
    """Page one: the largest growth schemes (school, area, opening year, places, capital, why)."""
    from reports.pageone import TOP, top_schemes

    frame = top_schemes(data)
    if frame.empty:
        return None, ("The programme adds no places." if data.has_plan else "")
    shown = frame.head(TOP).assign(year_text=lambda f: f["year"].map(year_label),
                                   school=lambda f: f["school"] + " (" + f["planning_area_id"] + ")")
    table = frame_table(shown, [("school", "School (area)", None), ("short", "Scheme", None),
                                ("year_text", "Opens", None), ("places", "Places", number),
                                ("capital_cost", "Capital (£)", money), ("why", "Why: the need it meets", None)],
                        f"The largest growth schemes ({min(TOP, len(frame))} of {len(frame)})", css="small",
                        widths=[25, 10, 7, 6, 9, 43])
    rest = frame.iloc[TOP:]
    line = (f"{count_words(len(rest), 'more growth scheme')} {'adds' if len(rest) == 1 else 'add'} "
            f"{number(rest['places'].sum())} places for "
            f"{money_short(rest['capital_cost'].sum())}: every scheme is listed under 'The recommended programme'."
            if len(rest) else "")
    return table, line


def _capital_by_year_table(data: ReportData) -> Table | None:
    from reports.pageone import capital_by_year

    frame = capital_by_year(data)
    if frame.empty:
        return None
    years = [int(y) for y in frame["year"]]
    rows = [["Capital (£)", *[money(v) for v in frame["capital_cost"]], money(frame["capital_cost"].sum())],
            ["Places added", *[number(v) for v in frame["places_added"]], number(frame["places_added"].sum())],
            ["Places removed", *[number(v) for v in frame["places_removed"]], number(frame["places_removed"].sum())]]
    return Table("Capital and places by the year schemes open", ["", *[year_label(y) for y in years], "Total"],
                 rows, [False] + [True] * (len(years) + 1), css="small")


def _reductions_table(frame: pd.DataFrame) -> tuple[Table | None, str, Table | None]:
    """Page one's reductions and closures (`reports.pageone.reductions`: the soonest `REDUCTIONS_SHOWN`), a
    line for the rest, and the table of every one for the programme section when page one cannot hold them all."""
    from reports.pageone import REDUCTIONS_SHOWN

    if frame.empty:
        return None, "", None
    frame = frame.assign(year_text=frame["year"].map(year_label),
                         short=frame["kind"].map(KIND_SHORT).fillna(frame["type"]))
    frame = frame.sort_values(["year", "planning_area_id", "school"], kind="stable")
    columns = [("school", "School", None), ("planning_area_id", "Area", None), ("short", "Decision", None),
               ("year_text", "From", None), ("places_removed", "Places removed", number), ("ofsted", "Ofsted", None),
               ("popularity", "First preferences for its places", None),
               ("own_admissions", "Own admission authority", None)]
    widths = [24, 6, 11, 7, 8, 12, 15, 17]
    shown = frame.head(REDUCTIONS_SHOWN)
    title = "Reductions and closures: decisions needing consultation"
    count = f"{len(shown)} of {len(frame)}, the soonest" if len(frame) > len(shown) else f"{len(frame)}"
    first = frame_table(shown, columns, f"{title} ({count})", css="small", widths=widths)
    rest = frame.iloc[REDUCTIONS_SHOWN:]
    if rest.empty:
        return first, "", None
    line = (f"{len(rest):,} more {'reduction or closure' if len(rest) == 1 else 'reductions or closures'} "
            f"{'removes' if len(rest) == 1 else 'remove'} {number(rest['places_removed'].sum())} places from "
            f"{year_label(int(rest['year'].min()))} on: every one is listed under 'The recommended programme'.")
    return first, line, frame_table(frame, columns, f"{title}: every one ({len(frame)})", css="small", widths=widths)


def _schemes_table(data: ReportData) -> Table | None:
    if data.programme.empty:
        return None
    frame = data.programme.assign(year_text=data.programme["year"].map(year_label),
                                  short=data.programme["kind"].map(KIND_SHORT).fillna(data.programme["type"]))
    table = frame_table(frame, [("school", "School", None), ("short", "Type", None),
                                ("planning_area_id", "Area", None), ("year_text", "Opens", None),
                                ("places", "Places", number), ("capital_cost", "Capital (£)", money),
                                ("reason", "Why", None)],
                        f"Schemes of the recommended programme ({len(frame)})", css="small",
                        widths=[20, 12, 7, 7, 6, 9, 39])
    return table


def _balance_table(data: ReportData) -> Table:
    from reports.maps import area_balance

    frame = data.areas.merge(area_balance(data, data.map_year), on="planning_area_id", how="left")
    return frame_table(frame, [("planning_area_id", "Area", None), ("name", "Name", None), ("phase", "Phase", None),
                               ("pupils", "Forecast pupils", number), ("places", "Places today", number),
                               ("balance", "Spare (+) or short (−) overall", number),
                               ("places_needed", "Places needed", number), ("rate", "Spare as % of places", percent)],
                       f"Surplus and deficit mapped, {year_label(data.map_year)} (before the programme)", css="small",
                       note="Spare or short overall offsets year groups against each other, as the map's shading "
                            "does; places needed counts each year group short without offsetting, as everywhere "
                            "else in this report.")


def _comparison_table(data: ReportData) -> Table | None:
    if data.comparison is None:
        return None
    frame = data.comparison
    names = [c for c in frame.columns if c != "measure"]
    rows = [[m, *[(money(v) if "£" in m else number(v)) for v in frame.loc[i, names]]]
            for i, m in frame["measure"].items()]
    return Table("Scenarios side by side", ["Measure", *names], rows, [False] + [True] * len(names),
                 "Places are counted in one year (the peak is the largest year); place-years are places summed "
                 "over the years of the plan period, as the optimiser counts shortfall.")


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
                        widths=[16, 7, 12, 7, 6, 11, 10, 7, 24])
    table.row_css = [f"rag-{r}" for r in frame["risk"]]
    return table


def _cell_text(value: Any, year: bool = False, whole: bool = False) -> str:
    """A cell of a stage's table as a person reads it: thousands separated (a ``year`` column's 2025 stays as
    it is), to one decimal unless its column is ``whole`` (places, pounds: 30, not 30.0), a dash for nothing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)) or (whole and isinstance(value, (float, np.floating))):
        text = str(int(value)) if year else f"{int(round(value)):,}"
        return text.replace("-", MINUS)
    if isinstance(value, (float, np.floating)):
        return f"{value:,.1f}".replace("-", MINUS)
    return str(value)


def _whole(column: pd.Series) -> bool:
    """Whether a number column holds whole numbers only (places, pounds), to be shown without decimals."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    values = column.dropna()
    return bool(len(values) and (values == values.round()).all())


def _stage_sections(data: ReportData) -> list[dict[str, Any]]:
    """The sections stages add (their own heading, paragraphs, tables and notes)."""
    views = []
    for section in data.stage_sections:
        tables = []
        for caption, frame in section.tables:
            years = [c == "year" for c in frame.columns]
            numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not y for c, y in zip(frame.columns, years,
                                                                                            strict=True)]
            whole = [_whole(frame[c]) for c in frame.columns]
            rows = [[_cell_text(v, y, w) for v, y, w in zip(values, years, whole, strict=True)]
                    for values in frame.itertuples(index=False)]
            tables.append(Table(caption, [header_text(c) for c in frame.columns], rows, numeric))
        figures = [(caption, base64.b64encode(png).decode("ascii")) for caption, png in section.figures]
        views.append({"title": section.title, "paragraphs": list(section.paragraphs), "tables": tables,
                      "notes": list(section.notes), "figures": figures})
    return views


def view_model(data: ReportData, charts: dict[str, bytes]) -> dict[str, Any]:
    """Everything the template shows, as text and base64 images."""
    from sufficiency import __version__

    images = {k: base64.b64encode(v).decode("ascii") for k, v in charts.items()}
    result = data.result
    cuts = reductions(data)  # page one's table, its note and the programme section's list read it once
    subtitle = (f"Scenario '{result.name}'{': ' + result.scenario.description if result.scenario.description else ''} "
                f"Base year {year_label(data.base_year)}; forecast {year_label(data.years[0])} to "
                f"{year_label(data.years[-1])}. Produced {result.provenance.created_at[:10]} by sufficiency "
                f"{__version__}.")
    return {
        "title": data.title, "subtitle": subtitle, "version": __version__, "css": _css(),
        "has_shortfall": data.has_shortfall, "has_plan": data.has_plan, "capacity_differs": data.capacity_differs,
        "headline": data.headline(), "tiles": _tiles(data), "warnings": data.warnings,
        "range": range_sentence(data), "accuracy": accuracy_sentence(data), "area_needs": _areas_table(data),
        "top_schemes": _top_schemes_table(data),
        "by_year": _capital_by_year_table(data), "reductions": _reductions_table(cuts),
        "reductions_note": reductions_note(cuts) if data.has_plan else None,
        "omitted": data.omitted, "phases": data.phases, "has_map": "map" in images,
        "needed": _needed_table(data), "by_kind": _by_kind_table(data), "risks": data.risks,
        "charts": images, "base_year": year_label(data.base_year), "areas": _area_views(data, images),
        "schemes": _schemes_table(data), "map_year": year_label(data.map_year),
        "roll_year": year_label(result.current.year), "balance": _balance_table(data),
        "comparison": _comparison_table(data), "standards": _standards_view(data), "post16": _post16_view(data),
        "annex": _annex_table(data), "notes": data.notes, "forecast_notes": data.forecast_notes,
        "stage_sections": _stage_sections(data),
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
