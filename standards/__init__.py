"""Standards and risk: school risk assessment, KPI tables, LA benchmarking, targets, escalation.

The functions the API, reports and CLI call:

* :func:`run_standards` -> :class:`StandardsResult` (everything below for one authority and year)
* :func:`assess_risk` and :func:`risk_summary` -> categories Red / Amber / Yellow / Green with
  the rules that fired (rules in ``standards/rules/risk_rules_v1.yaml``)
* :func:`apply_overrides` with :class:`Override` (reason, author, date; audited)
* :func:`kpi_tables` -> table one (primary) and table two (secondary)
* :func:`benchmark_la` -> rank, quartile and distance from the top 10% among all English LAs
* :func:`load_targets` and :func:`target_status` -> on track / off track with the trajectory
* :func:`record_override`, :func:`record_step` with :class:`EscalationEvent` -> overrides and the escalation
  workflow kept on the organisation's audit trail (:mod:`standards.trail`)
"""

import lazy_loader

# Loaded on first use: importing the package (for its stage declaration) costs nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "benchmark": ["benchmark_la", "rank_all_las"],
    "config": ["StandardsConfig"],
    "escalation": ["EscalationEvent", "IllegalTransition", "STEPS", "allowed_next", "check_transition"],
    "indicators": ["IndicatorError", "numeric_indicators"],
    "kpi": ["format_kpi_table", "kpi_tables"],
    "overrides": ["Override", "apply_overrides"],
    "result": ["StandardsResult", "run_standards"],
    "risk": ["RiskAssessment", "assess_risk", "risk_summary"],
    "rules": ["RuleFileError", "RuleSet", "load_rules"],
    "synthetic": ["sample_school_indicators"],
    "targets": ["Target", "load_targets", "target_status"],
    "trail": ["record_override", "record_step"],
})
