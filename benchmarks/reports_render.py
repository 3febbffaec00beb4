"""Speed of the report: the sample borough's full report (HTML, PDF, XLSX, SCAP) from its result.

Target: the demo's full report in under 30 s on a 2-core machine. The scenario is run
first and not timed; the figures are wall and CPU seconds (CPU counts the chart processes too),
by step, so a loaded machine's wall time can be read against its CPU time.
Run: ``python benchmarks/reports_render.py [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings

from machine import load_average, machine


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="Times to render the report.")
    args = parser.parse_args()
    from reports import write_reports
    from sufficiency import load_inputs
    from sufficiency.core.result import run_scenario
    from sufficiency.sample import sample_dir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_scenario(load_inputs(sample_dir()))
    print(f"machine: {machine(load_average())}")
    for i in range(args.repeat):
        steps: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(step: str, units: int, steps: dict[str, float] = steps, last: list[float] = last) -> None:
            # steps and last bound now, as this repeat's (the report calls progress with step and units only)
            now = time.perf_counter()
            steps[step] = steps.get(step, 0.0) + now - last[0]
            last[0] = now

        with tempfile.TemporaryDirectory() as out:
            start, cpu = time.perf_counter(), cpu_seconds()
            paths = write_reports(result, out, progress=progress)
            wall, used = time.perf_counter() - start, cpu_seconds() - cpu
        detail = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
        verdict = "within" if wall < 30 else "OVER"
        print(f"run {i + 1}: {len(paths)} files in {wall:.1f} s wall, {used:.1f} s CPU ({verdict} the 30 s target); "
              f"{detail}")


if __name__ == "__main__":
    main()
