"""Retention of pupil-level results: the risk-of-NEET list is deleted after its delete-after date.

The date is set when a run makes the list (``post16.retention_days``) and travels with it in the
``delete_after`` column. Whichever way the list could leave the store (its own route, the run's
post-16 section, the run's workbook), the expired list is deleted first; the service also
deletes every expired list when it starts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sufficiency.store.models import ResultTable


def expired_runs(session: Session, today: dt.date | None = None, run_id: str | None = None) -> list[str]:
    """Runs whose pupil-level list has passed its delete-after date."""
    today = today or dt.date.today()
    query = select(ResultTable.run_id, ResultTable.columns, ResultTable.rows).where(
        ResultTable.personal.is_(True), ResultTable.name == "roni_ranked")
    if run_id is not None:
        query = query.where(ResultTable.run_id == run_id)
    out = []
    for rid, columns, rows in session.execute(query):
        if "delete_after" not in columns:
            continue
        i = columns.index("delete_after")
        dates = [dt.date.fromisoformat(str(r[i])[:10]) for r in rows if r[i] is not None]
        if dates and min(dates) < today:
            out.append(rid)
    return out


def purge_expired(session: Session, today: dt.date | None = None, run_id: str | None = None) -> list[str]:
    """Delete every pupil-level table of the runs whose list has expired; return those runs."""
    runs = expired_runs(session, today, run_id)
    if runs:
        session.execute(delete(ResultTable).where(ResultTable.run_id.in_(runs), ResultTable.personal.is_(True)))
        session.commit()
    return runs
