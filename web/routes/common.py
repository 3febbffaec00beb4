"""What several pages share: the names behind a run's ids, and a stage's stored tables read as a page needs them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.deps import SessionDep
from sufficiency.app.store.models import Dataset, Run, ScenarioRecord, User


def names(session: SessionDep, runs: list[Run]) -> dict[str, str]:
    """Who started each run and the names of its dataset and scenario, by id (one query each)."""
    ids = {r.created_by for r in runs if r.created_by}
    out = {u.id: u.email for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    datasets = {r.dataset_id for r in runs}
    if datasets:
        out |= {d.id: d.name for d in session.scalars(select(Dataset).where(Dataset.id.in_(datasets)))}
    scenarios = {r.scenario_id for r in runs if r.scenario_id}
    if scenarios:
        out |= {s.id: s.name for s in session.scalars(select(ScenarioRecord).where(ScenarioRecord.id.in_(scenarios)))}
    return out


def by_name(section: Any) -> dict[str, Any]:
    """A stage's stored tables (``api.schemas.SectionPublic``) by name."""
    return {t.name: t for t in section.tables}


def records(table: Any) -> list[dict[str, Any]]:
    """A stored table's rows as column -> value."""
    return [dict(zip(table.columns, row, strict=False)) for row in table.rows]


def texts(table: Any | None) -> list[str]:
    """The non-empty texts of a stored one-column table (a stage's notes or warnings); none without the table."""
    return [] if table is None else [str(row[0]) for row in table.rows if row and row[0]]
