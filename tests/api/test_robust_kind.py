"""The robust run kind: its stages, and 'paths' only where the robust stage runs."""

from __future__ import annotations

import pytest

from api.jobs import kind_stages
from api.schemas import RunCreate


def test_a_robust_run_forecasts_plans_and_plans_for_every_future():
    assert kind_stages("robust") == ("forecast", "plan", "robust")
    assert "robust" in kind_stages("full")


def test_paths_are_a_number_of_futures():
    assert RunCreate(dataset_id="d", kind="robust", paths=30).paths == 30
    with pytest.raises(ValueError):
        RunCreate(dataset_id="d", kind="robust", paths=0)
