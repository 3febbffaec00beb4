"""Escalation of concern: the allowed steps for a school, as a state machine.

The steps follow the authority's schools causing concern procedure (DfE "Schools causing
concern", 2024): a concern is raised, communicated to the headteacher and chair of governors,
and support is brokered. Then the routes part:

* maintained schools: pre-warning notice, then statutory warning notice (Education and
  Inspections Act 2006, s.60);
* academies and free schools: letter to the trust, then a challenge meeting, then termly
  updates (as often as needed).

A case can be resolved from any open step; a resolved school can have a new concern raised.
This module only decides what is allowed; :mod:`standards.trail` keeps the history on the
organisation's audit trail.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

STEPS: dict[str, str] = {
    "concern_raised": "concern raised",
    "communicated": "communicated to the headteacher and chair of governors",
    "support_brokered": "support brokered",
    "pre_warning_notice": "pre-warning notice",
    "warning_notice": "statutory warning notice",
    "trust_letter": "letter to the trust",
    "challenge_meeting": "challenge meeting",
    "termly_update": "termly update",
    "resolved": "resolved",
}
_COMMON: dict[str | None, tuple[str, ...]] = {
    None: ("concern_raised",),
    "concern_raised": ("communicated", "resolved"),
    "communicated": ("support_brokered", "resolved"),
    "resolved": ("concern_raised",),
}
_MAINTAINED = {
    "support_brokered": ("pre_warning_notice", "resolved"),
    "pre_warning_notice": ("warning_notice", "resolved"),
    "warning_notice": ("resolved",),
}
_ACADEMY = {
    "support_brokered": ("trust_letter", "resolved"),
    "trust_letter": ("challenge_meeting", "resolved"),
    "challenge_meeting": ("termly_update", "resolved"),
    "termly_update": ("termly_update", "resolved"),
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

    @field_validator("step")
    @classmethod
    def _known_step(cls, value: str) -> str:
        if value not in STEPS:
            raise ValueError(f"unknown step {value!r}; the steps are {list(STEPS)}")
        return value

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
