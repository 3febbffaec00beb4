"""The optimiser's stage: the least-cost capital programme that meets the forecast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sufficiency.core.stages import Stage, StageContext

if TYPE_CHECKING:
    import pandas as pd

    from optimiser.plan import Plan


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


def files(plan: Plan) -> dict[str, pd.DataFrame]:
    """What a run writes: plan.csv and sufficiency_after.csv."""
    return {"plan": plan.schemes, "sufficiency_after": plan.sufficiency_after}


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
    files=files,
    order=20,
)
