"""The optimiser's tests run as if decided in the summer before their base year's September, so a
scheme opens from the base year plus its lead time; the tests of the date rule set ``decision_date``."""

from __future__ import annotations

import datetime as dt

import pytest

#: Every hand-solved case here has base year 2024.
DECIDED = dt.date(2024, 8, 31)


@pytest.fixture(autouse=True)
def _decided_before_the_base_year(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("optimiser.config._today", lambda: DECIDED)
