"""Runs: start a forecast, plan or full run, watch its progress, cancel it, and the history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, StateDep
from api.errors import ApiError
from api.routes import datasets as api_datasets
from api.routes import runs as api_runs
from api.routes import scenarios as api_scenarios
from api.schemas import RunCreate
from sufficiency.app.store.models import Run, User
from web.render import PREFIX, PageRoute, render
from web.routes.common import names
from web.session import PagePlanner, PageUser, check_csrf

router = APIRouter(route_class=PageRoute)
RunId = Annotated[str, Path(max_length=64)]
REPORTS = ("html", "pdf", "xlsx", "scap")


def _history(request: Request, user: User, session: SessionDep, status: int = 200, **extra: object) -> Response:
    runs = api_runs.list_runs(user, session, None, None, 200)
    datasets = [d for d in api_datasets.list_datasets(user, session) if d.valid]
    return render(request, "runs.html", {"runs": runs, "names": names(session, runs), "datasets": datasets,
                                         "scenarios": api_scenarios.list_scenarios(user, session),
                                         "reports": REPORTS, **extra}, status=status)


@router.get("/runs")
def runs_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    return _history(request, user, session)


@router.post("/runs", dependencies=[Depends(check_csrf)])
def start(request: Request, user: PagePlanner, session: SessionDep, state: StateDep,
          dataset_id: Annotated[str, Form(max_length=64)], kind: Annotated[Literal["forecast", "plan", "full"], Form()],
          scenario_id: Annotated[str, Form(max_length=64)] = "",
          reports: Annotated[list[str] | None, Form(max_length=4)] = None) -> Response:
    """The API's ``POST /runs``."""
    try:
        body = RunCreate.model_validate({"dataset_id": dataset_id, "scenario_id": scenario_id or None, "kind": kind,
                                         "reports": [r for r in (reports or []) if r in REPORTS]})
    except ValidationError:
        return _history(request, user, session, status=422, error="Choose a dataset and a kind of run.")
    try:
        run = api_runs.start_run(body, user, session, state)
    except ApiError as exc:
        return _history(request, user, session, status=exc.status, error=exc.message, problems=exc.problems)
    return RedirectResponse(f"{PREFIX}/runs/{run.id}", status_code=303)


def _progress(request: Request, run: Run, state: StateDep) -> dict[str, object]:
    stage = state.jobs.current_stage(run.id) if run.status == "running" else None
    elapsed = (dt.datetime.now(dt.UTC) - run.started_at).total_seconds() if run.started_at else None
    return {"run": run, "stage": stage, "elapsed": elapsed, "active": run.status in ("queued", "running")}


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep, state: StateDep) -> Response:
    run = api_runs.get_run(run_id, user, session)
    files, first = [], None
    if run.status == "succeeded":
        from api.routes import results as api_results
        from web.routes.results import read_first, warm_map

        files = api_results.list_files(run_id, user, session)
        first = read_first(run, session)
        warm_map(state, run.id, user.id)
    return render(request, "run.html", {**_progress(request, run, state), "names": names(session, [run]),
                                        "files": files, "read_first": first})


@router.get("/runs/{run_id}/progress")
def run_progress(request: Request, run_id: RunId, user: PageUser, session: SessionDep, state: StateDep) -> Response:
    """The progress panel alone, polled by htmx while the run is queued or running; once it has finished the
    whole page is reloaded (``HX-Refresh``) so the results appear."""
    run = api_runs.get_run(run_id, user, session)
    context = _progress(request, run, state)
    headers = {"HX-Refresh": "true"} if not context["active"] and request.headers.get("hx-request") else None
    if run.status == "succeeded":
        from web.routes.results import warm_map

        warm_map(state, run.id, user.id)
    return render(request, "run_progress.html", context, headers=headers)


@router.post("/runs/{run_id}/cancel", dependencies=[Depends(check_csrf)])
def cancel(run_id: RunId, user: PagePlanner, session: SessionDep, state: StateDep) -> Response:
    api_runs.cancel_run(run_id, user, session, state)
    return RedirectResponse(f"{PREFIX}/runs/{run_id}", status_code=303)
