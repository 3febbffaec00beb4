"""Retention of pupil-level results: the risk-of-NEET list is deleted after its delete-after date.

The date is set when a run makes the list (``post16.retention_days``) and travels with it in the
``delete_after`` column. Whichever way the list could leave the store (its own route, the run's
post-16 section, the run's workbook), the expired list is deleted first; the service also
deletes every expired list when it starts and then on a schedule
(``SUFFICIENCY_RETENTION_CHECK_MINUTES``). All of them judge the date with :func:`today` and
delete with :func:`delete_personal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sufficiency.app.store.models import ResultTable

#: The table whose ``delete_after`` dates decide when a run's pupil-level tables go.
LIST = "roni_ranked"


def today() -> dt.date:
    """The date retention is judged on."""
    return dt.date.today()


def delete_after(values: Iterable[Any]) -> dt.date | None:
    """The earliest delete-after date among ``values`` (ISO dates or timestamps; nulls skipped)."""
    return min((dt.date.fromisoformat(str(v)[:10]) for v in values if v is not None), default=None)


def _expired(columns: Sequence[str], rows: Sequence[Sequence[Any]], on: dt.date) -> bool:
    if "delete_after" not in columns:
        return False
    i = columns.index("delete_after")
    expiry = delete_after(r[i] for r in rows)
    return expiry is not None and expiry < on


def delete_personal(session: Session, run_ids: list[str]) -> None:
    """Delete every pupil-level table of ``run_ids`` and commit."""
    session.execute(delete(ResultTable).where(ResultTable.run_id.in_(run_ids), ResultTable.personal.is_(True)))
    session.commit()


def without_expired(session: Session, run_id: str, tables: Sequence[ResultTable]) -> list[ResultTable]:
    """``tables`` (already read, of run ``run_id``) less its pupil-level ones, deleted from the store, when its
    list has expired; otherwise all of them."""
    if any(t.personal and t.name == LIST and _expired(t.columns, t.rows, today()) for t in tables):
        delete_personal(session, [run_id])
        return [t for t in tables if not t.personal]
    return list(tables)


def expired_runs(session: Session, on: dt.date | None = None, run_id: str | None = None) -> list[str]:
    """Runs whose pupil-level list has passed its delete-after date (judged on ``on``, by default :func:`today`)."""
    on = on or today()
    query = select(ResultTable.run_id, ResultTable.columns, ResultTable.rows).where(
        ResultTable.personal.is_(True), ResultTable.name == LIST)
    if run_id is not None:
        query = query.where(ResultTable.run_id == run_id)
    return [rid for rid, columns, rows in session.execute(query) if _expired(columns, rows, on)]


def purge_expired(session: Session, on: dt.date | None = None, run_id: str | None = None) -> list[str]:
    """Delete every pupil-level table of the runs whose list has expired; return those runs."""
    runs = expired_runs(session, on, run_id)
    if runs:
        delete_personal(session, runs)
    return runs
