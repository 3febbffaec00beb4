"""Scenarios: named settings, from JSON or from a scenario.yaml file, validated before storing."""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import APIRouter, Request, status
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CurrentUser, PlannerUser, SessionDep
from api.errors import ERROR_RESPONSES, ApiError, commit_or_conflict, error_doc
from api.schemas import ScenarioCreate, ScenarioPublic
from api.scoping import owned
from sufficiency.app.store.datasets import foreign_files
from sufficiency.app.store.models import ScenarioRecord, User
from sufficiency.core.errors import Problem
from sufficiency.core.safeyaml import excerpt, load_yaml, yaml_problem
from sufficiency.core.scenario import Scenario, scenario_problems

router = APIRouter(prefix="/scenarios", tags=["scenarios"], responses=ERROR_RESPONSES)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_YAML_EXAMPLE = "name: high-housing\ndescription: All allocated sites built on time.\nhorizon: 5\n"
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ScenarioCreate.model_json_schema()},
    "application/yaml": {"schema": {"type": "string"}, "example": _YAML_EXAMPLE},
}}}


def _parse(raw: bytes, content_type: str) -> ScenarioCreate:
    """A ScenarioCreate from a JSON body, or from a scenario.yaml (name, description and settings)."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind in YAML_TYPES:
            data = load_yaml(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ApiError(422, "The YAML must be a mapping of settings, as in scenario.yaml.")
            data = {"name": data.pop("name", None), "description": data.pop("description", "") or "",
                    "settings": data}
            return ScenarioCreate.model_validate(data)
        if kind in ("application/json", ""):
            return ScenarioCreate.model_validate_json(raw)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ApiError(422, f"The body is not valid YAML: {yaml_problem(exc)}. Send a scenario.yaml of plain "
                       "settings (no aliases, no deep nesting).") from None
    except ValidationError as exc:
        problems = [Problem("scenario", None, ".".join(str(p) for p in e["loc"]) or None, e["msg"],
                            "Correct this field") for e in exc.errors()]
        raise ApiError(422, "The scenario is not valid: " + "; ".join(str(p) for p in problems[:3]), problems) from None
    raise ApiError(415, f"Send the scenario as application/json or application/yaml, not {excerpt(kind, 60)}.")


def validate_settings(body: ScenarioCreate) -> dict[str, Any]:
    """The settings, checked against the full Scenario model so typos are refused now, not at run time."""
    try:
        scenario = Scenario.model_validate({**body.settings, "name": body.name, "description": body.description})
    except ValidationError as exc:
        problems = scenario_problems(exc, "scenario")
        raise ApiError(422, "The scenario settings are not valid: " + "; ".join(p.message for p in problems[:3]),
                       problems) from None
    problems = foreign_files(scenario)
    if problems:
        raise ApiError(422, f"The scenario setting {problems[0].column} is not valid: {problems[0].message}. "
                       f"{problems[0].fix}.", problems)
    return json.loads(json.dumps(body.settings))


@router.post("", response_model=ScenarioPublic, status_code=status.HTTP_201_CREATED, openapi_extra=_BODY,
             responses={409: error_doc("A scenario of that name exists."), 415: error_doc("Unsupported body type.")},
             summary="Create a scenario from JSON or YAML (planner)")
async def create_scenario(request: Request, user: PlannerUser, session: SessionDep) -> ScenarioRecord:
    """Send JSON ``{"name", "description", "settings"}`` or a scenario.yaml file with
    ``Content-Type: application/yaml``. Unknown or invalid settings are refused with each problem."""
    return store_scenario(session, user, _parse(await request.body(), request.headers.get("content-type", "")))


def store_scenario(session: Session, user: User, body: ScenarioCreate) -> ScenarioRecord:
    """Validate a scenario's settings and store it for the user's organisation (409 for a name in use)."""
    settings = validate_settings(body)
    record = ScenarioRecord(organisation_id=user.organisation_id, name=body.name, description=body.description,
                            settings=settings, created_by=user.id)
    session.add(record)
    commit_or_conflict(session, f"Your organisation already has a scenario called '{excerpt(body.name, 60)}'; choose "
                       "another name (scenarios are never changed once runs may use them).")
    return record


@router.get("", response_model=list[ScenarioPublic], summary="Scenarios of your organisation")
def list_scenarios(user: CurrentUser, session: SessionDep) -> list[ScenarioRecord]:
    return list(session.scalars(select(ScenarioRecord).where(ScenarioRecord.organisation_id == user.organisation_id)
                                .order_by(ScenarioRecord.created_at.desc())))


@router.get("/{scenario_id}", response_model=ScenarioPublic, summary="One scenario")
def get_scenario(scenario_id: str, user: CurrentUser, session: SessionDep) -> ScenarioRecord:
    return owned(session, ScenarioRecord, scenario_id, user)
