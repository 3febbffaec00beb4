"""The stages this service runs, from the registry: what to put in a run's ``stages``."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser
from api.errors import ERROR_RESPONSES
from api.schemas import StagePublic
from sufficiency.core.stages import REGISTRY

router = APIRouter(prefix="/stages", tags=["runs"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[StagePublic], summary="The stages a run can take")
def list_stages(_: CurrentUser) -> list[StagePublic]:
    """Every registered stage in the order a full run takes them, with what it needs."""
    return [StagePublic(name=s.name, heading=s.label, description=s.description,
                        settings_section=s.section_name if s.settings is not None else None,
                        requires=list(s.requires), uses=list(s.uses), full_run=s.full_run)
            for s in REGISTRY.all()]
