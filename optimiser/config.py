"""Settings of the optimiser: costs, lead times, distances, rules, budgets and the solver.

Every default cites its source. Where no published rule exists the description says that the value
is a local assumption, so a council can see what to set for itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sufficiency.core.phases import COMPULSORY_NCY, RECEPTION, YEAR_7
from sufficiency.core.statute import WALK_FROM_8_M, WALK_UNDER_8_M, walking_distance_m

#: One form of entry is 30 places per year group (infant class size limit of 30, School Admissions
#: (Infant Class Sizes) (England) Regulations 2012; DfE counts FE in 30s).
FORM_OF_ENTRY = 30


def _today() -> dt.date:
    """The run's date (a function, so tests can pin it)."""
    return dt.date.today()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PhaseCosts(_Strict):
    """Capital cost per place in one phase (pounds, 2024/25 prices)."""

    new_school: float = Field(..., ge=0, description="Cost per place of a new school.")
    permanent_expansion: float = Field(..., ge=0, description="Cost per place of a permanent expansion.")
    temporary: float = Field(..., ge=0, description="Cost per place of temporary accommodation (a bulge class).")


class PreferenceRule(_Strict):
    """Expand popular and good or outstanding schools first."""

    enabled: bool = Field(True, description="Apply the rule. Principle of the council's education strategy.")
    weight: float = Field(
        0.25,
        ge=0,
        le=5,
        description=(
            "Largest mark-up on the capital cost of an expansion or bulge, as a fraction, given to a "
            "school that is neither popular nor good: half of it for first preferences below the "
            "admission number (scaled by the shortfall of preferences) and half for an Ofsted grade "
            "below Good. A weighting in the objective only: the reported costs stay real money. Local "
            "assumption."
        ),
    )


class BanRule(_Strict):
    """Do not expand schools judged inadequate."""

    enabled: bool = Field(
        True,
        description=(
            "Forbid expansions and bulge classes at schools whose latest Ofsted grade is Inadequate "
            "(DfE: a school in special measures is not a candidate for growth)."
        ),
    )
    weight: float | None = Field(
        None,
        ge=0,
        description=(
            "None makes the rule absolute. A number turns it into a preference: the capital cost of "
            "growth at an inadequate school is marked up by this fraction in the objective."
        ),
    )


class MinimumSizeRule(_Strict):
    """New provision is at least a given size."""

    enabled: bool = Field(True, description="Apply the rule (Barnet education strategy: new schools at least 2 FE).")
    forms_of_entry: int = Field(2, ge=1, le=12, description="Smallest new school, in forms of entry.")


class ProtectRule(_Strict):
    """Never reduce a school more families ask for than it admits."""

    enabled: bool = Field(
        True,
        description=(
            "No reduction at a school whose first preferences exceed its admission number (an "
            "oversubscribed school: cutting it turns families away from the school they chose). "
            "Principle of the council's strategy; the School Admissions Code 2021 (para 1.3) has "
            "admission authorities consult on any reduction."
        ),
    )


class CutWeakerRule(_Strict):
    """Where cuts have the same effect, cut a weaker or less popular school first."""

    enabled: bool = Field(True, description="Apply the rule. Principle of the council's education strategy.")
    weight: float = Field(
        10_000.0,
        ge=0,
        description=(
            "Objective weighting (not money) for each form of entry cut at a school rated Good or "
            "Outstanding, or whose first preferences reach its admission number: enough to choose a "
            "weaker school where the effect is the same, too small to outweigh any real cost. Local "
            "assumption."
        ),
    )


class OwnAdmissionsRule(_Strict):
    """Academies, free schools and voluntary-aided schools set their own admission numbers."""

    enabled: bool = Field(
        True,
        description=(
            "A reduction at a school that is its own admission authority (admission_authority 'school', "
            "or an academy or free school) is a proposal needing the school's agreement: flagged in the "
            "plan and the report (School Admissions Code 2021, paras 1.3 and 3.3: the admission "
            "authority sets the admission number)."
        ),
    )
    allow_cuts: bool = Field(
        True,
        description=(
            "Consider such proposals at all. Off: reductions only at schools whose admission authority "
            "is the local authority."
        ),
    )


class LinkRule(_Strict):
    """Infant and junior schools that feed each other move together."""

    enabled: bool = Field(
        True,
        description=(
            "No school of a linked infant and junior pair grows while the other is cut. Pairs come "
            "from the links table, or else from an infant school (ending at Year 2) and a junior school "
            "(starting at Year 3) of the same planning area within max_distance_m of each other."
        ),
    )
    max_distance_m: float = Field(
        800.0,
        ge=0,
        description=(
            "Largest distance between an infant and a junior school treated as a linked pair when no "
            "links table is given, metres (local assumption: linked schools usually share or adjoin "
            "a site)."
        ),
    )


class BasicNeedRule(_Strict):
    """Selective and single-sex schools do not meet general basic need."""

    at_selective: bool = Field(
        False,
        description=(
            "Allow expansions and bulge classes for basic need at selective (grammar) schools. Off: "
            "a place there is not open to every child of the area, so it does not meet general basic "
            "need (DfE basic need allocations count places for any child)."
        ),
    )
    at_single_sex: bool = Field(
        False,
        description=(
            "Allow expansions and bulge classes for basic need at single-sex schools. Off: their "
            "places serve half of the cohort only."
        ),
    )


class Rules(_Strict):
    """The council's principles, each a toggle with a weight."""

    prefer_popular_good: PreferenceRule = Field(default_factory=PreferenceRule,
                                                description="Expand popular, good or outstanding schools first.")
    no_expansion_inadequate: BanRule = Field(default_factory=BanRule,
                                             description="Do not grow schools judged Inadequate.")
    minimum_new_school: MinimumSizeRule = Field(default_factory=MinimumSizeRule,
                                                description="New schools are at least this many forms of entry.")
    protect_oversubscribed: ProtectRule = Field(default_factory=ProtectRule,
                                                description="Never cut an oversubscribed school.")
    cut_weaker_first: CutWeakerRule = Field(default_factory=CutWeakerRule,
                                            description="Cut weaker or less popular schools first.")
    own_admissions: OwnAdmissionsRule = Field(
        default_factory=OwnAdmissionsRule,
        description="Cuts at schools that set their own admission number are proposals, flagged.")
    linked_schools: LinkRule = Field(default_factory=LinkRule,
                                     description="Linked infant and junior schools move together.")
    basic_need: BasicNeedRule = Field(default_factory=BasicNeedRule, description="Where basic need may be met.")


class OptimiserConfig(_Strict):
    """Everything the optimiser assumes. Unknown keys are refused."""

    # --- what is counted -------------------------------------------------------------------
    year_groups: list[int] = Field(
        default_factory=lambda: list(COMPULSORY_NCY),
        description=(
            "National curriculum years planned for. Default Reception to Year 11, the statutory "
            "school age groups the DfE School Capacity survey counts places for; sixth form is "
            "planned in post16."
        ),
    )
    margin: float = Field(
        0.02,
        ge=0,
        le=0.5,
        description=(
            "Operating margin of surplus kept in every planning area, year group and year, as a "
            "fraction of pupils. Default 2%: a local assumption, as no DfE rule sets one; DfE "
            "guidance keeps surplus to about 5% at most."
        ),
    )
    # --- capital costs ---------------------------------------------------------------------
    primary_costs: PhaseCosts = Field(
        default_factory=lambda: PhaseCosts(new_school=25_089, permanent_expansion=21_014, temporary=9_935),
        description="Primary cost per place: DfE School Places Scorecards 2024/25 (England averages).",
    )
    secondary_costs: PhaseCosts = Field(
        default_factory=lambda: PhaseCosts(new_school=30_394, permanent_expansion=28_902, temporary=11_153),
        description="Secondary cost per place: DfE School Places Scorecards 2024/25 (England averages).",
    )
    reduction_cost: float = Field(
        0.0,
        ge=0,
        description="One-off cost of reducing a school's admission number by one FE (consultation only). "
                    "Local assumption.",
    )
    closure_cost: float = Field(
        500_000.0,
        ge=0,
        description=(
            "One-off cost of closing or amalgamating a school (statutory process, redundancy, site "
            "works). Local assumption; set from the council's own last closure."
        ),
    )
    # --- revenue, travel, shortfall ------------------------------------------------------
    surplus_place_cost: float = Field(
        500.0,
        ge=0,
        description=(
            "Revenue cost of one empty place for one year (fixed costs of a place that brings no "
            "per-pupil funding). Local assumption: no DfE figure exists."
        ),
    )
    travel_penalty: float = Field(
        300.0,
        ge=0,
        description=(
            "Penalty for each pupil placed for a year in a neighbouring planning area within "
            "walking distance. Local assumption expressing the preference for a local place."
        ),
    )
    shortfall_penalty: float = Field(
        1_000_000.0,
        gt=0,
        description=(
            "Penalty for each place short of pupils plus margin for a year. Local assumption, set far "
            "above the cost of any place (a 2 FE primary costs about £10.5m for 420 places) so a "
            "shortfall is chosen only when no scheme can be afforded or built in time."
        ),
    )
    walk_under_8_m: float = Field(
        WALK_UNDER_8_M, gt=0,
        description="Statutory walking distance under 8, metres (2 miles, Education Act 1996 s.444).",
    )
    walk_from_8_m: float = Field(
        WALK_FROM_8_M, gt=0,
        description="Statutory walking distance from 8, metres (3 miles, Education Act 1996 s.444).",
    )
    allow_travel: bool = Field(
        True, description="Let pupils be placed in a neighbouring planning area within walking distance."
    )
    # --- lead times and scheme sizes -------------------------------------------------------
    expansion_lead_time: int = Field(
        2, ge=0, le=10,
        description="Years from decision to first extra intake of a permanent expansion (local practice; design, "
                    "planning, build).",
    )
    new_school_lead_time: int = Field(
        3, ge=0, le=10,
        description="Years from decision to opening of a new school (local practice; free school presumption route).",
    )
    bulge_lead_time: int = Field(
        1, ge=0, le=5,
        description="Years from decision to a bulge class (temporary classroom procured within a year).",
    )
    reduction_lead_time: int = Field(
        2,
        ge=0,
        le=5,
        description=(
            "Years from decision to a lower admission number: arrangements are determined by 28 "
            "February some 18 months before entry (School Admissions Code 2021, para 1.46)."
        ),
    )
    closure_lead_time: int = Field(
        2, ge=0, le=5,
        description="Years from decision to closure (statutory proposal and consultation, School Organisation "
                    "Regulations 2013).",
    )
    bulge_ncys: list[int] = Field(
        default_factory=lambda: [RECEPTION, YEAR_7],
        description="Year groups a bulge class may start in: Reception and Year 7, the points of entry.",
    )
    entry_ncys: list[int] = Field(
        default_factory=lambda: [RECEPTION, YEAR_7],
        description="Points of entry from which a new or expanded intake phases in (Reception primary, Year 7 "
                    "secondary).",
    )
    new_school_sizes: list[int] = Field(
        default_factory=lambda: [1, 2, 3],
        description="Sizes of new school considered in every planning area, in FE (those below the minimum-size "
                    "rule are dropped).",
    )
    max_new_schools_per_area: int = Field(1, ge=0, le=5,
                                          description="New schools allowed in one planning area over the horizon.")
    max_reduction_fe: int = Field(
        1, ge=0, le=6,
        description="Largest reduction of one school's admission number over the horizon, FE.",
    )
    min_fe_after_reduction: int = Field(1, ge=0, le=6,
                                        description="A school keeps at least this many FE after a reduction.")
    reduction_years_seen: int = Field(
        3,
        ge=1,
        le=15,
        description=(
            "A reduction or closure takes effect only where the forecast shows at least this many "
            "years of the smaller intake, so no cut rests on the last year or two of a forecast "
            "alone (the model cannot see the years after its horizon). Local assumption."
        ),
    )
    reduction_band: Literal["upper_80", "upper_95", "pupils"] = Field(
        "upper_80",
        description=(
            "Forecast a reduction must leave room for: the upper end of the 80% prediction interval "
            "(default; a 1-in-10 chance of more pupils), of the 95% interval, or the central forecast. "
            "A cut removes only surplus sustained above this band. Local assumption."
        ),
    )
    reduction_keep_surplus: float = Field(
        0.05,
        ge=0,
        le=0.5,
        description=(
            "Surplus a reduction leaves above the band for parental choice and pupils moving in during "
            "the year, as a fraction of the band's pupils (on top of the margin). Default 5%, a local "
            "assumption well below the spare places English authorities expect: in the DfE School Places "
            "Scorecards 2024/25 the median authority estimates 16% of primary and 11% of secondary places "
            "spare in 2027/28."
        ),
    )
    generate_options: bool = Field(
        True,
        description=(
            "Consider default schemes (expand, bulge and reduce at every school; a new school in "
            "every area without a named site) beside the council's options table. Off: only the table."
        ),
    )
    generate_closures: bool = Field(
        False,
        description="Consider closing any school. Off by default: closures come from the council's own options "
                    "table.",
    )
    # --- appraisal -----------------------------------------------------------------------
    discount_rate: float = Field(
        0.035, ge=0, le=0.2, description="Real discount rate: HM Treasury Green Book social time preference rate, 3.5%."
    )
    asset_life_years: int = Field(
        60,
        ge=1,
        le=150,
        description=(
            "Life of a permanent school building: its capital is charged as an equal annual payment "
            "(an annuity at the discount rate) over this life, for each year it is in use within the "
            "horizon, so a building in the last year costs one year of use, not its whole price. 60 "
            "years is the design life DfE's school output specification asks for. A bulge class's "
            "temporary accommodation is charged over the years its cohort stays at the school."
        ),
    )
    decision_date: dt.date | None = Field(
        None,
        description=(
            "Date the programme is decided: no scheme opens before the September after it plus the "
            "scheme's lead time. Default: the day the plan is run."
        ),
    )
    # --- rules and budgets -------------------------------------------------------------------
    rules: Rules = Field(default_factory=Rules, description="The council's principles, each a toggle with a weight.")
    capital_budget: float | None = Field(None, ge=0,
                                         description="Total capital budget over the horizon, pounds. None: unlimited.")
    annual_budget: Annotated[float, Field(ge=0)] | dict[int, Annotated[float, Field(ge=0)]] | None = Field(
        None,
        description="Capital budget per year, pounds (one figure for every year, or year: amount). None: unlimited.",
    )
    # --- solver ------------------------------------------------------------------------------
    solver: Literal["highs", "cbc"] = Field("highs",
                                            description="MILP solver: HiGHS (default) or CBC, both through PuLP.")
    fallback_solver: bool = Field(True,
                                  description="Retry with the other solver when the first is unavailable or fails.")
    time_limit: float = Field(
        120.0,
        gt=0,
        description=(
            "Time limit for the whole plan, seconds: reading the inputs, the greedy baseline and the solve. "
            "When it runs out, the plan is the best found so far (at least the solver's start, never worse "
            "than the greedy baseline), reported as stopped with its gap."
        ),
    )
    gap: float = Field(
        0.001,
        ge=0,
        le=1,
        description=(
            "Optimality gap at which the solver stops (0.1%), relative to the plan's controllable cost "
            "(capital, empty places and travel), not to penalties for shortfall no scheme can meet."
        ),
    )
    threads: int | None = Field(None, ge=1, description="Solver threads; None lets the solver choose.",
                                json_schema_extra={"informational": "solver speed only: the plan found is the same"})
    warm_start: bool = Field(True,
                             description="Start the solver from the greedy plan, so the result is never worse than it.")
    msg: bool = Field(False, description="Show the solver's log.",
                      json_schema_extra={"informational": "solver log only"})

    @model_validator(mode="after")
    def _check(self) -> OptimiserConfig:
        if self.min_fe_after_reduction < 0:
            raise ValueError("min_fe_after_reduction must be >= 0")
        if not self.year_groups:
            raise ValueError("year_groups must list at least one national curriculum year")
        return self

    def costs(self, phase: str) -> PhaseCosts:
        """Cost per place for ``phase`` ("primary" or "secondary")."""
        return self.secondary_costs if phase == "secondary" else self.primary_costs

    def walking_limit(self, ncy: Any) -> Any:
        """Walking distance for a year group (or an array of them), metres: the under-8 distance for
        Reception to Year 2 (``sufficiency.core.statute``)."""
        return walking_distance_m(ncy, self.walk_under_8_m, self.walk_from_8_m)

    def first_open_year(self, lead_time: int, today: dt.date | None = None) -> int:
        """The first academic year (by its autumn) a scheme with ``lead_time`` can open: the September
        after the decision date plus the lead time."""
        decided = self.decision_date or today or _today()
        september = decided.year if decided < dt.date(decided.year, 9, 1) else decided.year + 1
        return september + int(lead_time)

    def annual_budget_for(self, year: int) -> float | None:
        """Budget for one year, or None when unlimited."""
        if self.annual_budget is None or isinstance(self.annual_budget, (int, float)):
            return self.annual_budget
        return self.annual_budget.get(year)


class RobustConfig(_Strict):
    """The robust plan (:mod:`optimiser.stochastic`): the futures it must hold across, how likely each
    is, the risk it may take, and how it is solved. Costs, rules and lead times are the ``optimiser``
    section's. Unknown keys are refused."""

    variants: list[str] = Field(
        default_factory=lambda: ["principal", "high", "low"],
        description="Forecast variants taken as scenarios (the forecast section's variants). With paths, set [] "
                    "to plan on the sampled paths alone.",
    )
    scenario_files: dict[str, str] = Field(
        default_factory=dict,
        description="Named scenarios from files: name to the path (relative to the data folder, or absolute) of "
                    "a scenario.yaml whose forecast section sets that future (its other sections are not read).",
    )
    paths: int = Field(
        0, ge=0, le=200,
        description="Scenarios drawn from the forecast's own bootstrap uncertainty, after reduction: "
                    "path_draws paths are simulated and reduced to this many, each with its probability.",
    )
    path_draws: int = Field(500, ge=10, le=20_000,
                            description="Bootstrap paths simulated before they are reduced to 'paths' scenarios.")
    reduction: Literal["kmeans", "sample"] = Field(
        "kmeans",
        description="How the drawn paths become 'paths' scenarios: kmeans (k-means on each path's pupils by "
                    "area, year group and year, scaled; the path nearest each centre stands for its cluster "
                    "with the cluster's share as probability) or sample (the first 'paths' paths, equally likely).",
    )
    seed: int = Field(0, description="Seed of the path draws and of the reduction.")
    probabilities: dict[str, float] = Field(
        default_factory=dict,
        description="Probability of named scenarios (variants or files); the others share what is left "
                    "equally (sampled paths in proportion to their clusters). Default: all equally likely, "
                    "a local assumption (ONS variants carry no probability).",
    )
    cvar_weight: float = Field(
        0.0, ge=0,
        description="Weight, in pounds a place-year, on the conditional value at risk of avoidable shortfall "
                    "(the expected shortfall of the worst 1 - cvar_level of futures), added to the expected "
                    "cost. 0: none (expected cost only).",
    )
    cvar_level: float = Field(0.9, gt=0, lt=1, description="Level of the conditional value at risk of shortfall.")
    max_shortfall_probability: float | None = Field(
        None, ge=0, le=1,
        description="Cap on the probability that avoidable shortfall exceeds shortfall_tolerance. None: no cap.",
    )
    shortfall_tolerance: float = Field(
        1.0, ge=0, description="Place-years of avoidable shortfall a scenario may have and still count as held.")
    must_hold: list[str] = Field(
        default_factory=list,
        description="Scenarios under which the plan must hold: no more avoidable shortfall than that "
                    "scenario's own plan leaves (plus shortfall_tolerance).",
    )
    method: Literal["extensive", "hedging"] = Field(
        "extensive",
        description="extensive: every scenario in one MILP; hedging: progressive hedging across scenarios "
                    "(each solved alone, first-stage decisions pulled together), with a Lagrangian bound.",
    )
    hedging_iterations: int = Field(12, ge=1, le=200, description="Most rounds of progressive hedging.")
    time_limit: float = Field(120.0, gt=0, description="Seconds the robust solve may take (costing the principal "
                                                       "plan and each scenario's own plan before it, and the "
                                                       "futures after it, are not counted).")
    gap: float = Field(0.005, ge=0, le=1,
                       description="Gap at which the robust solve stops, relative to its expected controllable cost.")
    evpi: bool = Field(True, description="Solve each scenario alone as well, for the expected value of perfect "
                                         "information and each scenario's regret.")
