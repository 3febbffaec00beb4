"""How numbers, years and year groups are written in every report, in one place."""

from __future__ import annotations

import math
from typing import Any

#: National curriculum years counted for each phase in SCAP and in the capital programme
#: (mainstream Reception to Year 11; sixth form is reported in the post-16 section).
PHASE_NCY: dict[str, tuple[int, ...]] = {"primary": tuple(range(0, 7)), "secondary": tuple(range(7, 12))}

#: How a scheme kind reads in a report.
KIND_LABELS = {"expand": "Permanent expansion", "bulge": "Bulge class", "new_school": "New school",
               "reduce": "Reduction in admission number", "close": "Closure"}

#: Shorter labels for narrow table columns.
KIND_SHORT = {"expand": "Expansion", "bulge": "Bulge class", "new_school": "New school", "reduce": "PAN reduction",
              "close": "Closure"}

MINUS = "\u2212"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, decimals: int = 0) -> str:
    """A count with thousands separators and a true minus sign; a dash when missing."""
    if _missing(value):
        return "–"
    text = f"{abs(float(value)):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return f"{MINUS}{text}" if float(value) < 0 else text


def money(value: Any) -> str:
    """Pounds in full with thousands separators: £1,234,567."""
    if _missing(value):
        return "–"
    text = f"£{abs(float(value)):,.0f}"
    return f"{MINUS}{text}" if round(float(value)) < 0 else text


def money_short(value: Any) -> str:
    """Pounds for headlines and chart labels: £28.5m, £298k, £900."""
    if _missing(value):
        return "–"
    size = abs(float(value))
    sign = MINUS if float(value) < 0 else ""
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.1f}m"
    if size >= 1e3:
        return f"{sign}£{size / 1e3:,.0f}k"
    return f"{sign}£{size:,.0f}"


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.052 -> 5.2%."""
    if _missing(value):
        return "–"
    return number(100 * float(value), decimals) + "%"


def year_label(year: Any) -> str:
    """Academic year by its autumn: 2025 -> 2025/26."""
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"


def ncy_label(ncy: Any) -> str:
    """Reception for year group 0, else Year n."""
    ncy = int(ncy)
    return "Reception" if ncy == 0 else f"Year {ncy}"


def ncy_short(ncy: Any) -> str:
    """R, Y1 .. Y13: the short year-group label used in SCAP and tables."""
    ncy = int(ncy)
    return "R" if ncy == 0 else f"Y{ncy}"
