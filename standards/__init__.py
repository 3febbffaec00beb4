"""Standards and risk: school risk assessment, KPI tables, LA benchmarking, targets, escalation.

The functions the API, reports and CLI call:

* :func:`run_standards` -> :class:`StandardsResult` (everything below for one authority and year)
* :func:`assess_risk` and :func:`risk_summary` -> categories Red / Amber / Yellow / Green with
  the rules that fired (rules in ``standards/rules/risk_rules_v1.yaml``)
* :func:`apply_overrides` with :class:`Override` (reason, author, date; audited)
* :func:`kpi_tables` -> table one (primary) and table two (secondary)
* :func:`benchmark_la` -> rank, quartile and distance from the top 10% among all English LAs
* :func:`load_targets` and :func:`target_status` -> on track / off track with the trajectory
* :class:`StandardsStore` with :class:`EscalationEvent` -> the persisted escalation workflow
"""

from standards.benchmark import benchmark_la, rank_all_las
from standards.config import StandardsConfig
from standards.escalation import (STEPS, EscalationEvent, IllegalTransition, allowed_next,
                                  check_transition)
from standards.indicators import IndicatorError, numeric_indicators
from standards.kpi import format_kpi_table, kpi_tables
from standards.overrides import Override, apply_overrides
from standards.result import StandardsResult, run_standards
from standards.risk import RiskAssessment, assess_risk, risk_summary
from standards.rules import RuleFileError, RuleSet, load_rules
from standards.store import StandardsStore
from standards.synthetic import sample_school_indicators
from standards.targets import Target, load_targets, target_status

__all__ = [
    "STEPS", "EscalationEvent", "IllegalTransition", "IndicatorError", "Override",
    "RiskAssessment", "RuleFileError", "RuleSet", "StandardsConfig", "StandardsResult",
    "StandardsStore", "Target", "allowed_next", "apply_overrides", "assess_risk", "benchmark_la",
    "check_transition", "format_kpi_table", "kpi_tables", "load_rules", "load_targets",
    "numeric_indicators", "rank_all_las", "risk_summary", "run_standards",
    "sample_school_indicators", "target_status",
]
