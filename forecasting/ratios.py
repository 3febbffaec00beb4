"""Progression ratios: summarise each area's history, shrink small areas, keep the errors.

Every projection step of the engine is "next = ratio × previous": a year group from the one
below it a year earlier (cohort survival, transfer, staying on), Reception from births four
years earlier, or Reception from last year's Reception (its own trend). `fit_ratios` does the
same three things for all of them, vectorised over planning areas and transitions:

1. summarise each area's history of ratios (mean, weighted, exponential smoothing, median, last,
   or a per-area combination of the 3-year mean, exponential smoothing and the authority-wide mean
   weighted by their errors on the area's own past), optionally on a damped authority-wide trend;
2. shrink each area towards the authority-wide ratio by how noisy the area's own ratios are
   (empirical Bayes: James & Stein 1961, Efron & Morris 1975);
3. keep the standardised historical errors, split into the year effects shared by every area and
   each area's own, which the bootstrap resamples for intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.config import MAX_HORIZON

#: Ratios are only trusted from cohorts of at least this many pupils; smaller ones are noise.
MIN_COHORT = 1.0


@dataclass(frozen=True)
class RatioFit:
    """Fitted ratios for areas × transitions.

    Attributes
    ----------
    ratio
        Shrunk ratio per area and transition, shape ``(A, G)``.
    pooled
        Authority-wide ratio per transition, shape ``(G,)``.
    own
        Each area's own summarised ratio before shrinkage (NaN when it has no history).
    weight_own
        Weight of the area's own ratio in ``ratio`` (1 = no shrinkage).
    sd
        Standard deviation of a single year's ratio around ``ratio``, per area and transition.
    errors
        Pool of standardised historical errors per transition, shape ``(P, G)``; multiply by
        ``sd`` (and ``inflation``) to get a ratio error for an area.
    inflation
        Factor for the error of estimating the ratio from few years, ``sqrt(1 + sum w²)``.
    common
        Year effects shared by every area, shape ``(m, G)``: each historical year's
        cohort-weighted mean deviation of the areas' ratios from their own summaries (ratio units).
        The bootstrap draws them once per path and year for all areas, so totals over areas carry
        the shocks that hit every area at once (a national fall in births, a recession).
    idio_sd, idio_errors
        As ``sd`` and ``errors``, of the deviations left once the year effects are taken out.
    drift
        Factor on ``ratio`` for each year ahead, shape ``(MAX_HORIZON, G)``: the authority-wide
        ratio's damped linear trend (ones when no trend is fitted).
    """

    ratio: np.ndarray
    pooled: np.ndarray
    own: np.ndarray
    weight_own: np.ndarray
    sd: np.ndarray
    errors: np.ndarray
    inflation: float
    common: np.ndarray | None = None
    idio_sd: np.ndarray | None = None
    idio_errors: np.ndarray | None = None
    drift: np.ndarray | None = None

    def at(self, k: int) -> np.ndarray:
        """Ratios ``k`` years ahead (k = 0 the first year), the drift applied."""
        return self.ratio if self.drift is None else self.ratio * self.drift[k][None, :]


@dataclass(frozen=True)
class RatioSettings:
    """How ratios are summarised and shrunk, shared by every ratio one model fits.

    Attributes
    ----------
    method, n_years, alpha, shrinkage, strength, scale_exponent
        As in `fit_ratios`.
    """

    method: str = "exponential"
    n_years: int = 5
    alpha: float = 0.5
    shrinkage: str = "empirical_bayes"
    strength: float = 30.0
    scale_exponent: float = 0.5
    trend_damping: float | None = None

    def fit_ratios(self, nxt: np.ndarray, prev: np.ndarray, method: str | None = None,
                   trend_damping: float | None = None) -> RatioFit:
        """`fit_ratios` with these settings (``method`` and ``trend_damping`` override them);
        NaN in ``prev`` counts as 0."""
        return fit_ratios(nxt, np.nan_to_num(prev), method or self.method, self.n_years, self.alpha,
                          self.shrinkage, self.strength, self.scale_exponent,
                          self.trend_damping if trend_damping is None else trend_damping)


def summary_weights(m: int, method: str, n_years: int, alpha: float) -> np.ndarray:
    """Weights over ``m`` transitions (oldest first) for a weighted-mean summary.

    'median' returns the window of the mean; the median itself is taken in `summarise`.
    """
    k = min(m, n_years)
    w = np.zeros(m)
    if method in ("mean", "median", "unity"):
        w[m - k:] = 1.0
    elif method == "weighted":
        w[m - k:] = np.arange(1, k + 1, dtype=float)
    elif method == "exponential":
        w[m - k:] = (1.0 - alpha) ** np.arange(k - 1, -1, -1, dtype=float)
    elif method == "last":
        w[-1] = 1.0
    else:
        raise ValueError(f"unknown ratio method '{method}'")
    return w / w.sum()


def summarise(r: np.ndarray, weights: np.ndarray, median: bool = False) -> np.ndarray:
    """Weighted mean (or median) over axis 1 of ``r`` (A, m, G), ignoring NaN cells.

    Cells whose weighted years are all NaN fall back to the mean of whatever years exist, and
    stay NaN when there are none.
    """
    if median:
        window = r[:, weights > 0]
        out = _nan_reduce(window, np.nanmedian)
    else:
        w = np.where(np.isnan(r), 0.0, weights[None, :, None])
        total = w.sum(axis=1)
        out = np.where(total > 0, np.nansum(r * w, axis=1) / np.where(total > 0, total, 1.0), np.nan)
    fallback = _nan_reduce(r, np.nanmean)
    return np.where(np.isnan(out), fallback, out)


def _nan_reduce(x: np.ndarray, func) -> np.ndarray:
    """Apply a nan-aware reduction over axis 1 without warnings for all-NaN cells."""
    has = ~np.isnan(x).all(axis=1)
    out = np.full((x.shape[0],) + x.shape[2:], np.nan)
    if has.any():
        out[has] = func(np.moveaxis(x, 1, -1)[has], axis=-1)
    return out


def fit_ratios(
    nxt: np.ndarray,
    prev: np.ndarray,
    method: str = "exponential",
    n_years: int = 5,
    alpha: float = 0.5,
    shrinkage: str = "empirical_bayes",
    strength: float = 30.0,
    scale_exponent: float = 0.5,
    trend_damping: float | None = None,
) -> RatioFit:
    """Fit ratios ``nxt / prev`` for arrays of shape (areas, transitions in time, G).

    With ``trend_damping`` (phi in [0, 1]), every area's ratio follows the authority-wide
    ratio's linear trend over the summary's window, damped by phi per year ahead (`national_drift`).

    A cell with fewer than `MIN_COHORT` pupils in ``prev`` carries no ratio (no division by
    zero); an area that never had any gets the authority-wide ratio, or 0 when it has never had
    pupils in ``nxt`` either (a primary area has no Year 7).
    """
    m = nxt.shape[1]
    valid = prev >= MIN_COHORT
    r = np.where(valid, nxt / np.where(valid, prev, 1.0), np.nan)
    if method == "unity":
        r = np.where(valid, 1.0, np.nan)
    combine = method == "combination"
    if combine:
        method = "mean"
    w = summary_weights(m, method, n_years, alpha)
    own = summarise(r, w, median=method == "median")
    pooled = _pooled(nxt, prev, valid, w, method)
    if combine:
        own = combined(r, prev, n_years, alpha)
    size = _cohort_size(prev, w)
    nref = _nan_reduce(np.where(size > 0, size, np.nan)[None], np.nanmedian)[0]
    nref = np.where(np.isnan(nref), 1.0, nref)
    rel = (nref[None, :] / np.maximum(size, MIN_COHORT)) ** scale_exponent
    errors, sigma = _standardised_errors(r, own, rel[:, None, :], m)
    sd = sigma[None, :] * rel
    common = year_effects(r - own[:, None, :], prev)
    idio_errors, idio_sigma = _standardised_errors(r - common[None], own, rel[:, None, :], m)
    weight_own = _shrink_weight(own, size, sd, w, shrinkage, strength)
    if method == "unity":
        weight_own = np.ones_like(own)
    receives = nxt.sum(axis=1) > 0
    ratio = np.where(np.isnan(own), pooled[None, :],
                     weight_own * np.nan_to_num(own) + (1 - weight_own) * pooled[None, :])
    ratio = np.where(receives, ratio, 0.0)
    ratio = np.maximum(np.nan_to_num(ratio), 0.0)
    inflation = float(np.sqrt(1.0 + (w**2).sum()))
    drift = None if trend_damping is None or method == "unity" else national_drift(
        _pooled_series(nxt, prev, valid), w, trend_damping)
    return RatioFit(ratio, pooled, own, weight_own, np.where(receives, sd, 0.0), errors, inflation,
                    common * np.sqrt(m / (m - 1) if m > 1 else 2.0),
                    np.where(receives, idio_sigma[None, :] * rel, 0.0), idio_errors, drift)


#: The forecasts a combination weighs: (summary method, whether it is the authority-wide ratio).
COMBINED_METHODS = (("mean", False), ("exponential", False), ("mean", True))


def combination_weights(r: np.ndarray, prev: np.ndarray, n_years: int, alpha: float) -> np.ndarray:
    """Each area's weights on the `COMBINED_METHODS`, from their own rolling-origin errors (A, K).

    Every historical year t >= 1 is forecast by each method from the years before it, and its
    error counted in pupils (ratio error × cohort) over all the area's transitions. Weights are
    inversely proportional to each method's mean squared error (Bates & Granger 1969) and sum to
    1; an area with no year to test on weighs the methods equally.
    """
    a, m, _ = r.shape
    sse = np.zeros((a, len(COMBINED_METHODS)))
    for t in range(1, m):  # a handful of historical years; areas and transitions are vectorised
        hist, target = r[:, :t], r[:, t]
        for j, f in enumerate(_candidates(hist, prev[:, :t], n_years, alpha)):
            e = np.where(np.isfinite(f) & np.isfinite(target), (f - target) * prev[:, t], 0.0)
            sse[:, j] += (e**2).sum(axis=1)
    inverse = np.where(sse > 0, 1.0 / np.where(sse > 0, sse, 1.0), 0.0)
    untested = (sse <= 0).any(axis=1)
    inverse[untested] = 1.0
    return inverse / inverse.sum(axis=1, keepdims=True)


def _candidates(r: np.ndarray, prev: np.ndarray, n_years: int, alpha: float) -> list[np.ndarray]:
    """Each combined method's ratios (A, G) from the history ``r`` (A, t, G)."""
    out = []
    t = r.shape[1]
    for method, national in COMBINED_METHODS:
        w = summary_weights(t, method, 3 if method == "mean" else n_years, alpha)
        if national:
            valid = np.isfinite(r)
            series = _pooled_series(np.where(valid, r * prev, 0.0), prev, valid)
            out.append(np.broadcast_to(summarise(series[None], w)[0][None, :], r[:, 0].shape))
        else:
            out.append(summarise(r, w))
    return out


def combined(r: np.ndarray, prev: np.ndarray, n_years: int, alpha: float) -> np.ndarray:
    """The combination's ratio per area and transition: the candidates weighted per area."""
    weights = combination_weights(r, prev, n_years, alpha)
    cands = np.stack(_candidates(r, prev, n_years, alpha), axis=-1)  # (A, G, K)
    ok = np.isfinite(cands)
    wk = np.where(ok, weights[:, None, :], 0.0)
    total = wk.sum(axis=-1)
    return np.where(total > 0, (np.where(ok, cands, 0.0) * wk).sum(axis=-1) / np.where(total > 0, total, 1.0), np.nan)


def national_drift(series: np.ndarray, w: np.ndarray, phi: float, horizon: int = MAX_HORIZON) -> np.ndarray:
    """Damped linear trend of the authority-wide ratio, as factors for each year ahead (horizon, G).

    The slope is the least-squares line through the authority-wide ratio ``series`` (m, G) over
    the summary's window (the years with weight), relative to the window's mean. The summary
    stands for the window's weighted centre, so the trend first carries it to the base year
    (undamped, within the data), then on by ``phi ** j`` of the slope in year j ahead (Gardner &
    McKenzie 1985). Fewer than two years in the window, or none known, give no trend.
    """
    m, g = series.shape
    t = np.arange(m, dtype=float)
    window = (w > 0)[:, None] & np.isfinite(series)
    n = window.sum(axis=0)
    tw = np.where(window, t[:, None], 0.0)
    t_mean = tw.sum(axis=0) / np.maximum(n, 1)
    y_mean = np.where(window, series, 0.0).sum(axis=0) / np.maximum(n, 1)
    dt = np.where(window, t[:, None] - t_mean, 0.0)
    sxx = (dt**2).sum(axis=0)
    slope = np.where((n >= 2) & (sxx > 0) & (y_mean > 0),
                     (dt * np.where(window, series - y_mean, 0.0)).sum(axis=0) / np.where(sxx > 0, sxx, 1.0)
                     / np.where(y_mean > 0, y_mean, 1.0), 0.0)
    lag = (m - 1) - float((w * t).sum())
    ahead = np.cumsum(phi ** np.arange(1, horizon + 1))
    return np.maximum(1.0 + slope[None, :] * (lag + ahead)[:, None], 0.0)


def _pooled_series(nxt: np.ndarray, prev: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The authority-wide ratio of each year (m, G): all areas' pupils over all their cohorts."""
    receives = (nxt.sum(axis=1) > 0)[:, None, :] & valid
    top = np.where(receives, nxt, 0.0).sum(axis=0)
    bottom = np.where(receives, prev, 0.0).sum(axis=0)
    return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def year_effects(dev: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """Each year's deviation shared by all areas: the cohort-weighted mean over areas, shape (m, G).

    ``dev`` (A, m, G) holds each area's ratio less its own summary (NaN where no ratio); a
    year with no ratio anywhere has no effect (0).
    """
    ok = np.isfinite(dev)
    weight = np.where(ok, prev, 0.0)
    total = weight.sum(axis=0)
    effect = np.where(ok, dev, 0.0) * weight
    return np.where(total > 0, effect.sum(axis=0) / np.where(total > 0, total, 1.0), 0.0)


def _pooled(nxt: np.ndarray, prev: np.ndarray, valid: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    """Authority-wide ratio per transition, over the areas that receive pupils there."""
    receives = (nxt.sum(axis=1) > 0)[:, None, :] & valid
    top = np.where(receives, nxt, 0.0).sum(axis=0)
    bottom = np.where(receives, prev, 0.0).sum(axis=0)
    r = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
    if method == "unity":
        r = np.where(bottom > 0, 1.0, np.nan)
    out = summarise(r[None], w, median=method == "median")[0]
    return np.nan_to_num(out, nan=1.0)


def _cohort_size(prev: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Typical cohort behind each area's ratio: the weighted mean of ``prev``."""
    window = w > 0
    return prev[:, window].mean(axis=1)


def _standardised_errors(r: np.ndarray, own: np.ndarray, rel: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Pool each transition's historical errors, scaled to a cohort of typical size.

    Errors are taken around each area's own summary, centred, and widened by ``m / (m - 1)``
    because a residual around a mean fitted to the same years understates the true error.
    """
    e = ((r - own[:, None, :]) / rel).reshape(-1, r.shape[2])
    ok = np.isfinite(e)
    e = (e - col_mean(e, ok)) * np.sqrt(m / (m - 1) if m > 1 else 2.0)
    sigma = np.sqrt(col_mean(e**2, ok))
    return _fill_pool(e, ok), sigma


def col_mean(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Mean over axis 0 of the cells flagged ``ok``; 0 for a column with none."""
    count = ok.sum(axis=0)
    return np.where(ok, x, 0.0).sum(axis=0) / np.maximum(count, 1)


def _fill_pool(e: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Standardise the pool to unit spread and fill missing entries by recycling valid ones.

    Rows stay aligned (row i is one area's errors in one year across all transitions), so a
    bootstrap that draws whole rows keeps the correlation between year groups.
    """
    counts = ok.sum(axis=0)
    order = np.argsort(~ok, axis=0, kind="stable")  # valid rows first in each column
    compact = np.take_along_axis(np.where(ok, e, 0.0), order, axis=0)
    rank = np.cumsum(~ok, axis=0) - 1  # position of each missing entry among the missing
    filler = np.take_along_axis(compact, rank % np.maximum(counts, 1)[None, :], axis=0)
    pool = np.where(ok, e, filler)
    spread = np.sqrt((pool**2).mean(axis=0))
    pool = np.where(spread > 0, pool / np.where(spread > 0, spread, 1.0), 0.0)
    return np.where(counts[None, :] > 0, pool, 0.0)


def _shrink_weight(
    own: np.ndarray, size: np.ndarray, sd: np.ndarray, w: np.ndarray, shrinkage: str, strength: float
) -> np.ndarray:
    """Weight of each area's own ratio against the authority-wide one.

    Empirical Bayes: an area's ratio has sampling variance ``sd² · sum w²``; the true spread
    between areas is the observed spread less the average sampling variance (method of moments).
    """
    if shrinkage == "none":
        return np.ones_like(own)
    if shrinkage == "fixed":
        return size / (size + strength) if strength > 0 else np.ones_like(own)
    v = sd**2 * (w**2).sum()
    has = ~np.isnan(own)
    n = has.sum(axis=0)
    mean = col_mean(own, has)
    spread = np.where(has, (own - mean) ** 2, 0.0).sum(axis=0) / np.maximum(n - 1, 1)
    tau2 = np.where(n > 1, np.maximum(spread - col_mean(v, has), 0.0), 0.0)
    return np.where(tau2 + v > 0, tau2 / np.where(tau2 + v > 0, tau2 + v, 1.0), 1.0)
