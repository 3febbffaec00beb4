"""The plan checked against families' preferences, and the trade-off between cost and preference.

"Expand popular schools first" is measured, not guessed: each school's popularity is its simulated first
preferences (today's places, mean over the forecast years) instead of last round's count, and the plan stage
is run again, through the stage registry, with stronger weights on the optimiser's
``rules.prefer_popular_good``. Each plan's cost is set beside its simulated top-three rate, and, with a
minimum top-three rate, the cheapest plan that keeps it is named. Nothing of the optimiser is imported: its
stage is asked for a plan as the pipeline would ask it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sufficiency.core.scenario import Scenario
from sufficiency.core.stages import REGISTRY, StageContext

if TYPE_CHECKING:
    from admissions.engine import AdmissionsResult

COLUMNS = ["plan", "popularity_weight", "popularity", "capital", "controllable_cost", "top_three_pct_primary",
           "top_three_pct_secondary", "lowest_top_three_pct", "meets_minimum", "chosen"]


def measured_popularity(result: AdmissionsResult) -> pd.Series:
    """Each school's simulated first preferences with today's places, mean over the years simulated."""
    today = result.schools[result.schools["case"] == "today"]
    return today.groupby(today["school_id"].astype(str))["first_preferences"].mean()


def _rates(result: AdmissionsResult, case: str) -> dict[str, float]:
    auth = result.measures[(result.measures["case"] == case) & (result.measures["planning_area_id"] == "all")]
    out = {f"top_three_pct_{p}": float(auth.loc[auth["phase"] == p, "top_three_pct"].mean())
           for p in ("primary", "secondary")}
    out["lowest_top_three_pct"] = float(auth["top_three_pct"].min()) if len(auth) else np.nan
    return out


def _row(name: str, weight: float, popularity: str, plan: Any, rates: dict[str, float]) -> dict[str, Any]:
    costs = getattr(plan, "costs", {})
    return {"plan": name, "popularity_weight": weight, "popularity": popularity,
            "capital": round(float(costs.get("capital", np.nan)), 2),
            "controllable_cost": round(float(costs.get("controllable", np.nan)), 2),
            **{k: round(v, 3) for k, v in rates.items()}}


def trade_off(context: StageContext, result: AdmissionsResult, plan: Any) -> pd.DataFrame:
    """The plan as run, and a re-plan for each ``plan_check.popularity_weights`` with measured popularity:
    cost (pounds) beside the simulated top-three rates (%), and whether each keeps ``min_top_three``."""
    from admissions.engine import run_admissions

    config = context.settings
    check = config.plan_check
    current = context.scenario.model_dump()["optimiser"]["rules"]["prefer_popular_good"]["weight"]
    rows = [_row("as run", current, "first preferences in schools", plan, _rates(result, "plan"))]
    if check.popularity_weights:
        plan_stage = REGISTRY.get("plan")
        forecast = context.results["forecast"]
        popularity = measured_popularity(result)
        schools = context.inputs.schools.copy()
        ids = schools["school_id"].astype(str)
        schools["first_preferences"] = ids.map(popularity).round().fillna(
            schools.get("first_preferences", pd.Series(np.nan, index=schools.index)))
        for weight in check.popularity_weights:
            data = context.scenario.model_dump()
            data["optimiser"]["rules"]["prefer_popular_good"]["weight"] = weight
            data["optimiser"]["rules"]["prefer_popular_good"]["enabled"] = True
            scenario = Scenario.model_validate(data)
            inputs = context.inputs.replace(scenario=scenario, schools=schools)
            replan = plan_stage.function()(StageContext(inputs=inputs, scenario=scenario,
                                                        results={"forecast": forecast},
                                                        options=context.options, stage=plan_stage))
            # The re-plan is simulated on the council's own schools table, as the plan as run was.
            again = run_admissions(inputs=context.inputs, by_area=forecast.by_area, base_year=forecast.base_year,
                                   config=config, schemes=replan.schemes, la_code=None,
                                   only_years=result.years, draws=result.draws)
            rows.append(_row(f"popularity weight {weight:g}", weight, "simulated first preferences", replan,
                             _rates(again, "plan")))
    frame = pd.DataFrame(rows)
    minimum = check.min_top_three
    frame["meets_minimum"] = (frame["lowest_top_three_pct"] >= minimum) if minimum is not None else True
    frame["chosen"] = False
    meeting = frame[frame["meets_minimum"]]
    if len(meeting):
        frame.loc[meeting["controllable_cost"].idxmin(), "chosen"] = True
    return frame[COLUMNS]
