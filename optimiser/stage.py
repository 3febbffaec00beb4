"""The optimiser's stage: the least-cost capital programme that meets the forecast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sufficiency.core.stages import Stage, StageContext

if TYPE_CHECKING:
    import pandas as pd

    from optimiser.plan import Plan
    from optimiser.stochastic import RobustPlan


def run(context: StageContext) -> Plan:
    """The plan for the forecast stage's demand, under the scenario's ``optimiser`` settings."""
    from optimiser import run_plan
    from optimiser.distances import area_distances

    inputs, forecast = context.inputs, context.results["forecast"]
    # The central forecast and its intervals: a reduction leaves room for the upper band.
    files = {name.rsplit(".", 1)[0]: name for name in inputs.source_hashes}
    return run_plan(forecast.by_area, inputs.schools, config=context.settings, options=inputs.options,
                    distances=area_distances(inputs), planning_areas=inputs.planning_areas,
                    base_year=forecast.base_year, rolls=inputs.rolls, links=inputs.links, files=files)


def tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan's warnings, stored with the run: what a board should know of its footing (data older than a
    year at the decision date, for one)."""
    import pandas as pd

    return {"warnings": pd.DataFrame({"warning": list(plan.warnings)}, dtype=object)}


def files(plan: Plan) -> dict[str, pd.DataFrame]:
    """What a run writes: plan.csv and sufficiency_after.csv (with each cell's whole places short, as the report
    counts them)."""
    from sufficiency.core.capacity import with_places_short

    return {"plan": plan.schemes, "sufficiency_after": with_places_short(plan.sufficiency_after)}


STAGE = Stage(
    name="plan",
    title="Choosing the capital programme",
    heading="Capital programme",
    description="Expansions, bulge classes, new schools and reductions at least cost, each with its reason.",
    run=run,
    settings="optimiser.config:OptimiserConfig",
    section="optimiser",
    requires=("forecast",),
    commands="optimiser.cli:register",
    printer="optimiser.cli:print_result",
    tables=tables,
    files=files,
    order=20,
)


def run_robust(context: StageContext) -> RobustPlan:
    """The robust plan: permanent schemes chosen once for the scenarios of the ``robust`` section (variants,
    scenario files, sampled paths), bulge classes as each future's recourse, compared with the plan stage's
    deterministic plan; run options ``paths`` (and ``variants``) override the section."""
    from optimiser.distances import area_distances
    from optimiser.run import preparer
    from optimiser.scenarios import forecast_scenarios, same_band
    from optimiser.stochastic import DemandScenario, solve_robust

    inputs, forecast = context.inputs, context.results["forecast"]
    robust = context.settings
    overrides = {k: context.options[k] for k in ("paths", "variants", "method") if context.options.get(k) is not None}
    if overrides:
        robust = robust.model_copy(update=overrides)
    config = context.scenario.optimiser
    files = {name.rsplit(".", 1)[0]: name for name in inputs.source_hashes}
    prepare = preparer(inputs.schools, config, inputs.options, area_distances(inputs), inputs.planning_areas,
                       forecast.base_year, inputs.rolls, inputs.links, files)
    scenarios = forecast_scenarios(forecast, inputs, robust, config.reduction_band)
    names = {s.name for s in scenarios}
    # The high variant is always measured, planned for or not: its shortfall is the board's question.
    evaluate = [DemandScenario("high", same_band(forecast.rerun(inputs, variant="high").by_area, forecast.by_area,
                                                 config.reduction_band), 0.0)] if (
        "high" not in names and "high" in forecast.config.variants) else []
    return solve_robust(scenarios, prepare, config, robust, principal=context.results.get("plan"),
                        principal_name=forecast.variant, evaluate=evaluate)


def robust_tables(result: RobustPlan) -> dict[str, pd.DataFrame]:
    """The robust plan's tables: schemes (committed and contingent), scenarios, outcomes, regret, value, fan, solve
    and warnings."""
    return result.tables()


def robust_files(result: RobustPlan) -> dict[str, pd.DataFrame]:
    """What a run writes: robust_plan.csv, robust_outcomes.csv, robust_value.csv and robust_fan.csv."""
    tables = result.tables()
    return {"robust_plan": tables["schemes"], "robust_outcomes": tables["outcomes"], "robust_value": tables["value"],
            "robust_fan": tables["fan"], "robust_scenarios": tables["scenarios"]}


ROBUST_STAGE = Stage(
    name="robust",
    title="Choosing a plan that holds across the forecast's futures",
    heading="Robust capital programme",
    description="Permanent schemes chosen once for every future (variants, scenario files, sampled paths), bulge "
                "classes as each future's recourse; value of the stochastic solution, EVPI and regret.",
    run=run_robust,
    settings="optimiser.config:RobustConfig",
    section="robust",
    requires=("forecast", "plan"),
    printer="optimiser.cli:print_robust_result",
    tables=robust_tables,
    files=robust_files,
    report="reports.robust:sections",
    order=25,
)
