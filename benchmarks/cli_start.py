"""How quickly the command line answers: ``sufficiency --help`` and ``sufficiency validate`` on the sample.

Each command runs 7 times in a fresh interpreter; the figures are the median and the fastest wall
time, then the command's own time: its wall time less a bare ``python -c pass`` (the interpreter's
start, the same for any Python program). The target is under 1 s of the command's own. Also shows
which heavy libraries each command imports, since that is where start-up time goes.
Run: ``python -m benchmarks cli_start``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from machine import load_average, machine

RUNS = 7
HEAVY = ("pandas", "geopandas", "pandera", "sklearn", "pulp", "highspy", "fastapi", "sqlalchemy", "matplotlib")


def wall(args: list[str]) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def heavy_imports(code: str) -> list[str]:
    """The heavy libraries loaded by running ``code`` (module names present in sys.modules afterwards)."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    return [m for m in out.stdout.strip().splitlines()[-1].split(",") if m] if out.stdout.strip() else []


def main() -> None:
    from sufficiency.sample import sample_dir

    sample = str(sample_dir())
    print(machine(load_average()))
    bare = statistics.median(wall([sys.executable, "-c", "pass"]))
    cases = {
        "sufficiency --help": ([sys.executable, "-m", "sufficiency", "--help"],
                               "import sufficiency.cli"),
        "sufficiency validate <sample>": ([sys.executable, "-m", "sufficiency", "validate", sample],
                                          "import sufficiency.cli\n"
                                          "from sufficiency.core.inputs import validate_folder\n"
                                          f"validate_folder({sample!r})"),
    }
    print(f"bare interpreter start: {bare:.2f} s (median of {RUNS})")
    print(f"{'command':<32} {'median':>8} {'fastest':>8} {'own':>8}  heavy libraries loaded")
    for name, (args, code) in cases.items():
        times = wall(args)
        median = statistics.median(times)
        print(f"{name:<32} {median:>7.2f}s {min(times):>7.2f}s {median - bare:>7.2f}s  "
              f"{', '.join(heavy_imports(code)) or 'none'}")


if __name__ == "__main__":
    main()
