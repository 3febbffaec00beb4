"""Forecast accuracy across English authorities: every LA one planning area, 2011/12-2016/17.

A rolling-origin backtest (origins 2013-2015, horizons 1-3) over the 150 areas of the DfE school
census panel (the GLA's extract; Dorset, Poole and Bournemouth counted as one area), with
Reception from births (ONS mid-year births, known up to the origin) and without them (rolls
alone), for our forecast and for persistence, 100% survival and cohort survival on the 3-year
mean of ratios. Prints, by phase (Reception-Year 6, Years 7-11) and horizon, the median and mean
absolute % error and the mean signed error of each LA's phase total; Reception against the GLA's
published backtest; interval coverage at LA × year group, LA total and England total;
accuracy by size band; by origin, phase totals and Reception against the 3-year-mean CSR
with and without births; the later years the DfE School Places Scorecards publish (LA primary and
secondary rolls of 2018/19 and 2023/24-2025/26, forecast from 2014-2016, 2-11 years ahead, with births
as known at the origin and to 2022); Reception of 2017/18 and 2018/19 scored on the DfE's on-time
applications; and, beyond the census's three years, Reception's own trend 1-10
years ahead with each LA's live births 1992-2022 as the series. Run: ``python -m benchmarks
forecast_accuracy_england [--shared DIR] [--pupils FILE] [--origins ...]``.

A longer panel (``england/pupils/la_ncy_2011_2022.csv``, say, from the same GLA file) is picked up
by itself, or named with ``--pupils``; the origins then run to the year before its last. Authorities
reorganised in those years (Dorset, Poole and Bournemouth in 2019; Northamptonshire in 2021;
Cumbria in 2023) stay one area each throughout (`forecasting.external.ENGLAND_MERGED_AREAS`).
Needs the shared open data (../shared/data); exits cleanly with a message when it is absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import load_average, machine
from sklearn.base import clone

from forecasting import ForecastConfig
from forecasting.backtest import backtest_errors, baselines, summarise_errors
from forecasting.cohort import CohortSurvival
from forecasting.external import (
    ENGLAND_MERGED_AREAS,
    SCORECARD_ROLLS,
    births_as_rolls,
    midyear_entry_cohort,
    read_england_panel,
    read_scorecard_rolls,
)
from forecasting.forecast import make_model
from forecasting.intake import IntakeModel
from forecasting.panel import as_panel
from forecasting.uncertainty import simulate_intervals

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SUFFICIENCY_SHARED_DATA", ROOT.parent / "shared" / "data"))
PHASES = {"primary": (0, 6), "secondary": (7, 11)}
#: Size bands of an LA's roll (all year groups, origin year).
BANDS = [0, 20_000, 40_000, 80_000, np.inf]
BAND_NAMES = ["under 20k", "20-40k", "40-80k", "80k and over"]


def pupils_file(shared: Path) -> Path | None:
    """The longest English LA panel under ``shared`` (``england/pupils/la_ncy_FIRST_LAST.csv``, the one
    reaching the latest year), or None."""
    found = sorted((shared / "england" / "pupils").glob("la_ncy_*_*.csv"), key=lambda p: p.stem.split("_")[-1])
    return found[-1] if found else None


def default_origins(pupils: Path, min_history: int = ForecastConfig().min_history_years) -> list[int]:
    """Every origin the panel can score: ``min_history`` years of rolls before it, one of outturn after."""
    years = pd.read_csv(pupils, usecols=["year"])["year"]
    return list(range(int(years.min()) + min_history - 1, int(years.max())))


def england_errors(shared: Path, origins: list[int], horizon: int, config: ForecastConfig | None = None,
                   births: bool = True, intervals: bool = True, pupils: Path | None = None) -> pd.DataFrame:
    """Cell errors of our forecast and the baselines, with or without births (``pupils`` default: the
    longest panel under ``shared``)."""
    england = shared / "england"
    rolls, born = read_england_panel(pupils or pupils_file(shared) or england / "pupils" / "la_ncy_2011_2016.csv",
                                     england / "births" / "la_births.csv")
    cohort_at = (lambda origin: midyear_entry_cohort(born, known_by=origin)) if births else (lambda origin: None)
    return backtest_errors(rolls, origins, horizon, config or ForecastConfig(), cohort_at=cohort_at,
                           phases=PHASES, intervals=intervals)


def phase_table(errors: pd.DataFrame) -> pd.DataFrame:
    """Median and mean absolute % error and mean signed error of LA phase totals."""
    t = summarise_errors(errors[errors.level == "area_phase"], by=("phase", "horizon", "model"))
    return t.drop(columns=["coverage_80", "coverage_95"])


def wide_table(errors: pd.DataFrame) -> pd.DataFrame:
    """The README's table: per phase and horizon, each model's median | mean absolute | signed % error."""
    t = phase_table(errors).set_index(["phase", "horizon", "model"])
    out = pd.DataFrame(index=t.index.droplevel("model").unique())
    for model, label in (("sufficiency", "sufficiency"), ("csr_mean_3", "3-yr-mean CSR"),
                         ("persistence", "persistence"), ("survival_100", "100% survival")):
        m = t.xs(model, level="model")
        out[label] = [f"{a:.2f} / {b:.2f} / {c:+.2f}" for a, b, c in
                      zip(m["median_ape"], m["mape"], m["mean_signed_error"], strict=True)]
    return out.reset_index()


def reception_cells(errors: pd.DataFrame, phase: str) -> pd.DataFrame:
    """The LA × Reception cells of ``errors``, labelled ``phase`` so they sit beside the phase totals."""
    return errors[(errors.level == "area_ncy") & (errors.ncy == 0)].assign(phase=phase)


def coverage_table(errors: pd.DataFrame, model: str = "sufficiency") -> pd.DataFrame:
    """Interval coverage of our forecast by level and horizon, with LA × Reception cells apart
    (phase "reception": the intake's own intervals, which drive the primary totals')."""
    ours = errors[(errors.model == model) & errors.level.isin(["area_ncy", "area_phase", "area_total",
                                                                "authority_total"])]
    ours = ours.assign(phase=ours.phase.where(ours.level == "area_phase", "all"))
    return summarise_errors(pd.concat([ours, reception_cells(ours, "reception")], ignore_index=True),
                            by=("level", "phase", "horizon"))


def coverage_by_origin(errors: pd.DataFrame, model: str = "sufficiency") -> pd.DataFrame:
    """Share of outturns inside our 80% interval by origin and horizon: LA totals, primary totals and LA ×
    Reception. The intervals are sized from the years before each origin; the earliest origins have the
    fewest (two year-on-year changes from 2013) and the pooled 2-3-year figures come from them alone."""
    ours = errors[errors.model == model]
    parts = {"LA total": ours[ours.level == "area_total"],
             "primary total": ours[(ours.level == "area_phase") & (ours.phase == "primary")],
             "LA x Reception": ours[(ours.level == "area_ncy") & (ours.ncy == 0)]}
    table = pd.DataFrame({name: part.groupby(["origin", "horizon"])["in_80"].mean() for name, part in parts.items()})
    return table.reset_index()


def reception_table(errors: pd.DataFrame) -> pd.DataFrame:
    """Reception alone (LA × Reception cells), against the GLA's published backtest."""
    rec = errors[(errors.level == "area_ncy") & (errors.ncy == 0)]
    return summarise_errors(rec, by=("horizon", "model")).drop(columns=["coverage_80", "coverage_95"])


#: Authorities gone from the 2022/23-2024/25 scorecards (reorganised), with their region.
FORMER_REGIONS = {"909": "North West", "928": "East Midlands", "838_839": "South West"}


def regions(shared: Path) -> pd.Series:
    """Region of each LA code, from the DfE School Places Scorecards (plus `FORMER_REGIONS`)."""
    cards = pd.read_csv(shared / "england" / "scorecards" / "scorecard_data_2025_2023.csv", dtype={"LANumber": str})
    found = cards.dropna(subset=["LANumber"]).drop_duplicates("LANumber").set_index("LANumber")["Region"]
    return pd.concat([found, pd.Series(FORMER_REGIONS)])


def summed_to_regions(errors: pd.DataFrame, region_of: pd.Series) -> pd.DataFrame:
    """LA forecasts and outturns summed to regions, by model, origin and horizon (and year, where ``errors`` has
    it), with the regions' % errors (``pe``, ``ape``)."""
    keys = ["model", "origin", *(["year"] if "year" in errors else []), "horizon", "region"]
    g = errors.assign(region=errors["area"].map(region_of)).groupby(keys, as_index=False)[["forecast", "actual"]].sum()
    g["pe"] = (g["forecast"] / g["actual"] - 1) * 100
    g["ape"] = g["pe"].abs()
    return g


def reception_by_region(errors: pd.DataFrame, region_of: pd.Series) -> pd.DataFrame:
    """Reception summed over each region's LAs, against the GLA's published backtests by region."""
    g = summed_to_regions(errors[(errors.level == "area_ncy") & (errors.ncy == 0)], region_of)
    t = g.groupby(["horizon", "model"], sort=False).agg(
        median_ape=("ape", "median"), mape=("ape", "mean"), mean_signed_error=("pe", "mean"), n=("pe", "size"))
    return t.reset_index().sort_values(["horizon", "model"], key=lambda s: s.map(
        {m: i for i, m in enumerate(errors.model.unique())}) if s.name == "model" else s)


def band_table(errors: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of LA phase totals by size band of the LA's roll."""
    e = errors[errors.level == "area_phase"].copy()
    e["band"] = pd.cut(e["size"], BANDS, labels=BAND_NAMES, right=False)
    e = e[e.model.isin(["sufficiency", "csr_mean_3"])]
    return summarise_errors(e, by=("band", "phase", "horizon", "model")).drop(columns=["coverage_80", "coverage_95"])


def origin_table(with_births: pd.DataFrame, rolls_alone: pd.DataFrame) -> pd.DataFrame:
    """By origin, phase and horizon: median absolute / mean signed % error of LA phase totals (and of
    LA × Reception cells), our forecast against the 3-year-mean CSR, with births and without them.

    A method that wins pooled over origins can still lose at the latest origin, the one nearest the
    years it will be judged on; this shows each origin apart.
    """
    cols = {}
    for errors, label in ((with_births, "births"), (rolls_alone, "no births")):
        e = errors[errors.model.isin(["sufficiency", "csr_mean_3"])]
        cells = pd.concat([e[e.level == "area_phase"], reception_cells(e, "Reception")])
        g = cells.groupby(["phase", "origin", "horizon", "model"], sort=True)
        t = g.agg(median=("ape", "median"), signed=("pe", "mean"))
        for model, name in (("sufficiency", "sufficiency"), ("csr_mean_3", "3-yr-mean CSR")):
            m = t.xs(model, level="model")
            cols[f"{name}, {label}"] = [f"{a:.2f} / {b:+.2f}" for a, b in zip(m["median"], m["signed"], strict=True)]
    index = t.xs("sufficiency", level="model").index
    order = {"primary": 0, "secondary": 1, "Reception": 2}
    out = pd.DataFrame(cols, index=index).reset_index()
    return out.sort_values(["phase", "origin", "horizon"], key=lambda s: s.map(order) if s.name == "phase" else s,
                           kind="stable").reset_index(drop=True)


#: Origins of the later-years test: the census panel's last three years.
LATER_ORIGINS = (2014, 2015, 2016)


def later_errors(shared: Path, births_known: str = "origin", config: ForecastConfig | None = None,
                 origins: tuple[int, ...] = LATER_ORIGINS, n_paths: int = 500) -> pd.DataFrame:
    """Phase totals forecast from the census panel's last origins, scored on the scorecards' later rolls.

    ``births_known``: "origin" gives births known by each origin, as the forecast would have had them;
    "all" gives every births year the file has (to 2022), as a forecast made later with these rolls would,
    so the intake ratio and progression are scored apart from births not yet born; "none" gives no births
    (Reception from its own trend, as for a council without births). Each forecast is put
    on the scorecards' definition by the LA's own ratio of the two in 2014/15. Returns ``model, origin,
    year, horizon, phase, area, forecast, actual, pe, ape, in_80, in_95`` (intervals: ours only).
    """
    config = config or ForecastConfig()
    england = shared / "england"
    rolls, born = read_england_panel(england / "pupils" / "la_ncy_2011_2016.csv", england / "births" / "la_births.csv")
    panel = as_panel(rolls)
    cards = shared / "england" / "scorecards" / "scorecard_data_2025_2023.csv"
    actual = read_scorecard_rolls(cards).set_index(["planning_area_id", "phase", "year"])["pupils"]
    areas = panel.areas.astype(str)
    anchor = min(SCORECARD_ROLLS)  # 2014/15: in the census panel and the scorecards both
    base = panel.values[:, list(panel.years).index(anchor)]
    groups = np.array([(np.arange(panel.values.shape[2]) >= lo) & (np.arange(panel.values.shape[2]) <= hi)
                       for lo, hi in PHASES.values()])
    rows = []
    for origin in origins:
        cut = panel.up_to(origin)
        horizon = max(SCORECARD_ROLLS) - origin
        cohort = (None if births_known == "none"
                  else midyear_entry_cohort(born, known_by=origin if births_known == "origin" else None))
        ours = make_model(config).fit(cut, entry_cohort=cohort)
        iv = simulate_intervals(ours, horizon, (0.8, 0.95), n_paths, random_state=config.random_state, groups=groups)
        forecasts = {"sufficiency": ours.predict_array(horizon)}
        for name in ("csr_mean_3", "persistence"):
            forecasts[name] = clone(baselines()[name]).fit(cut, entry_cohort=cohort).predict_array(horizon)
        for j, phase in enumerate(PHASES):
            # Onto the scorecards' count: each LA's ratio of the two in 2014/15, a year both hold.
            scale = (actual.xs((phase, anchor), level=("phase", "year")).reindex(areas) / (base @ groups[j])).to_numpy()
            for year in (y for y in SCORECARD_ROLLS if y > origin):
                k = year - origin - 1
                outturn = actual.xs((phase, year), level=("phase", "year")).reindex(areas).to_numpy(float)
                inside = {level: (outturn >= lo[:, k, j] * scale) & (outturn <= hi[:, k, j] * scale)
                          for level, (lo, hi) in ((80, iv.bounds(0.8, "groups")), (95, iv.bounds(0.95, "groups")))}
                for name, f in forecasts.items():
                    fc = (f[:, k] @ groups[j]) * scale
                    ok = np.isfinite(fc) & np.isfinite(outturn)
                    pe = (fc / outturn - 1) * 100
                    ours_ = name == "sufficiency"
                    rows.append(pd.DataFrame({
                        "model": name, "origin": origin, "year": year, "horizon": year - origin, "phase": phase,
                        "area": areas[ok], "forecast": fc[ok], "actual": outturn[ok], "pe": pe[ok],
                        "ape": np.abs(pe[ok]),
                        "in_80": inside[80][ok] if ours_ else np.nan, "in_95": inside[95][ok] if ours_ else np.nan}))
    return pd.concat(rows, ignore_index=True)


def later_table(errors: pd.DataFrame) -> pd.DataFrame:
    """By phase and year: each model's median absolute / mean signed % error of LA phase totals (pooled over
    the origins), England's total error, and how often our 80% and 95% intervals held the outturn."""
    g = errors.groupby(["phase", "year", "model"], sort=False)
    t = g.agg(median=("ape", "median"), signed=("pe", "mean"))
    t["england"] = g.apply(lambda d: (d["forecast"].sum() / d["actual"].sum() - 1) * 100, include_groups=False)
    out = pd.DataFrame(index=t.index.droplevel("model").unique())
    for model, label in (("sufficiency", "sufficiency"), ("csr_mean_3", "3-yr-mean CSR"),
                         ("persistence", "persistence")):
        m = t.xs(model, level="model")
        out[label] = [f"{a:.2f} / {b:+.2f}" for a, b in zip(m["median"], m["signed"], strict=True)]
        out[f"England, {label}"] = m["england"].map("{:+.2f}".format).to_numpy()
    ours = errors[errors["model"] == "sufficiency"].groupby(["phase", "year"], sort=False)
    out["years ahead"] = ours["horizon"].agg(lambda h: "-".join(map(str, sorted({h.min(), h.max()})))).to_numpy()
    out["80% covered"] = ours["in_80"].mean().round(2).to_numpy()
    out["95% covered"] = ours["in_95"].mean().round(2).to_numpy()
    out["n"] = ours.size().to_numpy()
    return out.reset_index()


#: Entries after the census panel that the DfE's applications and offers hold (offers for September 2017 and
#: 2018: Reception of 2017/18 and 2018/19), and the years both hold, on which applications are put on the roll.
APPLICATION_YEARS = (2017, 2018)
APPLICATION_ANCHOR = (2014, 2015, 2016)


def application_errors(shared: Path, config: ForecastConfig | None = None,
                       origins: tuple[int, ...] = LATER_ORIGINS, n_paths: int = 500,
                       births: bool = True) -> pd.DataFrame:
    """LA Reception of 2017/18 and 2018/19, forecast from 2014-2016 with births as known then (or, with
    ``births=False``, from the rolls alone), scored on each LA's on-time applications for a Reception place in
    those Septembers.

    The applications (DfE "Secondary and primary school applications and offers", shipped with the admissions
    engine: `admissions.dfe.offers_data`) count the LA's resident families; the census counts the pupils in its
    schools in January. Each LA's applications are put on its roll by its mean ratio of the two in 2014-2016
    (`APPLICATION_ANCHOR`; English median 1.03, varying 1.2% from year to year in the median LA: an error
    every model's score shares). Returns ``model, origin, year, horizon, area, forecast, actual, pe, ape, in_80``
    (our 80% interval only).
    """
    from admissions.dfe import offers_data  # the shipped copy: the benchmark needs no other admissions file

    config = config or ForecastConfig()
    england = shared / "england"
    rolls, born = read_england_panel(england / "pupils" / "la_ncy_2011_2016.csv", england / "births" / "la_births.csv")
    panel = as_panel(rolls)
    areas = panel.areas.astype(str)
    offers = offers_data()
    primary = offers[offers["school_phase"] == "primary"]
    applied = (primary.assign(area=primary["old_la_code"].replace(ENGLAND_MERGED_AREAS))
               .groupby(["area", "time_period"])["applications_received"].sum().unstack().reindex(areas))
    reception = pd.DataFrame(panel.values[:, :, 0], index=areas, columns=panel.years)
    anchor = list(APPLICATION_ANCHOR)
    scale = (reception[anchor] / applied[anchor].where(applied[anchor] > 0)).mean(axis=1)
    rows = []
    for origin in origins:
        cut = panel.up_to(origin)
        horizon = max(APPLICATION_YEARS) - origin
        cohort = midyear_entry_cohort(born, known_by=origin) if births else None
        ours = make_model(config).fit(cut, entry_cohort=cohort)
        lo80, hi80 = (b[:, :, 0] for b in
                      simulate_intervals(ours, horizon, (0.8,), n_paths, random_state=config.random_state).bounds(0.8))
        forecasts = {"sufficiency": ours.predict_array(horizon)[:, :, 0]}
        for name in ("csr_mean_3", "persistence"):
            forecasts[name] = clone(baselines()[name]).fit(cut, entry_cohort=cohort).predict_array(horizon)[:, :, 0]
        for year in APPLICATION_YEARS:
            k = year - origin - 1
            outturn = (applied[year] * scale).to_numpy(float)
            ok = np.isfinite(outturn) & (outturn > 0)
            inside = ((outturn >= lo80[:, k]) & (outturn <= hi80[:, k]))[ok]
            for name, f in forecasts.items():
                pe = (f[ok, k] / outturn[ok] - 1) * 100
                rows.append(pd.DataFrame({
                    "model": name, "origin": origin, "year": year, "horizon": year - origin, "area": areas[ok],
                    "forecast": f[ok, k], "actual": outturn[ok], "pe": pe, "ape": np.abs(pe),
                    "in_80": inside if name == "sufficiency" else np.nan}))
    return pd.concat(rows, ignore_index=True)


def application_table(errors: pd.DataFrame, region_of: pd.Series) -> pd.DataFrame:
    """By years ahead: each model's median absolute / mean signed % error of LA Reception and of Reception summed
    to regions (the GLA's backtests: about 0.9, 0.9, 1.1% median 1-3 years ahead), and our 80% coverage."""
    regional = summed_to_regions(errors, region_of)
    out = pd.DataFrame(index=pd.Index(sorted(errors["horizon"].unique()), name="years ahead"))
    for level, e in (("LA", errors), ("region", regional)):
        t = e.groupby(["horizon", "model"]).agg(median=("ape", "median"), signed=("pe", "mean"))
        for model, label in (("sufficiency", "sufficiency"), ("csr_mean_3", "3-yr-mean CSR"),
                             ("persistence", "persistence")):
            m = t.xs(model, level="model")
            out[f"{level}: {label}"] = [f"{a:.2f} / {b:+.2f}" for a, b in zip(m["median"], m["signed"], strict=True)]
    ours = errors[errors["model"] == "sufficiency"].groupby("horizon")
    out["80% covered (LA)"] = ours["in_80"].mean().round(2)
    out["n (LA / region)"] = [f"{a} / {b}" for a, b in zip(
        ours.size(), regional[regional["model"] == "sufficiency"].groupby("horizon").size(), strict=True)]
    return out.reset_index()


#: Longest horizon of the births stand-in test; its earliest origin has this many growths behind it.
STAND_IN_HORIZON = 10
STAND_IN_HISTORY = ForecastConfig().n_years


def stand_in_errors(shared: Path, horizon: int = STAND_IN_HORIZON) -> pd.DataFrame:
    """Reception's own trend (no births given) against a flat level and the 3-year-mean growth, tested on
    150 LAs' live births 1992-2022 as the series, from every origin with ``STAND_IN_HISTORY`` growths
    behind it, up to ``horizon`` years ahead: two turns (births fell to 2002, rose to 2012, then fell),
    which the six-year school census panel cannot show."""
    _, born = read_england_panel(shared / "england" / "pupils" / "la_ncy_2011_2016.csv",
                                 shared / "england" / "births" / "la_births.csv")
    if born is None:
        raise FileNotFoundError(shared / "england" / "births" / "la_births.csv")
    rolls = births_as_rolls(born)
    years = rolls["year"].unique()
    origins = list(range(int(years.min()) + STAND_IN_HISTORY, int(years.max())))
    models = {
        "held flat": CohortSurvival(ratio_method="mean", n_years=3, intake=IntakeModel(damping=0.0)),
        "3-yr-mean growth": CohortSurvival(ratio_method="mean", n_years=3, intake=IntakeModel(
            damping=1.0, growth_method="mean", growth_shrinkage="none", trend_years=None)),
        "trend run on": make_model(ForecastConfig(intake_trend_years=None)),
    }
    errors = backtest_errors(rolls, origins, horizon, ForecastConfig(), models=models)
    return errors[(errors.level == "area_ncy") & (errors.ncy == 0)]


def stand_in_table(errors: pd.DataFrame) -> pd.DataFrame:
    """By horizon: each model's median absolute / mean signed % error, and our intervals' coverage."""
    t = errors.groupby(["horizon", "model"], sort=False).agg(median=("ape", "median"), signed=("pe", "mean"))
    out = pd.DataFrame(index=t.index.get_level_values("horizon").unique())
    for model in ("sufficiency", "trend run on", "3-yr-mean growth", "held flat"):
        m = t.xs(model, level="model")
        out[model] = [f"{a:.2f} / {b:+.2f}" for a, b in zip(m["median"], m["signed"], strict=True)]
    ours = errors[errors.model == "sufficiency"].groupby("horizon")
    out["80% covered"] = ours["in_80"].mean().round(2)
    out["95% covered"] = ours["in_95"].mean().round(2)
    out["n"] = ours.size()
    return out.reset_index()


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""
    cells = df.astype(object).where(df.notna(), "")
    fmt = [[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row] for row in cells.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in fmt])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--pupils", type=Path, help="The LA panel (la_code, year, ncy, pupils); default: the "
                        "longest england/pupils/la_ncy_*.csv under --shared.")
    parser.add_argument("--origins", type=int, nargs="+",
                        help="Origins to forecast from; default: every year with 3 years of rolls to it and "
                             "one after (2013-2015 on the 2011/12-2016/17 panel).")
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--out", type=Path, help="Also write the cell errors as CSV here.")
    args = parser.parse_args()
    args.pupils = args.pupils or pupils_file(args.shared)
    if args.pupils is None or not args.pupils.exists() or not (args.shared / "england" / "births").exists():
        print(f"skipped: the English LA panel is not under {args.shared} (set SUFFICIENCY_SHARED_DATA)")
        return 0
    args.origins = args.origins or default_origins(args.pupils)
    region_of = regions(args.shared)  # read once: every regional table sums LAs by it
    print(f"machine: {machine(load_average())}")
    print(f"panel: {args.pupils}")
    by_births = {}
    for births in (True, False):
        start = time.perf_counter()
        errors = england_errors(args.shared, args.origins, args.horizon, births=births, pupils=args.pupils)
        by_births[births] = errors
        label = "with births" if births else "without births (rolls alone)"
        if args.out:
            errors.to_csv(args.out.with_name(f"{args.out.stem}_{'births' if births else 'rolls'}.csv"), index=False)
        print(f"\n## English LAs, {label} ({errors.area.nunique() - 1} areas, origins {args.origins}, "
              f"{time.perf_counter() - start:.1f} s)\n")
        print("### LA phase totals: median / mean absolute / mean signed % error\n")
        print(markdown(wide_table(errors)))
        print("\n### LA phase totals, long form\n")
        print(markdown(phase_table(errors)))
        print("\n### Reception (LA x Reception)\n")
        print(markdown(reception_table(errors)))
        print("\n### Reception summed to regions (the GLA's backtests: about 0.9, 0.9, 1.1% median)\n")
        print(markdown(reception_by_region(errors, region_of)))
        print("\n### Coverage of our intervals\n")
        print(markdown(coverage_table(errors)))
        print("\n### Coverage of the 80% interval by origin\n")
        print(markdown(coverage_by_origin(errors)))
        print("\n### By size band of the LA's roll\n")
        print(markdown(band_table(errors)))
    print("\n## By origin: median absolute / mean signed % error, sufficiency against the 3-yr-mean CSR\n")
    print("LA phase totals, and LA x Reception cells (Reception), with and without births.\n")
    print(markdown(origin_table(by_births[True], by_births[False])))
    start = time.perf_counter()
    later = {known: later_errors(args.shared, known) for known in ("origin", "all", "none")}
    print(f"\n## Later years: LA phase totals of 2018/19 and 2023/24-2025/26 (School Places Scorecards), forecast from "
          f"{', '.join(map(str, LATER_ORIGINS))} ({time.perf_counter() - start:.1f} s)\n")
    print("Median absolute / mean signed % error over the origins, England's total error, and our intervals' "
          "coverage. Births as known at each origin (a forecast made then), and then every births year to 2022 "
          "(as a forecast made later with these rolls would have them), and without births.\n")
    for known, label in (("origin", "births known by the origin"), ("all", "births known to 2022"),
                         ("none", "without births (rolls alone)")):
        print(f"### {label}\n")
        print(markdown(later_table(later[known])) + "\n")
    start = time.perf_counter()
    applied = {births: application_errors(args.shared, births=births) for births in (True, False)}
    print(f"\n## Reception of 2017/18 and 2018/19: on-time applications (DfE), forecast from "
          f"{', '.join(map(str, LATER_ORIGINS))} with births as known then, and without births "
          f"({time.perf_counter() - start:.1f} s)\n")
    print("Median absolute / mean signed % error of LA Reception and of Reception summed to regions, each LA's "
          f"applications put on its roll by its mean ratio of the two in {APPLICATION_ANCHOR[0]}-"
          f"{APPLICATION_ANCHOR[-1]}.\n")
    print(markdown(application_table(applied[True], region_of)))
    print("\n### Without births (rolls alone: Reception from its own trend)\n")
    print(markdown(application_table(applied[False], region_of)))
    start = time.perf_counter()
    stand_in = stand_in_errors(args.shared)
    print(f"\n## Reception's own trend over three decades: each LA's births as the series "
          f"({stand_in.area.nunique()} LAs, 1992-2022, origins {stand_in.origin.min()}-{stand_in.origin.max()}, "
          f"{time.perf_counter() - start:.1f} s)\n")
    print("Median absolute / mean signed % error by years ahead. 'sufficiency' is the default (the damped "
          "trend held after intake_trend_years); 'trend run on' lets it run for the whole horizon.\n")
    print(markdown(stand_in_table(stand_in)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
