"""Settings for the post-16 engine.

``Post16Config`` is the scenario section (``post16:`` in ``scenario.yaml``): targets, model
choices and fairness tolerances, all plain values that may be shared. ``Post16Settings`` holds the
secret used to pseudonymise pupil identifiers; it is read from the environment (never from a
scenario file, which is hashed and shared with results).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Pupil-level features the risk-of-NEET model uses, in the order the pipeline sees them.
#: Gender and ethnicity are deliberately absent: they are used only to audit fairness.
DEFAULT_NUMERIC_FEATURES: tuple[str, ...] = (
    "attendance_pct",
    "suspensions",
    "attainment8",
    "school_moves",
)
DEFAULT_BINARY_FEATURES: tuple[str, ...] = (
    "permanent_exclusion",
    "sen_support",
    "ehcp",
    "disadvantaged",
    "looked_after",
    "child_in_need",
    "eal",
)
DEFAULT_FAIRNESS_GROUPS: tuple[str, ...] = ("sen_status", "disadvantaged", "gender", "ethnicity")


class RoniConfig(BaseModel):
    """The risk-of-NEET indicator (RONI) model."""

    model_config = ConfigDict(extra="forbid")

    numeric_features: tuple[str, ...] = Field(
        DEFAULT_NUMERIC_FEATURES,
        description=(
            "Continuous pupil features (standardised before the logistic regression). Defaults follow "
            "the risk factors in DfE (2018) 'Characteristics of young people who are long-term NEET' "
            "(low attainment, absence, exclusion, mobility)."
        ),
    )
    binary_features: tuple[str, ...] = Field(
        DEFAULT_BINARY_FEATURES,
        description=(
            "0/1 pupil flags: SEN support, EHCP, disadvantaged (pupil premium/FSM), looked after, child "
            "in need, EAL, permanent exclusion; the vulnerable groups named in DfE (2018) and in local "
            "RONI tools."
        ),
    )
    fairness_groups: tuple[str, ...] = Field(
        DEFAULT_FAIRNESS_GROUPS,
        description="Columns whose groups are audited for calibration and recall (not model inputs).",
    )
    cv_folds: int = Field(5, ge=2, le=20, description="Stratified folds for model choice and calibration.")
    calibration_method: str = Field(
        "sigmoid",
        pattern="^(isotonic|sigmoid)$",
        description=(
            "CalibratedClassifierCV method. Sigmoid (Platt) by default: isotonic calibration is a step "
            "function that gives dozens of pupils a risk of exactly 0 (and a few exactly 1) on synthetic "
            "cohorts of 2,000-6,000, a certainty no history supports, for no better log loss or calibration "
            "error (benchmarks/post16_roni.py). Isotonic can suit histories of tens of thousands."
        ),
    )
    validation: Literal["latest_cohort", "random"] = Field(
        "latest_cohort",
        description=(
            "How the calibrated model is evaluated. 'latest_cohort' (default): trained on the earlier cohorts and "
            "tested on the latest one with known outcomes (the pupils' cohort_year), as it will be used: on pupils "
            "later than any it learnt from, so a drift between cohorts shows. 'random': a random test_share of "
            "the history, which flatters the model when cohorts differ; used anyway, with a note, when the pupil "
            "table has no cohort_year or a single cohort."
        ),
    )
    test_share: float = Field(
        0.3, gt=0.05, lt=0.6,
        description="Share of the history held out to evaluate the calibrated model when validation is 'random'.",
    )
    flag_share: float = Field(
        0.15,
        gt=0.0,
        lt=1.0,
        description=(
            "Share of the held-out cohort flagged at risk, which fixes the threshold when `threshold` is "
            "not set. A service-capacity choice: set it to the share of Year 9-11 pupils the early "
            "intervention offer can work with."
        ),
    )
    threshold: float | None = Field(
        None, gt=0.0, lt=1.0, description="Fixed risk threshold (probability); overrides `flag_share`."
    )
    top_factors: int = Field(3, ge=1, le=10, description="Factors listed beside each pupil's score.")
    calibration_bins: int = Field(10, ge=3, le=50, description="Quantile bins of the calibration curve.")
    max_calibration_error: float = Field(
        0.05,
        gt=0,
        le=0.5,
        description=(
            "Bound on expected calibration error (absolute probability) for the model to be used. Above it no "
            "pupil is flagged (the ranked list keeps its scores, marked not for use), the results say so "
            "(roni_metrics.calibration_within_bound, flags_withheld, and a note)."
        ),
    )
    group_calibration_tolerance: float = Field(
        0.03,
        gt=0,
        le=0.5,
        description=(
            "A group is flagged when its mean predicted risk differs from its observed NEET rate by more "
            "than this (absolute) and by more than two binomial standard errors."
        ),
    )
    group_recall_tolerance: float = Field(
        0.15,
        gt=0,
        le=1,
        description=(
            "A group is flagged when its recall at the threshold differs from the overall recall by more than "
            "this and by more than two binomial standard errors."
        ),
    )
    min_group_size: int = Field(
        30, ge=1, description="Groups smaller than this (or with fewer than 5 NEET outcomes) are not judged."
    )
    random_state: int = Field(0, description="Seed for splits and the gradient boosting model.")


class Post16Config(BaseModel):
    """The ``post16`` section of a scenario."""

    model_config = ConfigDict(extra="forbid")

    #: Keys this section no longer has, with what to write instead (refused with that advice).
    moved_settings: ClassVar[dict[str, str]] = {
        "la_code": "set the authority once as 'la_code' at the top of scenario.yaml, not under post16: "
                   "standards and post-16 both read it",
        "retention_days": "it is split in two: list_retention_days (how long the ranked and flagged list is kept) "
                          "and training_retention_days (how long past cohorts are kept for the model to learn "
                          "from); set each to the authority's retention schedule",
    }

    participation_target_pct: float = Field(
        95.0,
        ge=0,
        le=100,
        description=(
            "Target share of 16-17 year olds in education or training (percent). The duty to participate "
            "to 18 comes from the Education and Skills Act 2008; 95% is the default local ambition."
        ),
    )
    level2_at_19_target_pct: float = Field(
        90.0, ge=0, le=100, description="Default local target for level 2 by age 19 (percent); set your own."
    )
    level3_at_19_target_pct: float = Field(
        69.0, ge=0, le=100, description="Default local target for level 3 by age 19 (percent); set your own."
    )
    list_retention_days: int = Field(
        365,
        ge=1,
        le=3650,
        description=(
            "Days the ranked and flagged Year 9-11 list is kept, and current pupils' records older than this are "
            "dropped on load (UK GDPR Art. 5(1)(e), storage limitation). A year by default: the list is acted on "
            "through one school year and made again from fresh records the next; every list carries its "
            "delete-after date."
        ),
    )
    training_retention_days: int = Field(
        2190,
        ge=1,
        le=3650,
        description=(
            "Days past cohorts' records (pupils whose NEET outcome at 16-17 is known) are kept for the model to "
            "learn from; older ones are dropped on load. Six years by default: an outcome is known two years after "
            "Year 11, and the model needs three or more cohorts, so a one-year limit would delete the very "
            "history it trains on. Set it to the authority's retention schedule for this purpose."
        ),
    )
    roni: RoniConfig = Field(default_factory=RoniConfig, description="Risk-of-NEET model settings.")


class Post16Settings(BaseSettings):
    """Secrets for pupil-level work, from the environment (``SUFFICIENCY_POST16_PSEUDONYM_KEY``)."""

    model_config = SettingsConfigDict(env_prefix="SUFFICIENCY_POST16_", extra="forbid")

    pseudonym_key: SecretStr = Field(
        ...,
        description=(
            "Secret for the keyed hash (HMAC-SHA256) that turns pupil identifiers into pseudonyms. Keep it "
            "out of scenario files and logs; the same key gives the same pseudonyms across runs."
        ),
    )

    @field_validator("pseudonym_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        # A short key makes the pseudonyms guessable by brute force over the UPN space.
        if len(value.get_secret_value()) < 16:
            raise ValueError("pseudonym_key must be at least 16 characters; generate one with `openssl rand -hex 32`")
        return value
