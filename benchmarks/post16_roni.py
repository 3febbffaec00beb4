"""Risk-of-NEET model on SYNTHETIC cohorts: fit time, accuracy and calibration by cohort size.

For each history size (pupils with a known outcome) it fits the full pipeline - both candidates
by 5-fold cross-validated log loss, calibration, held-out evaluation, fairness audit, ranking of
Years 9-11 - and prints wall time with held-out ROC AUC, PR AUC, log loss against the base-rate
baseline, expected calibration error, recall at the threshold (top 15%), the lowest and highest
risk given to a Year 9-11 pupil, and the groups the fairness audit flags. A large LA has about
4,000 pupils a year group, so three past cohorts are about 12,000. Run: ``python -m benchmarks post16_roni``.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time

from post16.config import Post16Config
from post16.privacy import ephemeral_settings
from post16.risk import train_and_rank
from post16.synthetic import synthetic_pupils

SIZES = (2_000, 6_000, 12_000)


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("SYNTHETIC cohorts drawn from a logistic model of the same kind as the one fitted: these scores say how "
          "well the method recovers its own assumptions, nothing about how well it ranks real pupils.")
    print(f"{'history':>8} {'current':>8} {'model':>9} {'seconds':>8} {'roc_auc':>8} {'pr_auc':>7} "
          f"{'log_loss':>9} {'baseline':>9} {'ece':>6} {'recall':>7} {'min_risk':>9} {'max_risk':>9} "
          f"flagged groups")
    config = Post16Config()
    for n in SIZES:
        pupils = synthetic_pupils(n, n // 2, random_state=0, recorded_on=dt.date.today())
        start = time.perf_counter()
        report = train_and_rank(pupils, config, ephemeral_settings(0))
        seconds = time.perf_counter() - start
        m = report.metrics
        print(f"{n:>8} {n // 2:>8} {report.chosen_model:>9} {seconds:>8.1f} {m['roc_auc']:>8.3f} {m['pr_auc']:>7.3f} "
              f"{m['log_loss']:>9.4f} {m['baseline_log_loss']:>9.4f} {m['ece']:>6.3f} {m['recall']:>7.2f} "
              f"{report.ranked['risk'].min():>9.4f} {report.ranked['risk'].max():>9.4f} "
              f"{', '.join(f'{a}={g}' for a, g in report.flagged_groups[['attribute', 'group']].values) or '-'}")
        print(f"{'':>8} evaluated on {report.validated_on}")


if __name__ == "__main__":
    main()
