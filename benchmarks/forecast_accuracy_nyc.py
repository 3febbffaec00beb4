"""Forecast accuracy on a real panel: NYC community school districts, K-12, 2013/14-2017/18.

A rolling-origin backtest (origins 2015 and 2016, horizons 1-2) of our forecast beside
persistence, 100% survival and cohort survival on the 3-year mean of ratios, with ablations of
our method, and the DfE School Places Scorecards' record of English LAs' own forecast errors
for scale. Run: ``python benchmarks/forecast_accuracy_nyc.py [--shared DIR] [--out FILE]``.
Needs the shared open data (../shared/data); exits cleanly with a message when it is absent.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from forecasting import ForecastConfig
from forecasting.backtest import backtest_errors, summarise_errors
from forecasting.external import read_nyc_snapshot

#: NYC phases: elementary (K-5) and middle and high school (6-12).
PHASES = {"primary": (0, 5), "secondary": (6, 12)}

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SUFFICIENCY_SHARED_DATA", ROOT.parent / "shared" / "data"))

#: Our method with one ingredient taken away (or one rejected refinement added) at a time.
ABLATIONS = {
    "sufficiency": {},
    "  3-year mean ratios (no combination)": {"ratio_method": "mean", "n_years": 3},
    "  exponential ratios, shrunk (the old default)": {"ratio_method": "exponential", "shrinkage": "empirical_bayes"},
    "  + empirical-Bayes shrinkage": {"shrinkage": "empirical_bayes"},
    "  + damped national trend in ratios": {"ratio_trend_damping": 0.9},
    "  intake held flat": {"intake_damping": 0.0},
    "  no feeder transfer": {"transfer_self_share": 0.0},
    "  no source test at transfers": {"transfer_test_share": None},
}


def nyc_errors(shared: Path, origins: list[int], horizon: int) -> pd.DataFrame:
    """Cell errors of our method, its ablations and the baselines."""
    schools, rolls = read_nyc_snapshot(shared / "nyc" / "2013_-_2018_Demographic_Snapshot_School.csv")
    inputs = SimpleNamespace(schools=schools, rolls=rolls)
    parts = []
    for name, change in ABLATIONS.items():
        e = backtest_errors(inputs, origins, horizon, ForecastConfig(**change), model_name=name, phases=PHASES,
                            intervals=name == "sufficiency")
        parts.append(e if not parts else e[e.model == name])
    return pd.concat(parts, ignore_index=True)


def nyc_table(shared: Path, origins: list[int], horizon: int) -> pd.DataFrame:
    """Backtest metrics (mean and median absolute % error, bias, coverage) by level and horizon."""
    return summarise_errors(nyc_errors(shared, origins, horizon), by=("level", "horizon", "model"))


def nyc_phase_table(errors: pd.DataFrame) -> pd.DataFrame:
    """District phase totals, as the English table, with our intervals' coverage; and district ×
    Kindergarten cells (phase "kindergarten": the intake's own intervals)."""
    kindergarten = errors[(errors.level == "area_ncy") & (errors.ncy == 0)].assign(phase="kindergarten")
    return summarise_errors(pd.concat([errors[errors.level == "area_phase"], kindergarten], ignore_index=True),
                            by=("phase", "horizon", "model"))


def grade_table(errors: pd.DataFrame, models: tuple[str, ...] = ("sufficiency", "csr_mean_3", "persistence")
                ) -> pd.DataFrame:
    """District × grade cells by grade and horizon: each model's mean absolute | mean signed % error.

    A phase total's bias is the sum of its grades' biases, which can offset one another: a model that
    over-forecasts Grades 9-10 and under-forecasts 11-12 shows a smaller phase bias than one biased less
    in every grade. This table shows the biases where they arise."""
    cells = errors[(errors.level == "area_ncy") & errors.model.isin(models)]
    t = cells.groupby(["horizon", "ncy", "model"]).agg(mape=("ape", "mean"), bias=("pe", "mean")).reset_index()
    t["cell"] = [f"{a:.2f} / {b:+.2f}" for a, b in zip(t["mape"], t["bias"], strict=True)]
    wide = t.pivot_table(index=["horizon", "ncy"], columns="model", values="cell", aggfunc="first")
    return wide[list(models)].reset_index().rename(columns={"ncy": "grade"})


def scorecard_errors(shared: Path) -> pd.DataFrame | None:
    """English LAs' own forecast errors (forecast / outturn - 1, %), from the DfE scorecards."""
    path = shared / "england" / "scorecards" / "scorecard_data_2025_2023.csv"
    if not path.exists():
        return None
    d = pd.read_csv(path)
    cols = ["For_1_P", "For_3_P", "For_1_S", "For_3_S"]
    d[cols] = d[cols].apply(pd.to_numeric, errors="coerce") * 100
    la = d[d["geographic_level"] == "Local authority"]
    rows = []
    for col in cols:
        phase = "primary" if col.endswith("P") else "secondary"
        rows.append({"phase": phase, "years_ahead": int(col[4]), "mean_signed_error": la[col].mean(),
                     "mean_absolute_error": la[col].abs().mean(), "share_over_forecast": (la[col] > 0).mean(),
                     "n": int(la[col].notna().sum())})
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""
    cells = df.astype(object).where(df.notna(), "")
    fmt = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in cells.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in fmt])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--origins", type=int, nargs="+", default=[2015, 2016])
    parser.add_argument("--horizon", type=int, default=2)
    parser.add_argument("--out", type=Path, help="Also write the metrics as CSV here.")
    args = parser.parse_args()
    if not (args.shared / "nyc").is_dir():
        print(f"skipped: the NYC panel is not under {args.shared} (set SUFFICIENCY_SHARED_DATA)")
        return 0
    errors = nyc_errors(args.shared, args.origins, args.horizon)
    table = summarise_errors(errors, by=("level", "horizon", "model"))
    if args.out:
        table.to_csv(args.out, index=False)
    for level in ("area_total", "area_ncy", "authority_total"):
        print(f"\n### NYC districts, level = {level} (errors in % of outturn)\n")
        print(markdown(table[table.level == level].drop(columns="level")))
    print("\n### NYC district phase totals (K-5, 6-12) and district × Kindergarten cells\n")
    print(markdown(nyc_phase_table(errors)))
    print("\n### NYC district x grade cells by grade: mean absolute / mean signed % error\n")
    print(markdown(grade_table(errors)))
    cards = scorecard_errors(args.shared)
    if cards is not None:
        print("\n### English LAs' own forecasts, DfE School Places Scorecards 2022/23-2024/25 (%)\n")
        print(markdown(cards))
    return 0


if __name__ == "__main__":
    sys.exit(main())
