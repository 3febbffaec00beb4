"""The standards engine's decisions on an organisation's audit trail: risk-category overrides and escalation steps.

Both are kept on :class:`sufficiency.core.audit.AuditTrail` (the store's, which the command line and the API
share), each about a school (the record's ``subject``):

* an override (kind ``risk_override``, for a ``year``) is checked (:class:`standards.overrides.Override`:
  reason, author, known category) before it is written; the latest for a school and year applies
  (:func:`standards.overrides.apply_overrides`);
* an escalation step (kind ``escalation_step``) is checked against the school's steps as read from the trail
  (:func:`standards.escalation.check_transition`) and written only as the next of those steps, so a step taken
  at the same moment elsewhere cannot slip between the check and the write
  (:class:`sufficiency.core.audit.TrailConflict`).

Nothing is changed or deleted: withdrawing an override is another override, and a resolved case is reopened
by a new concern. An override's payload holds its category, computed_category, reason, run_id and actor_id
(the signed-in user, when recorded through the API); a step's holds step, governance, note, run_id and
actor_id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from standards.escalation import STEPS, EscalationEvent, check_transition
from standards.overrides import Override
from sufficiency.core.audit import AuditRecord, AuditTrail

OVERRIDE = "risk_override"
STEP = "escalation_step"


class DatedInFuture(ValueError):
    """A decision dated after today: it is recorded once it has happened."""


def not_in_future(date: dt.date, what: str, today: dt.date | None = None) -> None:
    """Raise :class:`DatedInFuture` when ``date`` is after today."""
    if date > (today or dt.date.today()):
        raise DatedInFuture(f"The {what} is dated {date}, after today; record it once it has happened.")


# ---------------------------------------------------------------------------------------------- overrides

@dataclass(frozen=True)
class RecordedOverride:
    """An override as the trail holds it."""

    id: int
    school_id: str
    year: int
    category: str
    #: The rules' category when it was recorded (in the run or data folder it was made against).
    computed_category: str
    reason: str
    author: str
    date: dt.date
    run_id: str | None
    recorded_at: dt.datetime | None

    @classmethod
    def from_record(cls, record: AuditRecord) -> RecordedOverride:
        payload = record.payload
        return cls(id=int(record.id), school_id=record.subject, year=int(record.year or 0),
                   category=payload.get("category", ""),
                   computed_category=payload.get("computed_category") or payload.get("category", ""),
                   reason=payload.get("reason", ""), author=record.actor, date=record.on,
                   run_id=payload.get("run_id"), recorded_at=record.recorded_at)


OVERRIDE_COLUMNS = [f for f in RecordedOverride.__dataclass_fields__]


def record_override(trail: AuditTrail, override: Override, computed_category: str, *, run_id: str | None = None,
                    actor_id: str | None = None) -> RecordedOverride:
    """Write a checked override (of a school and year assessed as ``computed_category``) to the trail.

    Raises
    ------
    DatedInFuture
        When it is dated after today; nothing is written.
    """
    not_in_future(override.date, "override")
    record = AuditRecord(kind=OVERRIDE, subject=override.school_id, year=override.year, actor=override.author,
                         on=override.date, payload={"category": override.category,
                                                    "computed_category": computed_category,
                                                    "reason": override.reason, "run_id": run_id,
                                                    "actor_id": actor_id})
    return RecordedOverride.from_record(trail.append(record))


def overrides(trail: AuditTrail, school_id: str | None = None, year: int | None = None) -> list[RecordedOverride]:
    """The override audit trail (of one school, one year), oldest first."""
    return [RecordedOverride.from_record(r) for r in trail.records(OVERRIDE, school_id, year)]


def override_frame(trail: AuditTrail | list[RecordedOverride]) -> pd.DataFrame:
    """The override audit trail as a table, oldest first: what :func:`standards.overrides.apply_overrides` and
    :func:`standards.result.run_standards` take (school_id, year, category, reason, author, date, ...)."""
    found = trail if isinstance(trail, list) else overrides(trail)
    return pd.DataFrame([asdict(o) for o in found], columns=OVERRIDE_COLUMNS)


# ---------------------------------------------------------------------------------------------- escalation

@dataclass(frozen=True)
class RecordedStep:
    """A step of a school's escalation as the trail holds it."""

    #: 1 for the school's first recorded step, then 2, 3, ...
    seq: int
    school_id: str
    step: str
    #: "maintained", "academy" or "free": the route of steps the case follows.
    governance: str
    date: dt.date
    actor: str
    note: str
    run_id: str | None
    recorded_at: dt.datetime | None

    @classmethod
    def from_record(cls, record: AuditRecord) -> RecordedStep:
        payload = record.payload
        return cls(seq=record.sequence, school_id=record.subject, step=payload.get("step", ""),
                   governance=payload.get("governance", ""), date=record.on, actor=record.actor,
                   note=payload.get("note", ""), run_id=payload.get("run_id"), recorded_at=record.recorded_at)

    def event(self) -> EscalationEvent:
        return EscalationEvent(school_id=self.school_id, step=self.step, date=self.date, actor=self.actor,
                               note=self.note)


STEP_COLUMNS = [*RecordedStep.__dataclass_fields__, "step_text"]


def steps(trail: AuditTrail, school_id: str | None = None) -> list[RecordedStep]:
    """Every escalation step (of one school), oldest first."""
    return [RecordedStep.from_record(r) for r in trail.records(STEP, school_id)]


def case_governance(history: list[RecordedStep]) -> str | None:
    """The route of an open case (the governance it was opened with); None when the school has no open case."""
    if not history or history[-1].step == "resolved":
        return None
    return history[-1].governance


def record_step(trail: AuditTrail, event: EscalationEvent, governance: str, *, run_id: str | None = None,
                actor_id: str | None = None) -> list[RecordedStep]:
    """Check ``event`` against the school's steps on the trail and write it as the next; the school's steps after.

    Raises
    ------
    DatedInFuture
        When the step is dated after today.
    standards.escalation.IllegalTransition
        When the procedure does not allow it next (or it is dated before the last step).
    sufficiency.core.audit.TrailConflict
        When another step for the school was written after the history was read.

    Nothing is written in any of these cases.
    """
    history = steps(trail, event.school_id)
    not_in_future(event.date, f"step '{STEPS[event.step]}'")
    check_transition([s.event() for s in history], event, governance)
    record = AuditRecord(kind=STEP, subject=event.school_id, actor=event.actor, on=event.date,
                         payload={"step": event.step, "governance": governance, "note": event.note, "run_id": run_id,
                                  "actor_id": actor_id})
    stored = trail.append(record, expected_sequence=len(history) + 1)
    return [*history, RecordedStep.from_record(stored)]


def step_frame(trail: AuditTrail | list[RecordedStep]) -> pd.DataFrame:
    """Every escalation step as a table, oldest first, with each step's wording (``step_text``)."""
    found = trail if isinstance(trail, list) else steps(trail)
    return pd.DataFrame([{**asdict(s), "step_text": STEPS.get(s.step, s.step)} for s in found], columns=STEP_COLUMNS)


def open_cases(trail: AuditTrail | list[RecordedStep]) -> pd.DataFrame:
    """Each school's latest step where its case is not resolved."""
    latest = step_frame(trail).drop_duplicates("school_id", keep="last")
    return latest[latest["step"] != "resolved"].reset_index(drop=True)

