"""How the forecast has done on the council's own past years, beside the plain method and its own forecasts.

The forecast is made again from each of the latest years of the council's rolls (``accuracy.origins``, 3),
with the rolls, births and population known by that year alone, and scored on the years after, up to
``accuracy.horizon`` (3) years ahead: the rolling-origin backtest of :mod:`forecasting.backtest`. Beside it
are the 3-year-mean cohort survival (the usual spreadsheet method) and, where the scenario names an English
authority, the error of the council's own SCAP forecasts one and three years ahead as the DfE School Places
Scorecards publish them (:mod:`forecasting.scorecards`). The board reads whether the numbers it is asked
to act on have been right before, and how often the outturn fell inside the 80% interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.backtest import backtest_errors, baselines, summarise_errors
from forecasting.config import AccuracyConfig, ForecastConfig
from forecasting.forecast import resolve_config
from forecasting.panel import ForecastInputError
from forecasting.scorecards import SOURCE, council_errors
from sufficiency.core.phases import PRIMARY, SECONDARY, span
from sufficiency.core.years import academic_year

OURS = "sufficiency"
BASELINE = "csr_mean_3"
MEASURE_COLUMNS = ["level", "phase", "horizon", "model", "median_ape", "mape", "mean_signed_error", "coverage_80",
                   "coverage_95", "n"]
HEADLINE_COLUMNS = ["phase", "horizon", "forecasts", "authority_ape", "authority_signed", "baseline_authority_ape",
                    "council_ape", "council_signed", "council_n", "areas", "area_median_ape",
                    "baseline_area_median_ape", "area_coverage_80", "area_coverage_95"]
#: The two tables a reader sees (the report, console and web), each column labelled with its unit.
AUTHORITY_LABELS = {
    "phase": "Phase", "horizon": "Years ahead", "forecasts": "Forecasts scored",
    "authority_ape": "This forecast: mean absolute error (%)",
    "authority_signed": "This forecast: mean signed error (%)",
    "baseline_authority_ape": "3-year-mean cohort survival: mean absolute error (%)",
    "council_ape": "The council's own forecasts: mean absolute error (%)",
    "council_signed": "The council's own forecasts: mean signed error (%)",
}
AREA_LABELS = {
    "phase": "Phase", "horizon": "Years ahead", "areas": "Planning-area totals scored",
    "area_median_ape": "This forecast: median absolute error (%)",
    "baseline_area_median_ape": "3-year-mean cohort survival: median absolute error (%)",
    "area_coverage_80": "Inside this forecast's 80% interval (%)",
    "area_coverage_95": "Inside its 95% interval (%)",
}

#: The shown columns that are counts, written as whole numbers.
COUNT_LABELS = {AUTHORITY_LABELS["horizon"], AUTHORITY_LABELS["forecasts"], AREA_LABELS["areas"]}


@dataclass
class Accuracy:
    """The forecast scored on the council's own past years.

    Attributes
    ----------
    origins
        The years the forecast was made again from.
    horizon
        The longest number of years ahead scored.
    measures
        ``level`` ("authority", "planning_area": phase totals; "year_group": area × year group), ``phase``
        ("primary", "secondary", "all"), ``horizon``, ``model`` (``OURS`` or ``BASELINE``), ``median_ape``,
        ``mape``, ``mean_signed_error`` (% of the outturn; positive: too high), ``coverage_80``,
        ``coverage_95`` (share of outturns inside this forecast's intervals; none for the authority,
        whose few totals cannot measure it), ``n`` (forecasts scored).
    council
        The council's own forecasts' errors from the scorecards: ``phase, horizon, scorecard, error_pct``.
    la_name
        The authority the scorecards were read for (None when the scenario names none they know).
    notes
        What a reader should know of how the scores were made.
    """

    origins: list[int]
    horizon: int
    measures: pd.DataFrame
    council: pd.DataFrame
    la_name: str | None = None
    notes: list[str] = field(default_factory=list)

    def headline(self) -> pd.DataFrame:
        """One row per phase and years ahead: the authority total's errors (this forecast, the 3-year mean and
        the council's own), the planning areas' median error and the 80% interval's coverage (%)."""
        m = self.measures.set_index(["level", "phase", "horizon", "model"])

        def get(level: str, phase: str, h: int, model: str, column: str) -> float:
            key = (level, phase, h, model)
            return float(m.at[key, column]) if key in m.index else np.nan

        rows = []
        for phase in ("primary", "secondary"):
            for h in range(1, self.horizon + 1):
                if np.isnan(get("authority", phase, h, OURS, "n")):
                    continue
                own = self.council[(self.council["phase"] == phase) & (self.council["horizon"] == h)]
                rows.append({
                    "phase": phase, "horizon": h, "forecasts": int(get("authority", phase, h, OURS, "n")),
                    "authority_ape": get("authority", phase, h, OURS, "mape"),
                    "authority_signed": get("authority", phase, h, OURS, "mean_signed_error"),
                    "baseline_authority_ape": get("authority", phase, h, BASELINE, "mape"),
                    "council_ape": float(own["error_pct"].abs().mean()) if len(own) else np.nan,
                    "council_signed": float(own["error_pct"].mean()) if len(own) else np.nan,
                    "council_n": len(own),
                    "areas": int(get("planning_area", phase, h, OURS, "n")),
                    "area_median_ape": get("planning_area", phase, h, OURS, "median_ape"),
                    "baseline_area_median_ape": get("planning_area", phase, h, BASELINE, "median_ape"),
                    "area_coverage_80": 100 * get("planning_area", phase, h, OURS, "coverage_80"),
                    "area_coverage_95": 100 * get("planning_area", phase, h, OURS, "coverage_95"),
                })
        return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)

    def shown(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The headline as a reader sees it (:func:`shown_tables`)."""
        return shown_tables(self.headline())

    def summary(self) -> str:
        """One paragraph on the authority's totals a year ahead (:func:`summary_text`)."""
        return summary_text(self.headline(), self.origins)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Stored with a run: the headline, every measure, the council's scorecard errors and the notes."""
        return {"headline": self.headline(), "measures": self.measures, "council": self.council,
                "origins": pd.DataFrame({"origin": self.origins}),
                "notes": pd.DataFrame({"note": list(self.notes)}, dtype=object)}


def shown_tables(headline: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The headline in two tables with labelled columns, to one decimal: the authority's phase totals (with the
    council's own forecasts where the scorecards give any, one and three years ahead, the horizons they score)
    and the planning areas' phase totals. The report, the console and the web page all show these."""
    council = bool((headline["council_n"] > 0).any())
    labels = {k: v for k, v in AUTHORITY_LABELS.items() if council or not k.startswith("council")}
    authority = headline[list(labels)].rename(columns=labels)
    areas = headline[list(AREA_LABELS)].rename(columns=AREA_LABELS)
    for frame in (authority, areas):
        frame["Phase"] = frame["Phase"].str.capitalize()
        for col in frame.columns[1:]:
            if col in COUNT_LABELS:  # years ahead and forecasts scored are counts: 3, not 3.0
                frame[col] = frame[col].astype(int)
                continue
            # + 0.0 turns a -0.0 left by rounding (a signed error of -0.04%) into 0.0: "-0.0" reads as a miss.
            frame[col] = frame[col].round(1) + 0.0
    return authority, areas


def summary_text(headline: pd.DataFrame, origins: list[int]) -> str:
    """How far the forecast missed the authority's totals a year ahead, against the 3-year mean and the
    council's own forecasts, in one paragraph."""
    said = []
    for row in headline[headline["horizon"] == 1].itertuples(index=False):
        text = f"{row.phase} {row.authority_ape:.1f}% (3-year-mean cohort survival {row.baseline_authority_ape:.1f}%"
        if not pd.isna(row.council_ape):
            text += f"; the council's own forecasts {row.council_ape:.1f}%"
        said.append(text + ")")
    return (f"Made again from each of {_years(origins)} with only the data known then, this forecast missed the "
            f"authority's pupils a year ahead by {' and '.join(said) if said else 'no phase it could score'}, as a "
            "mean absolute error in % of the outturn.")


def _years(origins: list[int]) -> str:
    """'2021/22, 2022/23 and 2023/24'."""
    labels = [academic_year(y) for y in origins]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def latest_origins(years: np.ndarray, count: int, min_history: int) -> list[int]:
    """The latest ``count`` years with ``min_history`` years of rolls to them and one year after (oldest first)."""
    first, last = int(years.min()), int(years.max())
    earliest = first + min_history - 1
    return list(range(max(earliest, last - count), last))


def assess(inputs: Any, config: ForecastConfig | None = None, settings: AccuracyConfig | None = None,
           la: str | None = None) -> Accuracy:
    """Score the forecast on the council's own past years.

    Parameters
    ----------
    inputs
        The run's `Inputs` (rolls, schools, and births, population and wards where given), or a long table of
        area rolls ``planning_area_id, year, ncy, pupils``.
    config
        The forecast's settings (default: the scenario's).
    settings
        How many origins and years ahead (default `AccuracyConfig()`).
    la
        The authority's DfE number, GSS code or name, for its own forecasts' errors in the scorecards.

    Raises
    ------
    ForecastInputError
        When the rolls are too short to make a forecast from any earlier year and score it.
    """
    settings = settings or AccuracyConfig()
    config = resolve_config(inputs, config)
    rolls = inputs if isinstance(inputs, pd.DataFrame) else inputs.rolls
    years = np.sort(pd.unique(rolls["year"].astype(int)))
    origins = latest_origins(years, settings.origins, config.min_history_years)
    if not origins:
        raise ForecastInputError(
            f"rolls run {years.min()}-{years.max()}: scoring the forecast on past years needs "
            f"{config.min_history_years} years of rolls to a year it is made from and one year after it, so at "
            f"least {config.min_history_years + 1} years of rolls")
    phases = {PRIMARY: span(PRIMARY), SECONDARY: span(SECONDARY)}
    models = {BASELINE: baselines()[BASELINE]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = backtest_errors(inputs, origins, settings.horizon, config, OURS, models=models, phases=phases)
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    horizon = int(errors["horizon"].max())
    measures = _measures(errors)
    la_name, council = council_errors(la)
    notes += _coverage_notes(errors) + _notes(inputs, origins, la, la_name, council)
    return Accuracy(origins, horizon, measures, council, la_name, notes)


def _measures(errors: pd.DataFrame) -> pd.DataFrame:
    phase_rows = errors[errors["level"] == "area_phase"]
    # The authority's phase totals: the planning areas' phase totals summed, from each origin.
    authority = phase_rows.groupby(["model", "origin", "horizon", "phase"], as_index=False)[["forecast", "actual"]]
    authority = authority.sum()
    authority["pe"] = (authority["forecast"] / authority["actual"] - 1) * 100
    authority = authority.assign(ape=authority["pe"].abs(), in_80=np.nan, in_95=np.nan)
    cells = errors[errors["level"] == "area_ncy"].assign(phase="all")
    parts = [("authority", authority), ("planning_area", phase_rows), ("year_group", cells)]
    table = pd.concat([summarise_errors(frame, by=("phase", "horizon", "model")).assign(level=level)
                       for level, frame in parts], ignore_index=True)[MEASURE_COLUMNS]
    return table.round({c: 3 for c in ("median_ape", "mape", "mean_signed_error", "coverage_80", "coverage_95")})


#: A note says the intervals did not hold when so few (or so many) outturns fell inside them that an interval
#: keeping its promise would show it less often than this (a two-sided binomial test).
COVERAGE_TEST_LEVEL = 0.05


def _coverage_notes(errors: pd.DataFrame) -> list[str]:
    """Whether the planning areas' phase totals fell inside this forecast's intervals as often as promised,
    pooled over the origins and years ahead: scipy's exact binomial test of the count inside. The outturns of
    one year share its shocks, so they are not quite independent and the test is a guide."""
    from scipy.stats import binomtest

    ours = errors[(errors["level"] == "area_phase") & (errors["model"] == OURS)]
    said, ways = [], set()
    for level, column in ((0.8, "in_80"), (0.95, "in_95")):
        hits = ours[column].dropna()
        n, inside = len(hits), int(hits.sum())
        if n == 0 or binomtest(inside, n, level).pvalue >= COVERAGE_TEST_LEVEL:
            continue
        ways.add("narrow" if inside / n < level else "wide")
        said.append(f"{inside} of {n} ({100 * inside / n:.0f}%) inside the {level:.0%} interval")
    if not said:
        return []
    verdict = ("too narrow: read them as the least of the uncertainty" if ways == {"narrow"}
               else "too wide" if ways == {"wide"} else "off, one level too narrow and the other too wide")
    return [f"On these years the planning areas' phase totals fell {' and '.join(said)}: further from what the "
            f"intervals promise than chance would give (a binomial test, p < {COVERAGE_TEST_LEVEL:g}; outturns of "
            f"one year share its shocks, so take it as a guide). Here the intervals were {verdict}."]


def _notes(inputs: Any, origins: list[int], la: str | None, la_name: str | None,
           council: pd.DataFrame) -> list[str]:
    notes = []
    if getattr(inputs, "housing", None) is not None:
        notes.append("The forecasts scored here leave out the pupils new housing yields, so where homes were built "
                     "over these years they ran low.")
    if la and la_name is None:
        notes.append(f"The scenario's la_code '{str(la)[:40]}' is not an English authority of the {SOURCE}, so the "
                     "council's own forecasts are not shown; give its DfE number (e.g. 358) or GSS code.")
    elif la_name is not None and council.empty:
        notes.append(f"The {SOURCE} publish no forecast accuracy for {la_name} (too few pupils, or suppressed), so the "
                     "council's own forecasts are not shown.")
    elif la_name is not None:
        notes.append(f"The council's own forecasts are {la_name}'s SCAP forecasts as the {SOURCE} 2022/23-2024/25 "
                     f"score them (one and three years ahead), not of the years made from here ({_years(origins)}), "
                     "and made without knowing the years after; this forecast's scores are like for like only in "
                     "that each uses the rolls, births and population known by the year it is made from.")
    return notes
