"""Standards module at the size of a large authority: time for the whole run and its parts.

Copies the sample borough's 85 schools 24 times (2,040 schools, the size of the largest
English LAs) and generates 8 years of synthetic indicators for them (about 360,000 rows), then
times ``run_standards`` (risk assessment with 20 rules, KPI tables, benchmarking, targets).
Run: ``python -m benchmarks standards_speed``.
"""

from __future__ import annotations

import platform
import resource
import time

import pandas as pd

from standards import StandardsConfig, assess_risk, numeric_indicators, run_standards
from standards.data.build import DATA_DIR
from standards.synthetic import sample_school_indicators
from sufficiency.sample import sample_dir

COPIES, YEARS = 24, range(2017, 2025)


def main() -> None:
    base = pd.read_csv(sample_dir() / "schools.csv", dtype={"school_id": str})
    schools = pd.concat([base.assign(school_id=base["school_id"] + f"-{i}") for i in range(COPIES)],
                        ignore_index=True)
    start = time.perf_counter()
    table = sample_school_indicators(schools, YEARS, random_state=1)
    generated = time.perf_counter() - start
    numeric = numeric_indicators(table)
    start = time.perf_counter()
    assess_risk(numeric, schools)
    risk = time.perf_counter() - start
    start = time.perf_counter()
    run_standards(table, schools, None, StandardsConfig(
        targets_file=DATA_DIR / "trafford_targets.yaml"), la="358")
    whole = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    print(f"schools {len(schools):,}, years {len(YEARS)}, indicator rows {len(table):,}")
    print(f"generate synthetic indicators: {generated:.2f} s")
    print(f"risk assessment (20 rules, all years): {risk:.2f} s")
    print(f"run_standards (risk, KPI tables, benchmark, targets): {whole:.2f} s")
    print(f"peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
