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
    #: When the case is next reviewed (None once resolved, and for steps recorded before review dates were).
    next_review: dt.date | None = None

    @classmethod
    def from_record(cls, record: AuditRecord) -> RecordedStep:
        payload = record.payload
        review = payload.get("next_review")
        return cls(seq=record.sequence, school_id=record.subject, step=payload.get("step", ""),
                   governance=payload.get("governance", ""), date=record.on, actor=record.actor,
                   note=payload.get("note", ""), run_id=payload.get("run_id"), recorded_at=record.recorded_at,
                   next_review=dt.date.fromisoformat(review) if review else None)

    def event(self) -> EscalationEvent:
        return EscalationEvent(school_id=self.school_id, step=self.step, date=self.date, actor=self.actor,
                               note=self.note, next_review=self.next_review)


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
                                  "actor_id": actor_id,
                                  "next_review": event.next_review.isoformat() if event.next_review else None})
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



def overdue_reviews(trail: AuditTrail | list[RecordedStep], today: dt.date | None = None) -> pd.DataFrame:
    """Open cases whose next review date has passed, most overdue first.

    Returns
    -------
    pandas.DataFrame
        The case's latest step (as :func:`open_cases`) and ``days_overdue`` (days after the review date).
    """
    today = today or dt.date.today()
    cases = open_cases(trail)
    due = pd.to_datetime(cases["next_review"], errors="coerce")
    cases = cases.assign(days_overdue=(pd.Timestamp(today) - due).dt.days)
    late = cases[cases["days_overdue"] > 0]
    return late.sort_values(["days_overdue", "school_id"], ascending=[False, True]).reset_index(drop=True)


def academic_year_of(date: dt.date) -> int:
    """The academic year (by its autumn) a date falls in: September to August."""
    return date.year if date.month >= 9 else date.year - 1


OUTCOME_COLUMNS = ["school_id", "case", "opened_on", "opened_year", "furthest_step", "furthest_step_text",
                   "steps", "resolved_on", "category_when_opened", "year_assessed_when_opened", "category_latest",
                   "year_latest", "outcome", "ofsted_when_opened", "ofsted_latest"]


def escalation_outcomes(trail: AuditTrail | list[RecordedStep], risk_all_years: pd.DataFrame) -> pd.DataFrame:
    """Each escalation case beside the school's risk category when it opened and in the latest year assessed.

    A case runs from a concern raised to its resolution (or today). The category when it opened is the
    school's category in the academic year the concern was raised (or the latest year assessed before it);
    the latest is the category in the last year assessed after that. ``outcome`` says whether the category
    improved, stayed the same or got worse, or "not assessed since" when no later year was assessed, so an
    authority can see whether its escalations were followed by improvement (not that they caused it).

    Parameters
    ----------
    risk_all_years
        :attr:`standards.result.StandardsResult.risk_all_years` (school_id, year, category, ofsted).
    """
    from standards.rules import SEVERITY

    found = trail if isinstance(trail, list) else steps(trail)
    risk = risk_all_years.assign(school_id=risk_all_years["school_id"].astype(str),
                                 year=risk_all_years["year"].astype(int)).sort_values("year")
    by_school = {k: g for k, g in risk.groupby("school_id")}
    order = list(STEPS)
    rows = []
    cases: dict[str, int] = {}
    current: dict[str, dict] = {}
    for s in found:
        if s.step == "concern_raised" or s.school_id not in current:
            cases[s.school_id] = cases.get(s.school_id, 0) + 1
            current[s.school_id] = {"school_id": s.school_id, "case": cases[s.school_id], "opened_on": s.date,
                                    "steps": [], "resolved_on": None}
            rows.append(current[s.school_id])
        case = current[s.school_id]
        case["steps"].append(s.step)
        if s.step == "resolved":
            case["resolved_on"] = s.date
    for case in rows:
        opened = academic_year_of(case["opened_on"])
        case["opened_year"] = opened
        reached = [st for st in case["steps"] if st != "resolved"] or ["concern_raised"]
        case["furthest_step"] = max(reached, key=order.index)
        case["furthest_step_text"] = STEPS[case["furthest_step"]]
        case["steps"] = len(case["steps"])
        school = by_school.get(case["school_id"])
        before = school[school["year"] <= opened] if school is not None else pd.DataFrame()
        after = school[school["year"] > opened] if school is not None else pd.DataFrame()
        first = before.iloc[-1] if len(before) else None
        last = after.iloc[-1] if len(after) else None
        case["category_when_opened"] = first["category"] if first is not None else None
        case["year_assessed_when_opened"] = int(first["year"]) if first is not None else None
        case["ofsted_when_opened"] = first.get("ofsted") if first is not None else None
        case["category_latest"] = last["category"] if last is not None else None
        case["year_latest"] = int(last["year"]) if last is not None else None
        case["ofsted_latest"] = last.get("ofsted") if last is not None else None
        if first is None or last is None:
            case["outcome"] = "not assessed since" if first is not None else "not assessed when opened"
        else:
            change = SEVERITY[first["category"]] - SEVERITY[last["category"]]
            case["outcome"] = "improved" if change > 0 else "worse" if change < 0 else "no change"
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
