"""Reading one stored result table of a finished run (standards, post-16) for the routes that serve it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import pandas as pd
from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import ApiError
from sufficiency.app.store.models import ResultTable, Run

#: What a run needs for each section's tables to exist, for the message when they do not.
_HOW = {"standards": "start a 'full' run on a dataset with school_indicators.csv",
        "post16": "start a 'full' run"}


def stored_table(session: Session, run: Run, section: str, name: str, *, personal: bool = False,
                 missing: str | None = None) -> pd.DataFrame:
    """A result table of ``run`` as a DataFrame (JSON nulls as None).

    Parameters
    ----------
    personal
        Whether the caller may be given a pupil-level table. A personal table asked for without it
        answers 403, so a route cannot serve pupil data by mistake.
    missing
        The message when the run has no such table; by default it says which run makes one.

    Raises
    ------
    ApiError
        404 when the run has no such table, 403 for a personal table without ``personal``.
    """
    row = session.scalars(select(ResultTable).where(ResultTable.run_id == run.id, ResultTable.section == section,
                                                    ResultTable.name == name)).one_or_none()
    if row is None:
        raise ApiError(404, missing or f"Run {run.id} has no {section} results ({name}): {_HOW[section]}.")
    if row.personal and not personal:
        raise ApiError(403, f"The {name} table holds pupil-level data and is served to admins only.")
    return pd.DataFrame(row.rows, columns=row.columns)


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts, missing values as None (only ``columns``, in that order, when given)."""
    if columns is not None:
        frame = frame.reindex(columns=columns)
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a response a download named ``filename``."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_text(columns: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A header row of ``columns`` and then ``rows`` as CSV (None as an empty cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def csv_response(frame: pd.DataFrame, columns: list[str], filename: str,
                 headers: dict[str, str] | None = None) -> Response:
    """``frame``'s ``columns`` as a CSV download (missing values as empty cells)."""
    return Response(csv_text(columns, (row.values() for row in records(frame, columns))), media_type="text/csv",
                    headers={**attachment(filename), **(headers or {})})
