"""The HTML, PDF and Excel reports: every section there, with the plan's and forecast's numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.format import money, number, year_label

pytestmark = pytest.mark.slow

SECTIONS = ["summary", "shortfall", "range", "reductions", "needed", "risks",
            "areas", "programme", "map", "comparison", "standards", "post16",
            "assumptions", "annex"]


@pytest.fixture(scope="module")
def html(written) -> str:
    return written["report_principal.html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw_pages(written) -> list[str]:
    return [page.extract_text() for page in PdfReader(written["report_principal.pdf"]).pages]


@pytest.fixture(scope="module")
def pages(raw_pages) -> list[str]:
    return [re.sub(r"\s+", " ", text) for text in raw_pages]


def test_writes_every_format(written):
    assert set(written) == {"report_principal.html", "report_principal.pdf", "report_principal.xlsx",
                            "scap_pupil_forecasts.csv", "scap_school_capacity.csv", "scap_planned_changes.csv",
                            "scap_return.xlsx"}


def test_html_has_every_section(html, data):
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    for area in data.areas["planning_area_id"]:
        assert f'id="area-{area}"' in html


def test_an_area_never_short_says_so_in_one_sentence(html, data):
    """An area short of places in no year, before the programme or after it, says so once (not a sentence on the
    time before the programme and a note on every year after it); every other area has its table."""
    never = data.area_year.groupby("planning_area_id")[["places_needed", "shortfall_after"]].max().sum(axis=1) == 0
    assert never.any() and not never.all()  # the sample has both kinds
    for area, quiet in never.items():
        section = html[html.index(f'id="area-{area}"'):]
        ends = [i for i in (section.find('<div class="area"'), section.find("</section>")) if i > 0]
        section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[:min(ends)]))
        said = "No year group is short of places in any forecast year, before the programme or after it."
        assert (section.count(said) == 1) == quiet, area
        assert "No year group is short of places before the programme." not in section, area


def test_html_is_self_contained(html):
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<style>" in html and "&#34;" not in html.split("</style>")[0]


def test_html_numbers_match_the_plan(html, principal, data):
    schemes = principal.plan.schemes
    for cost in schemes["capital_cost"].unique():
        assert money(cost) in html
    assert money(principal.plan.costs["capital"]) in html
    for kind_places in data.programme_by_kind["places"]:
        assert number(kind_places) in html
    assert f"Schemes of the recommended programme ({len(schemes)})" in html


def test_html_numbers_match_the_forecast(html, principal, data):
    last = data.area_totals[data.area_totals["year"] == data.years[-1]]
    cells = data.cells[data.cells["year"] == data.years[-1]]
    for row in last.itertuples():
        name = data.areas.set_index("planning_area_id").loc[row.planning_area_id, "name"]
        pupils = principal.forecast.by_area.set_index(["planning_area_id", "year", "ncy"])["pupils"].round()
        mine = cells[cells["planning_area_id"] == row.planning_area_id]
        assert row.pupils == sum(pupils[(row.planning_area_id, row.year, n)] for n in mine["ncy"])
        assert f"forecast {number(row.pupils)} in {year_label(row.year)}" in html, name
        assert f"95% interval {number(row.lower_95)}–{number(row.upper_95)}" in html
    for row in data.needed.itertuples():
        assert number(row.places_needed) in html


def test_pdf_has_the_expected_pages(pages, raw_pages, data):
    assert len(pages) >= 10
    assert "The largest growth schemes" in pages[0] and "Reductions and closures" in pages[0]
    order = ["Risks and places needed, year by year", "Planning areas: demand against capacity",
             "The recommended programme",
             "Map: where places are short", "Scenario comparison", "School standards and risk",
             "Post-16 participation and sixth-form demand", "Assumptions and sources",
             "Annex: schools proposed for expansion"]
    lines = [{line.strip() for line in text.splitlines()} for text in raw_pages]
    found = [next(i for i, page in enumerate(lines) if heading in page) for heading in order]
    assert found == sorted(found)
    assert "Annex: schools proposed for expansion" in pages[-1]
    assert all(f"Page {i + 1} of {len(pages)}" in text for i, text in enumerate(pages))


def test_shortfall_is_on_page_one(pages, principal, data):
    assert principal.plan.total_shortfall > 0
    first = pages[0]
    assert "Shortfall: even with the recommended programme" in first
    worst = data.phase_peaks.set_index("phase").loc["primary"]
    assert f"{number(worst['peak_short_after'])} primary places in {year_label(worst['peak_short_year'])}" in first
    assert "The three biggest risks" in pages[1]


def test_the_risks_page_says_how_the_forecast_did_on_past_years(pages, principal, written, html):
    accuracy = principal.results["accuracy"]
    said = accuracy.summary().removesuffix(".")
    assert said.startswith("Made again from each of 2021/22, 2022/23 and 2023/24")
    assert "The three biggest risks" in pages[1] and said in pages[1]
    section = next(i for i, page in enumerate(pages) if "Would these numbers have been right before?" in page)
    for label in ("This forecast: mean absolute error (%)", "Inside this forecast's 80% interval (%)"):
        assert label in pages[section]
    book = load_workbook(written["report_principal.xlsx"], read_only=True)
    summary = [c for row in book["Summary"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(c.startswith(said) for c in summary)
    assert 'id="accuracy"' in html


def test_cuts_in_areas_short_of_places_say_so_on_page_one(pages, data):
    from reports.pageone import reductions, reductions_note

    cuts = reductions(data)
    short = cuts[cuts["area_short"] != ""]
    assert len(short), "the sample cuts places in an area short of places in older year groups"
    assert (short["short_reached"] == 0).all()  # the plan never cuts where the cut would be short
    note = reductions_note(cuts)
    assert note.startswith("Short of places after the programme as well, in year groups the cuts do not reach: ")
    text = " ".join(pages[:2])
    for area in short["planning_area_id"].unique():
        assert f"{area} (Years" in text or f"{area} (Year" in text


def test_page_one_lists_the_soonest_reductions_and_the_programme_every_one(pages, data):
    from reports.pageone import REDUCTIONS_SHOWN, reductions

    cuts = reductions(data)
    assert len(cuts) > REDUCTIONS_SHOWN, "the sample's plan has more reductions than page one lists"
    first = pages[0]
    assert f"decisions needing consultation ({REDUCTIONS_SHOWN} of {len(cuts)}, the soonest)" in first
    soonest = cuts.sort_values("year", kind="stable").head(REDUCTIONS_SHOWN)
    assert all(school in first for school in soonest["school"])
    rest = cuts.sort_values(["year", "planning_area_id", "school"], kind="stable").iloc[REDUCTIONS_SHOWN:]
    assert (f"{len(rest)} more reductions or closures remove {number(rest['places_removed'].sum())} places from "
            f"{year_label(int(rest['year'].min()))} on") in first
    programme = next(i for i, page in enumerate(pages) if "The recommended programme" in page and i > 1)
    listed = " ".join(pages[programme:])
    assert f"decisions needing consultation: every one ({len(cuts)})" in listed
    assert all(school in listed for school in cuts["school"])


def test_every_workbook_sheet_names_each_column_once(written):
    book = load_workbook(written["report_principal.xlsx"], read_only=True)
    for ws in book.worksheets:
        header = [c for c in next(ws.iter_rows(max_row=1, values_only=True), ()) if c is not None]
        repeated = {c for c in header if header.count(c) > 1}
        assert not repeated, (ws.title, repeated)


def test_workbook_rereads_to_the_same_numbers(written, principal, data):
    path = written["report_principal.xlsx"]
    programme = pd.read_excel(path, sheet_name="Programme", dtype={"School (URN)": str})
    schemes = principal.plan.schemes
    assert programme["Option"].tolist() == schemes["option_id"].tolist()
    np.testing.assert_allclose(programme["Places"], schemes["places"])
    np.testing.assert_allclose(programme["Capital (£)"], schemes["capital_cost"])
    assert programme["Needs the school's agreement"].tolist() == schemes["needs_agreement"].tolist()
    forecast = pd.read_excel(path, sheet_name="Forecast by area")
    np.testing.assert_allclose(forecast["Pupils"], principal.forecast.by_area["pupils"])
    np.testing.assert_allclose(forecast["Upper 95% (pupils)"], principal.forecast.by_area["upper_95"])
    after = pd.read_excel(path, sheet_name="Sufficiency after")
    np.testing.assert_allclose(after["Places short of pupils plus margin (plan)"],
                               principal.plan.sufficiency_after["shortfall"])
    needed = pd.read_excel(path, sheet_name="Places needed", nrows=len(data.needed))
    np.testing.assert_allclose(needed["Places needed without the programme"], data.needed["places_needed"])
    assumptions = pd.read_excel(path, sheet_name="Assumptions", keep_default_na=False)
    assert len(assumptions) == len(data.assumptions)


def test_workbook_is_formatted_for_people(written):
    book = load_workbook(written["report_principal.xlsx"])
    for name in ("Programme", "Forecast by area", "Assumptions", "Sufficiency after"):
        assert book[name].freeze_panes == "A2", name
    sheet = book["Programme"]
    header = [c.value for c in sheet[1]]
    cost = sheet.cell(row=2, column=header.index("Capital (£)") + 1)
    assert cost.number_format == "£#,##0"
    by_type = book["Programme by type"]
    header = [c.value for c in by_type[1]]
    assert by_type.cell(row=2, column=header.index("Schemes") + 1).number_format == "#,##0"  # whole counts too
    needed = book["Places needed"]
    header = [c.value for c in needed[1]]
    assert needed.cell(row=2, column=header.index("Year (autumn)") + 1).number_format == "0"  # no separator
    forecast = book["Forecast by area"]
    header = [c.value for c in forecast[1]]
    assert forecast.cell(row=2, column=header.index("Pupils") + 1).number_format == "#,##0.0"
    for sheet in book.worksheets[1:]:  # every header is written for people, not snake_case
        assert all("_" not in str(c.value) for c in sheet[1] if c.value is not None), sheet.title
    assert book["Places needed"]._charts and book["Programme by year"]._charts and book["Area totals"]._charts
    assert {"Summary", "Standards risk", "Sixth form", "Expansion annex", "Scenario comparison"} <= set(book.sheetnames)
    # Measures and the plan's own counts say what they are: words, not field names; the sixth form's shortfall is
    # pupils above places, the plan's is short of pupils plus its margin.
    participation = book["Post-16 participation"]
    header = [c.value for c in participation[1]]
    measures = {r[header.index("Measure")] for r in participation.iter_rows(min_row=2, values_only=True)}
    assert "In education or training" in measures and not any("_" in str(m) for m in measures)
    assert "Places short (pupils above places)" in [c.value for c in book["Sixth form"][1]]
    assert "Places short of pupils plus margin (plan)" in [c.value for c in book["Sufficiency after"][1]]
