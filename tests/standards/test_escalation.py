"""Escalation of concern: allowed routes, refused transitions, the trail; audited overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from standards import trail
from standards.escalation import ROUTES, STEPS, EscalationEvent, IllegalTransition, allowed_next, check_transition
from standards.overrides import Override, apply_overrides
from sufficiency.app.store.audit import StoreAuditTrail
from sufficiency.app.store.testing import organisation_trail, sqlite_url
from sufficiency.core.audit import TrailConflict

MAINTAINED_ROUTE = ["concern_raised", "communicated", "support_brokered", "pre_warning_notice",
                    "warning_notice", "resolved"]
ACADEMY_ROUTE = ["concern_raised", "communicated", "support_brokered", "trust_letter",
                 "challenge_meeting", "termly_update", "termly_update", "resolved"]
#: The whole ladder, as the issue lists it.
MAINTAINED_LADDER = ["concern_raised", "communicated", "challenge_meeting", "pre_warning_notice", "warning_notice",
                     "additional_governors", "budget_suspension", "interim_executive_board", "academy_order",
                     "resolved"]
ACADEMY_LADDER = ["concern_raised", "communicated", "trust_letter", "challenge_meeting", "statement_of_action",
                  "referral", "termly_update", "resolved"]


def _event(step: str, day: int, school: str = "100001") -> EscalationEvent:
    return EscalationEvent(school_id=school, step=step, date=dt.date(2025, 9, 1) + dt.timedelta(day),
                           actor="A Adviser (school improvement)")


def _walk(route: list[str], governance: str) -> list[EscalationEvent]:
    history: list[EscalationEvent] = []
    for day, step in enumerate(route):
        event = _event(step, day)
        check_transition(history, event, governance)
        history.append(event)
    return history


@pytest.mark.parametrize("route, governance", [(MAINTAINED_ROUTE, "maintained"),
                                               (MAINTAINED_LADDER, "maintained"),
                                               (ACADEMY_LADDER, "academy"),
                                               (ACADEMY_ROUTE, "academy"),
                                               (ACADEMY_ROUTE, "free")])
def test_full_routes_are_allowed(route, governance) -> None:
    assert [e.step for e in _walk(route, governance)] == route


@pytest.mark.parametrize("history, step, governance, message", [
    ([], "communicated", "maintained", "has no open concern"),
    (["concern_raised"], "support_brokered", "maintained", "Allowed next: 'communicated to the"),
    (["concern_raised", "communicated", "support_brokered"], "trust_letter", "maintained",
     "not allowed next for a maintained school"),
    (["concern_raised", "communicated", "support_brokered"], "pre_warning_notice", "academy",
     "not allowed next for an academy"),
    (["concern_raised", "communicated", "support_brokered"], "warning_notice", "maintained",
     "Allowed next: 'challenge meeting', 'pre-warning notice', 'resolved'"),
    (["concern_raised", "communicated", "support_brokered", "trust_letter"], "termly_update",
     "academy", "Allowed next: 'challenge meeting', 'resolved'"),
    # The statutory interventions come only after a warning notice, and only for maintained schools.
    (["concern_raised", "communicated", "challenge_meeting"], "academy_order", "maintained",
     "Allowed next: 'pre-warning notice', 'support brokered', 'resolved'"),
    (["concern_raised", "communicated", "trust_letter", "challenge_meeting"], "interim_executive_board",
     "academy", "not allowed next for an academy"),
    (["concern_raised", "communicated", "challenge_meeting", "pre_warning_notice", "warning_notice",
      "interim_executive_board"], "additional_governors", "maintained",
     r"Allowed next: 'academy order \(Academies Act 2010, s.4\)', 'resolved'"),
    (["concern_raised", "communicated", "challenge_meeting", "pre_warning_notice", "warning_notice",
      "academy_order"], "budget_suspension", "maintained", "Allowed next: 'resolved'"),
    (["concern_raised", "communicated", "challenge_meeting"], "referral", "maintained",
     "not allowed next for a maintained school"),
    (["concern_raised"], "concern_raised", "academy", "is at 'concern raised'"),
    (["concern_raised", "resolved"], "communicated", "maintained", "Allowed next: 'concern raised'"),
])
def test_illegal_transitions_are_refused(history, step, governance, message) -> None:
    past = [_event(s, i) for i, s in enumerate(history)]
    with pytest.raises(IllegalTransition, match=message):
        check_transition(past, _event(step, len(history)), governance)


def test_every_step_is_reachable_and_resolved_can_reopen() -> None:
    reachable = {s for route in ROUTES.values() for nxt in route.values() for s in nxt}
    assert reachable == set(STEPS)
    assert allowed_next("resolved", "maintained") == ("concern_raised",)


def test_steps_must_be_in_date_order_and_named() -> None:
    with pytest.raises(IllegalTransition, match="before the last step"):
        check_transition([_event("concern_raised", 5)], _event("communicated", 2), "maintained")
    with pytest.raises(ValidationError, match="unknown step"):
        EscalationEvent(school_id="1", step="sacked", date=dt.date(2025, 1, 1), actor="x")
    with pytest.raises(ValidationError, match="actor"):
        EscalationEvent(school_id="1", step="concern_raised", date=dt.date(2025, 1, 1), actor=" ")
    with pytest.raises(IllegalTransition, match="governance"):
        allowed_next(None, "independent")


@pytest.fixture()
def audit(tmp_path: Path) -> StoreAuditTrail:
    """An organisation's audit trail in a fresh store (as the command line and the API use it)."""
    return organisation_trail(sqlite_url(tmp_path))


def test_trail_keeps_history_and_refuses_without_writing(audit: StoreAuditTrail) -> None:
    for day, step in enumerate(["concern_raised", "communicated"]):
        trail.record_step(audit, _event(step, day), "academy")
    with pytest.raises(IllegalTransition):
        trail.record_step(audit, _event("pre_warning_notice", 3), "academy")
    with pytest.raises(trail.DatedInFuture, match="after today"):
        trail.record_step(audit, _event("support_brokered", 100_000), "academy")
    reopened = StoreAuditTrail(audit._sessions, audit.organisation_id)  # another reader sees the same history
    history = trail.steps(reopened, "100001")
    assert [(s.seq, s.step, s.governance) for s in history] == [(1, "concern_raised", "academy"),
                                                                (2, "communicated", "academy")]
    assert history[1].actor == "A Adviser (school improvement)" and trail.case_governance(history) == "academy"
    assert trail.open_cases(reopened)["step"].tolist() == ["communicated"]
    steps = trail.record_step(reopened, _event("resolved", 4), "academy")
    assert [s.seq for s in steps] == [1, 2, 3] and trail.case_governance(steps) is None
    assert trail.open_cases(reopened).empty
    assert trail.step_frame(reopened)["step_text"].tolist() == ["concern raised", STEPS["communicated"], "resolved"]


def test_a_step_checked_against_a_history_that_moved_on_is_not_written(audit: StoreAuditTrail,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    trail.record_step(audit, _event("concern_raised", 0), "maintained")
    stale = trail.steps(audit, "100001")
    # Another step lands between this one's reading of the history and its write.
    trail.record_step(audit, _event("communicated", 1), "maintained")
    monkeypatch.setattr(trail, "steps", lambda _trail, _school=None: list(stale))
    with pytest.raises(TrailConflict):
        trail.record_step(audit, _event("resolved", 2), "maintained")
    monkeypatch.undo()
    assert [s.step for s in trail.steps(audit, "100001")] == ["concern_raised", "communicated"]


# ------------------------------------------------------------------ overrides
ASSESSED = pd.DataFrame({"school_id": ["1", "2"], "year": [2024, 2024],
                         "category": ["Red", "Green"]})


def _override(category: str, **kw) -> Override:
    base = dict(school_id="1", year=2024, category=category, author="B Head of Standards",
                reason="New headteacher and interim executive board in place since June",
                date=dt.date(2025, 10, 1))
    return Override(**{**base, **kw})


def test_override_changes_category_and_keeps_computed() -> None:
    out = apply_overrides(ASSESSED, [_override("Amber")]).set_index("school_id")
    assert out.loc["1", "category"] == "Amber" and out.loc["1", "computed_category"] == "Red"
    assert out.loc["1", "override_author"] == "B Head of Standards"
    assert out.loc["1", "override_date"] == "2025-10-01"
    assert out.loc["2", "category"] == "Green" and out.loc["2", "override_reason"] == ""


def test_latest_override_applies() -> None:
    trail = [_override("Amber"), _override("Red", date=dt.date(2025, 12, 1),
                                           reason="Support declined; back to the computed category")]
    out = apply_overrides(ASSESSED, trail).set_index("school_id")
    assert out.loc["1", "category"] == "Red"
    assert out.loc["1", "override_reason"].startswith("Support declined")


@pytest.mark.parametrize("field, value, message", [
    ("reason", "context", "at least 15 characters"), ("reason", "   ", "at least 15"),
    ("author", "", "at least 1 character|author"), ("category", "Blue", "category must be one of"),
])
def test_override_needs_reason_author_and_known_category(field, value, message) -> None:
    with pytest.raises(ValidationError, match=message):
        _override(**{"category": "Amber", field: value})


def test_override_for_unassessed_school_is_refused() -> None:
    with pytest.raises(ValueError, match="school 9 in 2024 matches no assessed school"):
        apply_overrides(ASSESSED, [_override("Amber", school_id="9")])


def test_overrides_are_kept_in_an_audit_trail(audit: StoreAuditTrail) -> None:
    first = trail.record_override(audit, _override("Amber"), "Red", run_id=None)
    trail.record_override(audit, _override("Red", reason="Withdrawn: the board did not meet its plan",
                                           date=dt.date(2026, 1, 5)), "Red")
    frame = trail.override_frame(audit)
    assert frame["category"].tolist() == ["Amber", "Red"]  # nothing replaced, nothing lost
    assert frame["author"].eq("B Head of Standards").all() and frame["recorded_at"].notna().all()
    assert frame["computed_category"].tolist() == ["Red", "Red"]
    assert apply_overrides(ASSESSED, frame).set_index("school_id").loc["1", "category"] == "Red"
    assert [o.category for o in trail.overrides(audit, school_id="1", year=2024)] == ["Amber", "Red"]
    assert trail.overrides(audit, school_id="2") == [] and trail.overrides(audit, year=2023) == []
    assert trail.overrides(audit)[0] == first and isinstance(first.id, int)
    with pytest.raises(trail.DatedInFuture, match="The override is dated 2999-01-01, after today"):
        trail.record_override(audit, _override("Green", date=dt.date(2999, 1, 1)), "Red")
    assert len(trail.overrides(audit)) == 2


# ------------------------------------------------------------------ review dates, overdue, outcomes
def test_each_step_has_a_next_review_date() -> None:
    step = EscalationEvent(school_id="1", step="concern_raised", date=dt.date(2025, 9, 1), actor="x")
    assert step.next_review == dt.date(2025, 10, 13)  # 42 days (six weeks) later by default
    chosen = EscalationEvent(school_id="1", step="communicated", date=dt.date(2025, 9, 1), actor="x",
                             next_review=dt.date(2025, 9, 15))
    assert chosen.next_review == dt.date(2025, 9, 15)
    with pytest.raises(ValidationError, match="must come after the step"):
        EscalationEvent(school_id="1", step="communicated", date=dt.date(2025, 9, 1), actor="x",
                        next_review=dt.date(2025, 9, 1))
    assert EscalationEvent(school_id="1", step="resolved", date=dt.date(2025, 9, 1), actor="x").next_review is None
    with pytest.raises(ValidationError, match="no next review"):
        EscalationEvent(school_id="1", step="resolved", date=dt.date(2025, 9, 1), actor="x",
                        next_review=dt.date(2025, 9, 5))


def test_overdue_reviews_are_listed(audit: StoreAuditTrail) -> None:
    # School 1: review due 2025-10-01, 30 days late on 2025-10-31. School 2: due 2025-11-15, not yet.
    # School 3: resolved, never overdue.
    trail.record_step(audit, EscalationEvent(school_id="1", step="concern_raised", date=dt.date(2025, 9, 1),
                                             actor="A Adviser", next_review=dt.date(2025, 10, 1)), "maintained")
    trail.record_step(audit, EscalationEvent(school_id="2", step="concern_raised", date=dt.date(2025, 10, 1),
                                             actor="A Adviser", next_review=dt.date(2025, 11, 15)), "academy")
    for day, step in enumerate(["concern_raised", "resolved"]):
        trail.record_step(audit, _event(step, day, school="3"), "maintained")
    late = trail.overdue_reviews(audit, today=dt.date(2025, 10, 31))
    assert late[["school_id", "step", "days_overdue"]].values.tolist() == [["1", "concern_raised", 30]]
    assert str(late["next_review"].iloc[0]) == "2025-10-01" and late["actor"].iloc[0] == "A Adviser"
    assert trail.overdue_reviews(audit, today=dt.date(2025, 10, 1)).empty  # due today is not late
    assert trail.overdue_reviews(audit, today=dt.date(2025, 11, 20))["school_id"].tolist() == ["1", "2"]
    stored = trail.steps(audit, "1")[0]
    assert stored.next_review == dt.date(2025, 10, 1) and stored.actor == "A Adviser"


def test_escalations_are_linked_to_later_categories(audit: StoreAuditTrail) -> None:
    risk = pd.DataFrame({"school_id": ["1", "1", "1", "2", "2", "3"], "year": [2023, 2024, 2025, 2024, 2025, 2025],
                         "category": ["Amber", "Red", "Yellow", "Amber", "Red", "Amber"],
                         "ofsted": ["Good", "Requires improvement", "Good", "Good", "Good", "Good"]})
    # School 1: raised in October 2024 (academic year 2024, when it was Red), resolved; Yellow in 2025.
    for day, step in enumerate(["concern_raised", "communicated", "challenge_meeting", "resolved"]):
        trail.record_step(audit, EscalationEvent(school_id="1", step=step, date=dt.date(2024, 10, 1 + day),
                                                 actor="A Adviser"), "maintained")
    # School 2: raised in March 2025 (academic year 2024, Amber); Red in 2025. School 3: nothing after 2025.
    trail.record_step(audit, EscalationEvent(school_id="2", step="concern_raised", date=dt.date(2025, 3, 3),
                                             actor="A Adviser"), "academy")
    trail.record_step(audit, EscalationEvent(school_id="3", step="concern_raised", date=dt.date(2025, 10, 1),
                                             actor="A Adviser"), "academy")
    out = trail.escalation_outcomes(audit, risk).set_index("school_id")
    assert out.loc["1", ["opened_year", "category_when_opened", "category_latest", "year_latest", "outcome"]
                   ].tolist() == [2024, "Red", "Yellow", 2025, "improved"]
    assert out.loc["1", "furthest_step"] == "challenge_meeting" and out.loc["1", "steps"] == 4
    assert out.loc["1", "resolved_on"] == dt.date(2024, 10, 4)
    assert out.loc["1", ["ofsted_when_opened", "ofsted_latest"]].tolist() == ["Requires improvement", "Good"]
    assert out.loc["2", ["opened_year", "category_when_opened", "category_latest", "outcome"]].tolist() == [
        2024, "Amber", "Red", "worse"]
    assert out.loc["3", ["category_when_opened", "outcome"]].tolist() == ["Amber", "not assessed since"]
