"""Offers under English co-ordinated admissions: the equal-preference scheme, as deferred acceptance.

Every English authority co-ordinates Reception and Year 7 offers under an equal-preference scheme: each
school ranks every family that named it by its oversubscription criteria alone, whatever rank the family
gave it (the School Admissions Code 2021, para 1.9(b), forbids "first preference first"), and each family
is offered the highest-ranked of its preferences that can offer it a place. That outcome is the
applicant-proposing deferred acceptance of Gale and Shapley (1962): families propose to their preferences
in order, each school holds the best applicants up to its admission number and rejects the rest, and the
rejected propose to their next preference, until nobody is rejected or has preferences left. It is stable
(no family and school both prefer each other to their offers) and the best stable outcome for every family.

Hand-written and vectorised with numpy: no maintained Python library does the English scheme with its
criteria (the matching libraries on PyPI take full preference lists of both sides, not criteria, and do
not place the families left over). The criteria (School Admissions Code 2021, paras 1.7-1.13):

1. looked-after and previously looked-after children (para 1.7);
2. a sibling at the school (para 1.11);
3. distance from home, nearest first (para 1.13);
4. a random tie-break (para 1.8).

A selective school admits only those who reach its standard, in order of the test, looked-after children
first among them (paras 1.7 and 1.18-1.20); a single-sex school only boys or only girls.

Families left without an offer are then given the nearest school with a place left, as authorities do
(nearer families first), and a family left when no school has room gets no offer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: No school (a family without an offer, or a preference not named).
NONE = -1
#: Category bands of a priority key: looked after, sibling, everyone else.
_BAND = 1e7
#: Distances (metres) are capped below one band.
_MAX_DISTANCE = _BAND / 2


@dataclass(frozen=True)
class Criteria:
    """What the schools' oversubscription criteria look at, for ``n`` applicants and ``s`` schools.

    Attributes
    ----------
    distance
        Metres from each home to each school, ``(n, s)``.
    looked_after
        Whether each applicant is looked after or previously looked after, ``(n,)``.
    sibling
        The school at which each applicant has a sibling (``NONE`` for none), ``(n,)``.
    tiebreak
        A random number in [0, 1) per applicant: the tie-break (lower wins), ``(n,)``.
    selective
        Whether each school admits by a test, ``(s,)``.
    score
        Each applicant's test score in [0, 1) (higher wins at a selective school), ``(n,)``.
    eligible
        Whether each applicant may be admitted at each school (reached the standard of a selective school,
        the right sex for a single-sex one), ``(n, s)``; all True when None.
    """

    distance: np.ndarray
    looked_after: np.ndarray
    sibling: np.ndarray
    tiebreak: np.ndarray
    selective: np.ndarray | None = None
    score: np.ndarray | None = None
    eligible: np.ndarray | None = None

    def keys(self, applicants: np.ndarray, schools: np.ndarray) -> np.ndarray:
        """Each school's priority for each applicant (lower is admitted first; inf: cannot be admitted)."""
        distance = np.minimum(self.distance[applicants, schools], _MAX_DISTANCE)
        band = np.where(self.looked_after[applicants], 0.0,
                        np.where(self.sibling[applicants] == schools, 1.0, 2.0))
        within = distance
        if self.selective is not None and self.score is not None:
            at_selective = self.selective[schools]
            # A selective school ranks by the test (no sibling priority), looked-after children first.
            band = np.where(at_selective & (band == 1.0), 2.0, band)
            within = np.where(at_selective, (1.0 - self.score[applicants]) * _MAX_DISTANCE, distance)
        key = band * _BAND + within + self.tiebreak[applicants] * 1e-3
        if self.eligible is not None:
            key = np.where(self.eligible[applicants, schools], key, np.inf)
        return key


@dataclass(frozen=True)
class Offers:
    """The outcome of one allocation round.

    Attributes
    ----------
    school
        The school offered to each applicant (``NONE``: no offer), ``(n,)``.
    rank
        The preference it was (1 = first), 0 for a school the family did not name, ``NONE`` for no offer.
    rounds
        Rounds of deferred acceptance it took.
    """

    school: np.ndarray
    rank: np.ndarray
    rounds: int


def _hold(cand: np.ndarray, school: np.ndarray, key: np.ndarray, room: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each school keeps its best candidates up to its room: (candidate, school, key) of those kept."""
    order = np.lexsort((key, school))
    cand, school, key = cand[order], school[order], key[order]
    first = np.searchsorted(school, school, side="left")
    within = np.arange(len(school)) - first
    keep = (within < room[school]) & np.isfinite(key)
    return cand[keep], school[keep], key[keep]


def deferred_acceptance(preferences: np.ndarray, capacity: np.ndarray, criteria: Criteria) -> Offers:
    """Applicant-proposing deferred acceptance over the schools' oversubscription criteria.

    Parameters
    ----------
    preferences
        ``(n, k)`` school indices in the family's order, ``NONE`` after its last preference.
    capacity
        Admission number of each school, ``(s,)``.
    criteria
        The oversubscription criteria (:class:`Criteria`).

    Each round, every family without a held place proposes to its next preference; each school keeps the
    best of the families it holds and the new proposers up to its admission number and rejects the rest.
    """
    n, k = preferences.shape
    capacity = np.asarray(capacity, dtype=np.int64)
    listed = (preferences != NONE).sum(axis=1)
    next_rank = np.zeros(n, dtype=np.int64)
    held = np.full(n, NONE, dtype=np.int64)
    held_key = np.full(n, np.inf)
    rounds = 0
    while True:
        free = np.flatnonzero((held == NONE) & (next_rank < listed))
        if not len(free):
            break
        rounds += 1
        proposed = preferences[free, next_rank[free]]
        next_rank[free] += 1
        # Only the schools proposed to this round reconsider: the others keep whom they hold.
        touched = np.zeros(len(capacity) + 1, dtype=bool)
        touched[proposed] = True
        holding = np.flatnonzero(touched[held])  # held == NONE reads the last entry, always False
        cand = np.concatenate([holding, free])
        school = np.concatenate([held[holding], proposed])
        key = np.concatenate([held_key[holding], criteria.keys(free, proposed)])
        held[cand] = NONE
        held_key[cand] = np.inf
        kept, at, with_key = _hold(cand, school, key, capacity)
        held[kept] = at
        held_key[kept] = with_key
    rank = np.where(held != NONE, next_rank, NONE)
    return Offers(school=held, rank=rank, rounds=rounds)


def nearest_with_room(offers: Offers, capacity: np.ndarray, criteria: Criteria) -> Offers:
    """Give each family left without an offer the nearest school with a place left (nearer families first),
    as authorities allocate; families left when no school they may attend has room stay without one."""
    school, rank = offers.school.copy(), offers.rank.copy()
    room = np.asarray(capacity, dtype=np.int64) - np.bincount(school[school != NONE], minlength=len(capacity))
    distance = criteria.distance
    allowed = np.ones(distance.shape, dtype=bool) if criteria.eligible is None else criteria.eligible.copy()
    if criteria.selective is not None:
        allowed &= ~criteria.selective[None, :]  # a selective school admits only by its test
    while True:
        left = np.flatnonzero(school == NONE)
        if not len(left) or not (room > 0).any():
            break
        far = np.where(allowed[left] & (room > 0)[None, :], distance[left], np.inf)
        target = far.argmin(axis=1)
        reach = np.isfinite(far[np.arange(len(left)), target])
        if not reach.any():
            break
        left, target = left[reach], target[reach]
        kept, at, _ = _hold(left, target, distance[left, target], np.maximum(room, 0))
        school[kept] = at
        rank[kept] = 0
        room -= np.bincount(at, minlength=len(room))
    return Offers(school=school, rank=rank, rounds=offers.rounds)


def allocate(preferences: np.ndarray, capacity: np.ndarray, criteria: Criteria) -> Offers:
    """Deferred acceptance, then the nearest school with room for everyone left."""
    return nearest_with_room(deferred_acceptance(preferences, capacity, criteria), capacity, criteria)
