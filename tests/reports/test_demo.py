"""The demo ends with the capital programme report in HTML, PDF and Excel, and names the files."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import render_steps
from sufficiency.core.display import console
from sufficiency.demo import show_and_write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(principal, tmp_path_factory):
    """The demo's output for the session's sample run: (files written, what it printed)."""
    out = tmp_path_factory.mktemp("demo")
    with console.capture() as captured:
        written = show_and_write(principal, out)
    return out, written, captured.get()


def test_demo_writes_the_report_in_three_formats(demo, principal):
    out, written, _ = demo
    report = {p.suffix: p for p in written if p.name.startswith("report_")}
    assert set(report) == {".html", ".pdf", ".xlsx"}
    assert all(p.parent == out and p.stat().st_size > 0 for p in report.values())
    html = report[".html"].read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and html.rstrip().endswith("</html>")
    pdf = PdfReader(report[".pdf"])
    first = pdf.pages[0].extract_text()
    assert len(pdf.pages) >= 10 and "The largest growth schemes" in first and "Reductions and closures" in first
    book = load_workbook(report[".xlsx"], read_only=True)
    assert {"Summary", "Programme", "Assumptions"} <= set(book.sheetnames)
    assert {"scap_pupil_forecasts.csv", "scap_return.xlsx", "plan.csv", "forecast.csv", "run.json"} <= {
        p.name for p in written}


def test_demo_ends_by_naming_the_report_files(demo):
    out, written, printed = demo
    lines = [line.strip() for line in printed.strip().splitlines()]
    assert re.fullmatch(r"Capital programme report for the principal scenario, written in \d+\.\d s:", lines[-4])
    assert lines[-3:] == [f"{kind:<4} {out / f'report_principal.{kind.lower()}'}" for kind in ("HTML", "PDF", "XLSX")]
    for path in written:
        assert str(path) in printed


def test_progress_bar_total_is_the_units_reported(principal, low, data, tmp_path):
    from reports import write_reports

    units = []
    write_reports(principal, tmp_path, ["xlsx", "scap"], progress=lambda step, n: units.append(n))
    assert sum(units) == render_steps(principal, ["xlsx", "scap"]) == 3
    from reports.charts import chart_steps

    # with the documents: one unit a chart, then the HTML and the PDF
    assert render_steps([principal, low], ["html", "pdf", "xlsx", "scap"]) == 1 + chart_steps(data) + 2 + 2
