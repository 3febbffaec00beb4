"""The forecast fan chart as SVG shapes (drawn by the template: no script, so it prints and passes the CSP)."""

from __future__ import annotations

import math
from typing import Any

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 36, 16, 40


def _nice_step(span: float) -> float:
    raw = span / 5 or 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def fan_chart(series: list[dict[str, Any]], places: dict[int, float], title: str) -> dict[str, Any] | None:
    """Points of the 95% and 80% bands, the central forecast and the places line, with axis ticks (pupils)."""
    series = sorted((r for r in series if r.get("pupils") is not None), key=lambda r: r["year"])
    if not series:
        return None
    years = sorted({r["year"] for r in series} | set(places))
    values = [v for r in series for v in (r["pupils"], r.get("lower_95"), r.get("upper_95")) if v is not None]
    values += list(places.values())
    high = max(values) * 1.08 or 1
    step = _nice_step(high)
    high = math.ceil(high / step) * step
    x0, x1 = years[0], years[-1]

    def x(year: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * ((year - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / high)

    def band(low: str, up: str) -> str:
        rows = [r for r in series if r.get(low) is not None and r.get(up) is not None]
        upper = [f"{x(r['year']):.1f},{y(r[up]):.1f}" for r in rows]
        lower = [f"{x(r['year']):.1f},{y(r[low]):.1f}" for r in reversed(rows)]
        return " ".join(upper + lower)

    return {
        "title": title, "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "band95": band("lower_95", "upper_95"), "band80": band("lower_80", "upper_80"),
        "line": " ".join(f"{x(r['year']):.1f},{y(r['pupils']):.1f}" for r in series),
        "places": " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in sorted(places.items())),
        "xticks": [(x(year), f"{year}/{(year + 1) % 100:02d}") for year in years],
        "yticks": [(y(v), f"{v:,.0f}") for v in _ticks(high, step)],
    }


def _ticks(high: float, step: float) -> list[float]:
    out, value = [], 0.0
    while value <= high + 1e-9:
        out.append(value)
        value += step
    return out
