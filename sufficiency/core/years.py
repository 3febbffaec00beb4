"""Academic years, coded by their autumn (2025 = 2025/26) everywhere in the product."""

from __future__ import annotations

from typing import Any


def _next_two_digits(year: int) -> str:
    """Last two digits of the year after ``year`` (2099 -> '00'): the spring of the academic year."""
    return f"{(year + 1) % 100:02d}"


def academic_year(year: Any) -> str:
    """The label of an academic year coded by its autumn: 2025 -> '2025/26'."""
    year = int(year)
    return f"{year}/{_next_two_digits(year)}"


def time_period(year: Any) -> str:
    """DfE's ``time_period`` code of an academic year (explore-education-statistics files): 2016 -> '201617'."""
    year = int(year)
    return f"{year}{_next_two_digits(year)}"
