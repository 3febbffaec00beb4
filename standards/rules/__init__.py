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
DEFAULT_RULES = RULES_DIR / "risk_rules_v1.yaml"

#: Categories from the most to the least serious; Green means no rule fired.
CATEGORIES: tuple[str, ...] = ("Red", "Amber", "Yellow", "Green")
SEVERITY: dict[str, int] = {c: i for i, c in enumerate(reversed(CATEGORIES))}

#: Indicators worked out from the school indicators before the rules run.
DERIVED_INDICATORS: tuple[str, ...] = (
    "years_since_inspection", "ofsted_grade_change", "ofsted_rc_lowest",
    "ofsted_rc_needs_attention",
)


class RuleFileError(ValueError):
    """A rule file that cannot be read, with the file and the rule at fault."""


class Criterion(BaseModel):
    """One test on the data: ``measure(indicator) operator threshold``."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(description="School indicator or worked-out indicator name.")
    measure: Literal["value", "change", "gap_to_national"] = Field(
        "value", description="The school's figure, its change on last year, or its gap to national.")
    operator: Literal["<", "<=", ">", ">=", "=="] = Field(description="Comparison operator.")
    threshold: float = Field(description="The number the measure is compared with.")


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
        for crit in rule.criteria:
            if crit.indicator not in known:
                raise RuleFileError(
                    f"{path}: rule {rule.id!r} uses unknown indicator {crit.indicator!r}. "
                    "Use a name from standards/data/school_indicator_vocabulary.csv or one of "
                    f"{list(DERIVED_INDICATORS)}.")
