"""Standards and risk: a run's risk list, KPI tables, benchmarking and targets; overrides; escalation of concern.

Reads come from the run's stored standards tables (``standards.StandardsResult``). Overrides and
escalation steps are your organisation's own append-only records on its audit trail
(:mod:`standards.trail`), the same one the command line writes: the overrides apply to the
risk list of every run that assessed that school and year (the run's ``computed_category`` stays
beside the final ``category``), and escalation steps are checked against the procedure in
:mod:`standards.escalation` before they are written.

Written against :mod:`sufficiency.core.web` (the caller's ports), as every stage's own routes are.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, status
from pydantic import ValidationError

from standards import trail
from standards.escalation import ROUTES, STEPS, EscalationEvent, IllegalTransition, allowed_next
from standards.overrides import Override, apply_overrides
from standards.risk import FIRED_EVIDENCE, risk_summary
from standards.rules import CATEGORIES
from standards.schemas import (
    BenchmarkPage,
    Category,
    EscalationCasePublic,
    EscalationCreate,
    EscalationOutcomesPage,
    EscalationStepCreate,
    KpiPage,
    OverdueReviewPublic,
    OverrideCreate,
    OverridePublic,
    RiskPage,
    RiskSchoolPublic,
    RiskSummaryPublic,
    TargetsPage,
)
from sufficiency.core.audit import TrailConflict
from sufficiency.core.web import (
    CSV,
    ApiError,
    FormatQuery,
    PlannerPorts,
    Ports,
    StoredRun,
    ViewerPorts,
    Year,
    csv_response,
    error_doc,
    records,
)

router = APIRouter(prefix="/standards", tags=["standards"],
                   responses={409: error_doc("The run has not succeeded (yet).")})

RISK_COLUMNS = ["school_id", "name", "phase", "governance", "year", "category", "computed_category", "rules_fired",
                "reasons", "not_checked", "ofsted", "ofsted_inspection_date", "ofsted_grade", "ofsted_report_card",
                "evidence", "override_reason", "override_author", "override_date"]
KPI_TABLES = {"primary": "kpi_table_one_primary", "secondary": "kpi_table_two_secondary"}
SchoolFilter = Annotated[list[str] | None, Query(description="Only these schools (URN; repeatable).")]
PhaseFilter = Annotated[list[str] | None, Query(description="Only these phases, e.g. primary, secondary (repeatable).")]


# ---------------------------------------------------------------------------------------------- risk

def _risk(ports: Ports, run: StoredRun) -> pd.DataFrame:
    """The run's risk list for its year with the organisation's overrides applied (standards.apply_overrides)."""
    schools = ports.results.table(run, "standards", "risk_schools")
    schools = schools.astype({"school_id": str, "year": int})
    return apply_overrides(schools, trail.override_frame(ports.audit), skip_unmatched=True)


def _reasons(ports: Ports, run: StoredRun, year: int) -> dict[str, list[dict[str, Any]]]:
    fired = ports.results.table(run, "standards", "risk_rules_fired")
    fired = fired[fired["year"].astype(int) == year]
    # A run stored before the evidence was recorded has none: its rows say "not available".
    fired = fired.reindex(columns=[*fired.columns, *[c for c in FIRED_EVIDENCE if c not in fired.columns]])
    out: dict[str, list[dict[str, Any]]] = {}
    for row in records(fired, ["school_id", "rule_id", "category", "description", "reason", *FIRED_EVIDENCE]):
        out.setdefault(str(row.pop("school_id")), []).append(row)
    return out


def _school_rows(frame: pd.DataFrame, reasons: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = records(frame, RISK_COLUMNS)
    for row in rows:
        # In the order the assessment lists the rules (most severe first).
        order = {rule: i for i, rule in enumerate((row["rules_fired"] or "").split("; "))}
        row["reasons"] = sorted(reasons.get(row["school_id"], []), key=lambda r: order.get(r["rule_id"], len(order)))
        row["not_checked"] = [r for r in (row["not_checked"] or "").split("; ") if r]
        row.pop("rules_fired")
        row.pop("evidence")  # in each reason
        for key in ("override_reason", "override_author", "override_date"):
            row[key] = row[key] or ""
    return rows


def _year(frame: pd.DataFrame) -> int:
    return int(frame["year"].max())


@router.get("/runs/{run_id}/risk", response_model=RiskPage, responses={200: {"content": CSV}},
            summary="Schools' risk categories with the reasons")
def get_risk(run_id: str, ports: ViewerPorts, school_id: SchoolFilter = None,
             phase: PhaseFilter = None,
             category: Annotated[list[Category] | None,
                                 Query(description="Only these categories (repeatable).")] = None,
             format: FormatQuery = "json") -> Any:
    """Every school assessed in the run's year: Red, Amber, Yellow or Green after your organisation's overrides,
    the rules' own category, each rule that fired with its reason, and the rules that lacked data."""
    run = ports.results.finished_run(run_id)
    final = _risk(ports, run)
    year = _year(final)
    if school_id:
        final = final[final["school_id"].isin(school_id)]
    if phase:
        final = final[final["phase"].isin(phase)]
    if category:
        final = final[final["category"].isin(category)]
    if format == "csv":
        return csv_response(final, RISK_COLUMNS, f"{run.id}-risk.csv")
    counts = final["category"].value_counts()
    return {"run_id": run.id, "year": year, "count": len(final),
            "counts": {c: int(counts.get(c, 0)) for c in CATEGORIES},
            "rows": _school_rows(final, _reasons(ports, run, year))}


@router.get("/runs/{run_id}/risk/{school_id}", response_model=RiskSchoolPublic, summary="One school's risk category")
def get_school_risk(run_id: str, school_id: str, ports: ViewerPorts) -> dict[str, Any]:
    """A school's category, the rules that fired and any override, as assessed in the run."""
    run = ports.results.finished_run(run_id)
    final = _risk(ports, run)
    found = final[final["school_id"] == school_id]
    if found.empty:
        raise ApiError(404, f"School '{school_id}' was not assessed in run {run.id}. List the schools assessed "
                       f"with GET /standards/runs/{run.id}/risk.")
    return _school_rows(found, _reasons(ports, run, _year(final)))[0]


@router.get("/runs/{run_id}/risk-summary", response_model=RiskSummaryPublic,
            summary="Schools by category and phase, against last year")
def get_risk_summary(run_id: str, ports: ViewerPorts, phase: PhaseFilter = None) -> dict[str, Any]:
    """Counts of Red, Amber, Yellow and Green schools by phase (and 'all') this year, after your organisation's
    overrides, beside last year's as the run assessed them."""
    run = ports.results.finished_run(run_id)
    final = _risk(ports, run)
    year = _year(final)
    this = risk_summary(final, year)[["phase", "category", "this_year"]]
    stored = ports.results.table(run, "standards", "risk_summary")[["phase", "category", "last_year"]]
    summary = this.merge(stored, on=["phase", "category"], how="left")
    summary["change"] = summary["this_year"] - summary["last_year"]
    if phase:
        summary = summary[summary["phase"].isin(phase)]
    return {"run_id": run.id, "year": year, "overrides_applied": int((final["override_author"] != "").sum()),
            "rows": records(summary)}


# ----------------------------------------------------------------------------------------- KPIs, benchmark, targets

@router.get("/runs/{run_id}/kpis/{table}", response_model=KpiPage, responses={200: {"content": CSV}},
            summary="KPI table one (primary) or two (secondary)")
def get_kpis(run_id: str, table: Literal["primary", "secondary"], ports: ViewerPorts,
             format: FormatQuery = "json") -> Any:
    """The performance framework's table, one row per indicator, with the national comparator and the trend
    against last year; ``value`` is null (never 0) where the data is not available."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "standards", KPI_TABLES[table])
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-kpis-{table}.csv")
    return {"run_id": run.id, "table": table, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/benchmark", response_model=BenchmarkPage, responses={200: {"content": CSV}},
            summary="The authority against every English LA")
def get_benchmark(run_id: str, ports: ViewerPorts,
                  topic: Annotated[str | None, Query(description="Only this LAIT topic.")] = None,
                  format: FormatQuery = "json") -> Any:
    """Value, national rank, quartile and distance from the top 10% for each indicator (LAIT), with its polarity."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "standards", "benchmark", missing=(
        f"Run {run.id} has no benchmarking: set la_code (the authority's DfE LA code, GSS code or name) at "
        "the top of the scenario and "
        "start a 'full' run."))
    if topic:
        frame = frame[frame["topic"] == topic]
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-benchmark.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


@router.get("/runs/{run_id}/targets", response_model=TargetsPage, responses={200: {"content": CSV}},
            summary="Strategy targets: on track or off track")
def get_targets(run_id: str, ports: ViewerPorts, format: FormatQuery = "json") -> Any:
    """Each target's baseline, current value, status and the yearly change needed to reach it by its deadline."""
    run = ports.results.finished_run(run_id)
    frame = ports.results.table(run, "standards", "targets", missing=(
        f"Run {run.id} has no targets: set standards.targets_file in the scenario (with la_code at its top) "
        "and start a 'full' run."))
    if format == "csv":
        return csv_response(frame, list(frame.columns), f"{run.id}-targets.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}


# ---------------------------------------------------------------------------------------------- overrides

def _problems(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [{"severity": "error", "file": where, "row": None, "column": ".".join(str(p) for p in e["loc"]) or None,
             "message": e["msg"], "fix": "Correct this value and send again"} for e in exc.errors()]


@router.post("/overrides", response_model=OverridePublic, status_code=status.HTTP_201_CREATED,
             summary="Override a school's risk category (audited)")
def create_override(body: OverrideCreate, ports: PlannerPorts) -> trail.RecordedOverride:
    """Record a context override with its reason; you are recorded as its author. Overrides are never changed or
    deleted: to withdraw one, record another back to the computed category."""
    run = ports.results.finished_run(body.run_id)
    schools = ports.results.table(run, "standards", "risk_schools").astype({"school_id": str, "year": int})
    year = body.year if body.year is not None else _year(schools)
    found = schools[(schools["school_id"] == body.school_id) & (schools["year"] == year)]
    if found.empty:
        assessed = sorted(set(schools["year"]))
        raise ApiError(422, f"School '{body.school_id}' was not assessed in {year} in run {run.id} (it assessed "
                       f"{', '.join(map(str, assessed))}). Check the URN against GET /standards/runs/{run.id}/risk.")
    date = body.date or dt.date.today()
    try:
        trail.not_in_future(date, "override")
        checked = Override(school_id=body.school_id, year=year, category=body.category, reason=body.reason,
                           author=ports.principal.email, date=date)
    except trail.DatedInFuture as exc:
        raise ApiError(422, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(422, "The override is not valid: " + exc.errors()[0]["msg"],
                       _problems(exc, "override")) from None
    return trail.record_override(ports.audit, checked, str(found.iloc[0]["computed_category"]), run_id=run.id,
                                 actor_id=ports.principal.id)


@router.get("/overrides", response_model=list[OverridePublic], summary="The override audit trail")
def list_overrides(ports: ViewerPorts,
                   school_id: Annotated[str | None, Query(max_length=64, description="Only this school.")] = None,
                   year: Annotated[Year | None, Query(description="Only this year.")] = None
                   ) -> list[trail.RecordedOverride]:
    """Every override your organisation recorded, oldest first; for each school and year the latest applies."""
    return trail.overrides(ports.audit, school_id, year)


@router.get("/overrides/{override_id}", response_model=OverridePublic, summary="One override")
def get_override(override_id: int, ports: ViewerPorts) -> trail.RecordedOverride:
    found = [o for o in trail.overrides(ports.audit) if o.id == override_id]
    if not found:
        raise ApiError(404, f"No override {override_id} in your organisation. List them with GET /standards/overrides.")
    return found[0]


# ---------------------------------------------------------------------------------------------- escalation

def _case(school_id: str, steps: list[trail.RecordedStep]) -> dict[str, Any]:
    last = steps[-1]
    opened = next(s for s in reversed(steps) if s.step == "concern_raised")
    is_open = last.step != "resolved"
    review = last.next_review if is_open else None
    return {"school_id": school_id, "governance": last.governance, "open": is_open,
            "current_step": last.step, "current_label": STEPS[last.step], "opened_on": opened.date,
            "last_step_on": last.date, "next_review": review,
            "overdue": bool(review is not None and review < dt.date.today()),
            "allowed_next": [{"step": s, "label": STEPS[s]} for s in allowed_next(last.step, last.governance)],
            "steps": [{"seq": s.seq, "step": s.step, "label": STEPS[s.step], "date": s.date, "actor": s.actor,
                       "note": s.note, "next_review": s.next_review, "run_id": s.run_id,
                       "recorded_at": s.recorded_at} for s in steps]}


def _record_step(ports: Ports, school_id: str, governance: str, step: str, date: dt.date | None, note: str,
                 run_id: str | None, next_review: dt.date | None = None) -> dict[str, Any]:
    """Check the step against the school's history on the trail (standards.check_transition) and append it."""
    try:
        event = EscalationEvent(school_id=school_id, step=step, date=date or dt.date.today(),
                                actor=ports.principal.email, note=note, next_review=next_review)
        steps = trail.record_step(ports.audit, event, governance, run_id=run_id, actor_id=ports.principal.id)
    except trail.DatedInFuture as exc:
        raise ApiError(422, str(exc)) from None
    except ValidationError as exc:
        raise ApiError(422, "The step is not valid: " + exc.errors()[0]["msg"], _problems(exc, "step")) from None
    except IllegalTransition as exc:
        raise ApiError(409, str(exc), code="illegal_transition") from None
    except TrailConflict:
        raise ApiError(409, f"Another step was recorded for school {school_id} at the same moment; read the case "
                       f"again (GET /standards/escalations/{school_id}) and send the step if it is still "
                       "needed.") from None
    return _case(school_id, steps)


@router.get("/escalations", response_model=list[EscalationCasePublic], summary="Escalation cases")
def list_escalations(ports: ViewerPorts,
                     state: Annotated[Literal["open", "resolved", "all"], Query(
                         alias="status", description="open (default), resolved or all.")] = "open"
                     ) -> list[dict[str, Any]]:
    """Each school with an escalation of concern: where it stands, what may follow and every step so far."""
    by_school: dict[str, list[trail.RecordedStep]] = {}
    for row in trail.steps(ports.audit):
        by_school.setdefault(row.school_id, []).append(row)
    cases = [_case(school, steps) for school, steps in sorted(by_school.items())]
    return [c for c in cases if state == "all" or c["open"] == (state == "open")]


@router.get("/escalations/{school_id}", response_model=EscalationCasePublic, summary="A school's escalation")
def get_escalation(school_id: str, ports: ViewerPorts) -> dict[str, Any]:
    steps = trail.steps(ports.audit, school_id)
    if not steps:
        raise ApiError(404, f"School '{school_id}' has no escalation in your organisation. Open one with "
                       "POST /standards/escalations.")
    return _case(school_id, steps)


@router.post("/escalations", response_model=EscalationCasePublic, status_code=status.HTTP_201_CREATED,
             responses={409: error_doc("The school already has an open case (code illegal_transition).")},
             summary="Raise a concern about a school")
def open_escalation(body: EscalationCreate, ports: PlannerPorts) -> dict[str, Any]:
    """Open a case at 'concern raised' for a school assessed in the run; the school's governance in that run
    (maintained, or academy/free school) sets which steps follow. You are recorded as the actor."""
    run = ports.results.finished_run(body.run_id)
    schools = ports.results.table(run, "standards", "risk_schools").astype({"school_id": str})
    found = schools[schools["school_id"] == body.school_id]
    if found.empty:
        raise ApiError(422, f"School '{body.school_id}' was not assessed in run {run.id}. Check the URN against "
                       f"GET /standards/runs/{run.id}/risk.")
    governance = str(found.iloc[0]["governance"])
    if governance not in ROUTES:
        raise ApiError(422, f"School '{body.school_id}' has governance '{governance}' in the schools data; the "
                       f"escalation procedure needs one of {', '.join(ROUTES)}. Correct schools.csv and run again.")
    return _record_step(ports, body.school_id, governance, "concern_raised", body.date, body.note, run.id,
                        body.next_review)


@router.post("/escalations/{school_id}/steps", response_model=EscalationCasePublic, status_code=status.HTTP_201_CREATED,
             responses={409: error_doc("The procedure does not allow this step next (code illegal_transition); the "
                                       "message names the steps it allows.")},
             summary="Record the next step of a school's escalation")
def add_escalation_step(school_id: str, body: EscalationStepCreate, ports: PlannerPorts) -> dict[str, Any]:
    """Move the case on. Only the steps the procedure allows next are accepted (see ``allowed_next`` on the case);
    a resolved school can have a new concern raised. You are recorded as the actor."""
    steps = trail.steps(ports.audit, school_id)
    if not steps:
        raise ApiError(404, f"School '{school_id}' has no escalation in your organisation. Open one with "
                       "POST /standards/escalations.")
    return _record_step(ports, school_id, steps[-1].governance, body.step, body.date, body.note, None,
                        body.next_review)


@router.get("/escalations-overdue", response_model=list[OverdueReviewPublic], summary="Overdue reviews")
def list_overdue(ports: ViewerPorts) -> list[dict[str, Any]]:
    """Open escalation cases whose next review date has passed, most overdue first."""
    late = trail.overdue_reviews(ports.audit)
    return records(late, list(OverdueReviewPublic.model_fields))


@router.get("/runs/{run_id}/escalation-outcomes", response_model=EscalationOutcomesPage,
            responses={200: {"content": CSV}}, summary="Escalations and the risk categories that followed")
def get_escalation_outcomes(run_id: str, ports: ViewerPorts, format: FormatQuery = "json") -> Any:
    """Each escalation case your organisation recorded, beside the school's risk category (as the run assessed
    it) in the year the case opened and in the latest year assessed after it: improved, no change or worse."""
    run = ports.results.finished_run(run_id)
    risk = ports.results.table(run, "standards", "risk_all_years", missing=(
        f"Run {run.id} has no risk list for every year; start a new run to see escalation outcomes."))
    frame = trail.escalation_outcomes(trail.steps(ports.audit), risk)
    if format == "csv":
        return csv_response(frame, trail.OUTCOME_COLUMNS, f"{run.id}-escalation-outcomes.csv")
    return {"run_id": run.id, "count": len(frame), "rows": records(frame)}
