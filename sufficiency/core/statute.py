"""Rules set by statute that the product applies: the statutory walking distances.

A child of compulsory school age who lives beyond walking distance of their nearest suitable
school is eligible for free travel to it, so the optimiser moves pupils between planning areas
only within it. Walking distance is 3.218688 km (two miles) for a child under 8 and 4.828032 km
(three miles) for a child who has reached 8 (Education Act 1996 s.444(5), as amended; used for
travel eligibility by Sch. 35B, inserted by the Education and Inspections Act 2006; DfE, "Travel
to school for children of compulsory school age", statutory guidance, 2024).

Which year groups are under 8. A pupil in year group g is aged ``RECEPTION_AGE + g`` at the
start of the academic year (1 September) and one year older by its end (31 August), see
:data:`sufficiency.core.phases.RECEPTION_AGE`. A year group counts as under 8 when its pupils
stay under 8 for the whole year: Reception to Year 2 (Year 2 pupils are 6 on 1 September and at
most 7 on 31 August). Year 3 pupils are 7 at the start of the year and all turn 8 during it; they
take the 3-mile distance. A stricter reading (under 8 at the start of the year, so Reception to
Year 3) would give Year 3 two miles; that choice is :data:`LAST_NCY_UNDER_8`, in this one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sufficiency.core.phases import RECEPTION_AGE, as_floats, shaped_like

#: One mile in metres, exactly (international yard of 0.9144 m, Weights and Measures Act 1985 Sch. 1).
MILE_M = 1609.344
#: Statutory walking distances in miles (Education Act 1996 s.444(5)).
WALK_UNDER_8_MILES = 2
WALK_FROM_8_MILES = 3
#: The same in metres, the unit of the distance tables.
WALK_UNDER_8_M = WALK_UNDER_8_MILES * MILE_M
WALK_FROM_8_M = WALK_FROM_8_MILES * MILE_M
#: The age from which the longer distance applies.
WALKING_AGE = 8
#: The oldest year group under 8 all year: its age at the end of the year, ``RECEPTION_AGE + g + 1``,
#: is at most 7 (Year 2; see the module docstring).
LAST_NCY_UNDER_8 = WALKING_AGE - 1 - RECEPTION_AGE - 1


def under_8(ncy: Any) -> Any:
    """Whether a year group counts as under 8 for walking distance (Reception to Year 2).

    Vectorised: a scalar gives a bool, an array an array, a Series a Series (missing: False).
    """
    return shaped_like(ncy, as_floats(ncy) <= LAST_NCY_UNDER_8)


def walking_distance_m(ncy: Any, under_8_m: float = WALK_UNDER_8_M, from_8_m: float = WALK_FROM_8_M) -> Any:
    """The statutory walking distance of a year group, in metres.

    Parameters
    ----------
    ncy
        A year group, or an array or Series of them.
    under_8_m, from_8_m
        The distances to use, where a setting overrides the statutory ones.

    Returns
    -------
    float, ndarray or Series
        ``under_8_m`` for Reception to Year 2, ``from_8_m`` from Year 3, shaped as ``ncy``.
    """
    return shaped_like(ncy, np.where(under_8(as_floats(ncy)), under_8_m, from_8_m))
