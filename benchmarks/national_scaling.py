"""National runs on Dask: every authority with 1 and 2 workers, 10x replicated authorities, memory per worker.

``python -m benchmarks national_scaling`` runs forecast + 1,000 sampled futures for all 152 authorities of the
shipped national extract on a LocalCluster of 1, then 2 single-threaded worker processes, then the extract
replicated 10 times (1,520 authorities) on 2 workers; it prints the wall time of each job (from the first task
to the national tables written; the cluster's start apart), the ratio, the time per authority, and the peak
resident memory of each worker process. ``python benchmarks/national_scaling.py --workers 2 --replicate 1``
runs one case. Targets: under 2 minutes with 2 workers, 2 workers at least 1.7x faster than 1, under 1 GiB per
worker.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from machine import load_average, machine

from national.authority import Settings
from national.build import SHIPPED
from national.job import run_national


def replicated(times: int, folder: Path) -> Path:
    """The shipped extract with every authority ``times`` over (codes ``<la_code>r<k>``)."""
    for path in sorted(SHIPPED.glob("*.csv")):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        copies = [table.assign(la_code=table["la_code"] + f"r{k}") for k in range(times)]
        pd.concat(copies, ignore_index=True).to_csv(folder / path.name, index=False)
    (folder / "scenario.yaml").write_bytes((SHIPPED / "scenario.yaml").read_bytes())
    return folder


def case(workers: int, times: int, paths: int) -> tuple[float, int, int]:
    """(job seconds, authorities, largest worker peak bytes) of one national run."""
    with tempfile.TemporaryDirectory() as tmp:
        data = SHIPPED if times == 1 else replicated(times, Path(tmp))
        before = os.getloadavg()[0]
        started = time.perf_counter()
        result = run_national(data, Path(tmp) / "out", Settings(n_paths=paths), workers=workers, resume=False,
                              show=False, announce=lambda _text: None)
        wall = time.perf_counter() - started
        peak = max(result.worker_peak_memory.values())
        failed = sum(s == "failed" for s in result.statuses.values())
        each = 1000 * result.seconds / len(result.statuses)
        print(f"{workers} worker(s), {len(result.statuses)} authorities ({failed} failed, as the data has no places "
              f"for them), {paths} paths: job {result.seconds:.1f} s ({each:.0f} ms an authority), with the "
              f"cluster's start {wall:.1f} s; peak memory per worker "
              f"{peak / 2**20:.0f} MiB; CPU seconds by worker (their start included) "
              + ", ".join(f"{c:.0f}" for c in sorted(result.worker_cpu_seconds.values()))
              + f"; load average {before:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        return result.seconds, len(result.statuses), peak


def memory_by_paths(counts: tuple[int, ...] = (1000, 10000, 50000)) -> None:
    """Peak memory numpy allocates while one authority's futures are drawn and reduced, by number of futures:
    the chunked simulation's part stays the same; the reduced futures kept for exact quantiles grow by
    years x phases x 4 bytes a future."""
    import tracemalloc

    from national import authority as steps
    from national.folder import Authority
    from national.montecarlo import places_needed_paths

    auth = Authority("358", "Trafford")
    with tempfile.TemporaryDirectory() as tmp:
        result = steps.forecast(auth, steps.load(SHIPPED, auth, Path(tmp), Settings()))
    figures = []
    for n in counts:
        tracemalloc.start()
        places_needed_paths(result, result.sufficiency_before, n, auth.la_code)
        figures.append(f"{n:,} futures {tracemalloc.get_traced_memory()[1] / 2**20:.1f} MiB")
        tracemalloc.stop()
    print("Monte Carlo peak allocation for one authority (Trafford): " + ", ".join(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--replicate", type=int, nargs="*", default=[1, 10])
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--memory-only", action="store_true", help="Only the Monte Carlo memory by futures.")
    args = parser.parse_args()
    print(machine(load_average()))
    memory_by_paths()
    if args.memory_only:
        return
    times: dict[tuple[int, int], float] = {}
    for replicate in args.replicate:
        for workers in (args.workers if replicate == 1 else [max(args.workers)]):
            times[(workers, replicate)] = case(workers, replicate, args.paths)[0]
    if (1, 1) in times and (2, 1) in times:
        print(f"2 workers against 1: {times[(1, 1)] / times[(2, 1)]:.2f}x faster (target 1.7x)")
    tens = [r for r in args.replicate if r > 1]
    if tens and (max(args.workers), 1) in times:
        w, r = max(args.workers), tens[0]
        print(f"{r}x the authorities on {w} workers: {times[(w, r)] / times[(w, 1)]:.2f}x the time (linear: {r}x)")


if __name__ == "__main__":
    main()
