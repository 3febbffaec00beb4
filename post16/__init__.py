"""Post-16: participation and NEET, attainment by 19, sixth-form demand and the risk-of-NEET model.

Pure functions for other parts of the product:

- :func:`run_post16` -> :class:`Post16Result` (everything for one authority);
- :func:`participation_table`, :func:`group_splits`, :func:`trend_chart` (NCCIS, every English LA);
- :func:`attainment_at_19` (level 2 and 3 by 19 against targets);
- :func:`sixth_form_demand`, :func:`sixth_form_summary` (Years 12-13 against post-16 places);
- :func:`train_and_rank` -> :class:`RoniReport` (calibrated model, evaluation, fairness, ranked list),
  :func:`calibration_chart`;
- :func:`synthetic_pupils` (SYNTHETIC cohorts for tests and the demo).

Reference data: Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from post16.attainment import attainment_at_19, load_attainment19
from post16.config import Post16Config, Post16Settings, RoniConfig
from post16.participation import group_splits, load_nccis, participation_table, trend_chart
from post16.result import Post16Result, run_post16
from post16.risk import RoniReport, calibration_chart, read_pupils, train_and_rank
from post16.sixth_form import post16_places, sixth_form_demand, sixth_form_summary, to_planning_areas
from post16.synthetic import synthetic_pupils

__all__ = [
    "Post16Config",
    "Post16Result",
    "Post16Settings",
    "RoniConfig",
    "RoniReport",
    "attainment_at_19",
    "calibration_chart",
    "group_splits",
    "load_attainment19",
    "load_nccis",
    "participation_table",
    "post16_places",
    "read_pupils",
    "run_post16",
    "sixth_form_demand",
    "sixth_form_summary",
    "synthetic_pupils",
    "to_planning_areas",
    "train_and_rank",
    "trend_chart",
]
