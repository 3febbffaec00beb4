"""Tables of the store: who may see what, the data given, the runs made and their results.

Results are kept as rows of ordinary tables (one forecast fact, one scheme, one sufficiency fact
a row), never as pickles, so any SQL tool can read them and no stored byte is ever executed.
A run's rows are written in one transaction with its final status; once a run is finished it
is never changed (see :func:`sufficiency.app.store.runs.finish_run`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("viewer", "planner", "admin")
RUN_KINDS = ("forecast", "plan", "full")
RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL_STATUSES = ("succeeded", "failed", "cancelled")


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC, read back with its time zone on every database.

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps none, so a value read from it would
    come back naive and be shown without its zone. Values are stored in UTC and read as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, _dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a time without a zone cannot be stored ({value.isoformat()}); give it in UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, _dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: UTCDateTime()}


class Organisation(Base):
    """A council (or other body); every dataset, scenario and run belongs to one."""

    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in. An e-mail is unique within its organisation only, so adding a user never tells
    one council whether another has that address."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_users_organisation_email"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    #: argon2id hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class ApiKey(Base):
    """A key for a program; only an argon2 hash of the key is kept, looked up by its public prefix."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    user: Mapped[User] = relationship(lazy="joined")


class Dataset(Base):
    """An uploaded input folder, its content hash and its validation report."""

    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 over the sorted file names and their contents' hashes.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    valid: Mapped[bool] = mapped_column(Boolean)
    #: Every problem found (errors and warnings) as dicts: severity, file, row, column, message, fix.
    problems: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    files: Mapped[list[DatasetFile]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                    passive_deletes=True)


class DatasetFile(Base):
    __tablename__ = "dataset_files"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class ScenarioRecord(Base):
    """A named set of scenario settings, applied on top of a dataset's own scenario.yaml."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One execution of the pipeline on a dataset and scenario, with its status and provenance."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="RESTRICT"), index=True)
    scenario_id: Mapped[str | None] = mapped_column(ForeignKey("scenarios.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    stages: Mapped[list[Any]] = mapped_column(default=list)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The lease: the service process (job runner) holding the run while it is queued or running, and when it
    #: last said it still holds it. A run whose lease is not renewed in time is marked failed by any process.
    worker_id: Mapped[str | None] = mapped_column(String(64), default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Deferred: read when shown, not on every result request that only checks the run's status.
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None, deferred=True)
    #: Plan summary: solver, status, gap, seconds and the cost breakdown (None without a plan).
    plan_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None, deferred=True)


class ForecastRow(Base):
    __tablename__ = "forecast_rows"
    __table_args__ = (Index("ix_forecast_rows_run_level", "run_id", "level"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    #: "area" (by planning area) or "school".
    level: Mapped[str] = mapped_column(String(8))
    planning_area_id: Mapped[str | None] = mapped_column(String(64))
    school_id: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    ncy: Mapped[int] = mapped_column(Integer)
    pupils: Mapped[float] = mapped_column(Float)
    lower_80: Mapped[float | None] = mapped_column(Float)
    upper_80: Mapped[float | None] = mapped_column(Float)
    lower_95: Mapped[float | None] = mapped_column(Float)
    upper_95: Mapped[float | None] = mapped_column(Float)


class SufficiencyRow(Base):
    """Demand against places by planning area, year and year group, before or after the plan."""

    __tablename__ = "sufficiency_rows"
    __table_args__ = (Index("ix_sufficiency_rows_run_stage", "run_id", "stage"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(8))
    planning_area_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    ncy: Mapped[int] = mapped_column(Integer)
    demand: Mapped[float] = mapped_column(Float)
    capacity: Mapped[float] = mapped_column(Float)
    surplus: Mapped[float] = mapped_column(Float)
    #: Places needed (before the plan) or shortfall against demand plus margin (after).
    shortfall: Mapped[float] = mapped_column(Float)
    surplus_rate: Mapped[float | None] = mapped_column(Float)


class PlanScheme(Base):
    __tablename__ = "plan_schemes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    school_id: Mapped[str | None] = mapped_column(String(64))
    planning_area_id: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    forms_of_entry: Mapped[float] = mapped_column(Float)
    places: Mapped[float] = mapped_column(Float)
    capital_cost: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")


class ResultTable(Base):
    """Any other table a run produced (standards, post-16), as column names and JSON rows.

    ``personal`` marks pupil-level tables (the risk-of-NEET list), served to admins only.
    """

    __tablename__ = "result_tables"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    section: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    columns: Mapped[list[Any]] = mapped_column(default=list)
    rows: Mapped[list[Any]] = mapped_column(default=list)


class RunFile(Base):
    """A file a run produced for download (the HTML, PDF or Excel report, the SCAP return)."""

    __tablename__ = "run_files"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class AuditRecordRow(Base):
    """One decision on an organisation's audit trail (:class:`sufficiency.core.audit.AuditRecord`).

    Append-only: a row is never changed or deleted (the ORM refuses to), so the table is the audit trail. An
    engine keeps its decisions here by ``kind`` (``risk_override``, ``escalation_step``), each about a
    ``subject`` (a school's URN); ``sequence`` numbers a subject's records of one kind 1, 2, ... within the
    organisation, and its uniqueness makes two records written at the same moment from the same history
    impossible.
    """

    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "subject", "sequence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    sequence: Mapped[int] = mapped_column(Integer)
    #: What was decided, as the engine describes it.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Who decided (the signed-in user's e-mail, or the name given on the command line).
    actor: Mapped[str] = mapped_column(String(254))
    #: When it was decided.
    on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def _append_only(_mapper: Any, _connection: Any, target: Any) -> None:
    raise PermissionError(f"{type(target).__tablename__} is an audit trail: rows are added, never changed or deleted")


event.listen(AuditRecordRow, "before_update", _append_only)
event.listen(AuditRecordRow, "before_delete", _append_only)


NATIONAL_STATUSES = ("queued", "running", "succeeded", "failed")
#: An authority's status in a national run: skipped means finished by an earlier run (resumed).
AUTHORITY_STATUSES = ("queued", "skipped", "succeeded", "failed")


class NationalRun(Base):
    """A national run (``sufficiency national``, or ``POST /national/runs``): every authority of a national
    folder in one Dask job, its results under ``out``; one :class:`NationalAuthority` row per authority."""

    __tablename__ = "national_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    #: The organisation of the admin who started it through the API (None from the command line).
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True, default=None)
    data: Mapped[str] = mapped_column(Text)
    out: Mapped[str] = mapped_column(Text)
    #: paths, plan, scheduler, workers, scenario overrides.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    workers: Mapped[int | None] = mapped_column(Integer, default=None)
    dashboard: Mapped[str | None] = mapped_column(String(300), default=None)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    authorities: Mapped[list[NationalAuthority]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True, order_by="NationalAuthority.la_code")


class NationalAuthority(Base):
    """One authority's status in a national run, with the step and reason when it failed."""

    __tablename__ = "national_authorities"
    run_id: Mapped[str] = mapped_column(ForeignKey("national_runs.id", ondelete="CASCADE"), primary_key=True)
    la_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
