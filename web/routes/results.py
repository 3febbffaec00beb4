"""Results of a finished run: the map, a planning area, the programme, comparison, standards, post-16, downloads.

Every figure comes from the API's result routes (``api.routes.results``), so the pages and the API serve the
same numbers from the same cached answers.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.errors import ApiError
from api.geo import planning_areas_geojson, schools_geojson
from api.routes import results as api_results
from api.routes import runs as api_runs
from api.tables import records as frame_records
from api.tables import stored_table
from reports.format import ncy_range_label
from sufficiency.app.store.models import Dataset, Run, User
from sufficiency.core.capacity import places_short, whole_cells
from sufficiency.core.phases import PHASE_NCY, PRIMARY, SECONDARY, span
from web.charts import fan_chart
from web.render import PageRoute, render
from web.routes.common import by_name, names, records, texts
from web.session import PageUser

router = APIRouter(route_class=PageRoute)
RunId = Annotated[str, Path(max_length=64)]
PHASES = {PRIMARY: "Primary", SECONDARY: "Secondary"}


def _json(response: Response) -> dict[str, Any]:
    return json.loads(bytes(response.body))


def _sufficiency(run: Run, user: User, session: SessionDep, stage: str = "before",
                 area: str | None = None) -> list[dict[str, Any]]:
    return _json(api_results.get_sufficiency(run.id, user, session, stage=stage,  # type: ignore[arg-type]
                                             planning_area_id=[area] if area else None))["rows"]


def _schools(session: SessionDep, run: Run) -> list[dict[str, Any]]:
    """The run's dataset's schools (GeoJSON features); none when it has no locations."""
    dataset = session.get(Dataset, run.dataset_id)
    try:
        return json.loads(schools_geojson(session, dataset))["features"]  # type: ignore[arg-type]
    except ApiError:
        return []


def _phase_of(ncy: int) -> str | None:
    for phase in PHASES:
        low, high = span(phase)
        if low <= ncy <= high:
            return phase
    return None


def area_totals(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Per phase, area and year: pupils, places, spare places and places short (summed over year groups; places
    short in one year group are never offset by spare places in another).

    Counted as the report counts them (`reports.measures`): each year group's pupils and places rounded to
    whole numbers, and places short as pupils above places, before the programme and after it alike (not the
    plan's own shortfall of pupils plus its operating margin, which the stored rows after a plan hold)."""
    out: dict[str, Any] = defaultdict(lambda: defaultdict(lambda: defaultdict(
        lambda: {"demand": 0.0, "capacity": 0.0, "surplus": 0.0, "shortfall": 0.0})))
    pupils, places, short, spare = whole_cells(*_figures(rows))
    for row, figures in zip(rows, zip(pupils, places, spare, short, strict=True), strict=True):
        phase = _phase_of(row["ncy"])
        if phase is None:
            continue
        cell = out[phase][row["planning_area_id"]][str(row["year"])]
        for key, value in zip(("demand", "capacity", "surplus", "shortfall"), figures, strict=True):
            cell[key] += float(value)
    return json.loads(json.dumps(out))


def _figures(rows: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """The stored sufficiency rows' pupils (``demand``) and places (``capacity``), a missing one as 0."""
    return [r["demand"] or 0.0 for r in rows], [r["capacity"] or 0.0 for r in rows]


def _plan(run: Run, user: User, session: SessionDep) -> dict[str, Any] | None:
    if run.plan_summary is None:
        return None
    return _json(api_results.get_plan(run.id, user, session))


def _done(run_id: str, user: User, session: SessionDep) -> Run:
    return api_results.finished_run(session, run_id, user)


#: The one-column tables a run's pages show first: (stage, table), warnings before notes.
READ_FIRST = (("forecast", "warnings"), ("plan", "warnings"), ("robust", "warnings"), ("forecast", "notes"))


def read_first(run: Run, session: SessionDep) -> dict[str, list[str]]:
    """The forecast's, the plan's and the robust plan's warnings, and the forecast's notes, as the report's
    first pages give them, for a run already checked to be the user's (a run stored before the stages kept them,
    or without a plan, has none to give).
    Each is read alone by name: a page shown this often does not load the robust plan's every table."""
    out: dict[str, list[str]] = {"warnings": [], "notes": []}
    for stage, name in READ_FIRST:
        if stage not in run.stages:
            continue
        try:
            frame = stored_table(session, run, stage, name)
        except ApiError:
            continue
        out[name] += [str(v) for v in frame.iloc[:, 0] if v]
    # The robust plan repeats the plan's own warnings (its scenarios share the plan's inputs): each once.
    return {kind: list(dict.fromkeys(said)) for kind, said in out.items()}


def _area_properties(session: SessionDep, run: Run) -> list[dict[str, Any]]:
    """The run's dataset's planning areas (their GeoJSON properties); none without boundaries."""
    dataset = session.get(Dataset, run.dataset_id)
    try:
        areas = json.loads(planning_areas_geojson(session, dataset))["features"]  # type: ignore[arg-type]
    except ApiError:
        return []
    return [f["properties"] for f in areas]


def _areas_named(session: SessionDep, run: Run) -> dict[str, str]:
    return {str(p["planning_area_id"]): str(p.get("name") or p["planning_area_id"])
            for p in _area_properties(session, run)}


def _area_phases(session: SessionDep, run: Run) -> dict[str, str]:
    """Each planning area's phase, as its planning areas table gives it (none without boundaries)."""
    return {str(p["planning_area_id"]): str(p.get("phase") or "") for p in _area_properties(session, run)}


@router.get("/runs/{run_id}/map")
def map_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    run = _done(run_id, user, session)
    years = sorted({r["year"] for r in _sufficiency(run, user, session)})
    web = request.app.state.web
    return render(request, "map.html", {"run": run, "years": years, "phases": PHASES, "names": names(session, [run]),
                                        "tile_url": web.tile_url or "", "tile_attribution": web.tile_attribution})


@router.get("/runs/{run_id}/map.json")
def map_data(run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    """What the map draws: planning areas, their totals by phase and year (today's places and, for a plan,
    after it), schools with their forecast roll by year, and the plan's schemes."""
    run = _done(run_id, user, session)  # the organisation's check, on every request; then the cached layers
    with _lock:
        body = _map_cache.get(run.id)
        warming = _warming.get(run.id)
    if body is None and warming is not None:  # being built in the background: wait for it rather than build twice
        warming.wait(timeout=120)
        with _lock:
            body = _map_cache.get(run.id)
    if body is None:
        body = _map_body(run, user, session)
        with _lock:
            _map_cache[run.id] = body
            while len(_map_cache) > 32:
                _map_cache.popitem(last=False)
    return Response(body, media_type="application/json")


_map_cache: OrderedDict[str, bytes] = OrderedDict()  # a finished run never changes: its map is built once
_lock = threading.Lock()
_warming: dict[str, threading.Event] = {}


def warm_map(state: Any, run_id: str, user_id: str) -> None:
    """Build a finished run's map layers in the background (once), so the map opens at once when asked for.

    Called when the run's page shows it succeeded; the build goes through the same scoped route functions."""
    with _lock:
        if run_id in _map_cache or run_id in _warming:
            return
        done = _warming[run_id] = threading.Event()

    def build() -> None:
        try:
            with state.sessions() as session:
                user = session.get(User, user_id)
                run = api_results.finished_run(session, run_id, user)
                body = _map_body(run, user, session)
            with _lock:
                _map_cache[run_id] = body
        except Exception:  # warming is best effort: the map page builds the layers itself if this failed
            pass
        finally:
            with _lock:
                _warming.pop(run_id, None)
            done.set()

    threading.Thread(target=build, name=f"map-{run_id[:8]}", daemon=True).start()


def _map_body(run: Run, user: User, session: SessionDep) -> bytes:
    dataset = session.get(Dataset, run.dataset_id)
    areas = json.loads(planning_areas_geojson(session, dataset))  # type: ignore[arg-type]
    plan = _plan(run, user, session)
    by_school: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    forecast = _json(api_results.get_forecast(run.id, user, session, level="school"))["rows"]
    for row in forecast:
        by_school[row["school_id"]][str(row["year"])] += row["pupils"] or 0.0
    schools = _schools(session, run)
    for feature in schools:
        props = feature["properties"]
        props["roll"] = {y: round(v) for y, v in by_school.get(props["school_id"], {}).items()}
    body = {"areas": areas, "before": area_totals(_sufficiency(run, user, session)),
            "after": area_totals(_sufficiency(run, user, session, "after")) if plan else None,
            "schools": {"type": "FeatureCollection", "features": schools},
            "schemes": plan["schemes"] if plan else []}
    return json.dumps(body, separators=(",", ":")).encode()


@router.get("/runs/{run_id}/areas/{area_id}")
def area_page(request: Request, run_id: RunId, area_id: Annotated[str, Path(max_length=64)], user: PageUser,
              session: SessionDep, ncy: Annotated[int | None, Query(ge=0, le=13)] = None) -> Response:
    run = _done(run_id, user, session)
    rows = _sufficiency(run, user, session, area=area_id)
    if not rows:
        raise ApiError(404, f"Run {run.id} has no planning area '{area_id}'. Open the map to choose one.")
    forecast = _json(api_results.get_forecast(run.id, user, session, planning_area_id=[area_id]))["rows"]
    ncys = sorted({r["ncy"] for r in rows if r["demand"] or r["capacity"]}) or sorted({r["ncy"] for r in rows})
    chosen = ncy if ncy in ncys else (0 if 0 in ncys else 7 if 7 in ncys else ncys[0])
    places = {r["year"]: r["capacity"] for r in rows if r["ncy"] == chosen}
    series = [r for r in forecast if r["ncy"] == chosen]
    years = sorted({r["year"] for r in rows})
    # Places needed as the report counts them: whole pupils above whole places in each year group of the area's
    # phase (Reception-Year 6 or Year 7-11; the sixth form is planned in post-16).
    phase = _area_phases(session, run).get(area_id) or (
        PRIMARY if any(r["ncy"] in PHASE_NCY[PRIMARY] and (r["demand"] or 0) > 0 for r in rows) else SECONDARY)
    taught = [n for n in ncys if n in PHASE_NCY.get(phase, ())] or ncys
    kept = [r for r in rows if r["ncy"] in taught]
    needed = whole_cells(*_figures(kept))[2]
    table = {(r["year"], r["ncy"]): {**r, "needed": float(n)} for r, n in zip(kept, needed, strict=True)}
    located = [f["properties"] for f in _schools(session, run)]
    schools = [p for p in located if p.get("planning_area_id") == area_id]
    named = {p["school_id"]: p.get("name") or p["school_id"] for p in located}
    plan = _plan(run, user, session)
    schemes = [{**s, "school_name": named.get(s["school_id"] or "", s["school_id"] or "new school")}
               for s in (plan["schemes"] if plan else []) if s["planning_area_id"] == area_id]
    chart = fan_chart(series, places, f"Year group {chosen}" if chosen else "Reception (year group 0)")
    return render(request, "area.html", {
        "run": run, "area_id": area_id, "area_name": _areas_named(session, run).get(area_id, area_id),
        "ncys": ncys, "taught": taught, "taught_label": ncy_range_label(taught), "chosen": chosen, "chart": chart,
        "years": years, "table": table, "schools": schools,
        "schemes": schemes, "series": series, "places": places, "read_first": read_first(run, session)})


SORTABLE = ("year", "kind", "planning_area_id", "school_id", "places", "capital_cost", "forms_of_entry")


def places_short_after(rows: list[dict[str, Any]]) -> float:
    """Place-years short after the programme as the report counts them (`sufficiency.core.capacity.places_short`),
    from the stored sufficiency rows; on the rows before a plan, the places needed without one."""
    return places_short(*_figures(rows))


def _short_after(run: Run, summary: dict[str, Any] | None, user: User, session: SessionDep) -> float:
    """A run's place-years short as the report counts them: stored with the plan's summary, or (a run stored before
    the summary held it, or one without a plan) counted from its sufficiency rows."""
    if summary is not None and summary.get("places_short_after") is not None:
        return float(summary["places_short_after"])
    return places_short_after(_sufficiency(run, user, session, "after" if summary is not None else "before"))


@router.get("/runs/{run_id}/programme")
def programme_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep,
                   sort: Annotated[Literal[SORTABLE], Query()] = "year",  # type: ignore[valid-type]
                   order: Annotated[Literal["asc", "desc"], Query()] = "asc",
                   kind: Annotated[str, Query(max_length=20)] = "",
                   area: Annotated[str, Query(max_length=64)] = "",
                   year_text: Annotated[str, Query(alias="year", max_length=4, pattern=r"^(\d{4})?$")] = "",
                   q: Annotated[str, Query(max_length=100)] = "") -> Response:
    year = int(year_text) if year_text else None  # "" is "every year", as the filter form sends it
    run = _done(run_id, user, session)
    plan = _plan(run, user, session)
    if plan is None:
        raise ApiError(404, "This run made no plan; start a run of kind 'plan' or 'full'.")
    school_names = {f["properties"]["school_id"]: f["properties"].get("name") or "" for f in _schools(session, run)}
    schemes = [{**s, "school_name": school_names.get(s["school_id"] or "", "")} for s in plan["schemes"]]
    shown = [s for s in schemes if (not kind or s["kind"] == kind) and (not area or s["planning_area_id"] == area)
             and (year is None or s["year"] == year)
             and (not q or q.lower() in f"{s['reason']} {s['school_name']} {s['option_id']}".lower())]
    shown.sort(key=lambda s: (s[sort] is None, s[sort] if s[sort] is not None else 0), reverse=order == "desc")
    by_year: dict[int, float] = defaultdict(float)
    for s in shown:
        by_year[s["year"]] += s["capital_cost"] or 0.0
    return render(request, "programme.html", {
        "run": run, "summary": plan["summary"],
        "short_after": _short_after(run, plan["summary"], user, session), "schemes": shown,
        "all": schemes, "by_year": sorted(by_year.items()),
        "kinds": sorted({s["kind"] for s in schemes}), "areas": sorted({s["planning_area_id"] or "" for s in schemes}),
        "years": sorted({s["year"] for s in schemes}), "sort": sort, "order": order,
        "filters": {"kind": kind, "area": area, "year": year, "q": q}, "sortable": SORTABLE})


@router.get("/compare")
def compare_page(request: Request, user: PageUser, session: SessionDep,
                 run: Annotated[list[str] | None, Query(max_length=3)] = None) -> Response:
    """Two or three runs side by side: cost, places still needed, and the schemes that differ."""
    chosen = list(dict.fromkeys(run or []))
    runs = [_done(r, user, session) for r in chosen]
    columns: list[dict[str, Any]] = []
    for r in runs:
        plan = _plan(r, user, session)
        needed = _short_after(r, plan["summary"] if plan else None, user, session)
        schemes = plan["schemes"] if plan else []
        columns.append({"run": r, "summary": plan["summary"] if plan else None, "needed": needed,
                        "schemes": {(s["option_id"], s["year"]): s for s in schemes},
                        "cost": sum(s["capital_cost"] or 0 for s in schemes),
                        "places": sum(s["places"] or 0 for s in schemes)})
    keys = sorted({k for c in columns for k in c["schemes"]}, key=lambda k: (k[1], k[0]))
    differ = [k for k in keys if sum(k in c["schemes"] for c in columns) < len(columns)]
    finished = [r for r in api_runs.list_runs(user, session, "succeeded", None, 100)]
    return render(request, "compare.html", {"columns": columns, "differ": differ, "choices": finished,
                                            "chosen": chosen, "names": names(session, finished + runs)})


@router.get("/runs/{run_id}/standards")
def standards_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep,
                   category: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The risk table (filtered by category) and its summary; every other standards table as CSV."""
    run = _done(run_id, user, session)
    tables = by_name(api_results.get_standards(run.id, user, session))
    risk = tables.get("risk_schools")
    if risk is None:
        raise ApiError(404, f"Run {run.id} has no school risk table; start a full run on a dataset with "
                       "school_indicators.csv.")
    rows = records(risk)
    if category:
        rows = [r for r in rows if str(r.get("category", "")).lower() == category.lower()]
    return render(request, "standards.html", {
        "run": run, "risk": risk, "rows": rows, "summary": tables.get("risk_summary"), "category": category,
        "notes": texts(tables.get("notes")),
        "others": sorted(n for n in tables if n not in ("risk_schools", "risk_summary", "notes"))})


@router.get("/runs/{run_id}/accuracy")
def accuracy_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    """The forecast scored on the council's own past years: the authority's and the planning areas' phase
    totals, beside the 3-year mean and the council's own forecasts (the report's tables)."""
    import pandas as pd

    from forecasting.accuracy import shown_tables, summary_text

    run = _done(run_id, user, session)
    tables = by_name(api_results.get_stage(run.id, "accuracy", user, session))
    headline = pd.DataFrame(tables["headline"].rows, columns=tables["headline"].columns)
    origins = [int(r[0]) for r in tables["origins"].rows]

    def table(frame: pd.DataFrame) -> dict[str, Any]:
        return {"columns": list(frame.columns), "rows": [list(r.values()) for r in frame_records(frame)]}

    authority, areas = shown_tables(headline)
    return render(request, "accuracy.html", {
        "run": run, "summary": summary_text(headline, origins), "authority": table(authority), "areas": table(areas),
        "notes": texts(tables.get("notes")),
        "others": sorted(n for n in tables if n != "notes")})


@router.get("/runs/{run_id}/robust")
def robust_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    """The robust programme as the report gives it: the principal plan beside the robust one, the committed and
    contingent schemes with the intake that triggers each, and every future under each plan."""
    import pandas as pd

    from reports.robust import from_tables, sections

    run = _done(run_id, user, session)
    if "robust" not in run.stages:
        raise ApiError(404, f"Run {run.id} planned no robust programme; start a run of kind 'robust' or 'full'.")
    stored = by_name(api_results.get_stage(run.id, "robust", user, session))
    robust = from_tables({n: pd.DataFrame(t.rows, columns=t.columns) for n, t in stored.items()})
    names = {f["properties"]["school_id"]: f["properties"].get("name") or "" for f in _schools(session, run)}
    inputs = SimpleNamespace(schools=pd.DataFrame({"school_id": list(names), "name": list(names.values())},
                                                  dtype=object))
    (section,) = sections(SimpleNamespace(results={"robust": robust}, inputs=inputs))
    tables = [{"caption": caption, "columns": list(frame.columns), "rows": [list(r.values()) for r in
                                                                            frame_records(frame)]}
              for caption, frame in section.tables]
    return render(request, "robust.html", {"run": run, "section": section, "tables": tables,
                                           "others": sorted(stored)})


POST16_SHOWN = ("participation", "groups", "sixth_form_totals", "attainment19", "roni_metrics", "notes")


def _measures_in_words(table: Any) -> Any:
    """A stored post-16 table with its ``measure`` column in words ("NEET or not known", not neet_or_not_known_pct)."""
    from post16.show import MEASURE_NAMES

    if "measure" not in table.columns:
        return table
    at = list(table.columns).index("measure")
    rows = [[MEASURE_NAMES.get(v, v) if i == at else v for i, v in enumerate(row)] for row in table.rows]
    return SimpleNamespace(name=table.name, columns=list(table.columns), rows=rows)


@router.get("/runs/{run_id}/post16")
def post16_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    """The authority's post-16 figures; the longer tables (per school, pupil-level for admins) as CSV."""
    run = _done(run_id, user, session)
    section = api_results.get_post16(run.id, user, session)
    tables = by_name(section)
    shown = {n: _measures_in_words(tables[n]) for n in POST16_SHOWN if n in tables}
    return render(request, "post16.html", {"run": run, "tables": shown,
                                           "others": sorted(n for n in tables if n not in POST16_SHOWN),
                                           "withheld": section.withheld})


@router.get("/runs/{run_id}/downloads/{stage}/{table}.csv")
def stage_table_csv(run_id: RunId, stage: Annotated[str, Path(max_length=40, pattern=r"^[a-z][a-z0-9_]*$")],
                    table: Annotated[str, Path(max_length=80)], user: PageUser, session: SessionDep) -> Response:
    """One table of one stage as CSV (the API's ``/runs/{id}/stages/{stage}/{table}?format=csv``)."""
    return api_results.get_stage_table(run_id, stage, table, user, session, format="csv")


DOWNLOADS = {"forecast.csv": "forecast by planning area, year and year group",
             "forecast-schools.csv": "forecast by school",
             "sufficiency.csv": "places against forecast demand",
             "plan.csv": "the capital programme's schemes",
             "results.xlsx": "every result table in one workbook"}


@router.get("/runs/{run_id}/downloads/{name}")
def download(run_id: RunId, name: Annotated[str, Path(max_length=200)], user: PageUser,
             session: SessionDep) -> Response:
    """The API's downloads: CSV of each result, the workbook, and the report files the run made."""
    if name == "forecast.csv":
        return api_results.get_forecast(run_id, user, session, format="csv")
    if name == "forecast-schools.csv":
        return api_results.get_forecast(run_id, user, session, level="school", format="csv")
    if name == "sufficiency.csv":
        return api_results.get_sufficiency(run_id, user, session, format="csv")
    if name == "plan.csv":
        return api_results.get_plan(run_id, user, session, format="csv")
    if name == "results.xlsx":
        return api_results.get_report(run_id, user, session)
    return api_results.get_file(run_id, name, user, session)


@router.get("/runs/{run_id}/downloads")
def downloads_page(request: Request, run_id: RunId, user: PageUser, session: SessionDep) -> Response:
    run = _done(run_id, user, session)
    files = api_results.list_files(run.id, user, session)
    return render(request, "downloads.html", {"run": run, "files": files, "downloads": DOWNLOADS,
                                              "has_plan": run.plan_summary is not None})

