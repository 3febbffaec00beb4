"""Bodies of the ``/post16`` routes: participation and NEET, attainment by 19, sixth-form demand, risk of NEET."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sufficiency.core.web import EXAMPLE_RUN_ID, page_example


class ParticipationRowPublic(BaseModel):
    year: int = Field(description="Year of the NCCIS figures (the end of the months they average).")
    period: str | None = Field(None, examples=["Dec 2023-Feb 2024"])
    measure: str = Field(examples=["participation_pct"], description="participation_pct, neet_pct, "
                         "not_known_pct, neet_or_not_known_pct, september_guarantee_pct, apprenticeship_pct")
    la: float | None = Field(None, description="The authority's figure (percent).")
    england: float | None = None
    region: float | None = None
    rank: int | None = Field(None, description="Among English LAs, 1 is best.")
    of: int | None = Field(None, description="LAs ranked.")
    target: float | None = None
    gap_to_target: float | None = None
    meets_target: bool | None = None


class ParticipationPage(BaseModel):
    model_config = page_example({
        "year": 2024, "period": "Mar 2024", "measure": "participation_pct", "la": 94.5, "england": 92.0,
        "region": 91.4, "rank": 31, "of": 150, "target": 95.0, "gap_to_target": -0.5, "meets_target": False})
    run_id: str
    count: int
    rows: list[ParticipationRowPublic]


class GroupRowPublic(BaseModel):
    year: int
    period: str | None = None
    group: str = Field(examples=["EHCP"])
    cohort_share_pct: float | None = None
    la: float | None = Field(None, description="NEET or not known in the group (percent).")
    england: float | None = None
    region: float | None = None
    gap_to_england: float | None = None


class GroupsPage(BaseModel):
    model_config = page_example({
        "year": 2024, "period": "Dec 2023-Feb 2024", "group": "EHCP", "cohort_share_pct": 6.3, "la": 9.8,
        "england": 10.2, "region": 12.4, "gap_to_england": -0.4})
    run_id: str
    count: int
    rows: list[GroupRowPublic]


class Attainment19RowPublic(BaseModel):
    year: int
    measure: str = Field(examples=["level3_at_19"])
    la: float | None = None
    england: float | None = None
    region: float | None = None
    target: float | None = None
    gap_to_target: float | None = None
    meets_target: bool | None = None
    fsm_la: float | None = Field(None, description="The authority's figure for pupils eligible for free school meals.")


class Attainment19Page(BaseModel):
    model_config = page_example({
        "year": 2018, "measure": "level2_at_19", "la": 88.47, "england": 82.3, "region": 82.09, "target": 90.0,
        "gap_to_target": -1.53, "meets_target": False, "fsm_la": 67.54})
    run_id: str
    count: int
    rows: list[Attainment19RowPublic]


class SixthFormRowPublic(BaseModel):
    planning_area_id: str | None = None
    school_id: str | None = None
    year: int
    year12: float
    year13: float
    pupils: float
    places: float
    surplus: float = Field(description="Places minus pupils (negative when short).")
    shortfall: float = Field(description="Places missing.")
    utilisation_pct: float | None = None
    retention_12_to_13_pct: float | None = None
    dropout_12_to_13_pct: float | None = None


class SixthFormTotalPublic(BaseModel):
    year: int
    year12: float
    year13: float
    pupils: float
    places: float
    surplus: float
    shortfall: float
    providers_short: int
    retention_12_to_13_pct: float | None = None


class SixthFormPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "count": 1, "rows": [{
            "planning_area_id": "S04", "school_id": None, "year": 2026, "year12": 402.1, "year13": 366.0,
            "pupils": 768.1, "places": 700.0, "surplus": -68.1, "shortfall": 68.1, "utilisation_pct": 109.7,
            "retention_12_to_13_pct": 91.2, "dropout_12_to_13_pct": 8.8}],
        "totals": [{"year": 2026, "year12": 1432.4, "year13": 1322.2, "pupils": 2754.5, "places": 4830.0,
                    "surplus": 2075.5, "shortfall": 68.1, "providers_short": 1, "retention_12_to_13_pct": 91.4}]}]})
    run_id: str
    count: int
    rows: list[SixthFormRowPublic]
    totals: list[SixthFormTotalPublic] = Field(description="The authority by year (all rows, before filters).")


class RoniEvaluationPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "synthetic": True,
        "caveat": "Trained and tested on SYNTHETIC pupils drawn from a logistic model of the same kind as the one "
                  "fitted, so these scores say nothing about how well it ranks real pupils.",
        "metrics": {"n": 900, "neet": 46, "roc_auc": 0.89, "pr_auc": 0.44, "ece": 0.011, "threshold": 0.069,
                    "recall": 0.78, "chosen_model": "logistic"},
        "calibration": [{"bin": 0, "n": 90, "mean_predicted": 0.0044, "observed_rate": 0.0111}],
        "fairness": [{"attribute": "sen_status", "group": "EHCP", "n": 35, "calibration_gap": 0.129, "flag": True,
                      "reason": "risk over-stated by 12.9 points"}]}]})
    run_id: str
    synthetic: bool = Field(description="True when the model ran on a SYNTHETIC cohort, not real pupils.")
    caveat: str = Field("", description="What the scores can and cannot say; for a synthetic cohort, that they say "
                                        "nothing about real pupils.")
    metrics: dict[str, Any] = Field(description="Held-out ROC AUC, PR AUC, calibration error, recall at the "
                                    "threshold, and a trivial baseline's scores.")
    calibration: list[dict[str, Any]]
    fairness: list[dict[str, Any]] = Field(description="Calibration and recall by group, with the groups flagged.")


class RoniPupilPublic(BaseModel):
    rank: int
    pupil_ref: str = Field(description="Pseudonym (keyed hash) of the pupil; only your authority can match it back.")
    school_id: str | None = None
    ncy: int | None = Field(None, description="Year group (9-11).")
    risk: float = Field(description="Calibrated probability of becoming NEET at 16-17.")
    flagged: bool = Field(description="At or above the model's threshold for early intervention.")
    top_factors: str = Field(description="The factors behind the score, strongest first.")
    factors: list[dict[str, Any]] | None = Field(None, description="With factors=true: each factor, its value and "
                                                 "contribution.")


class RoniPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": EXAMPLE_RUN_ID, "synthetic": True, "delete_after": "2026-10-01", "count": 1, "flagged": 1, "rows": [{
            "rank": 1, "pupil_ref": "5a16b44054d3f722", "school_id": "SYN-SCHOOL-2", "ncy": 9, "risk": 0.9205,
            "flagged": True, "top_factors": "Attendance 50%; Attainment 8 0; EHC plan", "factors": None}]}]})
    run_id: str
    synthetic: bool = Field(description="True for a SYNTHETIC demonstration cohort.")
    delete_after: dt.date = Field(description="The list is deleted after this date (post16.list_retention_days).")
    count: int
    flagged: int
    rows: list[RoniPupilPublic]
