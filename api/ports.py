"""The service's side of :mod:`sufficiency.core.web`: the ports a stage's own routes use, bound to the
signed-in caller and a database session for one request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import Request

from api.deps import CurrentUser, SessionDep
from api.routes.results import finished_run
from api.tables import stored_table
from sufficiency.app.store import retention

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from sufficiency.app.store.models import Run, User
    from sufficiency.core.audit import AuditTrail


class StoreResults:
    """:class:`sufficiency.core.web.RunResults` over the store, for one caller."""

    def __init__(self, session: Session, user: User) -> None:
        self._session = session
        self._user = user

    def finished_run(self, run_id: str) -> Run:
        return finished_run(self._session, run_id, self._user)

    def table(self, run: Run, stage: str, name: str, *, personal: bool = False,
              missing: str | None = None) -> pd.DataFrame:
        return stored_table(self._session, run, stage, name, personal=personal, missing=missing)

    def delete_personal(self, run: Run) -> None:
        retention.delete_personal(self._session, [run.id])

    def today(self) -> dt.date:
        return retention.today()


class StorePorts:
    """:class:`sufficiency.core.web.Ports` for one request."""

    def __init__(self, session: Session, user: User) -> None:
        self.principal = user
        self.results = StoreResults(session, user)
        self._session = session

    @property
    def audit(self) -> AuditTrail:
        from sufficiency.app.store.audit import StoreAuditTrail

        return StoreAuditTrail.for_session(self._session, self.principal.organisation_id)


def bind_ports(request: Request, user: CurrentUser, session: SessionDep) -> Iterator[None]:
    """Sign the caller in and give a stage's routes their ports for this request."""
    request.state.sufficiency_ports = StorePorts(session, user)
    yield
