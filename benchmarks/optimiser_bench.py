"""Optimiser benchmarks: the sample borough to proven optimality, and a generated large authority.

    python benchmarks/optimiser_bench.py [sample|large|all] [--time-limit 120]

Prints time, status, true gap and cost against the greedy baseline for HiGHS and CBC. Timings
depend on the machine and on what else runs on it; record them with the machine described.
"""

from __future__ import annotations

import argparse
import platform
import time

import pulp

from optimiser import OptimiserConfig, run_plan
from optimiser.testing import generate_authority


def _row(name: str, solver: str, plan, seconds: float) -> str:
    s = plan.solve
    return (f"{name:7s} {solver:6s} total {seconds:6.1f}s solve {s.seconds:6.1f}s {s.status:9s} gap {s.gap:7.3%} "
            f"objective £{plan.solve.objective / 1e6:9.2f}m greedy £{plan.baseline.solve.objective / 1e6:9.2f}m "
            f"shortfall {plan.total_shortfall:8.0f} place-years, {len(plan.schemes)} schemes")


def sample(solver: str, time_limit: float) -> str:
    from forecasting import run_forecast
    from optimiser.distances import area_distances
    from sufficiency import load_inputs
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    forecast = run_forecast(inputs)
    start = time.perf_counter()
    plan = run_plan(forecast.by_area[["planning_area_id", "year", "ncy", "pupils"]], inputs.schools,
                    OptimiserConfig(gap=0.0, time_limit=time_limit), inputs.options, area_distances(inputs),
                    inputs.planning_areas, forecast.base_year, solver=solver, rolls=inputs.rolls)
    return _row("sample", solver, plan, time.perf_counter() - start)


def large(solver: str, time_limit: float) -> str:
    g = generate_authority(n_schools=300, n_areas=40, n_years=15, seed=0)
    start = time.perf_counter()
    plan = run_plan(g["demand"], g["schools"], OptimiserConfig(gap=0.01, time_limit=time_limit), None,
                    g["distances"], g["planning_areas"], 2024, solver=solver)
    return _row("large", solver, plan, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", default="all", choices=["sample", "large", "all"])
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()} "
          f"pulp {pulp.__version__}")
    for solver in ("highs", "cbc"):
        if args.which in ("sample", "all"):
            print(sample(solver, args.time_limit), flush=True)
        if args.which in ("large", "all"):
            print(large(solver, args.time_limit), flush=True)


if __name__ == "__main__":
    main()
