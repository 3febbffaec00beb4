"""Fixtures for the post-16 tests: one fitted risk-of-NEET report shared by the module tests."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from post16.config import Post16Config, RoniConfig
from post16.privacy import ephemeral_settings
from post16.risk import train_and_rank
from post16.synthetic import synthetic_pupils

TODAY = dt.date(2026, 1, 15)
#: Extra NEET risk for one group that no model input carries: the model must miss it.
HIDDEN = {"gender": {"M": 2.0}}


@pytest.fixture(scope="session")
def shared_neet_dir() -> Path:
    """The shared NCCIS folder, or skip when this checkout has no ../shared/data."""
    root = Path(os.environ.get("SUFFICIENCY_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    neet = root / "england" / "neet"
    if not neet.is_dir():
        pytest.skip(f"shared data not present at {root}")
    return neet


@pytest.fixture(scope="session")
def cohort():
    """A SYNTHETIC cohort with a deliberately hidden group effect."""
    return synthetic_pupils(4000, 600, random_state=7, hidden_group_log_odds=HIDDEN, recorded_on=TODAY)


@pytest.fixture(scope="session")
def config() -> Post16Config:
    return Post16Config(roni=RoniConfig(cv_folds=3, random_state=7))


@pytest.fixture(scope="session")
def report(cohort, config):
    """The risk-of-NEET report on the synthetic cohort (fitted once per test session)."""
    return train_and_rank(cohort, config, ephemeral_settings(1), today=TODAY)
