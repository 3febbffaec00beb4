"""The post-16 stage: participation and NEET, attainment by 19, sixth-form demand, risk of NEET."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sufficiency.core.stages import Stage, StageContext, StageSkipped

if TYPE_CHECKING:
    import pandas as pd

    from post16.result import Post16Result

#: Pupil-level tables: stored apart, served to admins only, deleted after their delete-after date.
PERSONAL = frozenset({"roni_ranked", "roni_factors"})


def sixth_form_demand_source(context: StageContext) -> tuple[pd.DataFrame, str]:
    """Years 12-13 by school: actual rolls to the base year, then the forecast by school when the
    forecast stage ran (the base year's Year 12 against the next year's Year 13 gives the drop-out)."""
    import pandas as pd

    rolls = context.inputs.rolls
    forecast = context.results.get("forecast")
    if forecast is None:
        return rolls, "actual rolls"
    cols = ["school_id", "year", "ncy", "pupils"]
    actual = rolls[rolls["year"] <= forecast.base_year]
    demand = pd.concat([actual[cols], forecast.by_school[cols]], ignore_index=True)
    return demand, f"actual rolls to {forecast.base_year}, forecast by school after"


def run(context: StageContext) -> Post16Result:
    """Every post-16 analysis the data allows, for the scenario's authority (``la_code``, or the ``la``
    option of the command line). Options: ``pupils`` (a pupil table) with ``settings``
    (the pseudonym key), or ``synthetic_pupils`` (a SYNTHETIC cohort, to demonstrate the model)."""
    from post16.result import run_post16

    config = context.settings
    la = context.options.get("la") or context.scenario.la_code
    if la is None or not str(la).strip():
        # post-16 participation is published per authority: without one there is nothing to report, and a
        # run (or a report) of a council's folder goes on without this stage rather than stopping
        raise StageSkipped("no authority is named: set la_code at the top of scenario.yaml (the authority's DfE LA "
                           "code, ONS GSS code or name) for post-16 participation, NEET and sixth-form demand")
    pupils, settings = context.options.get("pupils"), context.options.get("pupil_settings")
    if pupils is None and context.options.get("synthetic_pupils"):
        from post16.privacy import ephemeral_settings
        from post16.synthetic import synthetic_pupils

        pupils = synthetic_pupils(random_state=config.roni.random_state)
        settings = ephemeral_settings(config.roni.random_state)
    demand, source = sixth_form_demand_source(context)
    return run_post16(config, la=la, demand=demand,
                      demand_source=source, schools=context.inputs.schools, pupils=pupils, settings=settings,
                      today=context.options.get("today"))


def tables(p16: Post16Result) -> dict[str, pd.DataFrame]:
    """Aggregate tables, and the pupil-level risk-of-NEET list (``PERSONAL``) when the model ran."""
    import pandas as pd

    out = {"participation": p16.participation, "groups": p16.groups, "attainment19": p16.attainment19,
           "notes": pd.DataFrame({"note": list(p16.notes)})}
    if p16.sixth_form is not None:
        out["sixth_form"] = p16.sixth_form
    if p16.sixth_form_totals is not None:
        out["sixth_form_totals"] = p16.sixth_form_totals
    if p16.roni is not None:
        roni = p16.roni
        out["roni_metrics"] = pd.DataFrame([{**roni.metrics, "chosen_model": roni.chosen_model,
                                             "synthetic": roni.synthetic, "validated_on": roni.validated_on,
                                             "caveat": roni.caveat,
                                             "calibration_within_bound": roni.calibration_within_bound,
                                             "flags_withheld": roni.flags_withheld}])
        out["roni_calibration"] = roni.calibration
        out["roni_fairness"] = roni.fairness
        out["roni_ranked"] = roni.ranked
        out["roni_factors"] = roni.factors
    return out


STAGE = Stage(
    name="post16",
    title="Post-16 participation and risk of NEET",
    heading="Post-16",
    description="Participation and NEET against 95%, attainment by 19, sixth-form demand, risk of NEET.",
    run=run,
    settings="post16.config:Post16Config",
    uses=("forecast",),
    commands="post16.cli:register",
    printer="post16.show:print_result",
    tables=tables,
    routes="post16.routes:router",
    personal_tables=PERSONAL,
    order=40,
)
