"""Settings of the forecasting engine: every assumption named, described and defaulted from a source.

`ForecastConfig` is the ``forecast`` section of ``scenario.yaml``. Unknown keys are refused so a
typo never changes a forecast unnoticed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Longest horizon the engine projects (the DfE asks for at most 7; long-term planning 15).
MAX_HORIZON = 15

#: Largest proportional intake shift of a births variant (see `Variant.births_shift_cap`).
BIRTHS_SHIFT_CAP = 0.138

RatioMethod = Literal["mean", "weighted", "exponential", "median", "last", "combination"]


class Variant(BaseModel):
    """Shifts that turn the principal forecast into a high or low variant."""

    model_config = ConfigDict(extra="forbid")

    births_shift_per_year: float = Field(
        0.0,
        ge=-0.2,
        le=0.2,
        description=(
            "Proportional change in intake added for each year ahead (0.014 = +1.4% in year 1, "
            "+2.8% in year 2, ...), capped by births_shift_cap. Stands for higher or lower births."
        ),
    )
    births_shift_cap: float = Field(
        BIRTHS_SHIFT_CAP,
        ge=0.0,
        le=1.0,
        description=(
            "Largest proportional intake shift. Default 0.138: the ONS 2021-based national "
            "population projections' high/low fertility variants (TFR 1.65 and 1.25 against 1.45 "
            "principal) differ from the principal by 0.2/1.45 = 13.8% once fully phased in."
        ),
    )
    migration_shift_sd: float = Field(
        0.0,
        ge=-3.0,
        le=3.0,
        description=(
            "Shift of every progression ratio, in standard deviations of that ratio's own "
            "historical year-to-year variation (+1 = net in-migration one typical year above the "
            "trend, every year). Measured from the data, so it scales to each area. The default "
            "high/low variants use ±0.5."
        ),
    )
    yields_shift: float = Field(
        0.0,
        ge=-1.0,
        le=2.0,
        description=(
            "Proportional change in pupil yields from new housing (0.25 = +25%). No published "
            "variant exists; the default ±25% for high/low is a planning judgement to override."
        ),
    )


def _default_variants() -> dict[str, Variant]:
    """Principal, high and low: births, migration and yields shifted together."""
    return {
        "principal": Variant(),
        # Migration: a persistent shift of half a typical year's deviation, compounding as a
        # cohort moves up, keeps high/low near the edge of the 80% interval rather than past the 95%.
        "high": Variant(births_shift_per_year=0.014, migration_shift_sd=0.5, yields_shift=0.25),
        "low": Variant(births_shift_per_year=-0.014, migration_shift_sd=-0.5, yields_shift=-0.25),
    }


class ForecastConfig(BaseModel):
    """How pupil numbers are projected: ratios, intake, housing, uncertainty and variants."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    #: Keys this section no longer has, with what to write instead (refused with that advice).
    moved_settings: ClassVar[dict[str, str]] = {
        "horizon": "set 'horizon' at the top of scenario.yaml (not under forecast:): it is the run's "
                   "horizon, the years the forecast and the plan both cover",
    }

    min_history_years: int = Field(
        3,
        ge=2,
        le=10,
        description=(
            "Fewest years of rolls accepted. Default 3: two year-on-year transitions are the least "
            "from which a ratio and its year-to-year variation can both be estimated."
        ),
    )
    ratio_method: RatioMethod = Field(
        "combination",
        description=(
            "How each area's historical progression ratios are summarised: 'mean' of the last "
            "n_years, 'weighted' (linearly rising weights), 'exponential' (smoothing, see "
            "smoothing_alpha), 'median', 'last', or 'combination': the area's own 3-year mean, "
            "its exponential smoothing and the authority-wide 3-year mean, weighted per area by "
            "the inverse of each one's squared error when it forecast the area's own past years "
            "(Bates & Granger 1969). Default 'combination': on the rolling-origin backtests of "
            "150 English LAs and of the NYC districts it beat the plain 3-year mean in every "
            "phase and horizon but one (README, accuracy tables)."
        ),
    )
    n_years: int = Field(
        5,
        ge=1,
        le=20,
        description=(
            "Transitions used by the ratio summary (the most recent ones). Default 5: older "
            "ratios describe housing and migration that have since changed; the 3-year mean "
            "common in LA spreadsheets is ratio_method='mean', n_years=3."
        ),
    )
    smoothing_alpha: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description=(
            "Weight of the latest ratio in exponential smoothing; each earlier year counts "
            "(1 - alpha) times the next. Default 0.5 (weights halve each year back), within the "
            "0.1-0.5 range Gardner (1985, J. Forecasting 4:1-28) reports as usual."
        ),
    )
    shrinkage: Literal["empirical_bayes", "fixed", "none"] = Field(
        "none",
        description=(
            "How small areas are pulled towards the authority-wide ratio. 'empirical_bayes' "
            "weighs each area by how noisy its own ratios are against how much areas truly "
            "differ (James-Stein / Efron & Morris 1975); 'fixed' uses shrinkage_strength; 'none' "
            "keeps each area's own ratio. Default 'none': the combination already weighs the "
            "authority-wide ratio by how well it forecast each area, and empirical Bayes on top "
            "cost accuracy in secondary on the English backtest (README)."
        ),
    )
    shrinkage_strength: float = Field(
        30.0,
        ge=0.0,
        description=(
            "With shrinkage='fixed': an area whose cohort is this many pupils gets half its own "
            "ratio and half the authority's. Default 30, one form of entry (DfE: 1 FE = 30)."
        ),
    )
    intake_source: Literal["auto", "births", "population", "trend"] = Field(
        "auto",
        description=(
            "Where Reception comes from: births four years earlier, population aged 4, or its own "
            "damped trend. 'auto' uses births, else population, else the trend."
        ),
    )
    intake_damping: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description=(
            "Damping of the intake (and births) trend per year ahead (Gardner & McKenzie 1985 "
            "damped trend; 0.9 is the middle of the 0.8-0.98 range recommended by Hyndman & "
            "Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., s.8.2), so a "
            "short-run rise or fall is not extrapolated for fifteen years."
        ),
    )
    intake_trend_years: int | None = Field(
        3,
        ge=0,
        le=MAX_HORIZON,
        description=(
            "Years the intake trend runs before it stops (and its gain ebbs, intake_trend_ebb): "
            "Reception's own trend (without births or population) from the base year, and the "
            "births (or population) trend from the last year given. None lets the damped trend run "
            "for the whole horizon. Default 3: tested on 150 English LAs' live births 1992-2022 as "
            "a stand-in for Reception (24 origins, two turns in births), the damped trend beat a "
            "flat level 1-3 years ahead (median error 2.46, 3.79, 5.48% against 2.61, 4.17, 5.62%) "
            "but lost from 4 years on (10 years ahead 20.3% against 11.9%) (README)."
        ),
    )
    intake_trend_ebb: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the intake trend's gain (or loss) that stays each year after it stops "
            "(intake_trend_years): 1 holds the level it reached, 0.5 halves its distance from the "
            "last year's level each year, 0 returns to that level at once. Default 0.5: on 150 "
            "English LAs' live births 1992-2022 (the stand-in above) a flat level beat the level "
            "the trend reached from 4 years ahead; ebbing by half, the median error 4, 5, 7 and 10 "
            "years ahead was 6.70, 7.74, 9.82 and 11.93% against 7.08, 8.54, 11.81 and 14.63% held "
            "(flat: 6.71, 7.65, 9.75, 11.88), and 1-3 years ahead is unchanged (README)."
        ),
    )
    intake_growth_method: RatioMethod | None = Field(
        "mean",
        description=(
            "How Reception's yearly growth is summarised when it has no births or population "
            "(its own trend, damped by intake_damping); None uses ratio_method. Default 'mean' "
            "(of the last n_years) with empirical-Bayes shrinkage: on the English backtest without "
            "births it beat a flat intake (the 3-year-mean baseline) and the combination (README)."
        ),
    )
    intake_growth_shrinkage: Literal["empirical_bayes", "fixed", "none"] | None = Field(
        "empirical_bayes",
        description="Shrinkage of Reception's own growth (no births or population); None uses shrinkage.",
    )
    intake_entry_weight: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description=(
            "Where births or population are given, Reception is this share of the births-based "
            "forecast plus the rest of Reception's own damped trend (a forecast combination), the "
            "trend's share fading to nothing over the years after it stops; 1 uses births alone. "
            "Default 1: scored on the rolls the DfE School Places Scorecards publish for 2018/19 "
            "and 2023/24-2025/26 (years after the census panel 0.75 was chosen on), births alone "
            "beat 0.75 in primary 2-4 years ahead (2018/19: median 1.08% against 1.29%, bias +0.85% "
            "against +1.28%) and were less biased at every later year: Reception's own trend "
            "carries the growth of births from before a turn past it (English births fell from "
            "2012). 0.75 had cut Reception's error 3 years ahead on the 2013-2016 census backtest (README)."
        ),
    )
    intake_ratio_method: RatioMethod | None = Field(
        "exponential",
        description=(
            "How each area's yearly Reception ÷ births (or population) ratios are summarised when "
            "births or population are given: 'exponential' is simple exponential smoothing with "
            "smoothing_alpha (the latest year's ratio weighs alpha, the one before alpha(1 - alpha), "
            "and so on, normalised), 'mean' the mean of the last n_years, or any other ratio_method; "
            "None uses ratio_method. Default 'exponential': it is the optimal forecast of a ratio "
            "whose level walks at random under yearly noise (Muth 1960, 'Optimal properties of "
            "exponentially weighted forecasts', JASA 55:299-306); on the English backtest with "
            "births its Reception summed to regions 1-3 years ahead missed by 0.93, 1.39 and 1.89% "
            "(combined like the progression ratios: 1.02, 1.56, 2.00; the mean: 1.17, 1.52, 1.91) "
            "and its primary totals by 0.36, 0.69 and 1.09% (0.37, 0.71, 1.11; 0.40, 0.71, 1.19) (README)."
        ),
    )
    intake_ratio_trend_damping: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "Reception ÷ births follows the authority-wide ratio's linear trend, damped by this "
            "factor a year; None keeps each area's summarised ratio flat. Default None: English "
            "Reception ÷ births rose from 0.939 to 0.954 in 2011-2016, then fell in 2017, and a trend "
            "(0.9) fitted to the rise missed Reception of 2017/18 and 2018/19 (the DfE's on-time "
            "applications), summed to regions 1-3 years ahead, by 1.21, 1.39 and 1.48% (bias +1.0 to "
            "+1.3%) against 0.80, 0.98 and 1.33% flat (+0.1 to +0.4%), and lost to the 3-year mean "
            "(0.86, 1.08, 1.46) where the flat ratio beats it. The trend scored better on the years "
            "it was chosen on (census Reception by region 0.65, 1.09, 1.67 against 0.93, 1.39, 1.89) "
            "and 7-11 years ahead with births known (primary 2.38-2.86% against 3.10-3.60%) (README)."
        ),
    )
    ratio_trend_damping: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "Progression ratios follow the authority-wide ratio's linear trend (one per "
            "transition), damped by this factor a year; None keeps them flat. Default None: on "
            "the English backtest a trend (0.8 or 0.9) helped primary but over-forecast "
            "secondary by up to 1% (README)."
        ),
    )
    transfer_self_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "An area feeds its own next year group when its pupils in the earlier year group are "
            "at least this share of those in the later one; otherwise (a secondary planning area "
            "at Year 7) the earlier year group comes from feeder areas."
        ),
    )
    transfer_test_share: float | None = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description=(
            "At a transfer (a transition where some area already takes its pupils from feeders, "
            "such as Year 7, or Grade 9 where students choose high schools across districts), an "
            "area that feeds its own next year group by transfer_self_share but whose earlier year "
            "group is below this share of the later one (more than a tenth of it came from "
            "elsewhere) takes it from its own cohort or its feeders' (a feeders table, else every "
            "other area pro rata), whichever forecast the area's past years better, once both were "
            "tested on at least two years (selection by out-of-sample error); None: "
            "transfer_self_share alone decides. Default 0.9: on the NYC backtest Grade 6-12 one year "
            "ahead fell to a median of 1.11% from 1.28% (the 3-year mean: 1.25%), and 0.8-1.0 gave "
            "1.10-1.17%; the English LA backtest has no transfer and is unchanged (README)."
        ),
    )
    housing: bool = Field(True, description="Add pupils from new dwellings when housing and pupil_yields are given.")
    housing_above_trend: bool = Field(
        True,
        description=(
            "Count only dwellings above the area's historic build rate, because pupils from the "
            "usual rate of building are already in the roll trend (DfE 'Estimating pupil yield "
            "from housing development', 2023, warns against double counting)."
        ),
    )
    intervals: tuple[float, ...] = Field(
        (0.8, 0.95),
        description="Central prediction interval levels to report. Default 80% and 95%.",
    )
    n_paths: int = Field(
        1000,
        ge=50,
        le=20000,
        description="Bootstrap paths for the prediction intervals. Default 1,000.",
    )
    residual_scale_exponent: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Ratio noise scales as cohort size to the power minus this. Default 0.5: pupils "
            "moving independently give binomial noise, so a cohort four times larger has half "
            "the ratio noise; 0 treats every area as equally noisy."
        ),
    )
    random_state: int | None = Field(
        20250901, description="Seed of the bootstrap, so the same inputs give the same intervals."
    )
    apportion_years: int = Field(
        3,
        ge=1,
        le=10,
        description=(
            "School forecasts take each school's share of its area's year group over this many "
            "recent years. Default 3, matching the usual 3-year window of LA forecasts."
        ),
    )
    variants: dict[str, Variant] = Field(
        default_factory=_default_variants,
        description=(
            "Named variants; 'principal' is the central forecast. Default high/low: births ±1.4% a "
            "year (ONS fertility variants, capped at ±13.8%), migration ±0.5 SD, yields ±25%. Entries "
            "given change only the shifts they name; a new name adds a variant."
        ),
    )
    variant: str = Field("principal", description="Which entry of variants this run uses.")

    @field_validator("variants", mode="before")
    @classmethod
    def _over_the_defaults(cls, value: object) -> object:
        """Entries given are laid over the default variants: ``high: {yields_shift: 0.5}`` in
        scenario.yaml changes the high variant's yields only, and keeps principal, low and high's
        other shifts (a ``Variant`` object replaces its entry whole)."""
        if not isinstance(value, dict):
            return value
        out: dict[str, object] = {name: v.model_dump() for name, v in _default_variants().items()}
        for name, given in value.items():
            known = out.get(name)
            out[name] = {**known, **given} if isinstance(given, dict) and isinstance(known, dict) else given
        return out

    @model_validator(mode="after")
    def _check(self) -> ForecastConfig:
        if self.variant not in self.variants:
            raise ValueError(f"variant '{self.variant}' is not one of {sorted(self.variants)}")
        for level in self.intervals:
            if not 0.0 < level < 1.0:
                raise ValueError(f"interval level {level} must lie strictly between 0 and 1")
        return self


class AccuracyConfig(BaseModel):
    """How the forecast is scored on the council's own past years (the ``accuracy`` section)."""

    model_config = ConfigDict(extra="forbid")

    origins: int = Field(
        3,
        ge=1,
        le=10,
        description=(
            "Latest years the forecast is made from again, each with the rolls up to it alone and scored on the "
            "years after. Default 3, as the DfE School Places Scorecards score each authority's own forecasts over "
            "three scorecards (2022/23-2024/25)."
        ),
    )
    horizon: int = Field(
        3,
        ge=1,
        le=MAX_HORIZON,
        description=(
            "Longest number of years ahead scored (fewer where the rolls end sooner). Default 3: the DfE School "
            "Places Scorecards score authorities' forecasts one and three years ahead."
        ),
    )
