"""What several pages show: the names behind a run's ids."""

from __future__ import annotations

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
