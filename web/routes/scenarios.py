"""Scenarios: a form generated from the settings models, clone, and the YAML view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep
from api.errors import ApiError
from api.routes import scenarios as api_scenarios
from api.schemas import ScenarioCreate
from web.forms import scenario_form, scenario_yaml, settings_from_form, with_values
from web.render import PREFIX, PageRoute, render
from web.session import PagePlanner, PageUser, check_csrf

router = APIRouter(route_class=PageRoute)
ScenarioId = Annotated[str, Path(max_length=64)]


@router.get("/scenarios")
def scenarios_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    return render(request, "scenarios.html", {"scenarios": api_scenarios.list_scenarios(user, session)})


@router.get("/scenarios/new")
def new_scenario(request: Request, user: PagePlanner, session: SessionDep,
                 base: Annotated[str | None, Query(alias="from", max_length=64)] = None) -> Response:
    """An empty form, or one filled from a scenario (to clone it, or to save an edited copy: a scenario that
    runs may use is never changed)."""
    name, description, settings = "", "", {}
    if base:
        source = api_scenarios.get_scenario(base, user, session)
        name, description, settings = f"{source.name} (copy)"[:200], source.description, source.settings
    return render(request, "scenario_form.html", {"groups": scenario_form(settings), "name": name,
                                                  "description": description, "base": base})


@router.post("/scenarios", dependencies=[Depends(check_csrf)])
async def create_scenario(request: Request, user: PagePlanner, session: SessionDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    groups = scenario_form()
    name, description = form.get("name", "").strip()[:300], form.get("description", "").strip()[:3000]
    settings = settings_from_form(form, groups)
    try:
        body = ScenarioCreate.model_validate({"name": name, "description": description, "settings": settings})
    except Exception:  # a name that is empty or too long
        error = ApiError(422, "Give the scenario a name of 1 to 200 characters (and a description of at most "
                         "2,000).", [{"column": "name", "message": "missing or too long", "fix": "Type a name"}])
        return _refused(request, groups, form, name, description, error)
    try:
        record = api_scenarios.store_scenario(session, user, body)
    except ApiError as exc:
        return _refused(request, groups, form, name, description, exc)
    return RedirectResponse(f"{PREFIX}/scenarios/{record.id}", status_code=303)


def _refused(request: Request, groups: list, form: dict[str, str], name: str, description: str,
             error: ApiError) -> Response:
    with_values(groups, form)
    by_field = {p.get("column"): p for p in error.problems if p.get("column")}
    return render(request, "scenario_form.html", {"groups": groups, "name": name, "description": description,
                                                  "error": error.message, "problems": error.problems,
                                                  "by_field": by_field}, status=error.status)


@router.get("/scenarios/{scenario_id}")
def scenario_page(request: Request, scenario_id: ScenarioId, user: PageUser, session: SessionDep) -> Response:
    record = api_scenarios.get_scenario(scenario_id, user, session)
    text = scenario_yaml(record.name, record.description, record.settings)
    return render(request, "scenario.html", {"scenario": record, "yaml": text})


@router.get("/scenarios/{scenario_id}/scenario.yaml")
def scenario_file(scenario_id: ScenarioId, user: PageUser, session: SessionDep) -> Response:
    record = api_scenarios.get_scenario(scenario_id, user, session)
    return Response(scenario_yaml(record.name, record.description, record.settings), media_type="application/yaml",
                    headers={"Content-Disposition": 'attachment; filename="scenario.yaml"'})
