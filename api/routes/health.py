"""``GET /health``: the service and its database answer (no sign-in needed)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep
from api.schemas import Health
from sufficiency import __version__

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Is the service up")
def health(session: SessionDep) -> Health:
    session.execute(text("SELECT 1"))
    return Health(version=__version__)
