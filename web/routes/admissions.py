"""The admissions page of a finished run: families' preferences and offers against the top-three target.

The page reads the admissions stage's stored tables through the API's route function (the same tables as
``GET /runs/{id}/stages/admissions``), so its figures are the API's and the report's.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from admissions.show import real_rates_shown
from api.deps import SessionDep
from api.errors import ApiError
from api.routes import results as api_results
from web.render import PageRoute, render
from web.routes.common import by_name, records, texts
from web.session import PageUser

router = APIRouter(route_class=PageRoute)
RunId = Annotated[str, Path(max_length=64)]
ALL = "all"  # the authority's rows of the measures table (admissions.engine's planning_area_id for them)
#: A school counts as oversubscribed on the page when its first preferences exceeded its places in at least
#: half of the draws (as in the report's table of oversubscribed schools).
OVERSUBSCRIBED_SHARE = 0.5


def _case(rows: list[dict[str, Any]], case: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["case"] == case), None)


def admissions_view(tables: dict[str, Any], year: int | None, phase: str) -> dict[str, Any]:
    """What the page shows, from the stored tables: the target, the authority by phase and year (today's
    places and with the plan), the planning areas and the oversubscribed schools in ``year`` (the last year
    when None or not simulated), for ``phase`` or both."""
    measures = records(tables["measures"])
    authority = [r for r in measures if r["planning_area_id"] == ALL]
    if not authority:
        raise ApiError(404, "This run's admissions stage stored no authority measures.")
    first = authority[0]
    # The measures keep each row's gap to the target (target less the top-three rate, in points).
    target = round(first["top_three_pct"] + first["gap_to_target_pts"], 6)
    plan_used = any(r["case"] == "plan" for r in measures)
    after = "plan" if plan_used else "today"
    years = sorted({int(r["year"]) for r in measures})
    chosen = year if year in years else years[-1]
    phases = [p for p in ("primary", "secondary") if any(r["phase"] == p for r in authority)]
    shown_phases = [phase] if phase in phases else phases

    by_phase_year: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in authority:
        by_phase_year.setdefault((r["phase"], int(r["year"])), []).append(r)
    rows = [{"phase": p, "year": y, "today": _case(group, "today"), "plan": _case(group, "plan")}
            for (p, y), group in sorted(by_phase_year.items())]
    headline = [row for row in rows if row["year"] == years[-1]]

    areas: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in measures:
        if r["planning_area_id"] != ALL and int(r["year"]) == chosen and r["phase"] in shown_phases:
            areas.setdefault((r["phase"], str(r["planning_area_id"])), []).append(r)
    area_rows = [{"phase": p, "planning_area_id": a, "today": _case(group, "today"), "after": _case(group, after)}
                 for (p, a), group in sorted(areas.items())]

    schools = [r for r in records(tables["schools"])
               if int(r["year"]) == chosen and r["case"] == after and r["phase"] in shown_phases
               and (r["oversubscribed_share"] or 0) >= OVERSUBSCRIBED_SHARE]
    schools.sort(key=lambda r: -(r["over_by"] or 0))
    return {"target": target, "plan_used": plan_used, "years": years, "chosen": chosen, "phases": phases,
            "phase": phase if phase in phases else "", "rows": rows, "headline": headline, "areas": area_rows,
            "schools": schools, "real_data": _real_rates(tables.get("real_data")), "trade_off": tables.get("trade_off"),
            "notes": texts(tables.get("notes"))}


def _real_rates(table: Any | None) -> SimpleNamespace | None:
    """The stored table of the simulation against DfE's real rates, its measures in words."""
    if table is None:
        return None
    columns, rows = real_rates_shown(list(table.columns), [list(r) for r in table.rows])
    return SimpleNamespace(columns=columns, rows=rows)


@router.get("/runs/{run_id}/admissions")
def admissions_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep,
                    year_text: Annotated[str, Query(alias="year", max_length=4, pattern=r"^(\d{4})?$")] = "",
                    phase: Annotated[Literal["", "primary", "secondary"], Query()] = "") -> Response:
    """The authority's top-three rate by phase and year against the target, today and with the plan; the
    planning areas and oversubscribed schools in a chosen year; the simulation against DfE's real rates."""
    run = api_results.finished_run(session, run_id, user)
    section = api_results.get_stage(run.id, "admissions", user, session)
    tables = by_name(section)
    if "measures" not in tables or "schools" not in tables:
        raise ApiError(404, f"Run {run.id}'s admissions stage stored no measures; start a full run.")
    view = admissions_view(tables, int(year_text) if year_text else None, phase)
    return render(request, "admissions.html", {
        "run": run, **view, "others": sorted(n for n in tables if n != "notes"),
        "withheld": section.withheld})
