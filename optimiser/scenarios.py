"""The futures a robust plan holds across: forecast variants, named scenario files, and paths drawn from the
forecast's own uncertainty, reduced to a few with their probabilities.

The forecast is read through its own methods (``rerun``, ``sample_paths``), so the optimiser imports no
other engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimiser.config import RobustConfig
from optimiser.twostage import DemandScenario


def reduce_paths(pupils: np.ndarray, k: int, method: str = "kmeans", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Reduce ``pupils`` (paths × cells) to ``k`` representative paths: their indices and probabilities.

    ``kmeans``: k-means (scikit-learn) on the paths, each cell scaled by its spread across paths; the path
    nearest each centre stands for its cluster (a real path, not an average, so cohorts stay whole), with
    the cluster's share of the paths as its probability. ``sample``: the first ``k`` paths, equally likely.
    """
    n = len(pupils)
    k = min(k, n)
    if method == "sample" or k == n:
        return np.arange(k), np.full(k, 1.0 / k)
    from sklearn.cluster import KMeans

    spread = pupils.std(axis=0)
    x = (pupils - pupils.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
    dist = np.linalg.norm(x - km.cluster_centers_[km.labels_], axis=1)
    order = np.lexsort((dist, km.labels_))  # by cluster, nearest its centre first
    labels = km.labels_[order]
    first = order[np.r_[True, labels[1:] != labels[:-1]]]
    weights = np.bincount(km.labels_, minlength=k)[km.labels_[first]] / n
    return first, weights


def _probabilities(names: list[str], weights: list[float | None], given: dict[str, float]) -> list[float]:
    """Given probabilities kept; the rest of the mass shared by the others in proportion to their weights."""
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"robust.probabilities names {unknown}, not among the scenarios {names}")
    fixed = sum(given.values())
    if fixed > 1 + 1e-9:
        raise ValueError(f"robust.probabilities add to {fixed:g}, more than 1")
    free = [(w if w is not None else 1.0) for n, w in zip(names, weights, strict=True) if n not in given]
    total = sum(free) or 1.0
    rest = max(0.0, 1.0 - fixed) if free else 0.0
    out = []
    for n, w in zip(names, weights, strict=True):
        out.append(given[n] if n in given else rest * (w if w is not None else 1.0) / total)
    return out


def same_band(demand: pd.DataFrame, principal: pd.DataFrame, band: str) -> pd.DataFrame:
    """``demand`` with the principal forecast's reduction band (``optimiser.reduction_band``) in every scenario.

    The band is the council's rule on how far a cut may go, set once on its forecast; each future's own risk of
    a cut is priced by the robust plan itself (the places it leaves short there). So the principal plan is a
    first stage every scenario admits, and the robust plan is never dearer than it.
    """
    keys = ["planning_area_id", "year", "ncy"]
    column = band if band in principal else "pupils"
    out = demand.drop(columns=[band], errors="ignore").merge(
        principal[keys + [column]].rename(columns={column: "_band"}), on=keys, how="left")
    out[band] = out.pop("_band").fillna(out["pupils"]).astype(float)
    return out


def forecast_scenarios(forecast: Any, inputs: Any, robust: RobustConfig, band: str = "upper_80",
                       ) -> list[DemandScenario]:
    """The scenarios ``robust`` asks for, from a forecast (``forecasting.Forecast``) and its data."""
    import yaml

    found: list[tuple[str, pd.DataFrame, float | None, str]] = []
    for name in robust.variants:
        demand = forecast.by_area if name == forecast.variant else forecast.rerun(inputs, variant=name).by_area
        found.append((name, demand, None, "variant"))
    for name, path in robust.scenario_files.items():
        file = Path(path) if Path(path).is_absolute() else Path(getattr(inputs, "folder", ".") or ".") / path
        if not file.is_file():
            raise ValueError(f"robust.scenario_files: {name} names {file}, which is not a file (a path relative to "
                             "the data folder, or absolute)")
        data = yaml.safe_load(file.read_text()) or {}
        section = data.get("forecast", {}) if isinstance(data, dict) else {}
        found.append((name, forecast.rerun(inputs, overrides=section).by_area, None, "file"))
    if robust.paths:
        cells, pupils = forecast.sample_paths(max(robust.path_draws, robust.paths), robust.seed)
        picked, weights = reduce_paths(pupils, robust.paths, robust.reduction, robust.seed)
        for j, (i, w) in enumerate(zip(picked, weights, strict=True)):
            found.append((f"path {j + 1}", cells.assign(pupils=pupils[i].astype(float)), float(w), "path"))
    if not found:
        raise ValueError("robust: no scenario; name variants, scenario_files, or set paths")
    found = [(n, same_band(d, forecast.by_area, band), w, src) for n, d, w, src in found]
    names = [f[0] for f in found]
    probs = _probabilities(names, [f[2] for f in found], robust.probabilities)
    return [DemandScenario(n, d, p, src) for (n, d, _, src), p in zip(found, probs, strict=True)]
