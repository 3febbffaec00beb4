"""A dense planning area × year × year group array of rolls, and the way back to long tables.

The engine works on numpy arrays so that projection is vectorised over areas and year groups;
these helpers are the only place where long canonical tables become arrays and back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class ForecastInputError(ValueError):
    """The rolls cannot support a forecast; the message says what to do."""


@dataclass(frozen=True)
class Panel:
    """Pupils by planning area, academic year and year group.

    Attributes
    ----------
    areas
        Planning area ids, in the order of axis 0.
    years
        Consecutive academic years, axis 1.
    ncys
        Consecutive year groups (an ordered integer axis), axis 2.
    values
        Pupils, shape ``(len(areas), len(years), len(ncys))``; missing cells are 0.
    before_gap, after_gap
        Pupils (same shape) of schools missing from the census in the next year (``before_gap``) or the
        previous year (``after_gap``) while they report years on both sides of it: a gap in the data, not a
        closure. A ratio from year y to y + 1 leaves them out of both years (see `ratio_bases`); None when
        no school has a gap.
    gap
        Areas × years: True where a school of the area is missing that year between two it reports.
    """

    areas: np.ndarray
    years: np.ndarray
    ncys: np.ndarray
    values: np.ndarray
    before_gap: np.ndarray | None = None
    after_gap: np.ndarray | None = None
    gap: np.ndarray | None = None

    def ratio_bases(self) -> tuple[np.ndarray, np.ndarray]:
        """The pupils a ratio from one year to the next divides by (as year y) and into (as year y + 1): the
        rolls less the schools with a gap in the other year, so a school missing from one census is left out
        of the two ratios it would distort rather than read as pupils who left and came back."""
        prev = self.values if self.before_gap is None else self.values - self.before_gap
        nxt = self.values if self.after_gap is None else self.values - self.after_gap
        return prev, nxt

    @classmethod
    def from_long(cls, rolls: pd.DataFrame, area: str = "planning_area_id") -> Panel:
        """Build a panel from a long table with columns ``area, year, ncy, pupils``."""
        missing = {area, "year", "ncy", "pupils"} - set(rolls.columns)
        if missing:
            raise ForecastInputError(f"rolls lacks columns {sorted(missing)}; expected {area}, year, ncy, pupils")
        if rolls.empty:
            raise ForecastInputError("rolls is empty: give at least 3 years of pupils by year group")
        areas = np.array(sorted(rolls[area].astype(str).unique()), dtype=object)
        years = np.arange(int(rolls["year"].min()), int(rolls["year"].max()) + 1)
        ncys = np.arange(int(rolls["ncy"].min()), int(rolls["ncy"].max()) + 1)
        values = np.zeros((len(areas), len(years), len(ncys)))
        ai = np.searchsorted(areas, rolls[area].astype(str).to_numpy())
        yi = rolls["year"].to_numpy(int) - years[0]
        gi = rolls["ncy"].to_numpy(int) - ncys[0]
        np.add.at(values, (ai, yi, gi), rolls["pupils"].to_numpy(float))
        return cls(areas, years, ncys, values)

    def up_to(self, base_year: int) -> Panel:
        """The panel cut at ``base_year`` (later years dropped)."""
        keep = self.years <= base_year
        cut = (lambda a: None if a is None else a[:, keep])  # noqa: E731
        return Panel(self.areas, self.years[keep], self.ncys, self.values[:, keep], cut(self.before_gap),
                     cut(self.after_gap), cut(self.gap))

    def take(self, areas: np.ndarray) -> Panel:
        """The panel of these areas only (a boolean mask or indices along axis 0)."""
        pick = (lambda a: None if a is None else a[areas])  # noqa: E731
        return Panel(self.areas[areas], self.years, self.ncys, self.values[areas], pick(self.before_gap),
                     pick(self.after_gap), pick(self.gap))

    def to_long(self, values: np.ndarray | None = None, years: np.ndarray | None = None) -> pd.DataFrame:
        """Long table ``planning_area_id, year, ncy, pupils`` of these (or other) values."""
        vals = self.values if values is None else values
        yrs = self.years if years is None else years
        a, t, g = np.meshgrid(np.arange(len(self.areas)), np.arange(len(yrs)), np.arange(len(self.ncys)), indexing="ij")
        return pd.DataFrame({
            "planning_area_id": self.areas[a.ravel()],
            "year": yrs[t.ravel()],
            "ncy": self.ncys[g.ravel()],
            "pupils": vals.reshape(-1),
        })


def area_rolls(rolls: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Sum school rolls to planning area × year × year group.

    Raises
    ------
    ForecastInputError
        When a school in rolls has no planning area in schools.
    """
    mapping = schools[["school_id", "planning_area_id"]].astype(str).drop_duplicates("school_id")
    merged = rolls.assign(school_id=rolls["school_id"].astype(str)).merge(mapping, on="school_id", how="left")
    orphans = merged.loc[merged["planning_area_id"].isna(), "school_id"].unique()
    if len(orphans):
        raise ForecastInputError(
            f"rolls.csv: {len(orphans)} school(s) have no row in schools.csv (first: {orphans[0]}); "
            "add them to schools.csv with their planning_area_id"
        )
    return merged.groupby(["planning_area_id", "year", "ncy"], as_index=False)["pupils"].sum()


def school_gaps(rolls: pd.DataFrame) -> pd.DataFrame:
    """``school_id, year`` of every year a school is missing from rolls between two years it reports."""
    years = rolls.assign(school_id=rolls["school_id"].astype(str)).groupby("school_id")["year"].agg(["min", "max"])
    every = [(s, y) for s, r in years.iterrows() for y in range(int(r["min"]), int(r["max"]) + 1)]
    full = pd.DataFrame(every, columns=["school_id", "year"])
    seen = rolls[["school_id", "year"]].astype({"school_id": str}).drop_duplicates()
    merged = full.merge(seen, how="left", indicator=True)
    return merged.loc[merged["_merge"] == "left_only", ["school_id", "year"]].reset_index(drop=True)


def with_gaps(panel: Panel, rolls: pd.DataFrame, schools: pd.DataFrame) -> Panel:
    """``panel`` (from `area_rolls` of these rolls) knowing which schools are missing from a census between
    two years they report, so its ratios leave them out (see `Panel.ratio_bases`)."""
    gaps = school_gaps(rolls)
    if gaps.empty:
        return panel
    mapping = schools[["school_id", "planning_area_id"]].astype(str).drop_duplicates("school_id")
    rolls = rolls.assign(school_id=rolls["school_id"].astype(str))
    missing = set(gaps.itertuples(index=False, name=None))
    before = rolls[[(s, y + 1) in missing for s, y in zip(rolls["school_id"], rolls["year"], strict=True)]]
    after = rolls[[(s, y - 1) in missing for s, y in zip(rolls["school_id"], rolls["year"], strict=True)]]

    def spread(part: pd.DataFrame) -> np.ndarray:
        out = np.zeros_like(panel.values)
        part = part.merge(mapping, on="school_id")
        part = part[part["year"].isin(panel.years) & part["ncy"].isin(panel.ncys)]
        ai = np.searchsorted(panel.areas, part["planning_area_id"].to_numpy())
        np.add.at(out, (ai, part["year"].to_numpy(int) - panel.years[0], part["ncy"].to_numpy(int) - panel.ncys[0]),
                  part["pupils"].to_numpy(float))
        return out

    gap = np.zeros(panel.values.shape[:2], dtype=bool)
    located = gaps.merge(mapping, on="school_id")
    located = located[located["year"].isin(panel.years)]
    gap[np.searchsorted(panel.areas, located["planning_area_id"].to_numpy()),
        located["year"].to_numpy(int) - panel.years[0]] = True
    return Panel(panel.areas, panel.years, panel.ncys, panel.values, spread(before), spread(after), gap)


def check_history(panel: Panel, min_years: int) -> None:
    """Refuse a panel with too little history, saying what is needed."""
    if len(panel.years) < min_years:
        raise ForecastInputError(
            f"rolls hold {len(panel.years)} year(s) ({', '.join(map(str, panel.years))}); at least "
            f"{min_years} consecutive years are needed to estimate progression ratios "
            f"(forecast.min_history_years). Add earlier years of rolls, choose a later base year, or "
            f"lower forecast.min_history_years (at least 2)"
        )
    if len(panel.ncys) < 2:
        raise ForecastInputError(
            f"rolls hold one year group ({', '.join(map(str, panel.ncys))}); cohort survival moves each "
            f"year group on to the next, so it needs at least two consecutive year groups (Reception = 0, "
            f"Year 1 = 1, ...). Give the rolls of every year group the schools teach"
        )
    empty = panel.values.sum(axis=(0, 2)) == 0
    if empty.any():
        gaps = ", ".join(map(str, panel.years[empty]))
        raise ForecastInputError(f"rolls have no pupils in year(s) {gaps}; years must be consecutive")


def as_panel(rolls: pd.DataFrame | Panel) -> Panel:
    """A panel from a `Panel` or a long table of rolls by planning area or, without one, by school.

    Rows sharing a planning area, year and year group (several schools of one area) are summed.
    """
    if isinstance(rolls, Panel):
        return rolls
    if not isinstance(rolls, pd.DataFrame):
        raise TypeError(f"rolls must be a Panel or a DataFrame (planning_area_id, year, ncy, pupils), "
                        f"not {type(rolls).__name__}")
    by_school = "planning_area_id" not in rolls and "school_id" in rolls
    return Panel.from_long(rolls, area="school_id" if by_school else "planning_area_id")
