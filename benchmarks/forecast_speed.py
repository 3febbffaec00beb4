"""Speed of the forecasting engine: 2,000 planning areas × 13 year groups × 15 years.

Targets (issue 3): the point forecast in under 1 s and 1,000 bootstrap paths in under 30 s on
a 2-core machine. Run: ``python benchmarks/forecast_speed.py [--areas 2000] [--paths 1000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from machine import machine

from forecasting import CohortSurvival, Panel, simulate_intervals


def synthetic_panel(n_areas: int, n_years: int = 8, n_groups: int = 13, seed: int = 0) -> Panel:
    """Binomial cohort progression with Poisson intake, sized like English planning areas."""
    rng = np.random.default_rng(seed)
    size = rng.integers(60, 600, n_areas)
    vals = np.zeros((n_areas, n_years, n_groups))
    vals[:, 0] = rng.poisson(size[:, None], (n_areas, n_groups))
    for t in range(1, n_years):
        vals[:, t, 0] = rng.poisson(size)
        vals[:, t, 1:] = rng.binomial(vals[:, t - 1, :-1].astype(int), 0.98)
    areas = np.array([f"PA{i:04d}" for i in range(n_areas)], dtype=object)
    return Panel(areas, np.arange(2017, 2017 + n_years), np.arange(n_groups), vals)


def best_of(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=2000)
    parser.add_argument("--horizon", type=int, default=15)
    parser.add_argument("--paths", type=int, default=1000)
    args = parser.parse_args()
    panel = synthetic_panel(args.areas)
    model = CohortSurvival()
    fit = best_of(lambda: model.fit(panel), 3)
    predict = best_of(lambda: model.predict_array(args.horizon), 3)
    paths = best_of(lambda: simulate_intervals(model, args.horizon, n_paths=args.paths, random_state=0), 1)
    print(f"machine: {machine(f'numpy {np.__version__}')}")
    print(f"{args.areas} planning areas x {len(panel.ncys)} year groups x {args.horizon} years "
          f"({len(panel.years)} years of history)")
    print(f"fit                      {fit:8.3f} s")
    print(f"point forecast           {predict:8.3f} s   (target < 1 s)")
    print(f"fit + point forecast     {fit + predict:8.3f} s")
    print(f"{args.paths} bootstrap paths     {paths:8.3f} s   (target < 30 s; quantiles included)")


if __name__ == "__main__":
    main()
