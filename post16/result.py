"""``run_post16``: every post-16 output for one authority in one typed result."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pandas as pd

from post16.attainment import attainment_at_19, load_attainment19
from post16.config import Post16Config, Post16Settings
from post16.participation import group_splits, load_nccis, participation_table, resolve_la, trend_chart
from post16.risk import RoniReport, train_and_rank
from post16.sixth_form import sixth_form_demand, sixth_form_summary, to_planning_areas

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Post16Result:
    """Post-16 participation, attainment at 19, sixth-form demand and risk of NEET for one LA.

    Attributes
    ----------
    la_code, la_name, region_name
        The authority (DfE three-digit code) and its region.
    participation
        :func:`post16.participation.participation_table` (long: year, measure, LA, England,
        region, rank, target).
    groups
        :func:`post16.participation.group_splits` (SEND and vulnerable group NEET-or-not-known).
    attainment19
        :func:`post16.attainment.attainment_at_19` (empty when there is no data for the LA).
    sixth_form, sixth_form_by_area, sixth_form_totals
        :func:`post16.sixth_form.sixth_form_demand` by provider (or by planning area when the demand
        came by area), by planning area, and the authority summary; None without demand data.
    sixth_form_source
        Where the Year 12-13 numbers came from (e.g. "forecast by school", "actual rolls").
    roni
        The risk-of-NEET report, or None without pupil data. Personal data: serve to authorised
        roles only.
    config
        The settings used.
    notes
        Plain-language caveats for the reader.
    """

    la_code: str
    la_name: str
    region_name: str
    participation: pd.DataFrame
    groups: pd.DataFrame
    attainment19: pd.DataFrame
    sixth_form: pd.DataFrame | None
    sixth_form_by_area: pd.DataFrame | None
    sixth_form_totals: pd.DataFrame | None
    sixth_form_source: str | None
    roni: RoniReport | None
    config: Post16Config
    notes: tuple[str, ...] = field(default_factory=tuple)

    def latest(self, measure: str = "participation_pct") -> pd.Series:
        """The latest year's row of a participation measure."""
        rows = self.participation[self.participation["measure"] == measure]
        return rows.sort_values("year").iloc[-1]

    def trend_figure(self):
        """Participation and NEET-or-not-known trend chart (matplotlib Figure) for the report."""
        return trend_chart(self.participation, self.la_name, self.config.participation_target_pct)

    def tables(self, include_personal: bool = False) -> dict[str, pd.DataFrame]:
        """Every output table by file-style name, for CSV, XLSX or API use.

        Parameters
        ----------
        include_personal
            Add the pupil-level ranked list and its factors (pseudonymised personal data: only for
            roles allowed to see pupil-level data). Aggregate model tables are always included.
        """
        out = {
            "participation": self.participation,
            "participation_groups": self.groups,
            "attainment19": self.attainment19,
        }
        if self.sixth_form is not None:
            out["sixth_form"] = self.sixth_form
            out["sixth_form_by_area"] = self.sixth_form_by_area
            out["sixth_form_totals"] = self.sixth_form_totals
        if self.roni is not None:
            tag = "_SYNTHETIC" if self.roni.synthetic else ""
            cv = {f"cv_log_loss_{name}": loss for name, loss in self.roni.cv_log_loss.items()}
            metrics = {**self.roni.metrics, "model": self.roni.chosen_model, "synthetic": self.roni.synthetic,
                       "validated_on": self.roni.validated_on, "caveat": self.roni.caveat,
                       "calibration_within_bound": self.roni.calibration_within_bound,
                       "flags_withheld": self.roni.flags_withheld,
                       "surrogate_r2": self.roni.surrogate_r2, **cv}
            out[f"roni_metrics{tag}"] = pd.DataFrame([metrics])
            out[f"roni_calibration{tag}"] = self.roni.calibration
            out[f"roni_fairness{tag}"] = self.roni.fairness
            if include_personal:
                out[f"roni_ranked_years9to11{tag}"] = self.roni.ranked
                out[f"roni_factors{tag}"] = self.roni.factors
        return out


def run_post16(
    config: Post16Config,
    *,
    la: str | None = None,
    nccis: pd.DataFrame | None = None,
    attainment: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    demand_source: str = "forecast",
    schools: pd.DataFrame | None = None,
    pupils: pd.DataFrame | None = None,
    settings: Post16Settings | None = None,
    today: dt.date | None = None,
) -> Post16Result:
    """Run every post-16 analysis the data allows.

    Parameters
    ----------
    config
        The ``post16`` scenario section.
    la
        The authority (the scenario's ``la_code``): DfE LA code, GSS code or name.
    nccis, attainment
        Reference tables; the shipped NCCIS and LAIT extracts when omitted.
    demand
        Year 12-13 pupils by school or planning area (a forecast frame or the rolls); with
        ``schools`` it gives sixth-form demand.
    demand_source
        Label for where ``demand`` came from, carried into the result.
    schools
        Canonical schools table.
    pupils
        Pupil-level table for the risk-of-NEET model (needs ``settings`` for the pseudonym key).
    settings
        Secrets (pseudonym key).
    today
        Reference date for retention.

    Returns
    -------
    Post16Result
    """
    if la is None or not str(la).strip():
        raise ValueError("No authority given: set la_code at the top of scenario.yaml (la_code: '358', a GSS "
                         "code or the name) or pass --la.")
    nccis = load_nccis() if nccis is None else nccis
    row = resolve_la(nccis, la)
    notes = []
    attainment = load_attainment19() if attainment is None else attainment
    sixth = by_area = totals = None
    if demand is not None and schools is not None:
        sixth = sixth_form_demand(demand, schools)
        totals = sixth_form_summary(sixth)
        by_area = sixth_form_demand(to_planning_areas(demand, schools), schools) if "school_id" in demand else sixth
    else:
        notes.append("Sixth-form demand not assessed: no Year 12-13 forecast or rolls with a schools table.")
    roni = None
    if pupils is not None:
        if settings is None:
            raise ValueError("Pupil data needs the pseudonym key: set SUFFICIENCY_POST16_PSEUDONYM_KEY.")
        roni = train_and_rank(pupils, config, settings, today)
        if roni.synthetic:
            notes.append("The risk-of-NEET results use a SYNTHETIC pupil cohort for demonstration, not real pupils.")
        notes.append(f"Risk-of-NEET model: {roni.caveat}")
        if not roni.calibration_within_bound:
            notes.append(
                f"The risk-of-NEET model's calibration error on held-out pupils ({roni.metrics['ece']:.3f}) is above "
                f"post16.roni.max_calibration_error ({roni.max_calibration_error:g}): its risks are not reliable "
                "probabilities, so no pupil is flagged; add earlier cohorts or choose another calibration_method.")
    log.info("post-16 analysis for LA %s done", row["la_code"])
    return Post16Result(
        la_code=str(row["la_code"]),
        la_name=str(row["la_name"]),
        region_name=str(row["region_name"]),
        participation=participation_table(nccis, str(row["la_code"]), config.participation_target_pct),
        groups=group_splits(nccis, str(row["la_code"])),
        attainment19=attainment_at_19(
            attainment, str(row["la_code"]), config.level2_at_19_target_pct, config.level3_at_19_target_pct
        ),
        sixth_form=sixth,
        sixth_form_by_area=by_area,
        sixth_form_totals=totals,
        sixth_form_source=demand_source if sixth is not None else None,
        roni=roni,
        config=config,
        notes=tuple(notes),
    )
