"""Looking things up within the caller's organisation only.

Anything belonging to another organisation answers 404, exactly as if it did not exist, so one
council can neither read another's data nor learn that it exists.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from api.errors import not_found
from sufficiency.app.store.models import Dataset, Run, ScenarioRecord, User

T = TypeVar("T", Dataset, Run, ScenarioRecord)
_LISTING = {Dataset: ("dataset", "/datasets"), Run: ("run", "/runs"), ScenarioRecord: ("scenario", "/scenarios")}


def owned(session: Session, model: type[T], thing_id: str, user: User) -> T:
    """The row with ``thing_id`` if it belongs to the user's organisation; 404 otherwise."""
    row = session.get(model, thing_id)
    if row is None or row.organisation_id != user.organisation_id:
        thing, listing = _LISTING[model]
        raise not_found(thing, thing_id, listing)
    return row
