"""Bodies of the ``/standards`` routes: risk, KPI tables, benchmarking, targets, overrides, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from standards.escalation import STEPS
from standards.overrides import MIN_REASON_LENGTH
from sufficiency.core.web import EXAMPLE_RUN_ID, page_example

Category = Literal["Red", "Amber", "Yellow", "Green"]
Step = Literal[tuple(STEPS)]  # type: ignore[valid-type]
Governance = Literal["maintained", "academy", "free"]

_REASON = {"rule_id": "A3-ks2-below-national", "category": "Amber",
           "description": "KS2 reading, writing and maths at the expected standard 10 points or more below the "
                          "national figure.",
           "reason": "About three pupils in a class of 30 fewer reach the expected standard than nationally.",
           "indicator": "ks2_rwm_expected", "unit": "% of pupils", "school_value": 48.0, "comparison": 62.0,
           "comparison_basis": "national, primary schools", "gap": -14.0, "gap_unit": "percentage points",
           "year_label": "2024/25",
           "evidence": "KS2 reading writing and maths at the expected standard: 48 % of pupils in 2024/25 against "
                       "62 (national, primary schools): gap -14 percentage points (rule: <= -10)"}


class RiskReasonPublic(BaseModel):
    rule_id: str = Field(examples=[_REASON["rule_id"]])
    category: Category
    description: str = Field(description="What the rule checks, for a headteacher.")
    reason: str = Field(description="Why it matters.")
    indicator: str | None = Field(None, description="The indicator the rule's (first) test used.")
    unit: str | None = Field(None, description="Unit of the school's figure and the comparison, e.g. '% of pupils'.")
    school_value: float | None = Field(None, description="The school's figure.")
    comparison: float | None = Field(None, description="The figure it was compared with.")
    comparison_basis: str | None = Field(
        None, description="What the comparison is: 'national, primary schools' (or secondary, all), 'the school, "
                          "the year before', or 'the rule's threshold'.")
    gap: float | None = Field(None, description="School minus comparison, in gap_unit (null for a threshold).")
    gap_unit: str | None = Field(None, description="Unit of the gap: percentage points for a percentage.")
    year_label: str | None = Field(None, description="The academic year of the figures, e.g. 2024/25.")
    evidence: str | None = Field(None, description="All of it in words, every test of the rule and, for a rule "
                                                   "that must hold several years running, each year.")


class RiskSchoolPublic(BaseModel):
    school_id: str = Field(examples=["106285"])
    name: str | None = Field(examples=["Stamford Park Primary School"])
    phase: str | None = Field(examples=["primary"])
    governance: str | None = Field(examples=["maintained"])
    year: int = Field(description="Academic year assessed (by its autumn).")
    category: Category = Field(description="After any override recorded by your organisation.")
    computed_category: Category = Field(description="What the rules gave.")
    reasons: list[RiskReasonPublic] = Field(description="Every rule that fired for the school this year.")
    not_checked: list[str] = Field(description="Rules that could not be checked for lack of data.")
    ofsted: str | None = Field(None, description="The latest inspection outcome in words.")
    ofsted_inspection_date: str | None = None
    ofsted_grade: str | None = Field(None, description="The last single-word grade (Outstanding to Inadequate), "
                                                       "also when a later report card superseded it.")
    ofsted_report_card: str | None = Field(None, description="The last report card (from November 2025): each "
                                                             "evaluation area in words.")
    override_reason: str = ""
    override_author: str = ""
    override_date: str = ""


class RiskPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "year": 2024, "count": 1, "counts": {"Red": 0, "Amber": 1, "Yellow": 0, "Green": 0},
        "rows": [{"school_id": "106285", "name": "Stamford Park Primary School", "phase": "primary",
                  "governance": "maintained", "year": 2024, "category": "Amber", "computed_category": "Amber",
                  "reasons": [_REASON], "not_checked": ["R3-safeguarding-not-met"], "ofsted": "Good",
                  "ofsted_inspection_date": "2022-08-02", "ofsted_grade": "Good",
                  "ofsted_report_card": "not available", "override_reason": "", "override_author": "",
                  "override_date": ""}]}]})
    run_id: str
    year: int
    count: int
    counts: dict[str, int] = Field(description="Schools listed by category.")
    rows: list[RiskSchoolPublic]


class RiskCountPublic(BaseModel):
    phase: str = Field(examples=["primary"], description="A phase, or 'all'.")
    category: Category
    this_year: int
    last_year: int | None = Field(description="As the run assessed last year; null when it was not assessed.")
    change: int | None


class RiskSummaryPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "year": 2024, "overrides_applied": 1,
        "rows": [{"phase": "primary", "category": "Amber", "this_year": 7, "last_year": 15, "change": -8}]}]})
    run_id: str
    year: int
    overrides_applied: int = Field(description="Schools whose category this year is an override.")
    rows: list[RiskCountPublic]


class KpiRowPublic(BaseModel):
    table: str = Field(examples=["primary"])
    kpi_id: str = Field(examples=["pupils_good_or_outstanding"])
    indicator: str = Field(examples=["% of children in good or outstanding schools"])
    unit: str | None = None
    polarity: str | None = Field(None, description="High or Low: which way is better.")
    year: int | None = None
    value: float | None = Field(None, description="null where the data is not available (never 0).")
    last_year: float | None = None
    change: float | None = None
    trend: str | None = Field(None, examples=["improved"])
    national: float | None = None
    source: str | None = None


class KpiPage(BaseModel):
    model_config = page_example({
        "table": "primary", "kpi_id": "pupils_good_or_outstanding",
        "indicator": "% of children in good or outstanding schools", "unit": "% of pupils", "polarity": "High",
        "year": 2024, "value": 96.3, "last_year": 89.5, "change": 6.7, "trend": "improved", "national": None,
        "source": "schools"}, table="primary")
    run_id: str
    table: Literal["primary", "secondary"]
    count: int
    rows: list[KpiRowPublic]


class BenchmarkRowPublic(BaseModel):
    measure: str = Field(examples=["PriAuth"])
    description: str | None = None
    topic: str | None = None
    polarity: str | None = None
    year: int | None = None
    value: float | None = None
    national: float | None = None
    rank: int | None = Field(None, description="1 is best, by the indicator's polarity.")
    n_las: int | None = Field(None, description="English LAs with a value.")
    quartile: int | None = None
    unit: str | None = Field(None, description="Unit of value, national and the thresholds (LAIT's axis name).")
    top10_threshold: float | None = None
    distance_to_top10: float | None = None
    top5_threshold: float | None = Field(None, description="The weakest figure still in the top 5% of authorities.")
    in_top5: bool | None = Field(None, description="Whether the authority is in the top 5% nationally.")


class BenchmarkPage(BaseModel):
    model_config = page_example({
        "measure": "PriAuth", "description": "Primary Authorised", "topic": "All Pupil Absence & Exclusions",
        "polarity": "Low", "year": 2024, "value": 3.15, "national": 3.7, "rank": 9, "n_las": 152, "quartile": 1,
        "unit": "% half days missed", "top10_threshold": 3.25, "distance_to_top10": 0.0, "top5_threshold": 3.1,
        "in_top5": False})
    run_id: str
    count: int
    rows: list[BenchmarkRowPublic]


class TargetRowPublic(BaseModel):
    indicator: str = Field(examples=["16-17Ed&Training"])
    label: str | None = None
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    deadline: int | None = None
    polarity: str | None = None
    current_year: int | None = None
    current: float | None = None
    planned_change_per_year: float | None = None
    expected_now: float | None = None
    needed_change_per_year: float | None = Field(None, description="The trajectory needed to reach the target.")
    status: str = Field(examples=["off track"], description="on track, off track or not available.")


class TargetsPage(BaseModel):
    model_config = page_example({
        "indicator": "16-17Ed&Training", "label": "95% of 16-17 year olds in education or training",
        "baseline": 94.23, "baseline_year": 2021, "target": 95.0, "deadline": 2026, "polarity": None,
        "current_year": 2024, "current": 94.5, "planned_change_per_year": 0.154, "expected_now": 94.692,
        "needed_change_per_year": 0.25, "status": "off track"})
    run_id: str
    count: int
    rows: list[TargetRowPublic]


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "school_id": "106285", "year": 2024, "category": "Yellow",
        "reason": "New headteacher in post since September; monitoring visit found rapid improvement.",
        "date": "2025-10-03"}]})
    run_id: str = Field(max_length=64, description="The run whose risk list the override corrects; the school and "
                        "year must have been assessed in it.")
    school_id: str = Field(min_length=1, max_length=64)
    year: int | None = Field(None, ge=1900, le=2200, description="Year overridden; default: the run's standards year.")
    category: Category
    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=4000,
                        description="What the data does not show; at least 15 characters.")
    date: dt.date | None = Field(None, description="When it was decided; default today. Never in the future.")


class OverridePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": 7, "school_id": "106285", "year": 2024, "category": "Yellow", "computed_category": "Amber",
        "reason": "New headteacher in post since September; monitoring visit found rapid improvement.",
        "author": "planner@trafford.gov.uk", "date": "2025-10-03", "run_id": EXAMPLE_RUN_ID,
        "recorded_at": "2025-10-03T14:02:11Z"}]})
    id: int
    school_id: str
    year: int
    category: Category
    computed_category: Category
    reason: str
    author: str = Field(description="The signed-in user who recorded it.")
    date: dt.date
    run_id: str | None
    recorded_at: dt.datetime


class StepOption(BaseModel):
    step: Step
    label: str = Field(examples=["communicated to the headteacher and chair of governors"])


class EscalationStepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int = Field(description="1 for the school's first recorded step, then 2, 3, ...")
    step: Step
    label: str
    date: dt.date
    actor: str = Field(description="The signed-in user who recorded it.")
    note: str
    next_review: dt.date | None = Field(None, description="When the case is next reviewed (null once resolved).")
    run_id: str | None
    recorded_at: dt.datetime


class EscalationCasePublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "school_id": "106285", "governance": "maintained", "open": True, "current_step": "communicated",
        "current_label": "communicated to the headteacher and chair of governors",
        "opened_on": "2025-10-01",
        "last_step_on": "2025-10-08", "next_review": "2025-11-19", "overdue": False,
        "allowed_next": [{"step": "challenge_meeting", "label": "challenge meeting"},
                         {"step": "support_brokered", "label": "support brokered"},
                         {"step": "resolved", "label": "resolved"}],
        "steps": [
            {"seq": 1, "step": "concern_raised", "label": "concern raised", "date": "2025-10-01",
             "actor": "planner@trafford.gov.uk", "note": "Amber in the autumn risk assessment.",
             "next_review": "2025-11-12", "run_id": EXAMPLE_RUN_ID, "recorded_at": "2025-10-01T09:12:00Z"},
            {"seq": 2, "step": "communicated",
             "label": "communicated to the headteacher and chair of governors",
             "date": "2025-10-08", "actor": "planner@trafford.gov.uk", "note": "Letter sent.",
             "next_review": "2025-11-19", "run_id": None, "recorded_at": "2025-10-08T16:40:00Z"}]}]})
    school_id: str
    governance: Governance = Field(description="Which route of steps applies (from the run the case was opened on).")
    open: bool
    current_step: Step
    current_label: str
    opened_on: dt.date = Field(description="When the current case's concern was raised.")
    last_step_on: dt.date
    next_review: dt.date | None = Field(None, description="When the open case is next reviewed (its latest step's).")
    overdue: bool = Field(False, description="An open case whose review date has passed.")
    allowed_next: list[StepOption] = Field(description="The steps the procedure allows next.")
    steps: list[EscalationStepPublic] = Field(description="Every step recorded for the school, oldest first.")


class EscalationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "school_id": "106285", "date": "2025-10-01",
        "note": "Amber in the autumn risk assessment."}]})
    run_id: str = Field(max_length=64, description="The run whose risk assessment raised the concern; the school "
                        "must be in it, and its governance sets the route of steps.")
    school_id: str = Field(min_length=1, max_length=64)
    date: dt.date | None = Field(None, description="When the concern was raised; default today.")
    note: str = Field("", max_length=4000)
    next_review: dt.date | None = Field(None, description="When the case is next reviewed; default six weeks after "
                                        "the step (about a half term). After the step's date.")


class EscalationStepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "step": "communicated", "date": "2025-10-08", "note": "Letter to the headteacher and chair of governors.",
        "next_review": "2025-11-19"}]})
    step: Step = Field(description=f"One of {', '.join(STEPS)}.")
    date: dt.date | None = Field(None, description="When the step was taken; default today. Not before the last "
                                 "step, never in the future.")
    note: str = Field("", max_length=4000)
    next_review: dt.date | None = Field(None, description="When the case is next reviewed; default six weeks after "
                                        "the step (about a half term). None for 'resolved'.")


class OverdueReviewPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "school_id": "106285", "step": "challenge_meeting", "step_text": "challenge meeting", "date": "2025-10-20",
        "actor": "planner@trafford.gov.uk", "next_review": "2025-12-01", "days_overdue": 14}]})
    school_id: str
    step: Step = Field(description="The case's latest step.")
    step_text: str
    date: dt.date = Field(description="When that step was taken.")
    actor: str
    next_review: dt.date
    days_overdue: int = Field(description="Days since the review date (days).")


class EscalationOutcomePublic(BaseModel):
    school_id: str
    case: int = Field(description="1 for the school's first case, then 2, ...")
    opened_on: dt.date
    opened_year: int = Field(description="Academic year (by its autumn) the concern was raised in.")
    furthest_step: Step
    furthest_step_text: str
    steps: int = Field(description="Steps recorded in the case.")
    resolved_on: dt.date | None
    category_when_opened: Category | None = Field(description="Risk category in the year the case opened.")
    year_assessed_when_opened: int | None
    category_latest: Category | None = Field(description="Risk category in the latest year assessed after it.")
    year_latest: int | None
    outcome: str = Field(description="improved, no change, worse, not assessed since, or not assessed when opened.")
    ofsted_when_opened: str | None
    ofsted_latest: str | None


class EscalationOutcomesPage(BaseModel):
    model_config = page_example({
        "school_id": "106285", "case": 1, "opened_on": "2024-10-01", "opened_year": 2024,
        "furthest_step": "pre_warning_notice", "furthest_step_text": "pre-warning notice", "steps": 5,
        "resolved_on": "2025-07-10", "category_when_opened": "Amber", "year_assessed_when_opened": 2024,
        "category_latest": "Yellow", "year_latest": 2025, "outcome": "improved",
        "ofsted_when_opened": "Requires improvement", "ofsted_latest": "Good"})
    run_id: str
    count: int
    rows: list[EscalationOutcomePublic]
