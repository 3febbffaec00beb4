"""Which schools a family ranks: a conditional (rank-ordered) logit, calibrated to observed first preferences.

A family ``i`` values school ``j`` at ``V_ij + e_ij``: ``V_ij`` from distance, Ofsted grade, size and results
(:class:`admissions.config.ChoiceModel`) plus the school's constant, and ``e_ij`` a Gumbel taste. Its first
preference is the school of highest value among those it may attend (McFadden's conditional logit); the
later preferences are the next highest, with the systematic part scaled by ``lower_rank_scale`` and fresh
tastes (a rank-ordered logit with a scale by rank; with a scale of 1 it is the plain rank-ordered, or
"exploded", logit of Beggs, Cardell and Hausman 1981, since Gumbel tastes make each step a logit among the
schools left).

The school constants are calibrated so that the expected first preferences reproduce the observed ones: they
maximise the logit's log-likelihood of the observed first-preference counts (scipy.optimize, L-BFGS-B, with the
exact gradient: at the optimum the expected and observed counts are equal, the condition of Berry 1994).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp

from admissions.config import ChoiceModel

#: Bounds of a school constant: a school nobody names first goes to the lower one.
CONSTANT_BOUNDS = (-20.0, 20.0)


def school_utility(model: ChoiceModel, schools: pd.DataFrame) -> np.ndarray:
    """The part of the utility that depends on the school alone (Ofsted grade, size, results), ``(s,)``.

    ``schools`` has ``ofsted``, ``admission_number`` and ``results`` (points above the authority's mean, NaN
    when unknown)."""
    grades = {"Outstanding": model.ofsted_outstanding, "Good": model.ofsted_good,
              "Requires improvement": model.ofsted_requires_improvement, "Inadequate": model.ofsted_inadequate}
    ofsted = schools["ofsted"].map(grades).fillna(0.0).to_numpy(dtype=float)
    size = model.log_size * np.log(np.maximum(schools["admission_number"].to_numpy(dtype=float), 1.0))
    results = model.results_per_10_points * np.nan_to_num(schools["results"].to_numpy(dtype=float)) / 10.0
    return ofsted + size + results


def utilities(model: ChoiceModel, distance_m: np.ndarray, schools: pd.DataFrame,
              constants: np.ndarray) -> np.ndarray:
    """``V_ij`` for every home and school, ``(n, s)``."""
    return (model.distance_per_km * distance_m / 1000.0 + school_utility(model, schools)[None, :]
            + constants[None, :])


def draw_preferences(utility: np.ndarray, eligible: np.ndarray, k: int, lower_rank_scale: float,
                     rng: np.random.Generator | None = None,
                     tastes: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Each family's ranked preferences, ``(n, k)`` school indices, ``-1`` after the last school it may name.

    The Gumbel tastes (for the first preference, and for the rest) are drawn from ``rng``, or given."""
    n, s = utility.shape
    k = min(k, s)
    if tastes is None:
        assert rng is not None, "give a random generator or the tastes"
        tastes = (rng.gumbel(size=(n, s)), rng.gumbel(size=(n, s)))
    first_value = np.where(eligible, utility + tastes[0], -np.inf)
    first = first_value.argmax(axis=1)
    prefs = np.full((n, k), -1, dtype=np.int64)
    has_any = np.isfinite(first_value[np.arange(n), first])
    prefs[:, 0] = np.where(has_any, first, -1)
    if k > 1:
        later = np.where(eligible, lower_rank_scale * utility + tastes[1], -np.inf)
        later[np.arange(n), first] = -np.inf
        top = np.argpartition(-later, k - 2, axis=1)[:, : k - 1]
        values = np.take_along_axis(later, top, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        values = np.take_along_axis(values, order, axis=1)
        prefs[:, 1:] = np.where(np.isfinite(values), top, -1)
    return prefs


def first_preference_probabilities(utility: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """The logit probability of each school being each family's first preference, ``(n, s)``."""
    masked = np.where(eligible, utility, -np.inf)
    some = eligible.any(axis=1)
    out = np.zeros_like(utility)
    if some.any():
        rows = masked[some]
        out[some] = np.exp(rows - logsumexp(rows, axis=1, keepdims=True))
    return out


@dataclass(frozen=True)
class Calibration:
    """School constants and how well they reproduce the observed first preferences."""

    constants: np.ndarray
    observed_share: np.ndarray  # NaN where the school has no observed count
    model_share: np.ndarray
    converged: bool


def calibrate_constants(base_utility: np.ndarray, eligible: np.ndarray, observed: np.ndarray,
                        admission_number: np.ndarray) -> Calibration:
    """School constants whose expected first preferences match ``observed`` (counts; NaN where unknown).

    The observed counts become shares of the families (a round's counts come from another cohort). Schools
    without a count keep a constant of 0 and their expected share at it; the known schools share the rest
    as their counts do, scaled to the known schools' share of the places."""
    n, s = base_utility.shape
    known = ~np.isnan(observed)
    rows = eligible.any(axis=1)
    base, elig = base_utility[rows], eligible[rows]
    families = float(rows.sum())
    observed_share = np.full(s, np.nan)
    if not known.any() or families == 0 or np.nansum(observed) <= 0:
        probs = first_preference_probabilities(base, elig)
        return Calibration(np.zeros(s), observed_share, probs.sum(axis=0) / max(families, 1.0), False)
    places = np.maximum(admission_number.astype(float), 0.0)
    known_places = places[known].sum() / max(places.sum(), 1e-9) if (~known).any() else 1.0
    target = np.zeros(s)
    target[known] = observed[known] / observed[known].sum() * families * known_places
    observed_share[known] = target[known] / families
    index = np.flatnonzero(known)

    mask = elig.astype(float)
    top = np.where(elig, base, -np.inf).max(axis=1, keepdims=True)
    weight = np.exp(np.where(elig, base - top, -np.inf)) * mask  # exp(V - max) of the schools a family may name

    # A ridge pins the one direction the shares leave free (adding a constant to every school) and keeps the
    # constants finite when the observed counts cannot all be met (more first preferences at a school than
    # families who may name it); it moves a school's expected count by under 0.1% of the families per unit.
    ridge = 1e-4 * families / len(index)

    def objective(free: np.ndarray) -> tuple[float, np.ndarray]:
        scale = np.ones(s)
        scale[index] = np.exp(free)
        total = weight @ scale  # sum_j exp(V_ij + a_j - max_i)
        probs_sum = (weight / total[:, None]).sum(axis=0) * scale
        value = float(np.log(total).sum() + top.sum() - target[index] @ free + ridge * free @ free)
        grad = probs_sum[index] - target[index] + 2 * ridge * free
        return value, grad

    # Start from one step of proportional fitting: log(observed / expected) at zero constants.
    expected = (weight / weight.sum(axis=1, keepdims=True)).sum(axis=0)
    start = np.clip(np.log(np.maximum(target[index], 1e-9) / np.maximum(expected[index], 1e-9)), *CONSTANT_BOUNDS)
    fitted = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[CONSTANT_BOUNDS] * len(index),
                      options={"maxiter": 5000, "gtol": 1e-6 * families, "ftol": 1e-14})
    constants = np.zeros(s)
    constants[index] = fitted.x
    probs = first_preference_probabilities(base + constants[None, :], elig)
    return Calibration(constants, observed_share, probs.sum(axis=0) / families, bool(fitted.success))
