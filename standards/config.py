"""Settings of the standards module (the ``standards`` section of a scenario)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class StandardsConfig(BaseModel):
    """How schools are risk-assessed. The authority benchmarked is the scenario's ``la_code``."""

    model_config = ConfigDict(extra="forbid")

    #: Keys this section no longer has, with what to write instead (refused with that advice).
    moved_settings: ClassVar[dict[str, str]] = {
        "la_number": "set the authority once as 'la_code' at the top of scenario.yaml (la_code: '358', "
                     "its GSS code 'E08000009' or its name); standards and post-16 both read it",
    }
    rules_file: Path | None = Field(
        default=None,
        description="Risk rule file (YAML); relative paths are read from the data folder. "
                    "Default: the rule set shipped with the product, "
                    "standards/rules/risk_rules_v1.yaml.",
    )
    targets_file: Path | None = Field(
        default=None,
        description="Strategy targets file (YAML or CSV: indicator, baseline, target, deadline). "
                    "Relative paths are read from the data folder. None: no targets.",
    )
    local_file: Path | None = Field(
        default=None,
        description="Figures only the authority holds (CSV: indicator, year, value, optional "
                    "national and table), e.g. Fair Access referrals, pupils in PRUs, mobility, "
                    "elective home education, children missing education, or a target's measure. "
                    "Relative paths are read from the data folder. None: those rows are 'not "
                    "available'.",
    )
    year: int | None = Field(
        default=None,
        description="Academic year (by its autumn) to assess. Default: the latest year in "
                    "school_indicators.",
    )
    inspection_interval_years: float = Field(
        default=4.0, gt=0,
        description="Years between routine inspections of a school judged good or better. "
                    "Ofsted inspects such schools about every four years (School inspection "
                    "handbook, section 5 and 8, 2024).",
    )
    outstanding_to_good_amber: bool = Field(
        default=False,
        description="Whether a drop from Outstanding to Good at the last graded inspection, on its own, makes a "
                    "school Amber (rule Y8-outstanding-to-good counts as Amber). Off by default: Good is a good "
                    "judgement, and in the sample borough 7 of the 15 Amber schools were Amber for that drop alone, "
                    "which hides the schools that need support among those that need watching; the drop is then "
                    "Yellow. Turn it on where the authority's policy treats any decline as a concern.",
    )
    similar_schools: int = Field(
        default=10, ge=2, le=50,
        description="How many similar schools each school is compared with (rules measured gap_to_similar): the "
                    "schools of its phase nearest in % free school meals, % on SEN support and pupils on roll. Ten "
                    "by default: enough that one school's odd cohort does not set the comparison, few enough in "
                    "an authority of 60-80 primary schools that they still resemble the school; fewer follow its "
                    "intake more closely but are noisier.",
    )
    trend_tolerance: float = Field(
        default=0.0, ge=0,
        description="Year-on-year changes no larger than this are reported as 'no change'.",
    )
