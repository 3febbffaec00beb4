"""Year groups a planning area's phase teaches, and which schemes add places."""

from __future__ import annotations

import pandas as pd

from sufficiency.core.phases import PHASE_NCY

#: Scheme kinds that add places (the others remove them).
GROWTH = ("expand", "bulge", "new_school")


def phase_rows(frame: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    """Rows of year groups the area's phase teaches (Reception-Year 6 or Year 7-11)."""
    phase = frame["planning_area_id"].map(phases)
    allowed = pd.Series([PHASE_NCY.get(p, ()) for p in phase], index=frame.index)
    keep = [n in a for n, a in zip(frame["ncy"], allowed, strict=True)]
    return frame.loc[keep].assign(phase=phase[keep])
