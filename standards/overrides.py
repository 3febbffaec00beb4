"""Context overrides of a school's risk category, each with a reason, an author and a date.

An override never edits the computed category: the assessment keeps ``computed_category``
beside the final ``category`` and names the override that changed it. Overrides are kept on the
organisation's append-only audit trail (see :mod:`standards.trail`); the latest override for a
school and year applies, and withdrawing one is a new override back to the computed category.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from standards.rules import CATEGORIES

#: A reason must say something a reader can check; a word or two is not enough.
MIN_REASON_LENGTH = 15


class Override(BaseModel):
    """A recorded change of one school's category for one year."""

    model_config = ConfigDict(extra="forbid")

    school_id: str = Field(min_length=1, description="URN of the school.")
    year: int = Field(description="Academic year (by its autumn) of the assessment overridden.")
    category: str = Field(description="Category after the override: Red, Amber, Yellow or Green.")
    reason: str = Field(description="Why the data does not tell the whole story.")
    author: str = Field(min_length=1, description="Who decided the override.")
    date: dt.date = Field(description="When it was decided.")

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"category must be one of {list(CATEGORIES)}, got {value!r}")
        return value

    @field_validator("reason", "author")
    @classmethod
    def _not_blank(cls, value: str, info) -> str:  # info: pydantic's ValidationInfo
        value = value.strip()
        if info.field_name == "reason" and len(value) < MIN_REASON_LENGTH:
            raise ValueError(f"a reason of at least {MIN_REASON_LENGTH} characters is required "
                             "(say what the data does not show)")
        if not value:
            raise ValueError("an author is required")
        return value


def unmatched_overrides(schools: pd.DataFrame,
                        overrides: list[Override] | pd.DataFrame) -> pd.DataFrame:
    """Return the latest overrides whose school and year were not assessed (school_id, year, ...).

    A school that closed, a mistyped URN recorded without checking, or a year not in the data:
    such overrides stay in the append-only trail but cannot apply.
    """
    latest = _latest(overrides)
    keys = pd.MultiIndex.from_frame(schools[["school_id", "year"]].astype({"school_id": str,
                                                                          "year": int}))
    unknown = ~pd.MultiIndex.from_frame(latest[["school_id", "year"]]).isin(keys)
    return latest[unknown].reset_index(drop=True)


def _latest(overrides: list[Override] | pd.DataFrame) -> pd.DataFrame:
    """The last override for each school and year, school_id as text and year as int."""
    trail = (pd.DataFrame([o.model_dump() for o in overrides],
                          columns=list(Override.model_fields))
             if isinstance(overrides, list) else overrides.copy())
    trail["school_id"] = trail["school_id"].astype(str)
    trail["year"] = trail["year"].astype(int)
    return trail.drop_duplicates(["school_id", "year"], keep="last")


def apply_overrides(schools: pd.DataFrame, overrides: list[Override] | pd.DataFrame,
                    skip_unmatched: bool = False) -> pd.DataFrame:
    """Apply overrides to an assessment's school list.

    Parameters
    ----------
    schools : pandas.DataFrame
        ``RiskAssessment.schools`` (school_id, year, category, ...).
    overrides : list of Override or pandas.DataFrame
        The audit trail, oldest first; for each school and year the last one applies.
    skip_unmatched : bool
        Leave out overrides naming a school and year that were not assessed (list them with
        :func:`unmatched_overrides`) instead of raising.

    Returns
    -------
    pandas.DataFrame
        ``schools`` with ``computed_category`` (from the rules), ``category`` (final), and
        override_reason, override_author, override_date (empty where not overridden).

    Raises
    ------
    ValueError
        When an override names a school and year that were not assessed (unless
        ``skip_unmatched``).
    """
    out = schools.copy()
    if "computed_category" not in out:
        out["computed_category"] = out["category"]
    latest = _latest(overrides)
    unknown = unmatched_overrides(out, latest)
    if len(unknown) and not skip_unmatched:
        first = unknown.iloc[0]
        raise ValueError(f"override for school {first['school_id']} in {first['year']} matches "
                         "no assessed school and year; check the URN and the year.")
    if latest.empty:
        for col in ("override_reason", "override_author", "override_date"):
            out[col] = ""
        return out
    merged = out[["school_id", "year"]].astype({"school_id": str}).merge(
        latest, on=["school_id", "year"], how="left")
    hit = merged["category"].notna().to_numpy()
    out["category"] = out["computed_category"].where(~hit, merged["category"].to_numpy())
    out["override_reason"] = merged["reason"].fillna("").to_numpy()
    out["override_author"] = merged["author"].fillna("").to_numpy()
    out["override_date"] = merged["date"].astype(str).where(hit, "").to_numpy()
    return out
