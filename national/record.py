"""The store's record of a national run: the run, then each authority's status as the job tells it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sufficiency.app.store.models import NationalAuthority, NationalRun, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from national.folder import Authority
    from national.job import NationalResult


class RunRecord:
    """Writes one national run's record through ``sessions``; each method commits at once, so the API shows
    the run's progress while it goes."""

    def __init__(self, sessions: sessionmaker[Session], run_id: str) -> None:
        self.sessions, self.run_id = sessions, run_id

    @classmethod
    def create(cls, sessions: sessionmaker[Session], data: str, out: str, options: dict[str, Any],
               organisation_id: str | None = None, created_by: str | None = None) -> RunRecord:
        with sessions() as session:
            run = NationalRun(data=data, out=out, options=options, organisation_id=organisation_id,
                              created_by=created_by)
            session.add(run)
            session.commit()
            return cls(sessions, run.id)

    def set_out(self, out: str) -> None:
        with self.sessions() as session:
            run = session.get(NationalRun, self.run_id)
            assert run is not None
            run.out = out
            session.commit()

    def start(self, authorities: Iterable[Authority]) -> None:
        with self.sessions() as session:
            run = session.get(NationalRun, self.run_id)
            assert run is not None
            run.status, run.started_at = "running", utcnow()
            known = {a.la_code for a in run.authorities}
            for auth in authorities:
                if auth.la_code not in known:
                    session.add(NationalAuthority(run_id=self.run_id, la_code=auth.la_code, status="queued"))
            session.commit()

    def status(self, la_code: str, status: str, reason: str | None) -> None:
        with self.sessions() as session:
            row = session.get(NationalAuthority, (self.run_id, la_code))
            if row is None:
                row = NationalAuthority(run_id=self.run_id, la_code=la_code)
                session.add(row)
            row.status, row.reason, row.updated_at = status, reason, utcnow()
            session.commit()

    def finish(self, result: NationalResult | None, error: str | None = None) -> None:
        with self.sessions() as session:
            run = session.get(NationalRun, self.run_id)
            assert run is not None
            run.finished_at = utcnow()
            if result is None:
                run.status, run.error = "failed", error
            else:
                run.status = "succeeded"
                run.seconds, run.workers, run.dashboard = round(result.seconds, 3), result.workers, result.dashboard
            session.commit()
