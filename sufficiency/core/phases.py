"""Phases of school and the national curriculum year groups in each: the one definition.

Year groups are coded as national curriculum years (``ncy``), Reception = 0. The phases follow
DfE usage:

- **primary**: Reception to Year 6, i.e. the Early Years Foundation Stage's Reception year, key
  stage 1 (Years 1-2) and key stage 2 (Years 3-6) (DfE, "The national curriculum in England:
  framework document", 2014, the table of key stages by year group and age);
- **secondary**: Years 7 to 11, key stages 3 (Years 7-9) and 4 (Years 10-11), the end of
  compulsory school age (same framework; Education Act 1996 s.8);
- **sixth form**: Years 12 and 13, post-16 study, counted apart from the main school.

The DfE School Capacity survey (SCAP) counts places and forecasts pupils in the same two planning
phases, primary (Reception-Year 6) and secondary (Year 7-11), with sixth-form places reported
separately ("School capacity survey: guide", DfE). A planning area, and a school, is primary or
secondary; a secondary school's sixth form belongs to it. Other systems (US K-12 coded 0-12) fit
the same axis.

Entry points are the first year group of each phase: Reception (admission in the September after
a child's fourth birthday, School Admissions Code 2021 para 2.17), Year 7 (secondary transfer,
School Admissions Code 2021 s.1) and Year 12 (entry to the sixth form).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

PRIMARY = "primary"
SECONDARY = "secondary"
SIXTH_FORM = "sixth_form"
#: A school teaching both primary and secondary year groups (a school phase, never a pupil's).
ALL_THROUGH = "all-through"

#: A pupil's phase, as the API and the tables name it.
Phase = Literal["primary", "secondary", "sixth_form"]

#: National curriculum years of each phase, youngest first (see the module docstring).
PHASE_NCY: dict[str, tuple[int, ...]] = {
    PRIMARY: tuple(range(0, 7)),
    SECONDARY: tuple(range(7, 12)),
    SIXTH_FORM: tuple(range(12, 14)),
}
PHASES: tuple[str, ...] = tuple(PHASE_NCY)

#: The entry point of each phase: its first year group.
ENTRY_NCY: dict[str, int] = {phase: years[0] for phase, years in PHASE_NCY.items()}
RECEPTION = ENTRY_NCY[PRIMARY]
YEAR_7 = ENTRY_NCY[SECONDARY]
YEAR_12 = ENTRY_NCY[SIXTH_FORM]
#: Year groups at which pupils are admitted afresh, even within one school.
ENTRY_POINTS: tuple[int, ...] = tuple(ENTRY_NCY.values())

#: Last year group of primary (Year 6) and of secondary (Year 11, the end of compulsory school age).
LAST_PRIMARY = PHASE_NCY[PRIMARY][-1]
LAST_SECONDARY = PHASE_NCY[SECONDARY][-1]
#: Every year group, Reception to Year 13.
ALL_NCY: tuple[int, ...] = tuple(n for years in PHASE_NCY.values() for n in years)
#: Reception to Year 11: the statutory school age groups the DfE School Capacity survey counts
#: places for (the sixth form is planned in post-16).
COMPULSORY_NCY: tuple[int, ...] = PHASE_NCY[PRIMARY] + PHASE_NCY[SECONDARY]

#: Age of a child on the first day of Reception: they start in the September after their fourth
#: birthday (School Admissions Code 2021, para 2.17). A pupil in year group g is this age plus g
#: at the start of the academic year (1 September) and one year older by its end (31 August).
RECEPTION_AGE = 4

#: Phases of a planning area (SCAP plans primary and secondary areas).
AREA_PHASES: tuple[str, ...] = (PRIMARY, SECONDARY)
#: Phases of a school.
SCHOOL_PHASES: tuple[str, ...] = (PRIMARY, SECONDARY, ALL_THROUGH)
#: Year groups of the pupils an area or school of each planning phase holds: a secondary
#: school's sixth form is part of it (and of the DfE census's "state-funded secondary").
AREA_NCY: dict[str, tuple[int, ...]] = {
    PRIMARY: PHASE_NCY[PRIMARY], SECONDARY: PHASE_NCY[SECONDARY] + PHASE_NCY[SIXTH_FORM],
}
#: Year groups a school of each phase teaches when its age range is not given: the compulsory
#: years of its phase (a sixth form is known only from its rolls or its age range).
SCHOOL_PHASE_NCY: dict[str, tuple[int, ...]] = {
    PRIMARY: PHASE_NCY[PRIMARY], SECONDARY: PHASE_NCY[SECONDARY], ALL_THROUGH: COMPULSORY_NCY,
}
#: The planning phase of a school of each phase: an all-through school is planned with
#: secondary, the phase of its oldest year groups (:func:`area_phase_of` of its ``ncy_high``).
SCHOOL_AREA_PHASE: dict[str, str] = {PRIMARY: PRIMARY, SECONDARY: SECONDARY, ALL_THROUGH: SECONDARY}


def ncy_label(ncy: Any) -> str:
    """A year group in words: 'Reception' for 0, else 'Year n'."""
    ncy = int(ncy)
    return "Reception" if ncy == RECEPTION else f"Year {ncy}"


def ncy_short(ncy: Any) -> str:
    """A year group in short: R, Y1 .. Y13 (SCAP's and the tables' column labels)."""
    ncy = int(ncy)
    return "R" if ncy == RECEPTION else f"Y{ncy}"


def span(phase: str) -> tuple[int, int]:
    """First and last year group of a phase: ``span("secondary") == (7, 11)``.

    Raises
    ------
    KeyError
        For a name that is not a phase (see :data:`PHASES`).
    """
    years = PHASE_NCY[phase]
    return years[0], years[-1]


def as_floats(ncy: Any) -> np.ndarray:
    """Year groups as a float array, missing or non-numeric values as NaN (nullable dtypes too).

    With :func:`shaped_like`, lets a rule on year groups take a scalar, an array or a Series.
    """
    pd = sys.modules.get("pandas")  # not imported here: a value can only be a Series once pandas is loaded
    if pd is not None and isinstance(ncy, (pd.Series, pd.Index)):
        return pd.to_numeric(ncy, errors="coerce").astype(float).to_numpy()
    return np.asarray(ncy, dtype=float)


def shaped_like(ncy: Any, values: np.ndarray) -> Any:
    """``values`` in the shape ``ncy`` came in: a Series keeps its index, a scalar is a scalar."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(ncy, pd.Series):
        return pd.Series(values, index=ncy.index, name=ncy.name)
    if np.ndim(ncy) == 0:
        return values.item()
    return values


def phase_of(ncy: Any) -> Any:
    """The phase of each year group: 'primary', 'secondary', 'sixth_form', or None outside 0-13.

    Parameters
    ----------
    ncy
        A year group, or an array or Series of them (missing values give None).

    Returns
    -------
    str, None, ndarray of object or Series
        In the shape given: a scalar for a scalar, a Series (same index) for a Series.
    """
    values = as_floats(ncy)
    out = np.full(values.shape, None, dtype=object)
    for phase, years in PHASE_NCY.items():
        out[np.isin(values, years)] = phase
    return shaped_like(ncy, out)


def area_phase_of(ncy: Any) -> Any:
    """The planning phase a year group belongs to: 'primary' up to Year 6, 'secondary' from Year 7.

    The sixth form counts as secondary (:data:`AREA_NCY`). Vectorised like :func:`phase_of`; a
    missing value gives 'primary'.
    """
    return shaped_like(ncy, np.where(as_floats(ncy) >= YEAR_7, SECONDARY, PRIMARY).astype(object))


def school_phase(ncy_low: Any, ncy_high: Any) -> Any:
    """A school's phase from its age range: primary, secondary or all-through.

    Primary when its oldest year group is primary, secondary when its youngest is secondary or
    above, all-through otherwise; None where either end is missing. Vectorised like
    :func:`phase_of` (shaped as ``ncy_low``).
    """
    low, high = as_floats(ncy_low), as_floats(ncy_high)
    phase = np.select([high <= LAST_PRIMARY, low >= YEAR_7], [PRIMARY, SECONDARY], ALL_THROUGH).astype(object)
    phase[np.isnan(low) | np.isnan(high)] = None
    return shaped_like(ncy_low, phase)


def schools_teaching(phase: str) -> tuple[str, ...]:
    """School phases that teach ``phase``: its own and all-through (``SCHOOL_PHASE_NCY`` overlaps)."""
    years = set(PHASE_NCY[phase])
    return tuple(p for p, taught in SCHOOL_PHASE_NCY.items() if years & set(taught))


def phase_rows(frame: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    """Rows of ``frame`` (with ``planning_area_id`` and ``ncy``) in year groups its planning area's phase
    teaches (Reception-Year 6 or Year 7-11: the year groups the plan provides places for; the sixth form is
    planned in post-16), with the area's ``phase`` added; ``phases`` maps planning area to phase."""
    import pandas as pd  # here, not at the top: this module is read by code that never loads pandas

    phase = frame["planning_area_id"].map(phases)
    allowed = pd.Series([PHASE_NCY.get(p, ()) for p in phase], index=frame.index)
    keep = [n in a for n, a in zip(frame["ncy"], allowed, strict=True)]
    return frame.loc[keep].assign(phase=phase[keep])
