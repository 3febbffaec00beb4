"""Assumptions and sources: every setting with its cited source, input hashes, versions, solver."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from reports.format import money
from sufficiency.core.scenario import setting_fields

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult
    from sufficiency.core.scenario import Scenario


#: Settings in pounds: costs, budgets and the travel penalty (a pound a pupil-year). The shortfall penalty
#: and the rules' weights are weightings, not money (``optimiser.plan.COST_UNITS``), so never shown in pounds.
_POUNDS = re.compile(r"cost|budget|travel_penalty")


def _value_text(value: Any, pounds: bool = False) -> str:
    if pounds and isinstance(value, (int, float)) and not isinstance(value, bool):
        return money(value)
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v, pounds) for v in value) if value else "none"
    if value is None:
        return "not set"
    return str(value)


def _flatten(model: BaseModel, prefix: str = "") -> list[tuple[str, str, str]]:
    """(setting, value, description) for every leaf of a settings model, depth first."""
    rows: list[tuple[str, str, str]] = []
    for name, value, description in setting_fields(model):
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows.append((key, "", description))
            rows += _flatten(value, key + ".")
        elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            rows.append((key, "", description))
            for sub, inner in value.items():
                rows += _flatten(inner, f"{key}.{sub}.")
        elif isinstance(value, dict):
            pounds = bool(_POUNDS.search(key))
            rows.append((key, ", ".join(f"{k}: {_value_text(v, pounds)}" for k, v in value.items()) or "none",
                         description))
        else:
            rows.append((key, _value_text(value, bool(_POUNDS.search(key))), description))
    return rows


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """Every scenario setting as run, with its description and the source it cites.

    Returns
    -------
    DataFrame ``setting, value, source`` (the field's description, which cites its source).
    """
    rows = [r for r in _flatten(scenario) if r[1] != "" or r[2]]
    return pd.DataFrame(rows, columns=["setting", "value", "source"])


def sources_table(result: ScenarioResult) -> pd.DataFrame:
    """Input files and the SHA-256 of their bytes."""
    hashes = result.provenance.source_hashes
    return pd.DataFrame(sorted(hashes.items()), columns=["file", "sha256"])


def versions_table(result: ScenarioResult) -> pd.DataFrame:
    """The product's version, Python and the packages that shaped the numbers."""
    p = result.provenance
    rows = [("sufficiency", p.software_version), ("python", p.python), *sorted(p.package_versions.items())]
    return pd.DataFrame(rows, columns=["package", "version"])


def solver_summary(result: ScenarioResult) -> dict[str, Any]:
    """Solver, status, gap and times of the plan (empty when no plan was run)."""
    out: dict[str, Any] = {"created_at": result.provenance.created_at,
                           "stage_seconds": dict(result.provenance.stage_seconds)}
    plan = result.plan
    if plan is None:
        return out | {"status": "not run"}
    solve = plan.solve
    return out | {"solver": solve.solver, "status": solve.status, "gap": float(solve.gap),
                  "seconds": float(solve.seconds), "controllable_cost": float(plan.controllable_cost),
                  "message": solve.message}
