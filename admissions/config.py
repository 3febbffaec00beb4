"""Settings of the admissions engine: the ``admissions`` section of ``scenario.yaml``.

Every default cites its source: the School Admissions Code 2021 (the equal-preference scheme and the
oversubscription criteria), the School Admissions (Admission Arrangements and Co-ordination of Admission
Arrangements) (England) Regulations 2012 ("the Co-ordination Regulations"), DfE statistics, or, where no
published figure exists, "local assumption", so a council can see what to set for itself.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

PHASES = ("primary", "secondary")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ChoiceModel(_Strict):
    """The conditional logit of which schools a family ranks, for one phase.

    A family's utility for a school is ``distance_per_km * km + ofsted[grade] + log_size * ln(admission
    number) + results_per_10_points * (results - authority mean) / 10 + constant``, plus a Gumbel taste. The
    school constants are calibrated to the observed first preferences (``calibrate``), so Ofsted grade and
    results move only the schools without observed preferences (new schools among them) and the size term
    moves a school whose admission number the plan changes. Coefficients: local assumptions of the sign and
    order found by Burgess, Greaves, Vignoles and Wilson (2015), "What parents want: school preferences and
    school choice", Economic Journal 125: distance dominates, then academic standards.
    """

    distance_per_km: float = Field(-1.0, le=0, description=(
        "Utility per km of straight-line distance from home (the School Admissions Code 2021, para 1.13, lets "
        "admission authorities measure straight-line distance). Local assumption: a school 1 km further is "
        "e^1 = 2.7 times less likely to be chosen."))
    ofsted_outstanding: float = Field(0.8, description="Utility of an Outstanding grade over Not inspected. "
                                      "Local assumption (Burgess et al. 2015: families favour higher-rated "
                                      "schools).")
    ofsted_good: float = Field(0.4, description="Utility of a Good grade over Not inspected. Local assumption.")
    ofsted_requires_improvement: float = Field(-0.3, description="Utility of Requires improvement over Not "
                                               "inspected. Local assumption.")
    ofsted_inadequate: float = Field(-1.0, description="Utility of an Inadequate grade over Not inspected. Local "
                                     "assumption.")
    log_size: float = Field(1.0, ge=0, description=(
        "Utility per unit of ln(admission number): 1 makes a school's pull proportional to its places, as in "
        "destination-choice models with a size variable (a school of 2 forms of entry is twice as likely to be "
        "chosen as a like school of 1). Moves a school the plan expands or cuts. Local assumption."))
    results_per_10_points: float = Field(0.3, description=(
        "Utility per 10 percentage points of the school's headline results above the authority's mean (KS2 "
        "reading, writing and maths at the expected standard for primary; Attainment 8 for secondary), where "
        "school_indicators gives them. Local assumption."))
    lower_rank_scale: float = Field(1.0, gt=0, le=10, description=(
        "Scale of the systematic utility for the second and later preferences against the first (a rank-"
        "ordered logit with a scale by rank, Hausman and Ruud 1987): above 1 families rank their back-up "
        "schools more by distance and standards, below 1 more at random. 1 is the plain rank-ordered logit. "
        "Calibrated when offer shares are given."))


def _choice_primary() -> ChoiceModel:
    return ChoiceModel()


def _choice_secondary() -> ChoiceModel:
    # Secondary pupils travel further: half the primary distance utility per km (local assumption; the
    # statutory walking distances are 2 miles under 8 and 3 miles from 8, Education Act 1996 s.444).
    return ChoiceModel(distance_per_km=-0.5)


class OfferShares(_Strict):
    """An authority's shares of applicants offered their first, second and third preference, in %."""

    first: float = Field(..., ge=0, le=100, description="% offered their first preference.")
    second: float = Field(..., ge=0, le=100, description="% offered their second preference.")
    third: float = Field(..., ge=0, le=100, description="% offered their third preference.")

    @model_validator(mode="after")
    def _at_most_all(self) -> OfferShares:
        if self.first + self.second + self.third > 100 + 1e-9:
            raise ValueError("first, second and third preference offers add up to more than 100%")
        return self


class PlanCheck(_Strict):
    """The plan measured against families' preferences: off unless ``popularity_weights`` or
    ``min_top_three`` is given."""

    min_top_three: float | None = Field(None, ge=0, le=100, description=(
        "A minimum % of applicants offered one of their top three preferences that the plan must keep in every "
        "year and phase (authority level). The simulation checks the plan against it; with popularity_weights, "
        "the cheapest re-plan that meets it is named. None: no requirement."))
    popularity_weights: list[float] = Field(default_factory=list, max_length=6, description=(
        "Re-plan with each of these weights on 'expand popular, good schools first' "
        "(optimiser.rules.prefer_popular_good.weight), with each school's popularity measured by the "
        "simulation (its simulated first preferences against its admission number) instead of last round's "
        "count, and report each plan's cost beside its top-three rate: the trade-off between cost and "
        "preference. Empty: no re-planning (it adds one solve per weight)."))

    @model_validator(mode="after")
    def _weights_in_range(self) -> PlanCheck:
        for weight in self.popularity_weights:
            if not 0 <= weight <= 5:
                raise ValueError(f"popularity weight {weight} is outside 0 to 5 (the optimiser's range)")
        return self


class AdmissionsConfig(_Strict):
    """Everything the admissions simulation assumes. Unknown keys are refused."""

    preferences_primary: int = Field(3, ge=1, le=12, description=(
        "Preferences a family may name for Reception. The Co-ordination Regulations 2012 (Schedule 2) and the "
        "School Admissions Code 2021 (para 15d) require at least three; schemes vary (DfE applications and "
        "offers data: most authorities 3, some up to 6)."))
    preferences_secondary: int = Field(6, ge=1, le=12, description=(
        "Preferences a family may name for Year 7: at least three by law (as above); six in London's pan-London "
        "scheme and many others (DfE applications and offers data)."))
    choice_primary: ChoiceModel = Field(default_factory=_choice_primary,
                                        description="The preference model for Reception.")
    choice_secondary: ChoiceModel = Field(default_factory=_choice_secondary,
                                          description="The preference model for Year 7.")
    calibrate: bool = Field(True, description=(
        "Calibrate each school's constant so that the model's expected first preferences reproduce the "
        "observed ones (first_preferences in schools, or the preferences table when given)."))
    offer_shares_primary: OfferShares | None = Field(None, description=(
        "The authority's own shares of first, second and third preference offers for Reception: when given, "
        "lower_rank_scale is calibrated to reproduce them."))
    offer_shares_secondary: OfferShares | None = Field(None, description=(
        "The same for Year 7."))
    looked_after_share: float = Field(0.01, ge=0, le=0.2, description=(
        "Share of applicants who are looked after or previously looked after: first in every school's "
        "oversubscription criteria (School Admissions Code 2021, para 1.7). DfE 'Children looked after in "
        "England' 2024: 70 in 10,000 children are looked after; about as many again were previously looked "
        "after (adopted or under a special guardianship order)."))
    sibling_share: float = Field(0.3, ge=0, le=0.9, description=(
        "Share of applicants with an older sibling at the school they name first, admitted after looked-after "
        "children (sibling priority is the most common criterion after them; the School Admissions Code 2021, "
        "para 1.11, has admission authorities define 'sibling'). Local assumption: about three in ten entrants."))
    selective_pass_share: float | None = Field(None, gt=0, le=1, description=(
        "Share of Year 7 applicants who reach the standard of the selective (grammar) schools, which admit only "
        "them, in order of the test (School Admissions Code 2021, paras 1.18-1.20); only they name such a "
        "school. None: 1.25 times the larger of the selective schools' places and their first preferences, over "
        "the applicants (local assumption)."))
    home_spread_m: float = Field(1000.0, gt=0, le=20000, description=(
        "Where no ward polygon places a family, homes are scattered around the schools of their planning area "
        "with this standard deviation, metres. Local assumption."))
    draws: int = Field(20, ge=2, le=2000, description=(
        "Repeated simulations (homes, preferences, siblings, tie-breaks) behind each measure's interval."))
    interval: float = Field(0.8, gt=0, lt=1, description=(
        "Coverage of the interval reported beside each measure (0.8: the 10th to the 90th percentile of the "
        "draws, as the forecast's 80% interval)."))
    random_state: int = Field(0, ge=0, description="Seed of the draws: the same seed gives the same results.")
    target_top_three: float = Field(90.0, ge=0, le=100, description=(
        "The strategy's target: % of families offered one of their top three preferences (90%); each measure "
        "reports its gap to it."))
    plan_check: PlanCheck = Field(default_factory=PlanCheck, description=(
        "Measure the plan against preferences: a minimum top-three rate and re-planning with stronger "
        "popularity weights."))

    def choice(self, phase: str) -> ChoiceModel:
        return self.choice_primary if phase == "primary" else self.choice_secondary

    def preferences(self, phase: str) -> int:
        return self.preferences_primary if phase == "primary" else self.preferences_secondary

    def offer_shares(self, phase: str) -> OfferShares | None:
        return self.offer_shares_primary if phase == "primary" else self.offer_shares_secondary
