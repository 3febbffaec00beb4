"""``GET /health``: the service and its database answer (no sign-in needed); 503 when the database does not."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.errors import ApiError, error_doc
from api.schemas import Health
from sufficiency import __version__

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

#: Seconds a load balancer or monitor is asked to wait before asking again when the database is away.
RETRY_AFTER = 10


@router.get("/health", response_model=Health, summary="Is the service up",
            responses={503: error_doc("The database does not answer.")})
def health(session: SessionDep) -> Health:
    try:
        session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        log.warning("health check: the database does not answer (%s)", type(exc).__name__)
        raise ApiError(503, "The service is up but its database does not answer; try again shortly, and tell the "
                       "administrator if it lasts.", headers={"Retry-After": str(RETRY_AFTER)}) from None
    return Health(version=__version__)
