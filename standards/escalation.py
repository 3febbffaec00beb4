"""Escalation of concern: the allowed steps for a school, as a state machine.

The steps follow the authority's schools causing concern procedure (DfE "Schools causing
concern", 2024). A concern is raised and communicated (to the headteacher and chair of
governors, or to the trust). Then the routes part:

* maintained schools: challenge meeting, pre-warning notice, warning notice (Education and
  Inspections Act 2006, s.60), then the statutory interventions for a school eligible for
  intervention: additional governors (s.63), an interim executive board (s.65), suspension of
  the delegated budget (s.66) and, with the Secretary of State, an academy order (Academies Act
  2010, s.4). Additional governors and a budget suspension can be followed by the other
  interventions; an interim executive board only by an academy order (its appointment already
  suspends the budget); an academy order only by the case being resolved;
* academies and free schools (the authority has no powers of intervention): letter to the
  trust, challenge meeting with the trust, statement of action from the trust, termly updates, and
  referral to the Regional Director (DfE) or to HMCI (Ofsted); a referral can be followed by
  termly updates.

Brokering support stays possible after the concern is communicated, on both routes. A case can
be resolved from any open step; a resolved school can have a new concern raised. Every step
but "resolved" has a next review date (by default six weeks, about a half term, after the
step): a case whose review date has passed is overdue (:func:`standards.trail.overdue_reviews`).
This module only decides what is allowed; :mod:`standards.trail` keeps the history on the
organisation's audit trail.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STEPS: dict[str, str] = {
    "concern_raised": "concern raised",
    "communicated": "communicated to the headteacher and chair of governors",
    "support_brokered": "support brokered",
    "challenge_meeting": "challenge meeting",
    "pre_warning_notice": "pre-warning notice",
    "warning_notice": "statutory warning notice",
    "additional_governors": "additional governors appointed (s.63)",
    "interim_executive_board": "interim executive board (s.65)",
    "budget_suspension": "delegated budget suspended (s.66)",
    "academy_order": "academy order (Academies Act 2010, s.4)",
    "trust_letter": "letter to the trust",
    "statement_of_action": "statement of action from the trust",
    "termly_update": "termly update",
    "referral": "referred to the Regional Director / HMCI",
    "resolved": "resolved",
}
#: The statutory interventions in a maintained school (Education and Inspections Act 2006, Part 4).
INTERVENTIONS = ("additional_governors", "interim_executive_board", "budget_suspension", "academy_order")
#: Days from a step to its review when no date is given: six weeks, about a half term.
DEFAULT_REVIEW_DAYS = 42

_COMMON: dict[str | None, tuple[str, ...]] = {
    None: ("concern_raised",),
    "concern_raised": ("communicated", "resolved"),
    "resolved": ("concern_raised",),
}
_MAINTAINED: dict[str | None, tuple[str, ...]] = {
    "communicated": ("challenge_meeting", "support_brokered", "resolved"),
    "support_brokered": ("challenge_meeting", "pre_warning_notice", "resolved"),
    "challenge_meeting": ("pre_warning_notice", "support_brokered", "resolved"),
    "pre_warning_notice": ("warning_notice", "resolved"),
    "warning_notice": (*INTERVENTIONS, "resolved"),
    "additional_governors": ("interim_executive_board", "budget_suspension", "academy_order", "resolved"),
    "budget_suspension": ("additional_governors", "interim_executive_board", "academy_order", "resolved"),
    "interim_executive_board": ("academy_order", "resolved"),
    "academy_order": ("resolved",),
}
_ACADEMY: dict[str | None, tuple[str, ...]] = {
    "communicated": ("trust_letter", "support_brokered", "resolved"),
    "support_brokered": ("trust_letter", "resolved"),
    "trust_letter": ("challenge_meeting", "resolved"),
    "challenge_meeting": ("statement_of_action", "termly_update", "referral", "resolved"),
    "statement_of_action": ("termly_update", "referral", "resolved"),
    "termly_update": ("termly_update", "statement_of_action", "referral", "resolved"),
    "referral": ("termly_update", "resolved"),
}
ROUTES: dict[str, dict[str | None, tuple[str, ...]]] = {
    "maintained": {**_COMMON, **_MAINTAINED},
    "academy": {**_COMMON, **_ACADEMY},
    "free": {**_COMMON, **_ACADEMY},
}


class IllegalTransition(ValueError):
    """A step that the procedure does not allow from where the school stands."""


class EscalationEvent(BaseModel):
    """One step in a school's escalation, with its date and actor."""

    model_config = ConfigDict(extra="forbid")

    school_id: str = Field(min_length=1, description="URN of the school.")
    step: str = Field(description=f"One of {list(STEPS)}.")
    date: dt.date = Field(description="When the step was taken.")
    actor: str = Field(min_length=1, description="Who took it (name and role).")
    note: str = Field("", description="Anything the next reader needs to know.")
    next_review: dt.date | None = Field(
        None, description=f"When the case is next reviewed; by default {DEFAULT_REVIEW_DAYS} days (six weeks, "
                          "about a half term) after the step. None for 'resolved'.")

    @field_validator("step")
    @classmethod
    def _known_step(cls, value: str) -> str:
        if value not in STEPS:
            raise ValueError(f"unknown step {value!r}; the steps are {list(STEPS)}")
        return value

    @model_validator(mode="after")
    def _review_date(self) -> EscalationEvent:
        if self.step == "resolved":
            if self.next_review is not None:
                raise ValueError("a resolved case has no next review date")
            return self
        if self.next_review is None:
            self.next_review = self.date + dt.timedelta(days=DEFAULT_REVIEW_DAYS)
        elif self.next_review <= self.date:
            raise ValueError(f"the next review ({self.next_review}) must come after the step ({self.date})")
        return self

    @field_validator("actor")
    @classmethod
    def _actor_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the actor must be named")
        return value.strip()


def allowed_next(current: str | None, governance: str) -> tuple[str, ...]:
    """Return the steps allowed after ``current`` (None: no case yet) for this governance."""
    if governance not in ROUTES:
        raise IllegalTransition(f"governance {governance!r} is not one of {list(ROUTES)}")
    return ROUTES[governance].get(current, ())


def current_step(history: list[EscalationEvent]) -> str | None:
    """The step a school stands at: the last recorded one, or None."""
    return history[-1].step if history else None


def check_transition(history: list[EscalationEvent], event: EscalationEvent,
                     governance: str) -> None:
    """Raise :class:`IllegalTransition` unless ``event`` may follow ``history``.

    Parameters
    ----------
    history : list of EscalationEvent
        The school's recorded steps, oldest first.
    event : EscalationEvent
        The proposed next step.
    governance : str
        "maintained", "academy" or "free" (the canonical schools column).
    """
    current = current_step(history)
    allowed = allowed_next(current, governance)
    if event.step not in allowed:
        where = f"is at '{STEPS[current]}'" if current else "has no open concern"
        route = "a maintained school" if governance == "maintained" else "an academy"
        names = ", ".join(f"'{STEPS[s]}'" for s in allowed) or "nothing"
        raise IllegalTransition(
            f"School {event.school_id} {where}; '{STEPS[event.step]}' is not allowed next for "
            f"{route}. Allowed next: {names}.")
    if history and event.date < history[-1].date:
        raise IllegalTransition(
            f"School {event.school_id}: '{STEPS[event.step]}' is dated {event.date}, before the "
            f"last step '{STEPS[current]}' on {history[-1].date}; steps are recorded in order.")
