"""``create_app(settings)``: the HTTP service for planning tools and dashboards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import Session, sessionmaker

from api.deps import AppState
from api.docs import install_docs
from api.errors import ERROR_RESPONSES, install_error_handlers, with_error_shape
from api.headers import SecurityHeadersMiddleware
from api.jobs import JobRunner, Pipeline, run_pipeline
from api.limits import AdmissionMiddleware, LimitsMiddleware, RateWindow
from api.nul import NulGuardMiddleware
from api.ports import bind_ports
from api.routes import ROUTERS
from sufficiency import __version__
from sufficiency.app.settings import Settings
from sufficiency.app.store import make_engine, read_session_factory, session_factory, upgrade
from sufficiency.app.store.retention import purge_expired
from sufficiency.app.store.runs import fail_expired
from sufficiency.core.stages import REGISTRY

log = logging.getLogger(__name__)

DESCRIPTION = """
School-place sufficiency for English local authorities, over HTTP.

Upload a **dataset** (the input folder as a zip or its files), optionally create a **scenario**,
start a **run** (forecast, plan or full) and read its **results** as JSON or CSV, filtered by
planning area, year or phase. Every endpoint except `/health` and the documentation needs a bearer
token (`POST /auth/token`) or an `X-API-Key` header. Roles: viewer reads; planner creates scenarios
and runs; admin manages users and datasets. Data never crosses organisations.

Errors always have the shape `{"error": {"status", "code", "message", "problems": [...]}}`.
"""


def create_app(settings: Settings | None = None, pipeline: Pipeline = run_pipeline, migrate: bool = True) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        Service settings; read from the environment when None (refusing unsafe ones).
    pipeline
        What a run executes; the product's pipeline by default.
    migrate
        Bring the database up to date on start-up (Alembic migrations shipped in the package).

    Notes
    -----
    Each process holds its runs by a lease renewed by its heartbeat; a run whose lease expires (its
    process died or lost the database) is marked failed by any process. So several processes, or
    several uvicorn workers, may share one database.
    """
    settings = settings or Settings()
    # One connection for each request admitted at once and for the run workers (AdmissionMiddleware), so the
    # pool never runs dry while requests holding connections wait for a thread.
    engine = make_engine(settings.url, connections=settings.connections, wait_seconds=settings.queue_seconds)
    sessions = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Threads for the (synchronous) routes: as many as the requests admitted at once.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.concurrent_requests
        if migrate:
            upgrade(engine)
        # Runs of a process that died (its lease expired); another process's live runs are left alone.
        failed = fail_expired(sessions, settings.lease_seconds)
        if failed:
            log.warning("%d run(s) whose service process had stopped were marked failed", failed)
        _purge(sessions)
        purger = asyncio.create_task(_purge_on_schedule(sessions, settings.retention_check_minutes * 60))
        state = AppState(settings=settings, engine=engine, sessions=sessions,
                         read_sessions=read_session_factory(engine),
                         jobs=JobRunner(sessions, settings.job_workers, pipeline,
                                        heartbeat_seconds=settings.heartbeat_seconds,
                                        lease_seconds=settings.lease_seconds,
                                        retry_seconds=max(600.0, 10 * settings.lease_seconds)),
                         principals=RateWindow(settings.rate_limit_per_minute))
        app.state.sufficiency = state
        try:
            yield
        finally:
            purger.cancel()
            stopped = state.jobs.shutdown(wait=False)
            if stopped:
                log.warning("%d unfinished run(s) were marked failed as the service stopped", stopped)
            engine.dispose()

    app = FastAPI(title="sufficiency", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  openapi_tags=[{"name": n, "description": d} for n, d in _TAGS.items()], docs_url=None,
                  redoc_url=None)
    install_docs(app)  # /docs and /redoc with their assets served from the package: they work offline
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    for stage in REGISTRY.all():  # a stage's own routes, declared in its folder, behind the sign-in
        stage_router = stage.router()
        if stage_router is not None:
            app.include_router(with_error_shape(stage_router), dependencies=[Depends(bind_ports)],
                               responses=ERROR_RESPONSES)
    app.add_middleware(NulGuardMiddleware)  # inside the limits: a body is read whole only once within them
    app.add_middleware(AdmissionMiddleware, concurrent=settings.concurrent_requests,
                       queue_seconds=settings.queue_seconds)
    app.add_middleware(LimitsMiddleware, max_bytes=settings.max_upload_bytes,
                       per_minute=settings.rate_limit_per_minute, sign_in_per_minute=settings.sign_in_per_minute,
                       per_address=settings.address_rate_limit_per_minute)
    app.add_middleware(SecurityHeadersMiddleware)  # outside the limits: their own answers get the headers too
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"])
    return app


def _purge(sessions: sessionmaker[Session]) -> None:
    """Delete every pupil-level list past its delete-after date."""
    with sessions() as session:
        purged = purge_expired(session)
    if purged:
        log.info("risk-of-NEET pupil lists past their delete-after date deleted for %d run(s)", len(purged))


async def _purge_on_schedule(sessions: sessionmaker[Session], seconds: float) -> None:
    """:func:`_purge` every ``seconds`` while the service runs (a list expires at midnight, not only at restart)."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await anyio.to_thread.run_sync(_purge, sessions)
        except Exception:  # the database may be away for a while: try again next time
            log.exception("deleting expired pupil-level lists failed; trying again in %.0f s", seconds)


_TAGS = {
    "health": "Is the service up (no sign-in needed).",
    "auth": "Sign in for a bearer token.",
    "users": "Users of your organisation and their API keys.",
    "datasets": "Input folders: upload, validation report, GeoJSON of planning areas and schools.",
    "scenarios": "Named settings applied over a dataset's scenario.yaml.",
    "runs": "Start, follow and cancel forecast, plan and full runs.",
    "national": "Every English authority in one Dask job (admins): start one, follow each authority.",
    "results": "Forecasts, plans and sufficiency as JSON or CSV; reports to download.",
    "standards": "Schools' risk with reasons, KPI tables, benchmarking and targets of a run; category overrides "
                 "(audited) and escalation of concern.",
    "post16": "Participation and NEET, attainment by 19, sixth-form demand; the pupil-level risk-of-NEET list "
              "(admin only).",
}
