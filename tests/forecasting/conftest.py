"""Fixtures for the forecasting tests: the hand-checked two-area folder and small builders."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "forecasting" / "two_areas"


def bundle(schools: pd.DataFrame, rolls: pd.DataFrame, **tables: pd.DataFrame | None) -> SimpleNamespace:
    """An inputs-like bundle: schools and rolls, every other table None unless given."""
    names = ("births", "population", "wards", "housing", "pupil_yields", "planning_areas")
    return SimpleNamespace(schools=schools, rolls=rolls, scenario=None, **{n: tables.get(n) for n in names})


@pytest.fixture()
def two_areas() -> SimpleNamespace:
    """The two-area, three-year fixture of tests/data/forecasting/two_areas."""
    return bundle(pd.read_csv(FIXTURE / "schools.csv", dtype=str),
                  pd.read_csv(FIXTURE / "rolls.csv", dtype={"school_id": str}))


@pytest.fixture()
def two_area_rolls(two_areas: SimpleNamespace) -> pd.DataFrame:
    """The fixture summed to planning areas."""
    from forecasting.panel import area_rolls

    return area_rolls(two_areas.rolls, two_areas.schools)


def synthetic_rolls(n_areas: int, n_years: int, n_groups: int, seed: int = 0, ratio: float = 0.98,
                    size: int = 200) -> pd.DataFrame:
    """Area rolls drawn from known binomial progression, for calibration and property tests."""
    rng = np.random.default_rng(seed)
    vals = np.zeros((n_areas, n_years, n_groups))
    vals[:, 0] = rng.poisson(size, (n_areas, n_groups))
    for t in range(1, n_years):
        vals[:, t, 0] = rng.poisson(size, n_areas)
        vals[:, t, 1:] = rng.binomial(vals[:, t - 1, :-1].astype(int), ratio)
    a, t, g = np.meshgrid(np.arange(n_areas), np.arange(n_years), np.arange(n_groups), indexing="ij")
    return pd.DataFrame({"planning_area_id": [f"PA{i:03d}" for i in a.ravel()], "year": 2010 + t.ravel(),
                         "ncy": g.ravel(), "pupils": vals.ravel()})


@pytest.fixture()
def make_bundle():
    """The `bundle` builder, for tests that assemble their own inputs."""
    return bundle


@pytest.fixture()
def make_synthetic():
    """The `synthetic_rolls` builder."""
    return synthetic_rolls
