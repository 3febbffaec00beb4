"""Request and response bodies: ``ThingCreate`` in, ``ThingPublic`` out, each with an example."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sufficiency.core.web import EXAMPLE_RUN_ID, page_example

Role = Literal["viewer", "planner", "admin"]
RunKind = Literal["forecast", "plan", "robust", "full", "stages"]
ReportFormat = Literal["html", "pdf", "xlsx", "scap"]
RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]

_DATASET_ID = "5d1c0f3e9a8b4c7d8e6f5a4b3c2d1e0f"
_ORG_ID = "0b6e2d7c1f4a4e3b9d8c7a6f5e4d3c2b"


class Token(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.", examples=[3600])


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": "planner@trafford.gov.uk", "password": "a long passphrase here", "role": "planner"}]})
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254,
                       description="Sign-in name; unique within your organisation.")
    password: str = Field(min_length=12, max_length=256, description="At least 12 characters.")
    role: Role = Field("viewer", description="viewer reads; planner also creates scenarios and runs; admin manages.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"current_password": "the one you signed in with", "new_password": "a new long passphrase"}]})
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=12, max_length=256, description="At least 12 characters.")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "planner", "active": True}]})
    role: Role | None = None
    active: bool | None = Field(None, description="False stops the user signing in (keys included).")


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "9a1f2e3d4c5b4a69887766554433aa11", "email": "planner@trafford.gov.uk", "role": "planner",
        "organisation_id": _ORG_ID, "active": True, "created_at": "2025-10-01T09:30:00Z"}]})
    id: str
    email: str
    role: Role
    organisation_id: str
    active: bool
    created_at: dt.datetime


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "capital programme dashboard"}]})
    name: str = Field(min_length=1, max_length=100, description="What the key is for.")


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str = Field(examples=["capital programme dashboard"])
    prefix: str = Field(description="Public part of the key, shown to tell keys apart.")
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself. Shown once: store it now; only its hash is kept.",
                     examples=["suf_1a2b3c4d5e6f_Jx8..."])


class ProblemPublic(BaseModel):
    severity: Literal["error", "warning"] = "error"
    file: str = Field(examples=["rolls.csv"])
    row: int | None = Field(None, examples=[14])
    column: str | None = Field(None, examples=["pupils"])
    message: str
    fix: str = ""


class DatasetFilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str = Field(examples=["schools.csv"])
    size: int
    sha256: str


class DatasetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str = Field(examples=["Trafford rolls October 2024"])
    content_hash: str = Field(description="SHA-256 over the files' names and contents.")
    valid: bool = Field(description="True when the data can be run; else see the validation report.")
    errors: int = Field(description="Problems that must be fixed before a run.")
    warnings: int
    files: list[DatasetFilePublic]
    created_at: dt.datetime


class ValidationReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "dataset_id": _DATASET_ID, "valid": False, "problems": [{
            "severity": "error", "file": "rolls.csv", "row": 14, "column": "pupils",
            "message": "'-3' must be 0 or more pupils",
            "fix": "Correct the value; expected pupils on roll, a whole number of 0 or more"}]}]})
    dataset_id: str
    valid: bool
    problems: list[ProblemPublic] = Field(description="Every problem with file, row, column, message and fix.")


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "high-housing", "description": "All allocated sites built on time.",
        "settings": {"horizon": 5, "optimiser": {"solver": "highs"}}}]})
    name: str = Field(min_length=1, max_length=200, description="Unique within your organisation.")
    description: str = Field("", max_length=4000)
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Scenario settings (as in scenario.yaml) applied over the dataset's own.")


class ScenarioPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "7a5f40becca74217a7da4380916209bf", "name": "high-housing",
        "description": "All allocated sites built on time.", "settings": {"horizon": 5},
        "created_at": "2025-10-01T09:45:00Z"}]})
    id: str
    name: str
    description: str
    settings: dict[str, Any]
    created_at: dt.datetime


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "dataset_id": "5d1c0f3e9a8b4c7d8e6f5a4b3c2d1e0f", "scenario_id": None, "kind": "forecast"}]})
    dataset_id: str = Field(max_length=64)
    scenario_id: str | None = Field(None, max_length=64, description="None: the dataset's own scenario.yaml.")
    kind: RunKind = Field("forecast", description="forecast; plan (forecast + capital programme); robust (forecast, "
                          "capital programme and the robust programme across the forecast's futures: committed and "
                          "contingent schemes, VSS, EVPI, regret; tables at /runs/{id}/stages/robust/{table}); full "
                          "(every stage: also the robust programme, admissions, standards and post-16); stages (the "
                          "stages listed in 'stages').")
    paths: int | None = Field(None, ge=1, le=200, description="Kinds robust and full: plan the robust programme on "
                              "this many futures drawn from the forecast's own uncertainty instead of the variants.")
    stages: list[Annotated[str, StringConstraints(max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]] | None = Field(
        None, max_length=20, description="With kind 'stages': the stages to run by name (GET /stages lists them); "
        "the stages they need run first.")
    synthetic_pupils: bool = Field(False, description="Full runs only: demonstrate the risk-of-NEET model on a "
                                   "SYNTHETIC pupil cohort.")
    reports: list[ReportFormat] = Field(default_factory=list, max_length=4, description=(
        "Reports to make for download at GET /runs/{id}/files: html and pdf (the capital programme report), "
        "xlsx (its workbook), scap (the SCAP-format return)."))


class RunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": EXAMPLE_RUN_ID, "dataset_id": _DATASET_ID, "scenario_id": None, "kind": "forecast",
        "stages": ["forecast"], "status": "succeeded", "cancel_requested": False, "error": None,
        "created_at": "2025-10-01T10:00:00Z", "started_at": "2025-10-01T10:00:00Z",
        "finished_at": "2025-10-01T10:00:04Z",
        "provenance": {"software_version": "0.1.0", "source_hashes": {"rolls.csv": "1d68f1e3a3a2f6d0..."},
                       "stage_seconds": {"current": 0.28, "forecast": 0.74}},
        "plan_summary": None}]})
    id: str
    dataset_id: str
    scenario_id: str | None
    kind: RunKind
    stages: list[str]
    status: RunStatus
    cancel_requested: bool
    error: str | None = Field(None, description="Why the run failed or was cancelled.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    provenance: dict[str, Any] | None = Field(None, description="Input hashes, software versions, scenario as run, "
                                              "stage timings.")
    plan_summary: dict[str, Any] | None = Field(None, description=(
        "Solver, status, gap, time; costs in pounds, weightings (not money) and place-years short, each apart."))


class RunFilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str = Field(examples=["report_principal.html"])
    media_type: str = Field(examples=["text/html"])
    size: int = Field(examples=[1592630])


class ForecastRowPublic(BaseModel):
    planning_area_id: str | None
    school_id: str | None
    year: int
    ncy: int
    pupils: float
    lower_80: float | None
    upper_80: float | None
    lower_95: float | None
    upper_95: float | None


class ForecastPage(BaseModel):
    model_config = page_example({
        "planning_area_id": "P01", "school_id": None, "year": 2026, "ncy": 0, "pupils": 425.9,
        "lower_80": 398.2, "upper_80": 467.5, "lower_95": 389.0, "upper_95": 492.3}, level="area")
    run_id: str
    level: Literal["area", "school"]
    count: int
    rows: list[ForecastRowPublic]


class SufficiencyRowPublic(BaseModel):
    planning_area_id: str
    year: int
    ncy: int
    demand: float
    capacity: float
    surplus: float
    shortfall: float = Field(description="Places needed (before the plan) or short of demand plus margin (after).")
    surplus_rate: float | None


class SufficiencyPage(BaseModel):
    model_config = page_example({
        "planning_area_id": "P01", "year": 2026, "ncy": 0, "demand": 425.9, "capacity": 570.0, "surplus": 144.1,
        "shortfall": 0.0, "surplus_rate": 0.253}, stage="before")
    run_id: str
    stage: Literal["before", "after"]
    count: int
    rows: list[SufficiencyRowPublic]


class SchemePublic(BaseModel):
    option_id: str
    kind: str
    school_id: str | None
    planning_area_id: str | None
    year: int
    forms_of_entry: float
    places: float
    capital_cost: float
    reason: str


class PlanPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "count": 1,
        "summary": {"solver": "highs", "status": "optimal", "gap": 0.0001, "total_seconds": 8.9,
                    "controllable_cost": 86950.2,
                    "costs": {"capital": 334590, "capital_annualised": 81250.7, "surplus_revenue": 5699.5,
                              "travel_penalty": 0.0, "controllable": 86950.2},
                    "weightings": {"rule_weighting": 0.0, "shortfall_penalty": 0.0},
                    "place_years": {"shortfall": 0.0, "shortfall_unavoidable": 0.0}, "total_shortfall": 0.0,
                    "places_short_after": 0.0},
        "schemes": [{"option_id": "bulge:106365:7", "kind": "bulge", "school_id": "106365",
                     "planning_area_id": "S04", "year": 2025, "forms_of_entry": 1.0, "places": 30.0,
                     "capital_cost": 334590.0, "reason": "meets a deficit of 24 places in Year 7, S04, 2025"}]}]})
    run_id: str
    summary: dict[str, Any] = Field(description=(
        "Solver, status, gap (a share of the controllable cost: capital in use, empty places, travel), seconds; "
        "costs in pounds, weightings that are not money, and place-years short, each apart."))
    count: int
    schemes: list[SchemePublic]


class TablePublic(BaseModel):
    name: str
    columns: list[str]
    rows: list[list[Any]]


class SectionPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "section": "post16", "withheld": ["roni_factors", "roni_ranked"],
        "tables": [{"name": "participation", "columns": ["year", "measure", "la", "england", "region", "rank", "of",
                                                         "target", "gap_to_target", "meets_target"],
                    "rows": [[2022, "neet_or_not_known_pct", 4.1, 4.7, 4.9, 67, 150, None, None, None]]}]}]})
    run_id: str
    section: str = Field(description="The stage that made the tables (GET /stages lists them).")
    tables: list[TablePublic]
    withheld: list[str] = Field(default_factory=list, description="Pupil-level tables shown to admins only.")


class StagePublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "plan", "heading": "Capital programme", "description": "Expansions, bulge classes, new schools and "
        "reductions at least cost, each with its reason.", "settings_section": "optimiser", "requires": ["forecast"],
        "uses": [], "full_run": True}]})
    name: str = Field(description="What to put in a run's 'stages' (kind 'stages').")
    heading: str
    description: str
    settings_section: str | None = Field(description="Its section of the scenario settings (scenario.yaml).")
    requires: list[str] = Field(description="Stages that run first whenever this one runs.")
    uses: list[str] = Field(description="Stages whose results it uses when they run too.")
    full_run: bool = Field(description="Whether a 'full' run includes it.")


class StageTablePage(BaseModel):
    model_config = page_example({"school_id": "106283", "category": "Green"}, stage="standards", table="risk_schools",
                                columns=["school_id", "category"])
    run_id: str
    stage: str
    table: str
    columns: list[str]
    count: int
    rows: list[dict[str, Any]]


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "database": "ok", "version": "0.1.0"}]})
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    version: str
