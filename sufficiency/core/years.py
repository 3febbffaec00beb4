"""Academic years, coded by their autumn (2025 = 2025/26) everywhere in the product."""

from __future__ import annotations

from typing import Any


def academic_year(year: Any) -> str:
    """The label of an academic year coded by its autumn: 2025 -> '2025/26'."""
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"
