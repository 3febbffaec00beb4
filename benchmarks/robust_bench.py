"""The robust plan on the sample borough: 3 variants and sampled paths, extensive form and progressive hedging.

    python benchmarks/robust_bench.py [variants|paths|all] [--paths 30] [--method extensive|hedging|both]
    python -m benchmarks robust_bench          (all cases, both methods)

Prints for each case and method: the robust solve's time (from the deterministic plan's start) and the whole
stage's (scenarios built, the principal plan's and each scenario's own optimum costed, the high variant
measured), the status and the gap proved on the expected controllable cost, the expected controllable cost
and shortfall of the robust plan beside the principal plan's on the same scenarios, VSS and EVPI, and the
shortfall under the high variant of both plans. Targets: 3 variants within 0.5% in under 30 s;
30 paths within 1% in under 3 minutes on 2 cores. The load average is printed before and after: the machine
is shared.
"""

from __future__ import annotations

import argparse
import time

from machine import load_average, machine


def _setup():
    from sufficiency import load_inputs
    from sufficiency.core.result import run_scenario
    from sufficiency.sample import sample_dir

    inputs = load_inputs(sample_dir())
    return inputs, run_scenario(inputs, ["plan"])


def case(inputs, earlier, paths: int, method: str, time_limit: float, gap: float) -> str:
    from optimiser.stage import ROBUST_STAGE, run_robust
    from sufficiency.core.stages import StageContext

    scenario = inputs.scenario.model_copy(update={"robust": inputs.scenario.robust.model_copy(
        update={"time_limit": time_limit, "gap": gap})})
    options = {"method": method, **({"paths": paths, "variants": []} if paths else {})}
    context = StageContext(inputs=inputs, scenario=scenario, results=dict(earlier.results), options=options,
                           stage=ROBUST_STAGE)
    before = load_average()
    start = time.perf_counter()
    robust = run_robust(context)
    total = time.perf_counter() - start
    v, s = robust.value, robust.solve
    high = robust.outcomes[robust.outcomes["scenario"] == "high"].set_index("plan")["shortfall"]
    name = f"{paths} paths" if paths else "3 variants"
    return (f"{name:10s} {method:9s} solve {s.seconds:6.1f}s stage {total:6.1f}s {s.status:8s} gap {s.gap:6.2%} | "
            f"expected controllable robust £{v['robust_controllable'] / 1e6:6.2f}m principal "
            f"£{v['principal_controllable'] / 1e6:6.2f}m | expected shortfall {v['robust_shortfall']:6.0f} vs "
            f"{v['principal_shortfall']:6.0f} place-years | expected objective robust "
            f"{v['robust_objective'] / 1e6:,.1f}m <= principal {v['principal_objective'] / 1e6:,.1f}m | "
            f"VSS {v.get('vss_objective', float('nan')) / 1e6:,.1f}m "
            f"({v.get('vss_shortfall', float('nan')):,.0f} place-years, £{-v.get('vss_controllable', 0) / 1e6:,.2f}m "
            f"more controllable) EVPI {v.get('evpi_objective', float('nan')) / 1e6:,.1f}m "
            f"(£{v.get('evpi_controllable', float('nan')) / 1e6:,.2f}m, {v.get('evpi_shortfall', float('nan')):,.0f} "
            f"place-years) | high variant shortfall robust {high.filter(like='robust').sum():,.0f} principal "
            f"{high.filter(like='principal').sum():,.0f} place-years | {len(robust.schemes)} schemes "
            f"({(robust.schemes['status'] == 'contingent').sum()} contingent) | {before} -> {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="?", default="all", choices=["variants", "paths", "all"])
    parser.add_argument("--paths", type=int, default=30)
    parser.add_argument("--method", default="both", choices=["extensive", "hedging", "both"])
    parser.add_argument("--time-limit", type=float, default=170.0)
    args = parser.parse_args()
    print(machine(load_average()))
    inputs, earlier = _setup()
    methods = ["extensive", "hedging"] if args.method == "both" else [args.method]
    if args.which in ("variants", "all"):
        for method in methods:
            print(case(inputs, earlier, 0, method, min(args.time_limit, 30.0), 0.005), flush=True)
    if args.which in ("paths", "all"):
        for method in methods:
            print(case(inputs, earlier, args.paths, method, args.time_limit, 0.01), flush=True)


if __name__ == "__main__":
    main()
