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

import lazy_loader

# Loaded on first use: importing the package (for its stage declaration) costs nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "attainment": ["attainment_at_19", "load_attainment19"],
    "config": ["Post16Config", "Post16Settings", "RoniConfig"],
    "participation": ["group_splits", "load_nccis", "participation_table", "trend_chart"],
    "result": ["Post16Result", "run_post16"],
    "risk": ["RoniReport", "calibration_chart", "read_pupils", "train_and_rank"],
    "sixth_form": ["post16_places", "sixth_form_demand", "sixth_form_summary", "to_planning_areas"],
    "synthetic": ["synthetic_pupils"],
})
