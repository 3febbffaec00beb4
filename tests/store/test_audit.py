"""The store's audit trail (one table, append-only, per organisation) and the migration that made it, both ways."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, inspect, select

from sufficiency.app.store import Dataset, Organisation, Run, User, downgrade, make_engine, session_factory, upgrade
from sufficiency.app.store.audit import StoreAuditTrail
from sufficiency.app.store.models import AuditRecordRow
from sufficiency.core.audit import AuditRecord, TrailConflict

DAY = dt.date(2025, 10, 1)


def _organisation(engine: Engine, name: str) -> str:
    with session_factory(engine).begin() as session:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        return organisation.id


def _record(subject: str = "106283", kind: str = "note", **payload: Any) -> AuditRecord:
    return AuditRecord(kind=kind, subject=subject, payload=payload or {"text": "x"}, actor="C Adviser", on=DAY)


def test_records_are_numbered_per_subject_and_kind_and_stay_in_their_organisation(engine: Engine) -> None:
    ours = StoreAuditTrail(session_factory(engine), _organisation(engine, "Trafford Council"))
    theirs = StoreAuditTrail(session_factory(engine), _organisation(engine, "Stockport Council"))
    first = ours.append(_record(text="one"))
    assert (first.sequence, first.kind, first.subject, first.actor, first.on) == (1, "note", "106283", "C Adviser", DAY)
    assert first.id and first.recorded_at is not None and first.recorded_at.tzinfo is not None
    assert ours.append(_record(text="two")).sequence == 2
    assert ours.append(_record("106284")).sequence == 1
    assert ours.append(_record(kind="other")).sequence == 1
    assert ours.append(AuditRecord(kind="note", subject="106284", payload={}, actor="A", on=DAY, year=2024),
                       expected_sequence=2).sequence == 2
    assert theirs.append(_record()).sequence == 1
    assert [r.payload for r in ours.records("note", "106283")] == [{"text": "one"}, {"text": "two"}]
    assert [(r.subject, r.sequence) for r in ours.records("note")] == [("106283", 1), ("106283", 2), ("106284", 1),
                                                                     ("106284", 2)]
    assert [r.year for r in ours.records("note", year=2024)] == [2024]
    assert len(theirs.records("note")) == 1 and theirs.records("other") == []


def test_an_append_from_a_stale_history_is_refused_and_writes_nothing(engine: Engine) -> None:
    trail = StoreAuditTrail(session_factory(engine), _organisation(engine, "Trafford Council"))
    trail.append(_record(), expected_sequence=1)
    with pytest.raises(TrailConflict, match="at the same moment"):
        trail.append(_record(text="late"), expected_sequence=1)
    with pytest.raises(TrailConflict):
        trail.append(_record(text="early"), expected_sequence=3)
    assert [r.payload for r in trail.records("note")] == [{"text": "x"}]
    # The table itself refuses a second record in the same place, whoever writes it.
    with pytest.raises(sa.exc.IntegrityError), session_factory(engine).begin() as session:
        session.add(AuditRecordRow(organisation_id=trail.organisation_id, kind="note", subject="106283", sequence=1,
                                   payload={}, actor="x", on=DAY))


def test_records_are_never_changed_or_deleted(engine: Engine) -> None:
    trail = StoreAuditTrail(session_factory(engine), _organisation(engine, "Trafford Council"))
    trail.append(_record())
    with session_factory(engine)() as session:
        row = session.scalars(select(AuditRecordRow)).one()
        row.actor = "someone else"
        with pytest.raises(PermissionError, match="audit trail"):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(AuditRecordRow)).one())
        with pytest.raises(PermissionError, match="never changed or deleted"):
            session.flush()


def test_a_trail_on_a_request_session_commits_its_appends(engine: Engine) -> None:
    organisation = _organisation(engine, "Trafford Council")
    with session_factory(engine)() as session:
        StoreAuditTrail.for_session(session, organisation).append(_record())
    assert len(StoreAuditTrail(session_factory(engine), organisation).records("note")) == 1


# ---------------------------------------------------------------------------------------------- migration 0004

OLD_OVERRIDES = sa.table(
    "risk_overrides", *(sa.column(c) for c in ("id", "organisation_id", "school_id", "year", "category",
                                               "computed_category", "reason", "author", "author_id", "run_id")),
    sa.column("date", sa.Date), sa.column("recorded_at", sa.DateTime(timezone=True)))
OLD_STEPS = sa.table(
    "escalation_steps", *(sa.column(c) for c in ("id", "organisation_id", "school_id", "seq", "step", "governance",
                                                 "actor", "actor_id", "note", "run_id")),
    sa.column("date", sa.Date), sa.column("recorded_at", sa.DateTime(timezone=True)))
AT = dt.datetime(2025, 10, 1, 9, 30, tzinfo=dt.UTC)


def _rows(engine: Engine, table: sa.TableClause) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(sa.select(table).order_by(table.c.id)).mappings()]
    for row in rows:  # SQLite keeps no zone: compare moments in UTC
        stamp = row["recorded_at"]
        row["recorded_at"] = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)
    return rows


def _trails_at_0003(engine: Engine) -> dict[str, str]:
    """Two councils with a user, a run, three overrides and a case of four steps, in the 0003 tables."""
    ids: dict[str, str] = {}
    with session_factory(engine).begin() as session:
        for key, name in (("a", "Trafford Council"), ("b", "Stockport Council")):
            organisation = Organisation(name=name)
            session.add(organisation)
            session.flush()
            ids[key] = organisation.id
        user = User(organisation_id=ids["a"], email="planner@trafford.example", role="planner", password_hash="x")
        dataset = Dataset(organisation_id=ids["a"], name="Sample", content_hash="0" * 64, valid=True)
        session.add_all([user, dataset])
        session.flush()
        # The runs table as it was at 0003 (the model has gained columns since): only the columns it had then.
        run_id = uuid.uuid4().hex
        session.execute(sa.insert(Run.__table__).values(
            id=run_id, organisation_id=ids["a"], dataset_id=dataset.id, kind="full", stages=[], options={},
            status="succeeded", cancel_requested=False, created_at=dt.datetime.now(dt.UTC)))
        ids.update(user=user.id, run=run_id)
    a, b, user, run = ids["a"], ids["b"], ids["user"], ids["run"]
    with engine.begin() as connection:
        connection.execute(sa.insert(OLD_OVERRIDES), [
            {"id": 3, "organisation_id": a, "school_id": "106283", "year": 2024, "category": "Amber",
             "computed_category": "Green", "reason": "Interim head since Easter; governors asked for help",
             "author": "planner@trafford.example", "author_id": user, "run_id": run, "date": DAY, "recorded_at": AT},
            {"id": 5, "organisation_id": b, "school_id": "106283", "year": 2024, "category": "Red",
             "computed_category": "Red", "reason": "Another council's override of the same URN",
             "author": "admin@stockport.example", "author_id": None, "run_id": None, "date": DAY, "recorded_at": AT},
            {"id": 8, "organisation_id": a, "school_id": "106283", "year": 2024, "category": "Green",
             "computed_category": "Green", "reason": "Withdrawn: the head is now permanent",
             "author": "planner@trafford.example", "author_id": user, "run_id": None,
             "date": DAY + dt.timedelta(days=30), "recorded_at": AT + dt.timedelta(days=30)}])
        connection.execute(sa.insert(OLD_STEPS), [
            {"id": 10 + seq, "organisation_id": a, "school_id": "106285", "seq": seq, "step": step,
             "governance": "maintained", "actor": "planner@trafford.example", "actor_id": user,
             "note": f"{step} noted", "run_id": run if seq == 1 else None, "date": DAY + dt.timedelta(days=seq),
             "recorded_at": AT + dt.timedelta(days=seq)}
            for seq, step in enumerate(("concern_raised", "communicated", "support_brokered", "resolved"), start=1)])
    return ids


def test_migration_0004_moves_both_trails_into_one_and_back(database_url: str) -> None:
    from standards import trail as standards_trail
    from standards.escalation import EscalationEvent
    from standards.overrides import Override

    engine = make_engine(database_url)
    upgrade(engine, "0003")
    ids = _trails_at_0003(engine)
    overrides_before, steps_before = _rows(engine, OLD_OVERRIDES), _rows(engine, OLD_STEPS)

    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert "audit_records" in tables and not {"risk_overrides", "escalation_steps"} & tables
    ours = StoreAuditTrail(session_factory(engine), ids["a"])
    theirs = StoreAuditTrail(session_factory(engine), ids["b"])
    overrides = standards_trail.overrides(ours)
    assert [(o.id, o.category, o.computed_category, o.author, o.date, o.run_id) for o in overrides] == [
        (3, "Amber", "Green", "planner@trafford.example", DAY, ids["run"]),
        (8, "Green", "Green", "planner@trafford.example", DAY + dt.timedelta(days=30), None)]
    assert overrides[0].reason.startswith("Interim head") and overrides[0].recorded_at == AT
    assert [o.id for o in standards_trail.overrides(theirs)] == [5]
    steps = standards_trail.steps(ours, "106285")
    assert [(s.seq, s.step, s.governance, s.note) for s in steps] == [
        (1, "concern_raised", "maintained", "concern_raised noted"),
        (2, "communicated", "maintained", "communicated noted"),
        (3, "support_brokered", "maintained", "support_brokered noted"),
        (4, "resolved", "maintained", "resolved noted")]
    assert steps[0].run_id == ids["run"] and steps[0].date == DAY + dt.timedelta(days=1)
    assert [r.sequence for r in ours.records("risk_override")] == [1, 2]  # numbered per school, in their order
    assert {r.payload["actor_id"] for r in ours.records("escalation_step")} == {ids["user"]}
    assert standards_trail.steps(theirs) == []

    # New records carry on after the copied ones; then the downgrade puts every row back where it was.
    added = standards_trail.record_override(
        ours, Override(school_id="106285", year=2024, category="Red", author="C Adviser",
                                       reason="Recorded after the move to one trail", date=DAY), "Amber")
    assert added.id > max(int(r.id) for r in ours.records("escalation_step")) > max(o.id for o in overrides)
    standards_trail.record_step(ours, EscalationEvent(
        school_id="106285", step="concern_raised", date=DAY + dt.timedelta(days=40), actor="C Adviser"), "maintained")
    with session_factory(engine).begin() as session:  # a run deleted since: the restored rows no longer name it
        session.execute(sa.delete(Run).where(Run.id == ids["run"]))
    records_after = [(r.id, r.sequence, {**r.payload, "run_id": None}) for r in ours.records("risk_override")]

    downgrade(engine, "0003")
    assert "audit_records" not in set(inspect(engine).get_table_names())
    overrides_back, steps_back = _rows(engine, OLD_OVERRIDES), _rows(engine, OLD_STEPS)
    assert overrides_back[:3] == [{**o, "run_id": None} for o in overrides_before]
    assert overrides_back[3] | {"recorded_at": None} == {
        "id": added.id, "organisation_id": ids["a"], "school_id": "106285", "year": 2024, "category": "Red",
        "computed_category": "Amber", "reason": "Recorded after the move to one trail", "author": "C Adviser",
        "author_id": None, "run_id": None, "date": DAY, "recorded_at": None}
    assert [{k: v for k, v in s.items() if k != "id"} for s in steps_back[:4]] == [
        {k: v for k, v in s.items() if k != "id"} | {"run_id": None} for s in steps_before]
    assert [(s["seq"], s["step"], s["actor"]) for s in steps_back[4:]] == [(5, "concern_raised", "C Adviser")]
    assert [s["id"] for s in steps_back] == sorted(s["id"] for s in steps_back)

    upgrade(engine)  # and forward again: the same records, the same ids
    assert [(r.id, r.sequence, r.payload) for r in ours.records("risk_override")] == records_after
    assert [s.step for s in standards_trail.steps(ours, "106285")][-1] == "concern_raised"
    nxt = ours.append(_record())
    assert int(nxt.id) > max(int(r.id) for r in ours.records("escalation_step"))
    engine.dispose()
