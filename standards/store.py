"""Persistence of the override audit trail and the escalation history.

A small SQLAlchemy store (a SQLite file by default, any SQLAlchemy URL otherwise) with two
append-only tables. The rules of what may be recorded live in :mod:`standards.overrides` and
:mod:`standards.escalation`; this module only checks them before writing and never updates or
deletes a row, so the tables are the audit trail.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import (Column, Date, DateTime, Integer, MetaData, String, Table, Text,
                        create_engine, insert, select)

from standards.escalation import EscalationEvent, check_transition
from standards.overrides import Override

metadata = MetaData()

risk_overrides = Table(
    "standards_risk_overrides", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("school_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("category", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

escalation_events = Table(
    "standards_escalation_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("school_id", String(32), nullable=False, index=True),
    Column("step", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


class StandardsStore:
    """Append-only store of risk overrides and escalation steps.

    Parameters
    ----------
    location : str or Path
        A SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``) or a file path,
        which becomes a SQLite file (created with its tables on first use).
    """

    def __init__(self, location: str | Path) -> None:
        url = str(location)
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{Path(url).resolve()}"
        self.url = url
        self.engine = create_engine(url)
        metadata.create_all(self.engine)

    # ------------------------------------------------------------------ overrides
    def add_override(self, override: Override) -> None:
        """Record an override (already validated: reason, author and date are required)."""
        with self.engine.begin() as conn:
            conn.execute(insert(risk_overrides).values(
                **override.model_dump(), recorded_at=datetime.now(timezone.utc)))

    def overrides(self, school_id: str | None = None) -> pd.DataFrame:
        """Return the override audit trail, oldest first."""
        query = select(risk_overrides).order_by(risk_overrides.c.id)
        if school_id is not None:
            query = query.where(risk_overrides.c.school_id == str(school_id))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(),
                                columns=[c.name for c in risk_overrides.columns])

    def override_list(self) -> list[Override]:
        """Return the audit trail as :class:`Override` objects, oldest first."""
        trail = self.overrides()
        return [Override(school_id=r.school_id, year=r.year, category=r.category,
                         reason=r.reason, author=r.author, date=r.date)
                for r in trail.itertuples()]

    # ------------------------------------------------------------------ escalation
    def history(self, school_id: str) -> list[EscalationEvent]:
        """Return a school's escalation steps, oldest first."""
        query = (select(escalation_events).where(escalation_events.c.school_id == str(school_id))
                 .order_by(escalation_events.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [EscalationEvent(school_id=r["school_id"], step=r["step"], date=r["date"],
                                actor=r["actor"], note=r["note"]) for r in rows]

    def record_step(self, event: EscalationEvent, governance: str) -> EscalationEvent:
        """Check ``event`` against the school's history and record it.

        Raises
        ------
        standards.escalation.IllegalTransition
            When the step is not allowed next; nothing is written.
        """
        with self.engine.begin() as conn:
            check_transition(self.history(event.school_id), event, governance)
            conn.execute(insert(escalation_events).values(
                **event.model_dump(), recorded_at=datetime.now(timezone.utc)))
        return event

    def escalations(self) -> pd.DataFrame:
        """Return every school's escalation steps, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(escalation_events).order_by(escalation_events.c.id))
            return pd.DataFrame(rows.mappings().all(),
                                columns=[c.name for c in escalation_events.columns])

    def open_cases(self) -> pd.DataFrame:
        """Return each school's latest step where the case is not resolved."""
        steps = self.escalations()
        latest = steps.drop_duplicates("school_id", keep="last")
        return latest[latest["step"] != "resolved"].reset_index(drop=True)

