"""Offers under the equal-preference scheme: a case worked by hand, and properties that must always hold."""

from __future__ import annotations

import numpy as np
import pytest

from admissions.allocation import NONE, Criteria, allocate, deferred_acceptance

A, B, C = 0, 1, 2


def hand_case() -> tuple[np.ndarray, np.ndarray, Criteria]:
    """Three schools (A 3 places, B 3, C 4) and ten families.

    family  preferences  metres to A, B, C  criteria
       0    A B C         100  900 1500
       1    A C           200  800 1200
       2    A B           300  350 1100
       3    A B C        1000  100  900     looked after
       4    B A           500  200 1000
       5    B C           900  300  600
       6    A             800 1000 2000     sibling at A
       7    B A C         400  400  400
       8    C A          1200 1100  100
       9    A B           700  600 1300
    """
    prefs = np.array([[A, B, C], [A, C, NONE], [A, B, NONE], [A, B, C], [B, A, NONE], [B, C, NONE],
                      [A, NONE, NONE], [B, A, C], [C, A, NONE], [A, B, NONE]])
    distance = np.array([[100, 900, 1500], [200, 800, 1200], [300, 350, 1100], [1000, 100, 900],
                         [500, 200, 1000], [900, 300, 600], [800, 1000, 2000], [400, 400, 400],
                         [1200, 1100, 100], [700, 600, 1300]], dtype=float)
    looked_after = np.zeros(10, dtype=bool)
    looked_after[3] = True
    sibling = np.full(10, NONE)
    sibling[6] = A
    criteria = Criteria(distance=distance, looked_after=looked_after, sibling=sibling, tiebreak=np.zeros(10))
    return prefs, np.array([3, 3, 4]), criteria


def test_the_hand_worked_case_gives_the_offers_worked_out_by_hand() -> None:
    prefs, capacity, criteria = hand_case()
    # Round 1: everyone proposes to their first preference.
    #   A gets 0, 1, 2, 3, 6, 9. Its criteria: 3 (looked after), then 6 (sibling), then by distance
    #     0 (100 m), 1 (200), 2 (300), 9 (700). It holds 3, 6, 0 and rejects 1, 2, 9.
    #   B gets 4 (200 m), 5 (300), 7 (400): holds all three. C gets 8: holds it.
    # Round 2: the rejected propose to their second preference: 1 -> C, 2 -> B, 9 -> B.
    #   B has 4 (200), 5 (300), 7 (400) held and 2 (350), 9 (600) new: holds 4, 5, 2; rejects 7 and 9.
    #   C has 8 (100) held and 1 (1200) new: holds both (4 places).
    # Round 3: 7 -> A (its second); 9 has named no third school.
    #   A has 3, 6, 0 held: 7 (400 m, no priority) comes after them all: rejected.
    # Round 4: 7 -> C (its third): C holds 8, 1, 7.
    # Round 5: nobody left to propose. Family 9 has no offer; the nearest school with room is C (A and B
    # are full): 9 is offered C, which it did not name.
    da = deferred_acceptance(prefs, capacity, criteria)
    assert da.rounds == 4
    assert da.school.tolist() == [A, C, B, A, B, B, A, C, C, NONE]
    offers = allocate(prefs, capacity, criteria)
    assert offers.school.tolist() == [A, C, B, A, B, B, A, C, C, C]
    assert offers.rank.tolist() == [1, 2, 2, 1, 1, 1, 1, 3, 1, 0]
    # 6 of 10 offered their first preference, 9 of 10 one of their top three, 1 no preferred school.
    assert (offers.rank == 1).sum() == 6 and ((offers.rank >= 1) & (offers.rank <= 3)).sum() == 9


def test_a_tie_in_distance_is_broken_by_the_random_number() -> None:
    prefs = np.array([[0], [0]])
    criteria = Criteria(distance=np.array([[500.0], [500.0]]), looked_after=np.zeros(2, dtype=bool),
                        sibling=np.full(2, NONE), tiebreak=np.array([0.7, 0.2]))
    assert deferred_acceptance(prefs, np.array([1]), criteria).school.tolist() == [NONE, 0]


def test_a_selective_school_admits_by_its_test_and_only_those_who_reach_its_standard() -> None:
    # School 0 is selective with 1 place; 1 is a comprehensive. Family 1 lives nearest but scored lower;
    # family 2 scored highest but did not reach the standard (not eligible).
    prefs = np.array([[0, 1], [0, 1], [0, 1]])
    eligible = np.array([[True, True], [True, True], [False, True]])
    criteria = Criteria(distance=np.array([[900.0, 100], [100.0, 100], [50.0, 100]]),
                        looked_after=np.zeros(3, dtype=bool), sibling=np.full(3, NONE), tiebreak=np.zeros(3),
                        selective=np.array([True, False]), score=np.array([0.9, 0.5, 0.99]), eligible=eligible)
    offers = allocate(prefs, np.array([1, 5]), criteria)
    assert offers.school.tolist() == [0, 1, 1]
    assert offers.rank.tolist() == [1, 2, 2]


def reference_gale_shapley(prefs: np.ndarray, capacity: np.ndarray, criteria: Criteria) -> list[int]:
    """Textbook Gale-Shapley, one proposal at a time, for comparison."""
    n = len(prefs)
    held: dict[int, list[int]] = {j: [] for j in range(len(capacity))}
    nxt = [0] * n
    free = list(range(n))
    while free:
        i = free.pop(0)
        while nxt[i] < prefs.shape[1] and prefs[i, nxt[i]] != NONE:
            j = int(prefs[i, nxt[i]])
            nxt[i] += 1
            key = float(criteria.keys(np.array([i]), np.array([j]))[0])
            if not np.isfinite(key):
                continue
            held[j].append(i)
            held[j].sort(key=lambda a, j=j: float(criteria.keys(np.array([a]), np.array([j]))[0]))
            if len(held[j]) > capacity[j]:
                out = held[j].pop()
                if out == i:
                    continue
                free.append(out)
            break
    school = [NONE] * n
    for j, members in held.items():
        for i in members:
            school[i] = j
    return school


def random_case(seed: int, n: int = 80, s: int = 7, k: int = 3) -> tuple[np.ndarray, np.ndarray, Criteria]:
    rng = np.random.default_rng(seed)
    prefs = np.array([rng.permutation(s)[:k] for _ in range(n)])
    cut = rng.integers(1, k + 1, n)  # families name 1 to k schools
    prefs[np.arange(k)[None, :] >= cut[:, None]] = NONE
    eligible = rng.random((n, s)) > 0.1
    eligible[:, 0] = True  # school 0 admits everyone
    selective = np.zeros(s, dtype=bool)
    selective[s - 1] = True
    criteria = Criteria(distance=rng.uniform(0, 5000, (n, s)).round(-2), looked_after=rng.random(n) < 0.05,
                        sibling=np.where(rng.random(n) < 0.3, prefs[:, 0], NONE), tiebreak=rng.random(n),
                        selective=selective, score=rng.random(n), eligible=eligible)
    return prefs, rng.integers(3, 16, s), criteria


@pytest.mark.parametrize("seed", range(12))
def test_deferred_acceptance_is_stable_within_places_and_the_applicant_optimal_match(seed: int) -> None:
    prefs, capacity, criteria = random_case(seed)
    da = deferred_acceptance(prefs, capacity, criteria)
    counts = np.bincount(da.school[da.school != NONE], minlength=len(capacity))
    assert (counts <= capacity).all()  # no school over its admission number
    for i in range(len(prefs)):
        named = [int(j) for j in prefs[i] if j != NONE]
        if da.school[i] != NONE:
            assert named[da.rank[i] - 1] == da.school[i]
        better = named[: da.rank[i] - 1] if da.school[i] != NONE else named
        for j in better:  # no family and school that both prefer each other to their match
            key = criteria.keys(np.array([i]), np.array([j]))[0]
            admitted = np.flatnonzero(da.school == j)
            keys = criteria.keys(admitted, np.full(len(admitted), j))
            assert not np.isfinite(key) or (len(admitted) == capacity[j] and (keys < key).all()), (i, j)
    assert da.school.tolist() == reference_gale_shapley(prefs, capacity, criteria)


@pytest.mark.parametrize("seed", range(6))
def test_everyone_gets_an_offer_where_places_suffice(seed: int) -> None:
    prefs, capacity, criteria = random_case(seed)
    capacity[0] = len(prefs)  # the school everyone may attend could take them all
    offers = allocate(prefs, capacity, criteria)
    assert (offers.school != NONE).all()
    assert (np.bincount(offers.school, minlength=len(capacity)) <= capacity).all()
    # A family placed at a school it did not name got the nearest with room it may attend: never a selective one.
    assert not criteria.selective[offers.school[offers.rank == 0]].any()


def test_without_enough_places_the_rest_get_no_offer_and_no_school_is_overfilled() -> None:
    prefs, capacity, criteria = random_case(3)
    capacity[:] = 2
    offers = allocate(prefs, capacity, criteria)
    assert (np.bincount(offers.school[offers.school != NONE], minlength=len(capacity)) <= capacity).all()
    assert (offers.school == NONE).sum() >= len(prefs) - capacity.sum()
    assert (offers.rank[offers.school == NONE] == NONE).all()
