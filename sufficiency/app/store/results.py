"""Turning a :class:`~sufficiency.core.result.ScenarioResult` into rows of the store's tables.

Each function returns plain dicts ready for one bulk insert; numbers are Python floats and ints,
missing values ``None``, so SQLite and PostgreSQL store exactly the same thing.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

INTERVALS = ("lower_80", "upper_80", "lower_95", "upper_95")


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def forecast_rows(frame: pd.DataFrame, level: str, run_id: str) -> list[dict[str, Any]]:
    """Rows of ``forecast_rows`` from ``Forecast.by_area`` (level "area") or ``by_school`` ("school")."""
    out = pd.DataFrame({
        "run_id": run_id, "level": level,
        "planning_area_id": frame["planning_area_id"] if "planning_area_id" in frame else None,
        "school_id": frame["school_id"] if "school_id" in frame else None,
        "year": frame["year"].astype(int), "ncy": frame["ncy"].astype(int),
        "pupils": frame["pupils"].astype(float),
    })
    for column in INTERVALS:
        out[column] = frame[column].astype(float) if column in frame else float("nan")
    records = out.astype(object).where(out.notna(), None).to_dict("records")
    for record in records:
        record["year"], record["ncy"] = int(record["year"]), int(record["ncy"])
        for key in ("planning_area_id", "school_id"):
            record[key] = _text(record[key])
    return records


def sufficiency_rows(frame: pd.DataFrame, stage: str, run_id: str) -> list[dict[str, Any]]:
    """Rows of ``sufficiency_rows``: before the plan (pupils/places/places_needed) or after it."""
    if stage == "before":
        renamed = frame.rename(columns={"pupils": "demand", "places": "capacity", "places_needed": "shortfall"})
    else:
        renamed = frame.copy()
    rate = renamed["surplus_rate"] if "surplus_rate" in renamed else pd.Series(float("nan"), index=renamed.index)
    return [
        {"run_id": run_id, "stage": stage, "planning_area_id": str(area), "year": int(year), "ncy": int(ncy),
         "demand": float(demand), "capacity": float(capacity), "surplus": float(surplus),
         "shortfall": float(shortfall), "surplus_rate": _num(r)}
        for area, year, ncy, demand, capacity, surplus, shortfall, r in zip(
            renamed["planning_area_id"], renamed["year"], renamed["ncy"], renamed["demand"],
            renamed["capacity"], renamed["surplus"], renamed["shortfall"], rate, strict=True)
    ]


def scheme_rows(schemes: pd.DataFrame, run_id: str) -> list[dict[str, Any]]:
    """Rows of ``plan_schemes`` from ``Plan.schemes``."""
    def get(row: pd.Series, key: str) -> Any:
        return row[key] if key in row.index else None

    return [
        {"run_id": run_id, "option_id": str(row["option_id"]), "kind": str(row["kind"]),
         "school_id": _text(get(row, "school_id")), "planning_area_id": _text(get(row, "planning_area_id")),
         "year": int(row["year"]), "forms_of_entry": float(row["forms_of_entry"]), "places": float(row["places"]),
         "capital_cost": float(row["capital_cost"]), "reason": _text(get(row, "reason")) or ""}
        for _, row in schemes.iterrows()
    ]


def _parts(costs: pd.Series) -> dict[str, dict[str, float | None]]:
    """The plan's parts by unit: pounds (``costs``), weightings that are not money, and place-years."""
    from optimiser.plan import COST_UNITS

    groups = {"costs": "pounds", "weightings": "weighting, not money", "place_years": "place-years"}
    return {name: {str(k): _num(v) for k, v in costs.items() if COST_UNITS[k] == unit} for name, unit in groups.items()}


def plan_summary(result: ScenarioResult) -> dict[str, Any] | None:
    """Solver, status, gap, seconds and cost breakdown of the plan (None without one); its shortfall both as the
    plan counts it (``total_shortfall``: pupils plus the operating margin) and as every page does
    (``places_short_after``: pupils above places)."""
    from optimiser.plan import COST_UNITS
    from sufficiency.core.capacity import places_short

    plan = result.plan
    if plan is None:
        return None
    solve = plan.solve
    return {
        "solver": str(getattr(solve, "solver", "")), "status": str(plan.status), "gap": _num(plan.gap),
        "solve_seconds": _num(plan.seconds), "total_seconds": _num(plan.total_seconds),
        "controllable_cost": _num(plan.controllable_cost),
        **_parts(plan.costs),
        "total_shortfall": _num(plan.total_shortfall),
        # what the report, the web pages and the SCAP count: whole pupils above whole places after the plan
        "places_short_after": _num(places_short(plan.sufficiency_after["demand"], plan.sufficiency_after["capacity"])),
        "baseline_costs": ({str(k): _num(v) for k, v in plan.baseline.costs.items() if COST_UNITS[k] == "pounds"}
                           if plan.baseline is not None else None),
    }


def frame_table(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Column names and JSON-safe rows of any DataFrame (dates as ISO text, NaN as null)."""
    data = json.loads(frame.to_json(orient="split", index=False, date_format="iso", default_handler=str))
    return [str(c) for c in data["columns"]], data["data"]
