"""Monte Carlo at scale: N sampled futures of one authority, reduced to places needed by phase and year.

The forecasting engine draws the paths a chunk at a time (:func:`forecasting.uncertainty.simulate_paths`);
each chunk is reduced at once to places needed per phase and year (DfE's count: per year group and planning
area, never offset), and only that reduction is kept: ``years × phases`` numbers a path, so the simulation's
memory is one chunk whatever N, and what remains is what exact quantiles need. The chance of being short is
counted as the chunks stream past.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sufficiency.core.phases import PHASE_NCY

if TYPE_CHECKING:
    from forecasting.forecast import Forecast

#: Paths drawn at once: the simulation holds one chunk of ``years × year groups × areas × chunk`` numbers.
CHUNK = 250
#: Quantiles reported, for the 80% and 95% intervals and the median.
PROBS = (0.025, 0.1, 0.5, 0.9, 0.975)
COLUMNS = ["phase", "year", "paths", "mean_places_needed", "lower_95", "lower_80", "median", "upper_80", "upper_95",
           "chance_short"]


def seed_for(base: int | None, la_code: str) -> np.random.SeedSequence:
    """The authority's own random stream: the forecast's seed and the authority's code, so a national run and
    the authority run alone draw the same paths, and authorities never share draws."""
    return np.random.SeedSequence([base or 0, zlib.crc32(la_code.encode())])


def places_needed_paths(forecast: Forecast, places: pd.DataFrame, n_paths: int, la_code: str,
                        chunk: int = CHUNK) -> pd.DataFrame:
    """Places needed by phase and year over ``n_paths`` sampled futures: the mean, the 80% and 95% intervals,
    the median and the chance that the authority is short (places needed above zero) in that year.

    ``places`` is ``planning_area_id, year, ncy, places`` before any scheme (the forecast's
    ``sufficiency_before`` gives it).
    """
    from forecasting.uncertainty import simulate_paths

    model = forecast.model
    areas, ncys = model.panel_.areas, np.asarray(model.panel_.ncys)
    years = forecast.base_year + np.arange(1, forecast.horizon + 1)
    grid = (places.pivot_table(index=["year", "ncy"], columns="planning_area_id", values="places", aggfunc="sum")
            .reindex(pd.MultiIndex.from_product([years, ncys], names=["year", "ncy"]))
            .reindex(columns=areas).fillna(0.0))
    capacity = grid.to_numpy(dtype=np.float32).reshape(len(years), len(ncys), len(areas))[..., None]
    phases = [(name, np.isin(ncys, group)) for name, group in PHASE_NCY.items() if np.isin(ncys, group).any()]
    needed = np.empty((len(years), len(phases), n_paths), dtype=np.float32)
    shifts = forecast.config.variants[forecast.variant].model_dump()
    done = 0
    for pupils in simulate_paths(model, forecast.horizon, n_paths, shifts,
                                 np.random.default_rng(seed_for(forecast.config.random_state, la_code)), chunk):
        short = np.maximum(pupils - capacity, 0.0).sum(axis=2)  # (years, year groups, paths): summed over areas
        size = short.shape[-1]
        for j, (_, mask) in enumerate(phases):
            needed[:, j, done:done + size] = short[:, mask].sum(axis=1)
        done += size
    quantiles = np.quantile(needed, PROBS, axis=-1)  # (probs, years, phases)
    y, p = np.meshgrid(np.arange(len(years)), np.arange(len(phases)), indexing="ij")
    out = pd.DataFrame({"phase": [phases[j][0] for j in p.ravel()], "year": years[y.ravel()], "paths": n_paths,
                        "mean_places_needed": needed.mean(axis=-1).ravel()})
    for name, q in zip(("lower_95", "lower_80", "median", "upper_80", "upper_95"), quantiles, strict=True):
        out[name] = q.ravel()
    out["chance_short"] = (needed > 0.5).mean(axis=-1).ravel()
    return out[COLUMNS].sort_values(["phase", "year"]).reset_index(drop=True)
