"""The standards stage: school risk with its reasons, the KPI tables, benchmarking and targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sufficiency.core.stages import Stage, StageContext, StageSkipped

if TYPE_CHECKING:
    import pandas as pd

    from standards.result import StandardsResult


def run(context: StageContext) -> StandardsResult:
    """Risk-assess every school from the folder's school_indicators under the ``standards`` settings,
    benchmarking the scenario's authority (``la_code``)."""
    from standards.result import run_standards

    inputs = context.inputs
    if inputs.school_indicators is None:
        raise StageSkipped("the data folder has no school_indicators table (school_id, year, indicator, value)")
    return run_standards(inputs.school_indicators, inputs.schools, inputs.rolls, config=context.settings,
                         base_dir=inputs.folder, la=context.scenario.la_code)


def tables(result: StandardsResult) -> dict[str, pd.DataFrame]:
    """The risk list, rules fired, summary, KPI tables, benchmark and targets, and the notes."""
    import pandas as pd

    return {**result.tables(), "notes": pd.DataFrame({"note": list(result.notes)})}


STAGE = Stage(
    name="standards",
    title="Assessing schools' risk",
    description="School risk (red/amber/yellow/green) with the rules that fired, KPI tables, benchmarking, targets.",
    run=run,
    settings="standards.config:StandardsConfig",
    commands="standards.cli:register",
    printer="standards.show:print_result",
    tables=tables,
    routes="standards.routes:router",
    input_checks="standards.inputs:check",
    order=30,
)
