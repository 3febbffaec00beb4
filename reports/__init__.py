"""Reports: the capital programme report (HTML, PDF, Excel) and the SCAP-format export.

:func:`write_reports` turns one ScenarioResult (or several: the first is the principal
scenario, the rest are compared with it) into files in a folder and returns their paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.content import ReportData, build_report_data
    from sufficiency.core.result import ScenarioResult

__all__ = ["FORMATS", "ReportData", "build_report_data", "write_reports"]


def __getattr__(name: str) -> object:
    # The report's content (pandas, matplotlib) loads when first used, not with the command line.
    if name in ("ReportData", "build_report_data"):
        from reports import content

        return getattr(content, name)
    raise AttributeError(f"module 'reports' has no attribute {name!r}")

#: Formats :func:`write_reports` knows: the report as HTML, PDF and XLSX, and the SCAP export
#: (CSV files and one XLSX workbook).
FORMATS = ("html", "pdf", "xlsx", "scap")


def _as_list(results: ScenarioResult | Sequence[ScenarioResult]) -> list[ScenarioResult]:
    return list(results) if isinstance(results, (list, tuple)) else [results]


def write_reports(
    results: ScenarioResult | Sequence[ScenarioResult],
    out_dir: str | Path,
    formats: Iterable[str] = FORMATS,
    *,
    title: str | None = None,
    map_year: int | None = None,
    progress: Callable[[str, int], None] | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write the report and the SCAP export for one or more scenarios.

    Parameters
    ----------
    results
        A ScenarioResult, or several: the first is reported in full (principal) and the
        others appear in the scenario comparison.
    out_dir
        Folder to write into (created if missing).
    formats
        Any of ``html``, ``pdf``, ``xlsx`` and ``scap``.
    title
        Report title; by default it names the scenario.
    map_year
        Academic year of the map; by default five years after the base year.
    progress
        Optional ``progress(step_name, units)`` called as work is done, for a progress bar
        whose total is :func:`reports.render_steps`.
    workers
        Processes drawing the charts; default up to two where the platform can fork. Pass 1
        from a multi-threaded server, where forking is best avoided.

    Returns
    -------
    list of Path
        The files written, report files first.
    """
    formats = [f.strip().lower() for f in formats]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s) {unknown}: choose from {', '.join(FORMATS)}")
    tell = progress or (lambda step, units: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = _as_list(results)
    from reports.content import build_report_data

    data = build_report_data(results, title=title, map_year=map_year)
    tell("figures worked out", 1)
    stem = f"report_{_safe(data.result.name)}"
    written = _write_documents(data, out / stem, formats, tell, workers)
    if "xlsx" in formats:
        from reports.excel import write_workbook

        written.append(write_workbook(data, out / f"{stem}.xlsx"))
        tell("workbook", 1)
    if "scap" in formats:
        from reports.scap import write_scap

        written += write_scap(data.result, out)
        tell("SCAP export", 1)
    return written


def _write_documents(data: ReportData, stem: Path, formats: list[str], tell: Callable[[str, int], None],
                     workers: int | None) -> list[Path]:
    """The HTML and PDF reports (both from one HTML document)."""
    if not {"html", "pdf"} & set(formats):
        return []
    from reports.charts import all_charts
    from reports.html import render_html

    charts = all_charts(data, progress=lambda: tell("charts", 1), workers=workers)
    html = render_html(data, charts)
    written = []
    if "html" in formats:
        path = stem.with_suffix(".html")
        path.write_text(html, encoding="utf-8")
        written.append(path)
    tell("HTML", 1)
    if "pdf" in formats:
        from reports.pdf import write_pdf

        written.append(write_pdf(html, stem.with_suffix(".pdf")))
    tell("PDF", 1)
    return written


def render_steps(results: ScenarioResult | Sequence[ScenarioResult], formats: Iterable[str] = FORMATS) -> int:
    """Units of work :func:`write_reports` reports through ``progress`` for these formats (a bar's total)."""
    results = _as_list(results)
    first = results[0]
    formats = {f.strip().lower() for f in formats}
    steps = 1 + ("xlsx" in formats) + ("scap" in formats)
    if {"html", "pdf"} & formats:
        timeline = first.plan is not None and len(first.plan.schemes) > 0
        steps += 2 + 2 + timeline + len(first.inputs.planning_areas) + (len(results) > 1) + (
            first.post16 is not None)
    return steps


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "scenario"
