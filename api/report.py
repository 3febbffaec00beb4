"""The results workbook of a run: every stored table on its own sheet, plus where it came from."""

from __future__ import annotations

import io
import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sufficiency.app.store.models import ForecastRow, PlanScheme, ResultTable, Run, SufficiencyRow
from sufficiency.app.store.retention import without_expired
from sufficiency.core.cells import text_only

_MAX_SHEET = 31  # Excel's limit on sheet-name length


def _frame(session: Session, model: type, run_id: str, drop: tuple[str, ...] = ("id", "run_id"),
           **where: str) -> pd.DataFrame:
    query = select(model.__table__).where(model.run_id == run_id)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    frame = pd.DataFrame(session.execute(query).mappings().all())
    return frame.drop(columns=[c for c in drop if c in frame.columns])


def workbook(session: Session, run: Run, include_personal: bool = False) -> bytes:
    """An XLSX workbook of the run's results (pupil-level tables only when ``include_personal`` and not expired)."""
    sheets: dict[str, pd.DataFrame] = {
        "run": pd.DataFrame([
            ("run_id", run.id), ("kind", run.kind), ("dataset_id", run.dataset_id), ("scenario_id", run.scenario_id),
            ("finished_at", run.finished_at.isoformat() if run.finished_at else None),
            ("provenance", json.dumps(run.provenance)), ("plan_summary", json.dumps(run.plan_summary)),
        ], columns=["field", "value"]),
        "forecast_area": _frame(session, ForecastRow, run.id, level="area"),
        "forecast_school": _frame(session, ForecastRow, run.id, level="school"),
        "sufficiency_before": _frame(session, SufficiencyRow, run.id, stage="before"),
        "sufficiency_after": _frame(session, SufficiencyRow, run.id, stage="after"),
        "plan_schemes": _frame(session, PlanScheme, run.id),
    }
    # An expired risk-of-NEET list is deleted here rather than written out.
    tables = session.scalars(select(ResultTable).where(ResultTable.run_id == run.id)).all()
    for table in without_expired(session, run.id, tables):
        if table.personal and not include_personal:
            continue
        sheets[f"{table.section}_{table.name}"[:_MAX_SHEET]] = pd.DataFrame(table.rows, columns=table.columns)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            if not frame.empty:
                frame.to_excel(writer, sheet_name=name, index=False)
        text_only(writer.book)  # stored names are the user's text: never formulas
    return out.getvalue()
