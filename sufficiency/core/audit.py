"""The audit trail: an organisation's append-only record of decisions people took.

An engine keeps its decisions here by ``kind`` (the standards engine: ``risk_override`` and
``escalation_step``), each about a ``subject`` (a school's URN) and, where it applies, an academic
year, with what was decided in ``payload``, who decided and on what date. Records are never changed
or deleted, so the trail is the audit. The store implements it (SQLite by default, PostgreSQL when
configured) and the command line and the API use the same one, so a decision taken in either is seen
by both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class AuditRecord:
    """One decision, as recorded."""

    kind: str
    subject: str
    payload: Mapping[str, Any]
    actor: str
    on: dt.date
    year: int | None = None
    #: Position in the subject's trail of this kind, from 1 (set when recorded).
    sequence: int = 0
    id: str = ""
    recorded_at: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class TrailConflict(RuntimeError):
    """Another record for the same subject was written at the same moment; read the trail and try again."""


class AuditTrail(Protocol):
    """An organisation's audit trail."""

    def records(self, kind: str, subject: str | None = None, year: int | None = None) -> list[AuditRecord]:
        """The records of ``kind`` (for one subject, one year), oldest first."""
        ...

    def append(self, record: AuditRecord, expected_sequence: int | None = None) -> AuditRecord:
        """Add a record and return it as stored (with its sequence, id and time).

        With ``expected_sequence``, the record is written only if it is that subject's next record of
        its kind; otherwise :class:`TrailConflict` is raised and nothing is written (a check made on
        the trail as read stays valid when the record lands).
        """
        ...
