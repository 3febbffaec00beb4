"""The versioned risk rule files and their reader.

A rule file is YAML a headteacher can read: each rule has a plain description, a category
(Red, Amber, Yellow), the test on the data, its threshold and the reason for it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sufficiency.core.safeyaml import excerpt, load_yaml

RULES_DIR = Path(__file__).resolve().parent
DEFAULT_RULES = RULES_DIR / "risk_rules_v2.yaml"

#: Categories from the most to the least serious; Green means no rule fired.
CATEGORIES: tuple[str, ...] = ("Red", "Amber", "Yellow", "Green")
SEVERITY: dict[str, int] = {c: i for i, c in enumerate(reversed(CATEGORIES))}

#: Indicators worked out from the school indicators before the rules run.
DERIVED_INDICATORS: tuple[str, ...] = (
    "years_since_inspection", "ofsted_grade_change", "ofsted_rc_lowest",
    "ofsted_rc_needs_attention", "sen_suspension_ratio",
)
#: The rule a drop from Outstanding to Good fires, and the setting that makes it Amber.
OUTSTANDING_TO_GOOD = "Y8-outstanding-to-good"


class RuleFileError(ValueError):
    """A rule file that cannot be read, with the file and the rule at fault."""


class Criterion(BaseModel):
    """One test on the data: ``measure(indicator) operator threshold``."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(description="School indicator or worked-out indicator name.")
    measure: Literal["value", "change", "gap_to_national", "gap_to_similar"] = Field(
        "value", description="The school's figure, its change on last year, its gap to national, or its gap to "
                             "the mean of its similar schools (intake and size).")
    operator: Literal["<", "<=", ">", ">=", "=="] = Field(description="Comparison operator.")
    threshold: float = Field(description="The number the measure is compared with.")
    fallback: Criterion | None = Field(
        None, description="The test used instead where the school's figure for the indicator is not published "
                          "that year (e.g. Attainment 8 against national where Progress 8 is not published).")

    def indicators(self) -> list[str]:
        """The indicator and its fallback's."""
        return [self.indicator, *(self.fallback.indicators() if self.fallback else [])]


class Rule(BaseModel):
    """One risk criterion with its category, threshold and reason."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable identifier, e.g. 'R1-ofsted-inadequate'.")
    category: Literal["Red", "Amber", "Yellow"] = Field(description="Category when the rule fires.")
    phase: Literal["all", "primary", "secondary"] = Field(
        "all", description="Schools the rule applies to; all-through schools meet both phases.")
    description: str = Field(min_length=1, description="The rule in plain words.")
    criteria: list[Criterion] = Field(min_length=1, description="All must hold for the rule to fire.")
    years_running: int = Field(1, ge=1, le=5, description="Consecutive years the criteria must hold.")
    reason: str = Field(min_length=1, description="Why the authority treats this as a concern.")


class RuleSet(BaseModel):
    """A versioned set of risk rules."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="Version number; a change of threshold is a new version.")
    name: str = Field(description="Title of the rule set.")
    effective_from: date = Field(description="First day the rules apply.")
    rules: list[Rule] = Field(min_length=1, description="The rules.")

    @property
    def label(self) -> str:
        """Name and version, as printed beside every assessment."""
        return f"{self.name} v{self.version} (from {self.effective_from.isoformat()})"


def load_rules(path: Path | str | None = None, known_indicators: set[str] | None = None) -> RuleSet:
    """Read and check a rule file.

    Parameters
    ----------
    path : Path or str, optional
        The YAML file; the shipped ``risk_rules_v1.yaml`` by default.
    known_indicators : set of str, optional
        Indicator names a criterion may use; the documented vocabulary plus the worked-out
        indicators by default.

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleFileError
        Naming the file, the rule and the key at fault and what to do.
    """
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleFileError(f"{path}: cannot read the rule file ({excerpt(exc, 300)}).") from exc
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        where = f"rule {data['rules'][loc[1]].get('id', loc[1])!r}, " if (
            len(loc) > 2 and loc[0] == "rules" and isinstance(data, dict)) else ""
        key = ".".join(str(p) for p in loc)
        raise RuleFileError(f"{path}: {where}'{key}': {err['msg']} (got {excerpt(repr(err.get('input')))}). "
                            "Correct the rule and run again.") from exc
    _check_rules(ruleset, path, known_indicators)
    return ruleset


def _check_rules(ruleset: RuleSet, path: Path, known: set[str] | None) -> None:
    if known is None:
        from standards.lait import school_vocabulary
        known = set(school_vocabulary()["indicator"]) | set(DERIVED_INDICATORS)
    ids = [r.id for r in ruleset.rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuleFileError(f"{path}: rule ids must be unique; repeated: {duplicates}.")
    for rule in ruleset.rules:
        for indicator in (i for crit in rule.criteria for i in crit.indicators()):
            if indicator not in known:
                raise RuleFileError(
                    f"{path}: rule {rule.id!r} uses unknown indicator {indicator!r}. "
                    "Use a name from standards/data/school_indicator_vocabulary.csv or one of "
                    f"{list(DERIVED_INDICATORS)}.")


def with_settings(ruleset: RuleSet, outstanding_to_good_amber: bool = False) -> RuleSet:
    """The rule set as the ``standards`` settings ask for it.

    With ``outstanding_to_good_amber``, the rule a drop from Outstanding to Good fires
    (:data:`OUTSTANDING_TO_GOOD`) counts as Amber instead of its own category.

    Raises
    ------
    RuleFileError
        When the setting is on and the rule set has no such rule (the setting could not act).
    """
    if not outstanding_to_good_amber:
        return ruleset
    if OUTSTANDING_TO_GOOD not in {r.id for r in ruleset.rules}:
        raise RuleFileError(
            f"standards.outstanding_to_good_amber is set but the rule set '{ruleset.label}' has no rule "
            f"{OUTSTANDING_TO_GOOD!r} to make Amber: add it (see risk_rules_v2.yaml) or remove the setting.")
    rules = [r.model_copy(update={"category": "Amber"}) if r.id == OUTSTANDING_TO_GOOD else r
             for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})
