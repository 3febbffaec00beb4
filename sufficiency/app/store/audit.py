"""The store's side of :mod:`sufficiency.core.audit`: an organisation's audit trail in the ``audit_records`` table.

The command line and the API both read and write it here (one trail per organisation), so a decision taken
in either is seen by both. Rows are only ever added (:class:`~sufficiency.app.store.models.AuditRecordRow`
refuses changes and deletions).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sufficiency.app.store.models import AuditRecordRow, utcnow
from sufficiency.core.audit import AuditRecord, TrailConflict

#: How often an append without an expected sequence is tried again when another lands at the same moment.
_ATTEMPTS = 5


def _record(row: AuditRecordRow) -> AuditRecord:
    return AuditRecord(kind=row.kind, subject=row.subject, payload=dict(row.payload or {}), actor=row.actor,
                       on=row.on, year=row.year, sequence=row.sequence, id=str(row.id),
                       recorded_at=row.recorded_at)


class StoreAuditTrail:
    """:class:`sufficiency.core.audit.AuditTrail` of one organisation, in the store.

    Parameters
    ----------
    sessions
        A session factory (each call opens and closes its own session: the command line), or one open session
        (a request's: the API), which an append commits.
    organisation_id
        The organisation whose trail this is; nothing of another organisation is read or written.
    """

    def __init__(self, sessions: Session | sessionmaker[Session], organisation_id: str) -> None:
        self._sessions = sessions
        self.organisation_id = organisation_id

    @classmethod
    def for_session(cls, session: Session, organisation_id: str) -> StoreAuditTrail:
        """The organisation's trail over a request's session."""
        return cls(session, organisation_id)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if isinstance(self._sessions, Session):
            yield self._sessions
        else:
            with self._sessions() as session:
                yield session

    def records(self, kind: str, subject: str | None = None, year: int | None = None) -> list[AuditRecord]:
        """The records of ``kind`` (for one subject, one year), oldest first."""
        query = select(AuditRecordRow).where(AuditRecordRow.organisation_id == self.organisation_id,
                                             AuditRecordRow.kind == kind)
        if subject is not None:
            query = query.where(AuditRecordRow.subject == subject)
        if year is not None:
            query = query.where(AuditRecordRow.year == year)
        with self._session() as session:
            return [_record(row) for row in session.scalars(query.order_by(AuditRecordRow.id))]

    def _last_sequence(self, session: Session, record: AuditRecord) -> int:
        return session.scalar(select(func.max(AuditRecordRow.sequence)).where(
            AuditRecordRow.organisation_id == self.organisation_id, AuditRecordRow.kind == record.kind,
            AuditRecordRow.subject == record.subject)) or 0

    def append(self, record: AuditRecord, expected_sequence: int | None = None) -> AuditRecord:
        """Add a record and return it as stored; see :meth:`sufficiency.core.audit.AuditTrail.append`.

        Raises
        ------
        TrailConflict
            With ``expected_sequence``, when the subject's trail has moved on since it was read (or another
            record takes that place at the same moment); nothing is written.
        """
        with self._session() as session:
            for _ in range(_ATTEMPTS):
                last = self._last_sequence(session, record)
                if expected_sequence is not None and expected_sequence != last + 1:
                    session.rollback()
                    raise TrailConflict(self._moved_on(record))
                row = AuditRecordRow(organisation_id=self.organisation_id, kind=record.kind, subject=record.subject,
                                     year=record.year, sequence=last + 1, payload=dict(record.payload),
                                     actor=record.actor, on=record.on, recorded_at=utcnow())
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    if expected_sequence is not None:
                        raise TrailConflict(self._moved_on(record)) from None
                    if self._last_sequence(session, record) == last:  # not a race: a broken reference
                        raise
                    continue
                return _record(row)
        raise TrailConflict(f"{record.kind} records for {record.subject} kept being written by others at the same "
                            "moment; try again.")

    @staticmethod
    def _moved_on(record: AuditRecord) -> str:
        return (f"Another {record.kind} record for {record.subject} was written at the same moment; read the trail "
                "again and try again if it is still needed.")
