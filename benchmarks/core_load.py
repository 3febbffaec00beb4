"""Loading and validating a large authority's data folder: time and peak memory.

Generates 2,000 schools (80% primary) × their year groups × 10 years (140,000 roll rows) as CSV, then times
``load_inputs`` (read as text, parse, pandera checks, cross-table checks) and the current
sufficiency table. Run: ``python -m benchmarks core_load``.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import load_inputs
from sufficiency.core.phases import ALL_NCY, LAST_PRIMARY, RECEPTION, YEAR_7
from sufficiency.core.summary import current_summary

N_SCHOOLS, N_AREAS, YEARS = 2_000, 200, range(2015, 2025)


def make_folder(folder: Path, rng: np.random.Generator) -> None:
    ids = [f"S{i:05d}" for i in range(N_SCHOOLS)]
    primary = rng.random(N_SCHOOLS) < 0.8
    schools = pd.DataFrame({
        "school_id": ids,
        "planning_area_id": [f"{'P' if p else 'S'}{rng.integers(N_AREAS // 2):03d}" for p in primary],
        "ncy_low": np.where(primary, RECEPTION, YEAR_7), "ncy_high": np.where(primary, LAST_PRIMARY, ALL_NCY[-1]),
        "pan": rng.choice([30, 60, 90], N_SCHOOLS) * np.where(primary, 1, 3),
    })
    schools.to_csv(folder / "schools.csv", index=False)
    lo, hi = schools["ncy_low"].to_numpy(), schools["ncy_high"].to_numpy()
    rows = [(s, y, g) for s, a, b in zip(ids, lo, hi, strict=True) for y in YEARS for g in range(a, b + 1)]
    rolls = pd.DataFrame(rows, columns=["school_id", "year", "ncy"])
    rolls["pupils"] = rng.poisson(50, len(rolls))
    rolls.to_csv(folder / "rolls.csv", index=False)


def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_folder(folder, rng)
        rows = sum(1 for _ in open(folder / "rolls.csv")) - 1
        start = time.perf_counter()
        inputs = load_inputs(folder)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        summary = current_summary(inputs)
        table = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{N_SCHOOLS:,} schools, {rows:,} roll rows: load_inputs {loaded:.2f} s, "
          f"current sufficiency {table:.2f} s ({len(summary.by_year_group):,} rows), peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
