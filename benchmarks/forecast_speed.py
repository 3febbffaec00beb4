"""Speed of the forecasting engine: 2,000 planning areas × 13 year groups × 15 years.

Targets: the point forecast in under 0.01 s and 1,000 bootstrap paths (with the
shocks shared by all areas) in under 5 s on a 2-core machine. The product's model
(`ForecastConfig()` defaults) is timed. Wall time is printed beside the process's CPU time and
the load average: on a shared machine the CPU time is the closer guide to a quiet machine's wall
time. Run: ``python benchmarks/forecast_speed.py [--areas 2000] [--paths 1000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from machine import load_average, machine

from forecasting import ForecastConfig, Panel, simulate_intervals
from forecasting.forecast import make_model


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


def best_of(func, repeat: int) -> tuple[float, float]:
    """Fastest wall time and fastest CPU time of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=2000)
    parser.add_argument("--horizon", type=int, default=15)
    parser.add_argument("--paths", type=int, default=1000)
    args = parser.parse_args()
    panel = synthetic_panel(args.areas)
    model = make_model(ForecastConfig())
    fit = best_of(lambda: model.fit(panel), 3)
    predict = best_of(lambda: model.predict_array(args.horizon), 5)
    paths = best_of(lambda: simulate_intervals(model, args.horizon, n_paths=args.paths, random_state=0), 2)
    print(f"machine: {machine(f'numpy {np.__version__}', load_average())}")
    print(f"{args.areas} planning areas x {len(panel.ncys)} year groups x {args.horizon} years "
          f"({len(panel.years)} years of history); wall / CPU seconds")
    print(f"fit                      {fit[0]:8.3f} / {fit[1]:.3f} s")
    print(f"point forecast           {predict[0]:8.3f} / {predict[1]:.3f} s   (target < 0.01 s)")
    print(f"{args.paths} bootstrap paths     {paths[0]:8.3f} / {paths[1]:.3f} s   "
          "(target < 5 s; shared shocks and quantiles included)")
    print(f"after: {load_average()}")


if __name__ == "__main__":
    main()
