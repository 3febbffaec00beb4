"""Year groups a planning area's phase teaches, and which schemes add places."""

from __future__ import annotations

from sufficiency.core.phases import phase_rows

__all__ = ["GROWTH", "phase_rows"]

#: Scheme kinds that add places (the others remove them).
GROWTH = ("expand", "bulge", "new_school")


