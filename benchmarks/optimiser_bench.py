"""Optimiser benchmarks: the sample borough, and generated large authorities, with HiGHS and CBC.

    python benchmarks/optimiser_bench.py [sample|large|seeds|all] [--time-limit 60] [--busy N]

Prints for each case and solver: the whole run's time against its limit (reading the inputs, the
greedy baseline, the start and the solve), the status, the gap proved as a share of the controllable
cost (capital in use, empty places, travel), that cost beside the greedy baseline's, and the
shortfall in place-years. ``--busy N`` keeps N other processes spinning throughout, to measure the
run on a loaded machine. Timings depend on the machine and on what else runs on it; record them
with the machine described.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import time
from collections.abc import Iterator
from contextlib import contextmanager

from machine import load_average, machine

from optimiser import OptimiserConfig, run_plan
from optimiser.testing import generate_authority

#: The generated authorities' base year is 2024; the plan is decided in the summer before its September.
DECIDED = dt.date(2024, 8, 31)


def _row(name: str, solver: str, plan, seconds: float, limit: float) -> str:
    s = plan.solve
    return (f"{name:9s} {solver:5s} total {seconds:6.1f}s (limit {limit:.0f}s) solve {s.seconds:6.1f}s "
            f"{s.status:8s} gap {s.gap:7.3%} controllable £{plan.controllable_cost / 1e6:7.2f}m "
            f"greedy £{plan.baseline.controllable_cost / 1e6:7.2f}m capital £{plan.costs['capital'] / 1e6:7.2f}m "
            f"shortfall {plan.total_shortfall:7.0f} place-years "
            f"({plan.costs['shortfall_unavoidable']:5.0f} in school), "
            f"{len(plan.schemes)} schemes")


def sample(solver: str, time_limit: float) -> tuple[str, float]:
    from forecasting import run_forecast
    from optimiser.distances import area_distances
    from sufficiency import load_inputs
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    forecast = run_forecast(inputs)
    config = inputs.scenario.optimiser.model_copy(update={"time_limit": time_limit})
    start = time.perf_counter()
    plan = run_plan(forecast.by_area, inputs.schools, config, inputs.options, area_distances(inputs),
                    inputs.planning_areas, forecast.base_year, solver=solver, rolls=inputs.rolls, links=inputs.links)
    return _row("sample", solver, plan, time.perf_counter() - start, time_limit), plan.controllable_cost


def large(solver: str, time_limit: float, seed: int = 0) -> tuple[str, float]:
    g = generate_authority(n_schools=300, n_areas=40, n_years=15, seed=seed)
    start = time.perf_counter()
    config = OptimiserConfig(gap=0.01, time_limit=time_limit, decision_date=DECIDED)
    plan = run_plan(g["demand"], g["schools"], config, None, g["distances"], g["planning_areas"], 2024, solver=solver)
    return _row(f"large s{seed}", solver, plan, time.perf_counter() - start, time_limit), plan.controllable_cost


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy(n: int) -> Iterator[None]:
    """``n`` processes spinning on the CPU while the block runs (a loaded machine)."""
    workers = [mp.Process(target=_spin, daemon=True) for _ in range(n)]
    for w in workers:
        w.start()
    try:
        yield
    finally:
        for w in workers:
            w.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", default="all", choices=["sample", "large", "seeds", "all"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--busy", type=int, default=0, help="other processes spinning during the runs")
    args = parser.parse_args()
    print(machine(load_average(), f"{args.busy} busy processes beside it"))
    with busy(args.busy):
        if args.which in ("sample", "all"):
            costs = {}
            for solver in ("highs", "cbc"):
                row, costs[solver] = sample(solver, 120.0 if solver == "cbc" else args.time_limit)
                print(row, flush=True)
            print(f"sample: HiGHS's controllable cost is {costs['highs'] / costs['cbc']:.4f} of CBC's", flush=True)
        if args.which in ("large", "all"):
            costs = {}
            for solver in ("highs", "cbc"):
                row, costs[solver] = large(solver, args.time_limit)
                print(row, flush=True)
            print(f"large: HiGHS's controllable cost is {costs['highs'] / costs['cbc']:.4f} of CBC's", flush=True)
        if args.which == "seeds":
            for seed in range(10):
                print(large("highs", args.time_limit, seed)[0], flush=True)


if __name__ == "__main__":
    main()
