"""Strategy targets: indicator, baseline, target, deadline; on track or off track.

A target is a straight line from the baseline (in the baseline year) to the target (by the
deadline year). A target is **on track** when the latest figure is at or beyond the point of
that line for its year, in the direction of the target; **met** when it has reached the target;
**off track** otherwise, and **missed** once the deadline has passed unmet. The trajectory
needed is the change a year required from the latest figure to reach the target by the
deadline. Without a current figure the status is "not available".

The indicator of a target names a figure the product can find for the authority:

* a LAIT measure code, e.g. ``16-17Ed&Training`` (its published LA figure);
* a KPI row as ``primary.<kpi_id>`` or ``secondary.<kpi_id>``, e.g. ``primary.gap_fsm``;
* ``schools_good_or_better``: % of inspected schools (all phases) good or outstanding;
* any measure supplied by the authority in ``local`` figures (measure, year, value).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from standards.kpi import NOT_AVAILABLE
from sufficiency.core.safeyaml import excerpt, load_yaml

STATUSES = ("met", "on track", "off track", "missed", NOT_AVAILABLE)


class Target(BaseModel):
    """One strategy target."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(description="Where the figure comes from (see the module docstring).")
    label: str = Field("", description="The target in words, as the strategy states it.")
    baseline: float = Field(description="The figure the strategy started from.")
    baseline_year: int = Field(description="Academic year (by its autumn) of the baseline.")
    target: float = Field(description="The figure to reach.")
    deadline: int = Field(description="Academic year (by its autumn) by which to reach it.")
    polarity: Literal["High", "Low"] | None = Field(
        None, description="'High' if higher is better, 'Low' if lower is better. Default: "
                          "the direction from the baseline to the target.")

    @model_validator(mode="after")
    def _deadline_after_baseline(self) -> Target:
        if self.deadline <= self.baseline_year:
            raise ValueError(f"deadline {self.deadline} must be after the baseline year "
                             f"{self.baseline_year}")
        return self


class TargetFileError(ValueError):
    """A targets file that cannot be read, naming the file, the row and the key."""


def load_targets(path: Path | str) -> list[Target]:
    """Read a targets file: YAML (a ``targets:`` list) or CSV (one target a row).

    Raises
    ------
    TargetFileError
        Naming the file, the target (row) and the key at fault and what to do.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            rows = pd.read_csv(path, keep_default_na=False).to_dict("records")
        else:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
            rows = data.get("targets", []) if isinstance(data, dict) else data
    except (OSError, yaml.YAMLError, pd.errors.ParserError) as exc:
        raise TargetFileError(f"{path}: cannot read the targets file ({excerpt(exc, 300)}).") from exc
    targets = []
    for i, row in enumerate(rows):
        try:
            targets.append(Target.model_validate(row))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "target"
            where = f"row {i + 2}" if path.suffix.lower() == ".csv" else f"target {i + 1}"
            raise TargetFileError(f"{path}: {where}, '{key}': {err['msg']} (got "
                                  f"{excerpt(repr(err.get('input')))}). Each target needs indicator, "
                                  "baseline, baseline_year, target and deadline.") from exc
    return targets


def target_status(targets: list[Target], measures: pd.DataFrame,
                  year: int | None = None) -> pd.DataFrame:
    """Assess each target against the latest figure.

    Parameters
    ----------
    targets : list of Target
    measures : pandas.DataFrame
        The authority's figures: measure, year, value (see :func:`authority_measures`).
    year : int, optional
        Latest year to use; all years by default.

    Returns
    -------
    pandas.DataFrame
        One row per target: indicator, label, baseline_year, baseline, target, deadline,
        current_year, current, expected_now (the straight-line point for the current year),
        planned_change_per_year, needed_change_per_year, status.
    """
    m = measures.dropna(subset=["value"])
    if year is not None:
        m = m[m["year"] <= year]
    latest = m.sort_values("year").drop_duplicates("measure", keep="last").set_index("measure")
    t = pd.DataFrame([x.model_dump() for x in targets],
                     columns=list(Target.model_fields))
    t["current_year"] = t["indicator"].map(latest["year"]).astype(float)
    t["current"] = t["indicator"].map(latest["value"]).astype(float)
    span = t["deadline"] - t["baseline_year"]
    t["planned_change_per_year"] = (t["target"] - t["baseline"]) / span
    t["expected_now"] = t["baseline"] + t["planned_change_per_year"] * (
        t["current_year"] - t["baseline_year"])
    years_left = t["deadline"] - t["current_year"]
    t["needed_change_per_year"] = ((t["target"] - t["current"])
                                   / years_left.where(years_left > 0))
    # The direction of travel is the target's (up when target > baseline) unless stated.
    direction = np.where(t["polarity"].eq("High"), 1.0, np.where(
        t["polarity"].eq("Low"), -1.0, np.where(t["target"] >= t["baseline"], 1.0, -1.0)))
    met = direction * (t["current"] - t["target"]) >= 0
    # A "stay at or above" target is on track whenever it is met; the line matters otherwise.
    ahead = direction * (t["current"] - np.where(
        direction * (t["target"] - t["baseline"]) < 0, t["target"], t["expected_now"])) >= 0
    t["status"] = np.select(
        [t["current"].isna(), met, t["current_year"] >= t["deadline"], ahead],
        [NOT_AVAILABLE, "met", "missed", "on track"], "off track")
    t.loc[t["status"] == "met", "needed_change_per_year"] = 0.0
    return t


def authority_measures(kpis: dict[str, pd.DataFrame] | None = None,
                       la: pd.DataFrame | None = None,
                       schools_good: pd.Series | None = None,
                       local: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gather the authority's figures under the names a target may use.

    Parameters
    ----------
    kpis : dict of str to pandas.DataFrame, optional
        Output of :func:`standards.kpi.kpi_tables`; rows become ``<table>.<kpi_id>``.
    la : pandas.DataFrame, optional
        LAIT series of the authority (measure, year, value) from
        :func:`standards.lait.la_series`.
    schools_good : pandas.Series, optional
        % of inspected schools good or better by year (all phases).
    local : pandas.DataFrame, optional
        measure, year, value supplied by the authority.

    Returns
    -------
    pandas.DataFrame
        measure, year, value.
    """
    parts = []
    for table in (kpis or {}).values():
        for col_year, col_value in (("year", "value"), ("year", "last_year")):
            part = table[["table", "kpi_id", col_year, col_value]].rename(
                columns={col_value: "value"})
            if col_value == "last_year":
                part = part.assign(year=part["year"] - 1)
            parts.append(pd.DataFrame({"measure": part["table"] + "." + part["kpi_id"],
                                       "year": part["year"], "value": part["value"]}))
    if la is not None:
        parts.append(la[["measure", "year", "value"]])
    if schools_good is not None:
        parts.append(pd.DataFrame({"measure": "schools_good_or_better",
                                   "year": schools_good.index, "value": schools_good.values}))
    if local is not None:
        parts.append(local[["measure", "year", "value"]])
    if not parts:
        return pd.DataFrame(columns=["measure", "year", "value"])
    out = pd.concat(parts, ignore_index=True).dropna(subset=["value"])
    return out.drop_duplicates(["measure", "year"], keep="last").reset_index(drop=True)
