"""Helpers for tests and benchmarks: cohort-consistent demand and a generated local authority.

Public so that other packages (and users checking a set-up) can build planning problems of a
known shape. All randomness goes through a ``numpy.random.Generator`` seeded by the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from optimiser.checks import PlanInputs
from optimiser.model import PlanModel
from sufficiency.core.phases import LAST_PRIMARY, PRIMARY, RECEPTION, SECONDARY, area_phase_of, span


def cohort_demand(intake: Callable[[int], float], area: str, years: range, ncy_low: int = RECEPTION,
                  ncy_high: int = LAST_PRIMARY) -> pd.DataFrame:
    """Demand in which each cohort keeps its size as it moves up: pupils(g, t) = intake(t - (g - low))."""
    rows = [(area, t, g, float(intake(t - (g - ncy_low)))) for t in years for g in range(ncy_low, ncy_high + 1)]
    return pd.DataFrame(rows, columns=["planning_area_id", "year", "ncy", "pupils"])


def school(school_id: str, area: str, pan: int = 30, ncy_low: int = RECEPTION, ncy_high: int = LAST_PRIMARY,
           **extra) -> dict:
    """One row of a canonical schools table with sensible defaults."""
    row = dict(school_id=school_id, name=f"School {school_id}", phase=area_phase_of(ncy_low),
               planning_area_id=area, x=0.0, y=0.0, ncy_low=ncy_low, ncy_high=ncy_high, pan=pan,
               net_capacity=pan * (ncy_high - ncy_low + 1), ofsted="Good", governance="maintained",
               max_forms_of_entry=pan / 30 + 1, can_bulge=True, first_preferences=pan)
    row.update(extra)
    return row


def generate_authority(n_schools: int = 300, n_areas: int = 40, n_years: int = 15, base_year: int = 2024,
                       seed: int = 0) -> dict[str, pd.DataFrame]:
    """A synthetic local authority of realistic shape.

    About 70% of planning areas are primary; areas sit on a 3 km grid, so neighbours are within
    the statutory walking distance. Intakes follow each area's trend (falling or rising, up to 3%
    a year) with occasional one-year peaks, and cohorts keep their size as they move up.

    Returns
    -------
    dict
        ``demand``, ``schools``, ``planning_areas`` and ``distances`` (metres, by planning_area_id).
    """
    rng = np.random.default_rng(seed)
    n_primary = max(1, int(round(n_areas * 0.7)))
    areas = pd.DataFrame({"planning_area_id": [f"PA{i:02d}" for i in range(n_areas)],
                          "phase": ["primary"] * n_primary + ["secondary"] * (n_areas - n_primary)})
    side = int(np.ceil(np.sqrt(n_areas)))
    xy = np.column_stack([np.arange(n_areas) % side, np.arange(n_areas) // side]) * 3000.0
    # Secondary areas are larger; spread them over the same ground.
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    distances = pd.DataFrame(dist, index=areas["planning_area_id"], columns=areas["planning_area_id"])
    n_sec = int(round(n_schools * (n_areas - n_primary) / n_areas * 0.6))
    school_area = np.concatenate([rng.integers(0, n_primary, n_schools - n_sec),
                                  rng.integers(n_primary, n_areas, n_sec) if n_areas > n_primary else []]).astype(int)
    rows = []
    for i, a in enumerate(school_area):
        secondary = a >= n_primary
        pan = int(rng.choice([150, 180, 210, 240] if secondary else [30, 45, 60, 60, 90]))
        rows.append(school(f"S{i:03d}", areas.at[a, "planning_area_id"], pan,
                           *span(SECONDARY if secondary else PRIMARY),
                           x=float(xy[a, 0]), y=float(xy[a, 1]),
                           max_forms_of_entry=float(np.ceil(pan / 30) + rng.integers(0, 3)),
                           can_bulge=bool(rng.random() < 0.7),
                           ofsted=str(rng.choice(["Outstanding", "Good", "Good", "Requires improvement", "Inadequate"],
                                                 p=[0.2, 0.4, 0.25, 0.1, 0.05])),
                           first_preferences=int(pan * rng.uniform(0.5, 1.6))))
    schools = pd.DataFrame(rows)
    demand = _area_demand(schools, areas, range(base_year + 1, base_year + n_years + 1), rng)
    return {"demand": demand, "schools": schools, "planning_areas": areas, "distances": distances}


def _area_demand(schools: pd.DataFrame, areas: pd.DataFrame, years: range, rng: np.random.Generator) -> pd.DataFrame:
    pan = schools.groupby("planning_area_id")["pan"].sum()
    frames = []
    for a in areas.itertuples(index=False):
        low, high = span(a.phase)
        start = pan.get(a.planning_area_id, 60) * rng.uniform(0.85, 1.05)
        growth = rng.uniform(-0.03, 0.03)
        peak_year = int(rng.integers(years[0], years[-1] + 1))
        peak = rng.uniform(0, 0.15) * start

        def intake(y: int, start=start, growth=growth, peak_year=peak_year, peak=peak) -> float:
            return round(start * (1 + growth) ** (y - years[0]) + (peak if y == peak_year else 0.0))

        frames.append(cohort_demand(intake, a.planning_area_id, years, low, high))
    return pd.concat(frames, ignore_index=True)


def constraint_residuals(model: PlanModel) -> dict[str, float]:
    """Recompute every constraint family from the solved values; return the worst violation of each.

    Uses only the inputs and the solved scheme and move values, not the model's own expressions,
    so a mistake in building the model shows up here.
    """
    from optimiser.plan import unit_values

    inputs: PlanInputs = model.inputs
    values = unit_values(model)
    cells = inputs.demand.reset_index(drop=True)
    cap = _recomputed_capacity(inputs, values)
    moves = {k: float(v.varValue or 0.0) for k, v in model.moves.items()}
    key = list(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True))
    out_of = pd.Series(0.0, index=pd.MultiIndex.from_tuples(key))
    into = out_of.copy()
    for (p, q, g, t), x in moves.items():
        out_of[(p, g, t)] += x
        into[(q, g, t)] += x
    served = cells["pupils"].to_numpy() - out_of.to_numpy() + into.to_numpy()
    short = np.array([model.shortfall[c].varValue for c in range(len(cells))])
    empty = np.array([model.empty[c].varValue for c in range(len(cells))])
    need = (1 + inputs.config.margin) * served - inputs.config.margin * cells["on_roll"].to_numpy()
    return {
        "sufficiency": float(np.max(need - cap - short, initial=0.0)),
        "empty_places": float(np.max(cap - served - empty, initial=0.0)),
        "moves_within_demand": float(np.max(out_of.to_numpy() - cells["pupils"].to_numpy(), initial=0.0)),
        "non_negative": float(max(-min(moves.values(), default=0.0), -short.min(initial=0.0),
                                  -empty.min(initial=0.0), 0.0)),
        "site_limit": _site_violation(inputs, values),
        "walking_distance": _walk_violation(inputs, moves),
        "capacity_non_negative": float(max(-cap.min(initial=0.0), 0.0)),
    }


def _recomputed_capacity(inputs: PlanInputs, values: dict[tuple[str, int], int]) -> np.ndarray:
    cells = inputs.demand.reset_index(drop=True)
    base = inputs.places.groupby(["planning_area_id", "ncy", "year"])["places"].sum()
    cap = (base.reindex(pd.MultiIndex.from_frame(cells[["planning_area_id", "ncy", "year"]]))
           .fillna(0.0).to_numpy().copy())
    school_places = inputs.places.set_index(["school_id", "ncy", "year"])["places"]
    for o in inputs.options.itertuples(index=False):
        for i, (p, g, t) in enumerate(zip(cells["planning_area_id"], cells["ncy"], cells["year"], strict=True)):
            if p != o.planning_area_id:
                continue
            if o.kind == "close":
                cap[i] -= school_places.get((o.school_id, g, t), 0.0) * values.get((o.option_id, t), 0)
            elif o.ncy_low <= g <= o.ncy_high:
                cap[i] += o.places_per_unit * values.get((o.option_id, t - (g - o.entry_ncy)), 0)
    return cap


def _site_violation(inputs: PlanInputs, values) -> float:
    last = inputs.years[-1]
    schools = inputs.schools.set_index("school_id")
    worst = 0.0
    expand = inputs.options[inputs.options["kind"] == "expand"]
    for (s, _), grp in expand.groupby(["school_id", "entry_ncy"]):
        added = sum(values.get((oid, last), 0) * fe
                    for oid, fe in zip(grp["option_id"], grp["forms_of_entry"], strict=True))
        worst = max(worst, schools.at[s, "pan"] / 30 + added - schools.at[s, "max_forms_of_entry"])
    return float(worst)


def _walk_violation(inputs: PlanInputs, moves) -> float:
    """Metres beyond the statutory walking distance of any pupil moved between areas."""
    cfg = inputs.config
    routes = zip(inputs.pairs["from_area"], inputs.pairs["to_area"], strict=True)
    dist = dict(zip(routes, inputs.pairs["distance"], strict=True))
    over = [dist.get((p, q), np.inf) - cfg.walking_limit(g) for (p, q, g, _), x in moves.items() if x > 1e-9]
    return float(max(over + [0.0]))
