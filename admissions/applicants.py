"""Applicants: each year's Reception or Year 7 entry cohort from the forecast, placed in small areas with homes.

A planning area's entry cohort (the forecast's Reception or Year 7 pupils) is shared among the wards that
feed it (``wards.primary_planning_area_id`` or ``secondary_planning_area_id``) by their population at the
age of entry (4 for Reception, 11 for Year 7, the latest mid-year estimate), or equally where no population
is given; each family's home is a random point in its ward's polygon. An area without wards (or wards
without polygons) has its families scattered around its own schools, in proportion to their admission
numbers, ``home_spread_m`` apart on average (a local assumption).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from sufficiency.core.phases import ENTRY_NCY, RECEPTION_AGE


@dataclass(frozen=True)
class Cell:
    """Where some of an area's families live: a polygon, or a point with a spread."""

    weight: float
    polygon: object | None = None
    x: float = np.nan
    y: float = np.nan
    spread: float = 0.0


@dataclass(frozen=True)
class Homes:
    """Where the families of each planning area of a phase live."""

    areas: tuple[str, ...]
    cells: dict[str, tuple[Cell, ...]]
    #: How each area's homes are placed, for the report ("wards by population", "around its schools").
    basis: dict[str, str]

    def draw(self, counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Homes for ``counts[a]`` families of each area ``a``: x, y and the area's index per family."""
        xs, ys, idx = [], [], []
        for a, (area, n) in enumerate(zip(self.areas, counts, strict=True)):
            n = int(n)
            cells = self.cells.get(area, ())
            if n <= 0 or not cells:
                continue
            weights = np.array([c.weight for c in cells], dtype=float)
            weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(cells), 1 / len(cells))
            per_cell = rng.multinomial(n, weights)
            for cell, m in zip(cells, per_cell, strict=True):
                if m == 0:
                    continue
                x, y = _points(cell, int(m), rng)
                xs.append(x)
                ys.append(y)
                idx.append(np.full(int(m), a, dtype=np.int64))
        if not xs:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(idx)


def _points(cell: Cell, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if cell.polygon is None:
        return cell.x + rng.normal(0.0, cell.spread, m), cell.y + rng.normal(0.0, cell.spread, m)
    minx, miny, maxx, maxy = cell.polygon.bounds  # type: ignore[attr-defined]
    got_x: list[np.ndarray] = []
    got_y: list[np.ndarray] = []
    have = 0
    for _ in range(50):  # rejection sampling in the bounding box
        x = rng.uniform(minx, maxx, 2 * (m - have) + 16)
        y = rng.uniform(miny, maxy, 2 * (m - have) + 16)
        inside = shapely.contains_xy(cell.polygon, x, y)
        got_x.append(x[inside])
        got_y.append(y[inside])
        have += int(inside.sum())
        if have >= m:
            break
    x, y = np.concatenate(got_x)[:m], np.concatenate(got_y)[:m]
    if len(x) < m:  # a sliver of a polygon: the rest at its representative point
        point = cell.polygon.representative_point()  # type: ignore[attr-defined]
        x = np.concatenate([x, np.full(m - len(x), point.x)])
        y = np.concatenate([y, np.full(m - len(y), point.y)])
    return x, y


def entry_age(phase: str) -> int:
    """Age at the start of the entry year group (4 for Reception, 11 for Year 7)."""
    return RECEPTION_AGE + ENTRY_NCY[phase]


def build_homes(areas: list[str], phase: str, schools: pd.DataFrame, wards: pd.DataFrame | None,
                population: pd.DataFrame | None, spread: float) -> Homes:
    """Where each area's families live (see the module's docstring)."""
    column = f"{phase}_planning_area_id"
    cells: dict[str, tuple[Cell, ...]] = {}
    basis: dict[str, str] = {}
    ages = None
    if population is not None and len(population):
        at_age = population[population["age"] == entry_age(phase)]
        if len(at_age):
            latest = at_age[at_age["year"] == at_age["year"].max()]
            ages = latest.groupby(latest["area_id"].astype(str))["population"].sum()
    geometry = getattr(wards, "geometry", None) if wards is not None else None
    for area in areas:
        found: list[Cell] = []
        if wards is not None and column in wards and geometry is not None:
            own = wards[wards[column].astype(str) == area]
            for _, ward in own.iterrows():
                polygon = ward.geometry
                if polygon is None or polygon.is_empty:
                    continue
                weight = float(ages.get(str(ward["ward_id"]), np.nan)) if ages is not None else 1.0
                found.append(Cell(weight=weight if np.isfinite(weight) else 0.0, polygon=polygon))
            if found and sum(c.weight for c in found) <= 0:
                found = [Cell(1.0, c.polygon) for c in found]
        if found:
            cells[area] = tuple(found)
            basis[area] = ("wards, by population aged " + str(entry_age(phase)) if ages is not None
                           else "wards, equally")
            continue
        own_schools = schools[(schools["planning_area_id"].astype(str) == area) & schools["x"].notna()]
        if own_schools.empty:
            own_schools = schools[schools["x"].notna()]
        cells[area] = tuple(Cell(weight=float(max(r.admission_number, 1.0)), x=float(r.x), y=float(r.y),
                                 spread=spread) for r in own_schools.itertuples(index=False))
        basis[area] = "around its schools"
    return Homes(tuple(areas), cells, basis)
