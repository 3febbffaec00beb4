"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (``make bench`` runs them all).

Each ``benchmarks/<name>.py`` is a script that prints its own figures; this runner runs each in a
fresh interpreter, so one benchmark's memory never inflates another's, and stops on none.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
#: Modules the benchmarks import (as ``python benchmarks/<name>.py`` finds them), not benchmarks themselves.
HELPERS = {"machine", "serving"}


def main(argv: list[str]) -> int:
    """Run the benchmarks named first (all when none; a prefix names several); the arguments after the names
    go to each of them (``python -m benchmarks api_load --seconds 10``)."""
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.stem not in HELPERS)
    names: list[str] = []
    for arg in argv:
        if arg.startswith("-") or not any(p.stem.startswith(arg) for p in scripts):
            break
        names.append(arg)
    rest = argv[len(names):]
    if names:
        scripts = [p for p in scripts if p.stem in names or any(p.stem.startswith(n) for n in names)]
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *rest], cwd=HERE.parent)
        print(f"--- {script.stem}: exit {code}, {time.perf_counter() - start:.1f} s wall", flush=True)
        if code:
            failed.append(script.stem)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
