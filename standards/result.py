"""One call that runs the whole standards module and bundles what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from standards.benchmark import benchmark_la
from standards.config import StandardsConfig
from standards.indicators import numeric_indicators
from standards.kpi import kpi_tables, load_local_figures, share_good_or_better
from standards.lait import la_series, lait_values, national_comparators, resolve_la_number
from standards.overrides import Override, apply_overrides, unmatched_overrides
from standards.risk import RiskAssessment, add_derived, assess_risk, pivot_indicators, risk_summary
from standards.rules import load_rules, with_settings
from standards.targets import Target, authority_measures, load_targets, target_status

#: LAIT measures copied from NCCIS, whose figures and ranks the post-16 stage reports from the source.
RANKED_BY_POST16 = ("16-17Ed&Training", "16-17 NEET", "16-17_not known_NEET")


@dataclass(frozen=True)
class StandardsResult:
    """Everything the standards module reports for one authority and year.

    Attributes
    ----------
    year : int
        Academic year reported (by its autumn).
    rules_label : str
        Name and version of the risk rules used.
    risk : pandas.DataFrame
        School list for ``year``: school_id, name, phase, governance, category (after
        overrides), computed_category, rules_fired, reasons, not_checked, override_*.
    risk_all_years : pandas.DataFrame
        The same for every year assessed.
    risk_fired : pandas.DataFrame
        Every rule that fired: school_id, year, rule_id, category, description, reason.
    risk_summary : pandas.DataFrame
        Counts by phase and category, this year and last.
    kpis : dict of str to pandas.DataFrame
        ``{"primary": table one, "secondary": table two}``.
    benchmark : pandas.DataFrame or None
        The authority against every English LA (None without an authority).
    targets : pandas.DataFrame or None
        Status of each strategy target (None without a targets file).
    """

    year: int
    rules_label: str
    risk: pd.DataFrame
    risk_all_years: pd.DataFrame
    risk_fired: pd.DataFrame
    risk_summary: pd.DataFrame
    kpis: dict[str, pd.DataFrame]
    benchmark: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def flags_for(self, school_ids: list[str]) -> pd.DataFrame:
        """Risk category, the rules behind it, any override and Ofsted, for the schools named.

        For the capital report's annex: one row per school proposed for expansion. Schools
        without an assessment get the category "not assessed".
        """
        cols = ["school_id", "name", "category", "computed_category", "rules_fired",
                "reasons", "evidence", "override_reason", "ofsted", "ofsted_inspection_date"]
        risk = self.risk.assign(school_id=self.risk["school_id"].astype(str)).set_index("school_id")
        out = risk.reindex([str(s) for s in school_ids]).reset_index()
        out["category"] = out["category"].fillna("not assessed")
        return out[[c for c in cols if c in out]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every output table by a file-friendly name (what the CLI writes as CSV)."""
        out = {"risk_schools": self.risk, "risk_all_years": self.risk_all_years, "risk_rules_fired": self.risk_fired,
               "risk_summary": self.risk_summary, "kpi_table_one_primary": self.kpis["primary"],
               "kpi_table_two_secondary": self.kpis["secondary"]}
        if self.benchmark is not None:
            out["benchmark"] = self.benchmark
        if self.targets is not None:
            out["targets"] = self.targets
        return out


def run_standards(school_indicators: pd.DataFrame, schools: pd.DataFrame,
                  rolls: pd.DataFrame | None = None, config: StandardsConfig | None = None,
                  overrides: list[Override] | pd.DataFrame | None = None,
                  targets: list[Target] | None = None, local: pd.DataFrame | None = None,
                  lait: pd.DataFrame | None = None, base_dir: Path | None = None,
                  la: str | int | None = None) -> StandardsResult:
    """Risk-assess the schools, build the KPI tables, benchmark and check targets.

    Parameters
    ----------
    school_indicators : pandas.DataFrame
        Canonical long table (values as numbers or words; see :mod:`standards.indicators`).
    schools, rolls : pandas.DataFrame
        Canonical tables.
    config : StandardsConfig, optional
        Settings; defaults otherwise.
    overrides : list of Override or pandas.DataFrame, optional
        The override audit trail (e.g. ``standards.trail.override_frame(audit_trail)``).
    targets : list of Target, optional
        Strategy targets; by default read from ``config.targets_file`` when set.
    local : pandas.DataFrame, optional
        Figures only the authority holds (kpi_id or measure, year, value), see
        :func:`standards.kpi.kpi_tables` and :func:`standards.targets.authority_measures`;
        by default read from ``config.local_file`` when set
        (:func:`standards.kpi.load_local_figures`).
    lait : pandas.DataFrame, optional
        LAIT long values; the shipped extract by default.
    base_dir : Path, optional
        Folder against which relative rule and target file paths are read.
    la : str or int, optional
        The authority (the scenario's ``la_code``): its three-digit DfE LA code, ONS GSS code or
        name. Without it the LA rows use the schools' own figures and nothing is benchmarked.

    Returns
    -------
    StandardsResult
    """
    config = config or StandardsConfig()
    la_number = resolve_la_number(la) if la is not None and str(la).strip() else None
    base = base_dir or Path.cwd()
    if local is None and config.local_file is not None:
        local = load_local_figures(base / config.local_file)
    lait = lait_values() if lait is None else lait
    national = national_comparators(lait)
    indicators = numeric_indicators(school_indicators)
    rules = with_settings(load_rules(base / config.rules_file if config.rules_file else None),
                          config.outstanding_to_good_amber)
    assessment = assess_risk(indicators, schools, rules, national, rolls, config.similar_schools)
    trail = overrides if overrides is not None else []
    # An override naming a school or year not in this data (a closed school, a year not yet
    # loaded) stays in the audit trail but cannot apply; it must not stop the assessment.
    notes = [f"Override for school {o.school_id} in {o.year} ({o.category}, by {o.author} on "
             f"{o.date}) matches no assessed school and year, so it was not applied."
             for o in unmatched_overrides(assessment.schools, trail).itertuples()]
    final = apply_overrides(assessment.schools, trail, skip_unmatched=True)
    assessment = RiskAssessment(final, assessment.fired, rules)
    year = config.year or int(final["year"].max())
    wide = add_derived(pivot_indicators(indicators))
    kpis = kpi_tables(indicators, schools, rolls, assessment, la_number, year, lait,
                      national, _local_kpis(local), config.inspection_interval_years,
                      config.trend_tolerance, wide)
    bench = None
    if la_number is not None:
        bench = benchmark_la(la_number, lait=lait)
        # One figure, one source, one rank: 16-17 participation and NEET are NCCIS's, ranked by the post-16
        # stage; LAIT copies them but also ranks two authorities NCCIS does not list (so "of 153", not 151).
        bench = bench[~bench["measure"].isin(RANKED_BY_POST16)].reset_index(drop=True)
        notes.append("16-17 year olds in education or training, NEET, and NEET or not known are benchmarked once, "
                     "in the post-16 part, from their source (NCCIS), with its rank among the authorities it "
                     "publishes.")
    else:
        notes.append("No authority set (la_code at the top of scenario.yaml): LA rows use the "
                     "schools' own figures and there is no benchmarking against other authorities.")
    if targets is None and config.targets_file is not None:
        targets = load_targets(base / config.targets_file)
    status = None
    if targets:
        la_rows = la_series(la_number, lait) if la_number is not None else None
        good = share_good_or_better(wide)
        measures = authority_measures(kpis, la_rows, good, _local_measures(local))
        status = target_status(targets, measures, year)
    return StandardsResult(year, rules.label, assessment.for_year(year), final,
                           assessment.fired, risk_summary(final, year), kpis, bench, status,
                           notes)


def _local_kpis(local: pd.DataFrame | None) -> pd.DataFrame | None:
    if local is None or "kpi_id" not in local:
        return None
    return local.dropna(subset=["kpi_id"])


def _local_measures(local: pd.DataFrame | None) -> pd.DataFrame | None:
    if local is None or "measure" not in local:
        return None
    return local.dropna(subset=["measure"])
