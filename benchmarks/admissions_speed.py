"""Speed of the admissions allocation: ``python -m benchmarks admissions_speed``.

One allocation (deferred acceptance over the oversubscription criteria, then the nearest school with room) of
5,000 applicants over 100 schools, 6 preferences each; and 200 draws (preferences drawn from the logit, then
allocated) for the intervals. Targets: one allocation under 0.5 s; 200 draws under 30 s on 2 cores.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from machine import load_average, machine

from admissions.allocation import NONE, Criteria, allocate
from admissions.choice import draw_preferences

N, S, K = 5000, 100, 6


def world(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    homes = rng.uniform(0, 20_000, (N, 2))
    schools = rng.uniform(0, 20_000, (S, 2))
    distance = np.hypot(homes[:, None, 0] - schools[None, :, 0], homes[:, None, 1] - schools[None, :, 1])
    capacity = rng.choice([30, 60, 90], S)
    capacity = np.round(capacity * N * 1.02 / capacity.sum()).astype(np.int64)
    return distance, capacity, rng.normal(0, 0.5, S)


def one_draw(distance: np.ndarray, capacity: np.ndarray, constants: np.ndarray, rng: np.random.Generator) -> float:
    utility = -distance / 1000.0 + constants[None, :]
    prefs = draw_preferences(utility, np.ones((N, S), dtype=bool), K, 1.0, rng)
    criteria = Criteria(distance=distance, looked_after=rng.random(N) < 0.01,
                        sibling=np.where(rng.random(N) < 0.3, prefs[:, 0], NONE), tiebreak=rng.random(N))
    start = time.perf_counter()
    offers = allocate(prefs, capacity, criteria)
    assert (offers.school != NONE).all()
    return time.perf_counter() - start


def main() -> None:
    distance, capacity, constants = world(0)
    rng = np.random.default_rng(1)
    alone = [one_draw(distance, capacity, constants, rng) for _ in range(20)]
    print(f"one allocation, {N:,} applicants x {S} schools, {K} preferences: median {statistics.median(alone):.3f} s, "
          f"max {max(alone):.3f} s (target 0.5 s)")
    start = time.perf_counter()
    for _ in range(200):
        one_draw(distance, capacity, constants, rng)
    total = time.perf_counter() - start
    print(f"200 draws (preferences drawn and allocated): {total:.1f} s (target 30 s)")
    print(machine(load_average()))


if __name__ == "__main__":
    main()
