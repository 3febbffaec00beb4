"""A small council's own folder, made by hand (two primary-only planning areas, four schools, births,
housing; no la_code, no boundaries, no standards): the report has no empty section and nothing from the
sample borough, page one names the schemes, years and costs and every reduction with its flag, and every
figure printed for an area agrees wherever it is printed."""

from __future__ import annotations

import re
import warnings
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from reports import build_report_data, write_reports
from reports.format import money, number, year_label
from sufficiency import load_inputs
from sufficiency.core.result import run_scenario
from sufficiency.sample import sample_dir
from tests.reports.council import SCHOOLS, write_council

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    return write_council(tmp_path_factory.mktemp("council") / "data")


@pytest.fixture(scope="module")
def result(council):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_scenario(load_inputs(council))


@pytest.fixture(scope="module")
def data(result):
    return build_report_data([result])


@pytest.fixture(scope="module")
def written(result, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("council_report")
    return {p.name: p for p in write_reports(result, out, ["html", "pdf", "xlsx", "scap"], workers=1)}


@pytest.fixture(scope="module")
def html(written) -> str:
    return written["report_principal.html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(written) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(written["report_principal.pdf"]).pages]


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, with single spaces."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    end = html.find("<section", start)
    return html[start:end if end > 0 else len(html)]


def test_the_plan_has_growth_and_cuts_to_report(result):
    """The folder is built so the report has everything to show: growth in North, cuts in South."""
    schemes = result.plan.schemes
    assert set(schemes.loc[schemes["places"] > 0, "planning_area_id"]) == {"N1"}
    cuts = schemes[schemes["kind"].isin(["reduce", "close"])]
    assert set(cuts["planning_area_id"]) == {"S1"}
    assert cuts["needs_agreement"].any() and not cuts["needs_agreement"].all()
    assert result.post16 is None and result.standards is None


def test_no_sample_data_leaks_in(html, written):
    sample = pd.read_csv(sample_dir() / "schools.csv", dtype=str)
    # the assumptions section cites each setting's documentation (whose example is an authority's code)
    shown = html[:html.index('id="assumptions"')] + html[html.index('id="annex"'):]
    everything = _text(shown) + "".join(p.read_text(encoding="utf-8") for n, p in written.items()
                                        if n.endswith(".csv"))
    for word in ("Trafford", "358", "Office for National Statistics", "E08000009"):
        assert not re.search(rf"\b{word}\b", everything), word
    for name in sample["name"]:
        assert name not in everything, name
    for section in ("post16", "standards", "map", "comparison"):
        assert f'id="{section}"' not in html, section


def test_sections_without_data_are_left_out_with_a_reason(data, html):
    omitted = dict(data.omitted)
    assert set(omitted) == {"Map", "Standards", "Post-16", "Admissions"}
    assert "no boundaries" in omitted["Map"] and "la_code" in omitted["Post-16"]
    assert "locations (x, y)" in omitted["Admissions"]  # the hand-made schools have none
    assert "preferences and the 90% target</h2>" not in html
    assert "school_indicators" in omitted["Standards"]
    listed = _text(_section(html, "omitted"))
    for name, why in data.omitted:
        assert f"{name}: {why}." in listed
    assert data.phases == ["primary"]


def test_no_page_is_near_blank(pages):
    for i, page in enumerate(pages, start=1):
        assert len(page) > 250, f"page {i} is near blank: {page!r}"


def test_page_one_answers_what_where_when_how_much_and_why(pages, data, result):
    first = pages[0]
    schemes = result.plan.schemes
    names = {s[0]: s[1] for s in SCHOOLS}
    growth = schemes[schemes["places"] > 0]
    for row in growth.itertuples():
        assert f"{names[row.school_id]} ({row.planning_area_id})" in first
        assert year_label(row.year) in first
    assert money(result.plan.costs["capital"]) in first  # the capital by year's total
    for year, capital in growth.groupby("year")["capital_cost"].sum().items():
        assert year_label(year) in first and money(capital) in first
    assert "Northbrook (N1)" in first and "Reception intake" in first and "new housing" in first  # the driver
    assert "Only the 'principal' scenario was run" in first


def test_page_one_lists_every_reduction_with_its_flags(pages, result):
    first = pages[0]
    schools = pd.DataFrame(SCHOOLS, columns=["id", "name", "area", "pan", "ofsted", "gov", "prefs", "aa"])
    cuts = result.plan.schemes[result.plan.schemes["kind"].isin(["reduce", "close"])]
    table = first[first.index("Reductions and closures"):]
    for row in cuts.itertuples():
        school = schools.set_index("id").loc[row.school_id]
        flag = "Yes: needs its agreement" if row.needs_agreement else "No"
        popularity = f"{school['prefs']} for {school['pan']} ({school['prefs'] / school['pan']:.0%})"
        line = f"{school['name']} {row.planning_area_id} PAN reduction {year_label(row.year)} {number(-row.places)}"
        assert line in table, line
        rest = table[table.index(line):]
        assert rest.index(school["ofsted"]) < rest.index(popularity) < rest.index(flag)
    # Riverside Academy sets its own admission number; Southmere Primary is the council's
    assert cuts.set_index("school_id")["needs_agreement"].to_dict() == {"900003": False, "900004": True}


def test_the_old_base_year_is_warned_on_page_one(pages, result):
    assert result.plan.warnings
    assert "Warning: The data's base year is 2024/25" in pages[0]


def _area_figures(html: str, area: str, name: str) -> dict[str, object]:
    """Every figure the report prints for one area, read from the HTML where each is printed."""
    summary = _text(_section(html, "summary"))
    row = re.search(rf"{name} \({area}\) primary (\S+)(?: in (\S+))? (\S+)(?: in (\S+))?", summary)
    sentence = _text(_section(html, f"area-{area}"))
    figures: dict[str, object] = {
        "page_one_need": row.group(1), "page_one_need_year": row.group(2),
        "page_one_short": row.group(3), "page_one_short_year": row.group(4),
        "places_today": re.search(r"against ([\d,]+) places today", sentence).group(1),
    }
    peak = re.search(r"places needed peak at ([\d,]+) in (\S+); with it, (?:([\d,]+) places are short at the worst"
                     r" \((\S+)\)|no year group is short of places in any forecast year)", sentence)
    if peak:
        figures |= {"sentence_need": peak.group(1), "sentence_need_year": peak.group(2),
                    "sentence_short": peak.group(3) or "0", "sentence_short_year": peak.group(4)}
        totals = re.search(r"All year groups ((?:[\d,]+ → [\d,]+ ?)+)", sentence).group(1)
        pairs = [p.split(" → ") for p in re.findall(r"[\d,]+ → [\d,]+", totals)]
        figures["table_need"] = [int(a.replace(",", "")) for a, _ in pairs]
        figures["table_short"] = [int(b.replace(",", "")) for _, b in pairs]
    return figures


def test_every_area_figure_agrees_across_pages(html, data, written):
    book = pd.read_excel(written["report_principal.xlsx"], sheet_name=None, dtype={"Planning area": str})
    needs = book["Where places are needed"].set_index("Planning area")
    years = [year_label(y) for y in data.years]
    phase_table = _text(html[html.index("Places needed by phase and year (places in each year)"):])
    by_year_need = [0] * len(years)
    for area in data.areas.itertuples():
        f = _area_figures(html, area.planning_area_id, area.name)
        rows = data.area_year[data.area_year["planning_area_id"] == area.planning_area_id]
        if "table_need" not in f:  # nothing short in any year: zeros everywhere it is printed
            assert f["page_one_need"] == "0" and rows["places_needed"].max() == 0
            continue
        need, short = f["table_need"], f["table_short"]
        by_year_need = [a + b for a, b in zip(by_year_need, need, strict=True)]
        # the area's table, its sentence, page one and the workbook say the same peak, in the same year
        assert f["sentence_need"] == f["page_one_need"] == number(max(need))
        assert f["sentence_need_year"] == f["page_one_need_year"] == years[need.index(max(need))]
        assert f["sentence_short"] == f["page_one_short"] == number(max(short))
        assert f["sentence_short_year"] == f["page_one_short_year"] == years[short.index(max(short))]
        sheet = needs.loc[area.planning_area_id]
        assert (sheet["Peak places needed"], year_label(int(sheet["Year of the peak"]))) == (max(need),
                                                                                            f["sentence_need_year"])
        assert sheet["Peak places short after"] == max(short)
        # the programme never seems to create a shortfall: after is at most before, year by year
        assert all(b <= a for a, b in zip(need, short, strict=True))
    # the phase's table is the sum of its areas', year by year
    printed = re.search(rf"Primary: places needed without the programme ((?:[\d,]+ ){{{len(years)}}})", phase_table)
    assert [int(v.replace(",", "")) for v in printed.group(1).split()] == by_year_need


def test_places_today_are_the_hand_counted_places(html, data):
    """North: 60 + 30 a year group over seven year groups; South: 60 + 60, cut by 30 a year group at each
    school from 2029/30 (three year groups in by 2031/32)."""
    north = _text(_section(html, "area-N1"))
    south = _text(_section(html, "area-S1"))
    assert "against 630 places today and 840 after the programme" in north  # 630 + 7 bulge classes of 30
    assert "against 840 places today and 660 after the programme" in south  # 840 - 2 x 3 x 30
    assert data.area_year.groupby("planning_area_id")["places"].max().to_dict() == {"N1": 630, "S1": 840}


def test_workbook_headers_are_readable_and_the_penalty_is_no_money(written):
    book = load_workbook(written["report_principal.xlsx"])
    for sheet in book.worksheets:
        if sheet.title == "Summary":
            continue
        headers = [c.value for c in sheet[1] if c.value is not None]
        assert all("_" not in str(h) for h in headers), (sheet.title, headers)
    costs = book["Cost breakdown"]
    for item, amount, unit in costs.iter_rows(min_row=2, values_only=False):
        assert ("£" in amount.number_format) == (unit.value == "pounds"), item.value
    settings = {row[0].value: row[1].value for row in book["Assumptions"].iter_rows(min_row=2)}
    assert not str(settings["optimiser.shortfall_penalty"]).startswith("£")
    assert str(settings["optimiser.travel_penalty"]).startswith("£")


def test_a_finished_run_is_reported_again_without_running(result, tmp_path, html):
    from sufficiency.app.bundle import write_bundle
    from sufficiency.cli import app

    write_bundle(result, tmp_path / "run")
    answer = CliRunner().invoke(app, ["report", str(tmp_path / "run"), "--format", "html", "--out",
                                      str(tmp_path / "again")])
    assert answer.exit_code == 0, answer.output
    again = (tmp_path / "again" / "report_principal.html").read_text(encoding="utf-8")
    assert _text(_section(again, "summary")) == _text(_section(html, "summary"))
    refused = CliRunner().invoke(app, ["report", str(tmp_path / "run"), "--scenario", "high"])
    assert refused.exit_code == 2 and "--scenario" in refused.output


def test_scap_export_of_a_primary_only_borough_without_la_code(council, tmp_path):
    from sufficiency.cli import app

    answer = CliRunner().invoke(app, ["report", str(council), "--format", "scap", "--out", str(tmp_path)])
    assert answer.exit_code == 0, answer.output
    assert "Traceback" not in answer.output and "--la" not in answer.output
    forecasts = pd.read_csv(tmp_path / "scap_pupil_forecasts.csv")
    assert set(forecasts["phase"]) == {"primary"} and set(forecasts["ncy"]) == set(range(7))
    assert (tmp_path / "run.json").is_file()


def test_the_report_says_what_reception_rests_on_past_the_births_given(html, written):
    """Births run to 2023, so Reception is known to 2027/28: under the areas' charts, the report says the later
    years carry the births' trend on, for how long, and how far such a trend has missed; the workbook too."""
    notes = _text(_section(html, "areas"))
    assert ("Reception from 2028/29 counts children not yet born when the births or population given end: their "
            "numbers carry on the trend of the years given for 3 years (to 2030/31), then ebb back towards the level "
            "of the last year given") in notes
    assert "missed by a median 7.7% five years on and 11.9% ten years on" in notes
    summary = [c.value for row in load_workbook(written["report_principal.xlsx"])["Summary"].iter_rows() for c in row]
    assert any(str(v).startswith("Note: Reception from 2028/29 counts children not yet born") for v in summary)
