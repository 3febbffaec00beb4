"""The application's services for the stages' commands (:class:`sufficiency.core.commands.CommandServices`).

``sufficiency``'s commands get them as typer's ``ctx.obj``: an engine's command reads and writes the store the
API uses (``SUFFICIENCY_DATABASE_URL``, or the service's own SQLite file) without importing the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from sufficiency.core.display import console

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from sufficiency.app.store.audit import StoreAuditTrail

#: The longest organisation name the store keeps.
MAX_NAME = 200


def _fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/]")
    raise typer.Exit(1)


class AppServices:
    """:class:`~sufficiency.core.commands.CommandServices` over the store; engines opened here are closed by
    :meth:`close` when the command ends."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    @staticmethod
    def url(store: str | None) -> str:
        """``--store`` as a database URL (a plain path is a SQLite file), or the configured store's."""
        if store is None:
            from sufficiency.app.settings import StoreSettings

            return StoreSettings().url
        if "://" in store:
            return store
        return f"sqlite:///{Path(store).expanduser().resolve()}"

    def sessions(self, store: str | None) -> sessionmaker[Session]:
        """Sessions on the store at ``store`` (default: the service's database), migrated."""
        return self._sessions(self.url(store))

    def _sessions(self, url: str) -> sessionmaker[Session]:
        from sqlalchemy.engine import make_url

        from sufficiency.app.store import make_engine, session_factory, upgrade

        engine = self._engines.get(url)
        if engine is None:
            shown = url
            try:
                shown = make_url(url).render_as_string(hide_password=True)
                engine = make_engine(url)
                upgrade(engine)
            except Exception as exc:  # a wrong URL, an unreachable server, a file that is not a database
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                _fail(f"The store at {shown} cannot be used: {first}. Check --store or SUFFICIENCY_DATABASE_URL.")
            self._engines[url] = engine
        return session_factory(engine)

    def _trail(self, url: str, organisation: str | None, create: bool) -> StoreAuditTrail | None:
        from sqlalchemy import select
        from sqlalchemy.exc import IntegrityError

        from sufficiency.app.store.audit import StoreAuditTrail
        from sufficiency.app.store.models import Organisation

        sessions = self._sessions(url)
        with sessions() as session:
            known = {o.name: o.id for o in session.scalars(select(Organisation).order_by(Organisation.name))}
        listed = ", ".join(f"'{name}'" for name in known)
        if organisation is not None:
            organisation = organisation.strip()
            if organisation in known:
                return StoreAuditTrail(sessions, known[organisation])
            if known:
                _fail(f"There is no organisation '{organisation}' in the store; it has {listed}. Give one of them "
                      "with --organisation.")
            if not create:
                return None
            if not organisation or len(organisation) > MAX_NAME:
                _fail(f"--organisation must name the organisation in 1 to {MAX_NAME} characters.")
            try:
                with sessions.begin() as session:
                    session.add(Organisation(name=organisation))
            except IntegrityError:  # made by another command at the same moment: use it
                pass
            with sessions() as session:
                made = session.scalars(select(Organisation.id).where(Organisation.name == organisation)).one()
            console.print(f"Organisation '{organisation}' created in the empty store.")
            return StoreAuditTrail(sessions, made)
        if len(known) == 1:
            return StoreAuditTrail(sessions, next(iter(known.values())))
        if known:
            _fail(f"The store has {len(known)} organisations ({listed}); say whose audit trail this is with "
                  "--organisation NAME.")
        if not create:
            return None
        _fail("The store has no organisation yet; name yours with --organisation NAME (it is created).")

    def audit_trail(self, store: str | None, organisation: str | None) -> StoreAuditTrail:
        trail = self._trail(self.url(store), organisation, create=True)
        assert trail is not None  # created, or the command has exited
        return trail

    def existing_audit_trail(self, store: str | None, organisation: str | None) -> StoreAuditTrail | None:
        url = self.url(store)
        if _missing_sqlite_file(url):
            return None
        return self._trail(url, organisation, create=False)

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def _missing_sqlite_file(url: str) -> bool:
    """Whether ``url`` is a SQLite file that does not exist yet (nothing has been recorded in it)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # left for the store to report
        return False
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).exists()
