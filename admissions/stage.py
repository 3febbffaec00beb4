"""The admissions stage: preferences and offers simulated for today's places and the plan's.

It runs after the forecast (its applicants) and, when the plan ran, after the plan (the plan's admission
numbers for the "plan" case), reading both as data from the stage context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sufficiency.core.stages import Stage, StageContext, StageSkipped

if TYPE_CHECKING:
    import pandas as pd

    from admissions.engine import AdmissionsResult

#: The council's real applications with their offers: stored apart, served to admins only.
PERSONAL = frozenset({"applications"})


def run(context: StageContext) -> AdmissionsResult:
    """Simulate every forecast year (option ``years``: only those), ``draws`` draws (option, else the
    setting); with the plan's admission numbers when the plan ran; and, when ``plan_check`` asks, re-plan."""
    from admissions.engine import NothingToSimulate, run_admissions

    forecast = context.results.get("forecast")
    if forecast is None:
        raise StageSkipped("the admissions simulation needs the forecast's entry cohorts")
    plan = context.results.get("plan")
    config = context.settings
    schemes = getattr(plan, "schemes", None) if plan is not None else None
    try:
        result = run_admissions(inputs=context.inputs, by_area=forecast.by_area, base_year=forecast.base_year,
                                config=config, schemes=schemes, la_code=context.scenario.la_code,
                                only_years=context.options.get("years"), draws=context.options.get("draws"))
    except NothingToSimulate as exc:
        raise StageSkipped(str(exc)) from None
    check = config.plan_check
    if plan is not None and (check.popularity_weights or check.min_top_three is not None):
        from admissions.tradeoff import trade_off

        result.trade_off = trade_off(context, result, plan)
    return result


def tables(result: AdmissionsResult) -> dict[str, pd.DataFrame]:
    """The measures, schools, calibration and real-data comparison; the trade-off when asked for; the
    council's applications with their offers (``PERSONAL``) when it gave them."""
    import pandas as pd

    out = {"measures": result.measures, "schools": result.schools, "calibration": result.calibration,
           "real_data": result.real_data, "summary": result.summary(),
           "notes": pd.DataFrame({"note": list(result.notes)})}
    if result.trade_off is not None:
        out["trade_off"] = result.trade_off
    if result.applications is not None:
        out["applications"] = result.applications
        out["observed"] = result.observed
    return out


def files(result: AdmissionsResult) -> dict[str, Any]:
    """What a run writes: admissions_measures.csv, admissions_schools.csv (and the trade-off when made)."""
    out: dict[str, Any] = {"admissions_measures": result.measures, "admissions_schools": result.schools}
    if result.trade_off is not None:
        out["admissions_trade_off"] = result.trade_off
    return out


STAGE = Stage(
    name="admissions",
    title="Simulating preferences and offers",
    heading="Admissions",
    description="Preferences and offers under the equal-preference scheme, today and with the plan: "
                "the 90% top-three target.",
    run=run,
    settings="admissions.config:AdmissionsConfig",
    requires=("forecast",),
    uses=("plan",),
    commands="admissions.cli:register",
    tables=tables,
    personal_tables=PERSONAL,
    files=files,
    printer="admissions.show:print_result",
    routes="admissions.routes:router",
    report="admissions.report:sections",
    order=25,
)
