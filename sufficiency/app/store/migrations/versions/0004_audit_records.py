"""One audit trail: the 0003 tables' risk overrides and escalation steps become records of ``audit_records``.

Every row of ``risk_overrides`` (kind ``risk_override``, keeping its id, so an override's URL stays the same)
and of ``escalation_steps`` (kind ``escalation_step``, numbered after them) is copied in its order, with its
author or actor, dates, reason or note, run and user; then the two tables are dropped. The downgrade
restores them with their rows; records of any other kind have no table to go back to and are dropped with
``audit_records``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:40:00

"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERRIDE, STEP = "risk_override", "escalation_step"

audit = sa.table(
    "audit_records", sa.column("id", sa.Integer), sa.column("organisation_id", sa.String),
    sa.column("kind", sa.String), sa.column("subject", sa.String), sa.column("year", sa.Integer),
    sa.column("sequence", sa.Integer), sa.column("payload", sa.JSON), sa.column("actor", sa.String),
    sa.column("on", sa.Date), sa.column("recorded_at", sa.DateTime(timezone=True)))
overrides = sa.table(
    "risk_overrides", sa.column("id", sa.Integer), sa.column("organisation_id", sa.String),
    sa.column("school_id", sa.String), sa.column("year", sa.Integer), sa.column("category", sa.String),
    sa.column("computed_category", sa.String), sa.column("reason", sa.Text), sa.column("author", sa.String),
    sa.column("author_id", sa.String), sa.column("date", sa.Date), sa.column("run_id", sa.String),
    sa.column("recorded_at", sa.DateTime(timezone=True)))
steps = sa.table(
    "escalation_steps", sa.column("id", sa.Integer), sa.column("organisation_id", sa.String),
    sa.column("school_id", sa.String), sa.column("seq", sa.Integer), sa.column("step", sa.String),
    sa.column("governance", sa.String), sa.column("date", sa.Date), sa.column("actor", sa.String),
    sa.column("actor_id", sa.String), sa.column("note", sa.Text), sa.column("run_id", sa.String),
    sa.column("recorded_at", sa.DateTime(timezone=True)))


def _rows(table: sa.TableClause, *where: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in op.get_bind().execute(sa.select(table).where(*where).order_by(table.c.id)).mappings()]


def _insert(table: sa.TableClause, rows: list[dict[str, Any]]) -> None:
    if rows:
        op.get_bind().execute(sa.insert(table), rows)


def _continue_ids(table: str) -> None:
    """After rows were written with their ids, let PostgreSQL's id sequence carry on after the largest."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                   f"FROM {table}")


def upgrade() -> None:
    """Create audit_records, copy the two trails into it, drop them."""
    op.create_table('audit_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'kind', 'subject', 'sequence')
    )
    records: list[dict[str, Any]] = []
    counts: dict[tuple[str, str], int] = {}
    for row in _rows(overrides):  # oldest first, numbered per organisation and school as the trail numbers them
        key = (row["organisation_id"], row["school_id"])
        counts[key] = counts.get(key, 0) + 1
        records.append({"id": row["id"], "organisation_id": row["organisation_id"], "kind": OVERRIDE,
                        "subject": row["school_id"], "year": row["year"], "sequence": counts[key],
                        "payload": {"category": row["category"], "computed_category": row["computed_category"],
                                    "reason": row["reason"], "run_id": row["run_id"], "actor_id": row["author_id"]},
                        "actor": row["author"], "on": row["date"], "recorded_at": row["recorded_at"]})
    next_id = max((r["id"] for r in records), default=0) + 1
    for offset, row in enumerate(_rows(steps)):
        records.append({"id": next_id + offset, "organisation_id": row["organisation_id"], "kind": STEP,
                        "subject": row["school_id"], "year": None, "sequence": row["seq"],
                        "payload": {"step": row["step"], "governance": row["governance"], "note": row["note"],
                                    "run_id": row["run_id"], "actor_id": row["actor_id"]},
                        "actor": row["actor"], "on": row["date"], "recorded_at": row["recorded_at"]})
    _insert(audit, records)
    _continue_ids("audit_records")

    op.drop_table('risk_overrides')  # with its index
    op.drop_table('escalation_steps')


def _existing(table: str, ids: set[Any]) -> set[Any]:
    """Those of ``ids`` still in ``table`` (a run or user removed since is no longer referenced)."""
    found = sa.table(table, sa.column("id", sa.String))
    wanted = sorted(i for i in ids if i is not None)
    return set(op.get_bind().scalars(sa.select(found.c.id).where(found.c.id.in_(wanted)))) if wanted else set()


def downgrade() -> None:
    """Recreate the 0003 tables with the trail's overrides and steps, drop audit_records."""
    # The tables exactly as revision 0003 made them (with their constraints and index).
    context.script.get_revision("0003").module.upgrade()

    kept = _rows(audit, audit.c.kind.in_((OVERRIDE, STEP)))
    payloads = [r["payload"] or {} for r in kept]
    runs = _existing("runs", {p.get("run_id") for p in payloads})
    users = _existing("users", {p.get("actor_id") for p in payloads})
    restored: dict[str, list[dict[str, Any]]] = {OVERRIDE: [], STEP: []}
    for row, payload in zip(kept, payloads, strict=True):
        common = {"id": row["id"], "organisation_id": row["organisation_id"], "school_id": row["subject"],
                  "date": row["on"], "run_id": payload.get("run_id") if payload.get("run_id") in runs else None,
                  "recorded_at": row["recorded_at"]}
        actor_id = payload.get("actor_id") if payload.get("actor_id") in users else None
        if row["kind"] == OVERRIDE:
            restored[OVERRIDE].append({**common, "year": row["year"], "category": payload.get("category"),
                                       "computed_category": payload.get("computed_category") or payload.get("category"),
                                       "reason": payload.get("reason", ""), "author": row["actor"],
                                       "author_id": actor_id})
        else:
            restored[STEP].append({**common, "seq": row["sequence"], "step": payload.get("step"),
                                   "governance": payload.get("governance", ""), "actor": row["actor"],
                                   "actor_id": actor_id, "note": payload.get("note", "")})
    _insert(overrides, restored[OVERRIDE])
    _insert(steps, restored[STEP])
    _continue_ids("risk_overrides")
    _continue_ids("escalation_steps")

    op.drop_table('audit_records')
