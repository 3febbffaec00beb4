"""The canonical tables, declared once.

Each table is a :class:`TableSpec`: its columns (with the type and a plain-English description
used in error messages), its key, and a pandera schema built from those columns that checks
ranges, allowed values and uniqueness. Codes follow DfE usage: academic years by their autumn
(2025 = 2025/26) and national curriculum year ``ncy`` with Reception = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandera.pandas as pa

from sufficiency.core.phases import ALL_NCY, AREA_PHASES, SCHOOL_PHASES

ColumnKind = Literal["str", "int", "float", "bool"]

ADMISSION_AUTHORITIES = ("local authority", "school")
OFSTED_GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate", "Not inspected")
GOVERNANCE = ("academy", "maintained", "free")
OPTION_KINDS = ("expand", "bulge", "new_school", "reduce", "close")
DWELLING_TYPES = ("house", "flat")
TENURES = ("market", "affordable")
YIELD_PHASES = ("primary", "secondary", "post16")
#: Entry year groups of the admissions round: Reception and Year 7.
ENTRY_NCY = (0, 7)
#: The most pupils of one phase a new dwelling can plausibly yield: England's average household is 2.4
#: people (ONS, Census 2021), so a yield above 2 is almost surely a percentage (28 written for 0.28).
MAX_PUPILS_PER_DWELLING = 2.0

#: The values an allowed-values check accepts, by its message, so that a refused value can be told the
#: nearest allowed one ("did you mean 'house'?").
ALLOWED: dict[str, tuple[str, ...]] = {}

#: Reception (0) to Year 13; other systems (K-12 coded 0-12) fit inside the same range.
NCY_MIN, NCY_MAX = ALL_NCY[0], ALL_NCY[-1]
YEAR_MIN, YEAR_MAX = 1990, 2100


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table."""

    name: str
    kind: ColumnKind
    description: str
    required: bool = True
    nullable: bool = False
    checks: tuple[pa.Check, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: where it is read from, what it holds and what identifies a row."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    geometry: Literal["none", "optional", "points"] = "none"
    required: bool = False
    example: tuple[dict[str, object], ...] = field(default_factory=tuple)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)

    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema for this table, applied after types have been parsed."""
        dtypes = {"str": object, "int": "int64", "float": "float64", "bool": bool}
        cols = {
            c.name: pa.Column(
                dtypes[c.kind] if not c.nullable else None,
                checks=list(c.checks),
                required=False,  # presence is checked earlier with a clearer message
                nullable=c.nullable,
            )
            for c in self.columns
        }
        # Uniqueness of the key is checked beside the schema, to name every row sharing a key.
        return pa.DataFrameSchema(cols, strict=False, name=self.name)


def _ge(value: float, what: str) -> pa.Check:
    return pa.Check.ge(value, error=f"must be {what}")


def _isin(values: tuple[str, ...]) -> pa.Check:
    error = "must be one of: " + ", ".join(values)
    ALLOWED[error] = values
    return pa.Check.isin(list(values), error=error)


_NCY_CHECK = pa.Check.in_range(
    NCY_MIN, NCY_MAX, error=f"must be a national curriculum year from {NCY_MIN} (Reception) to {NCY_MAX}"
)
_YEAR_CHECK = pa.Check.in_range(
    YEAR_MIN, YEAR_MAX, error="must be an academic year by its autumn, e.g. 2025 for 2025/26"
)

PLANNING_AREAS = TableSpec(
    name="planning_areas",
    description="Planning areas: the groups of schools DfE's SCAP counts places within.",
    columns=(
        ColumnSpec("planning_area_id", "str", "the planning area's code, e.g. 'PA01'"),
        ColumnSpec("name", "str", "the planning area's name", required=False),
        ColumnSpec("phase", "str", "'primary' or 'secondary'", checks=(_isin(AREA_PHASES),)),
    ),
    key=("planning_area_id",),
    geometry="optional",
    example=({"planning_area_id": "P01", "name": "Altrincham", "phase": "primary"},),
)

SCHOOLS = TableSpec(
    name="schools",
    description="Schools: one row per school, keyed by URN.",
    required=True,
    columns=(
        ColumnSpec("school_id", "str", "the school's URN or another unique code"),
        ColumnSpec("planning_area_id", "str", "the planning area the school belongs to"),
        ColumnSpec("name", "str", "the school's name", required=False),
        ColumnSpec("phase", "str", "'primary', 'secondary' or 'all-through'", required=False,
                   checks=(_isin(SCHOOL_PHASES),)),
        ColumnSpec("x", "float", "easting in metres, British National Grid (EPSG:27700)", required=False),
        ColumnSpec("y", "float", "northing in metres, British National Grid (EPSG:27700)", required=False),
        ColumnSpec("ncy_low", "int", "the lowest year group taught (Reception = 0)", required=False,
                   checks=(_NCY_CHECK,)),
        ColumnSpec("ncy_high", "int", "the highest year group taught (Year 13 = 13)", required=False,
                   checks=(_NCY_CHECK,)),
        ColumnSpec("pan", "int", "published admission number: places per year group", required=False,
                   checks=(_ge(0, "0 or more places"),)),
        ColumnSpec("net_capacity", "int", "net capacity: places over all year groups", required=False,
                   checks=(_ge(0, "0 or more places"),)),
        ColumnSpec("post16_capacity", "int", "sixth-form places over Years 12 and 13 (default: what net capacity "
                   "leaves after the main school, else the admission number in each sixth-form year)",
                   required=False, nullable=True, checks=(_ge(0, "0 or more places"),)),
        ColumnSpec("ofsted", "str", "the latest Ofsted overall effectiveness", required=False,
                   checks=(_isin(OFSTED_GRADES),)),
        ColumnSpec("governance", "str", "'academy', 'maintained' or 'free'", required=False,
                   checks=(_isin(GOVERNANCE),)),
        ColumnSpec("max_forms_of_entry", "float", "the most forms of entry the site can hold",
                   required=False, nullable=True, checks=(_ge(0, "0 or more forms of entry"),)),
        ColumnSpec("can_bulge", "bool", "whether the school can take a one-off bulge class",
                   required=False),
        ColumnSpec("first_preferences", "int", "first-preference applications in the last round",
                   required=False, nullable=True, checks=(_ge(0, "0 or more applications"),)),
        ColumnSpec("admission_authority", "str",
                   "who sets the admission number: 'local authority' or 'school' (academies, free, foundation "
                   "and voluntary-aided schools; default: 'school' for academies and free schools)",
                   required=False, nullable=True, checks=(_isin(ADMISSION_AUTHORITIES),)),
        ColumnSpec("selective", "bool", "whether the school selects by ability (a grammar school; GIAS "
                   "AdmissionsPolicy 'Selective')", required=False, nullable=True),
        ColumnSpec("single_sex", "bool", "whether the school admits boys only or girls only (GIAS Gender)",
                   required=False, nullable=True),
    ),
    key=("school_id",),
    geometry="points",
    example=(
        {"school_id": "106283", "name": "Navigation Primary School", "phase": "primary",
         "planning_area_id": "P01", "x": 376771, "y": 388073, "ncy_low": 0, "ncy_high": 6,
         "pan": 60, "net_capacity": 420, "ofsted": "Good", "governance": "maintained",
         "max_forms_of_entry": 3, "can_bulge": True, "first_preferences": 71},
    ),
)

ROLLS = TableSpec(
    name="rolls",
    description="Pupils on roll by school, academic year and national curriculum year (January census).",
    required=True,
    columns=(
        ColumnSpec("school_id", "str", "a school_id from schools"),
        ColumnSpec("year", "int", "academic year by its autumn (2024 = 2024/25)", checks=(_YEAR_CHECK,)),
        ColumnSpec("ncy", "int", "national curriculum year, Reception = 0", checks=(_NCY_CHECK,)),
        ColumnSpec("pupils", "int", "pupils on roll, a whole number of 0 or more",
                   checks=(_ge(0, "0 or more pupils"),)),
    ),
    key=("school_id", "year", "ncy"),
    example=({"school_id": "106283", "year": 2024, "ncy": 0, "pupils": 58},),
)

WARDS = TableSpec(
    name="wards",
    description="Wards (or other small areas) and the planning areas they fall in, for births and population.",
    columns=(
        ColumnSpec("ward_id", "str", "the ward's ONS code, e.g. 'E05015239'"),
        ColumnSpec("name", "str", "the ward's name", required=False),
        ColumnSpec("primary_planning_area_id", "str", "the primary planning area the ward feeds"),
        ColumnSpec("secondary_planning_area_id", "str", "the secondary planning area the ward feeds",
                   required=False),
    ),
    key=("ward_id",),
    geometry="optional",
    example=({"ward_id": "E05015239", "name": "Altrincham", "primary_planning_area_id": "P01",
              "secondary_planning_area_id": "S01"},),
)

BIRTHS = TableSpec(
    name="births",
    description=("Live births by area and calendar year, as ONS publishes them: of the babies born in "
                 "year Y, those born January-August start Reception in the autumn of Y + 4, the rest in Y + 5."),
    columns=(
        ColumnSpec("area_id", "str", "a ward_id or planning_area_id"),
        ColumnSpec("year", "int", "the calendar year of birth", checks=(_YEAR_CHECK,)),
        ColumnSpec("births", "float", "live births, 0 or more", checks=(_ge(0, "0 or more births"),)),
    ),
    key=("area_id", "year"),
    example=({"area_id": "E05015239", "year": 2020, "births": 105},),
)

POPULATION = TableSpec(
    name="population",
    description="Mid-year population estimates by area and single year of age (ONS).",
    columns=(
        ColumnSpec("area_id", "str", "a ward_id or planning_area_id"),
        ColumnSpec("year", "int", "the calendar year of the mid-year (30 June) estimate",
                   checks=(_YEAR_CHECK,)),
        ColumnSpec("age", "int", "age in whole years, 0 to 90",
                   checks=(pa.Check.in_range(0, 90, error="must be an age from 0 to 90"),)),
        ColumnSpec("population", "float", "people, 0 or more", checks=(_ge(0, "0 or more people"),)),
    ),
    key=("area_id", "year", "age"),
    example=({"area_id": "E05015239", "year": 2024, "age": 4, "population": 105},),
)

HOUSING = TableSpec(
    name="housing",
    description="Housing completions, planned or forecast, by site and year.",
    columns=(
        ColumnSpec("site_id", "str", "the housing site's code"),
        ColumnSpec("name", "str", "the site's name", required=False, nullable=True),
        ColumnSpec("planning_area_id", "str", "the primary planning area of the site (or give x and y)",
                   required=False, nullable=True),
        ColumnSpec("x", "float", "easting in metres, British National Grid", required=False, nullable=True),
        ColumnSpec("y", "float", "northing in metres, British National Grid", required=False, nullable=True),
        ColumnSpec("year", "int", "academic year of completion, by its autumn", checks=(_YEAR_CHECK,)),
        ColumnSpec("dwellings", "int", "dwellings completed that year, 0 or more",
                   checks=(_ge(0, "0 or more dwellings"),)),
        ColumnSpec("dwelling_type", "str", "'house' or 'flat'", required=False, checks=(_isin(DWELLING_TYPES),)),
        ColumnSpec("tenure", "str", "'market' or 'affordable'", required=False, checks=(_isin(TENURES),)),
        ColumnSpec("bedrooms", "int", "bedrooms per dwelling", required=False, nullable=True,
                   checks=(_ge(0, "0 or more bedrooms"),)),
    ),
    key=("site_id", "year", "dwelling_type", "tenure"),
    geometry="points",
    example=({"site_id": "H01", "planning_area_id": "P03", "year": 2026, "dwellings": 120,
              "dwelling_type": "house", "tenure": "market", "bedrooms": 3},),
)

PUPIL_YIELDS = TableSpec(
    name="pupil_yields",
    description="Pupils per new dwelling by phase, dwelling type, tenure and years since completion.",
    columns=(
        ColumnSpec("phase", "str", "'primary', 'secondary' or 'post16'", checks=(_isin(YIELD_PHASES),)),
        ColumnSpec("dwelling_type", "str", "'house' or 'flat'", checks=(_isin(DWELLING_TYPES),)),
        ColumnSpec("tenure", "str", "'market' or 'affordable'", checks=(_isin(TENURES),)),
        ColumnSpec("years_since_completion", "int", "whole years since completion, 0 or more",
                   checks=(_ge(0, "0 or more years"),)),
        ColumnSpec("pupils_per_dwelling", "float", "pupils per dwelling, from 0 to 2 (e.g. 0.28, not 28%)",
                   checks=(pa.Check.in_range(0, MAX_PUPILS_PER_DWELLING, error=(
                       f"must be pupils per dwelling from 0 to {MAX_PUPILS_PER_DWELLING:g}: a figure above it is "
                       "likely a percentage")),)),
    ),
    key=("phase", "dwelling_type", "tenure", "years_since_completion"),
    example=({"phase": "primary", "dwelling_type": "house", "tenure": "market",
              "years_since_completion": 2, "pupils_per_dwelling": 0.28},),
)

OPTIONS = TableSpec(
    name="options",
    description="Candidate schemes the optimiser may choose from.",
    columns=(
        ColumnSpec("option_id", "str", "the option's code"),
        ColumnSpec("name", "str", "the scheme's name", required=False, nullable=True),
        ColumnSpec("kind", "str", "'expand', 'bulge', 'new_school', 'reduce' or 'close'",
                   checks=(_isin(OPTION_KINDS),)),
        ColumnSpec("school_id", "str", "the school, for expand, bulge, reduce and close",
                   required=False, nullable=True),
        ColumnSpec("planning_area_id", "str", "the planning area, for new_school", required=False,
                   nullable=True),
        ColumnSpec("forms_of_entry", "float", "forms of entry added or removed (1 FE = 30 places a year group)",
                   required=False, nullable=True, checks=(_ge(0, "0 or more forms of entry"),)),
        ColumnSpec("capital_cost", "float", "capital cost in pounds", required=False, nullable=True,
                   checks=(_ge(0, "£0 or more"),)),
        ColumnSpec("earliest_year", "int", "first academic year the scheme could open", required=False,
                   nullable=True, checks=(_YEAR_CHECK,)),
        ColumnSpec("lead_time_years", "int", "years from decision to opening", required=False,
                   nullable=True, checks=(_ge(0, "0 or more years"),)),
    ),
    key=("option_id",),
    example=({"option_id": "X01", "kind": "expand", "school_id": "106283", "forms_of_entry": 1,
              "capital_cost": 4_413_000, "earliest_year": 2027, "lead_time_years": 2},),
)

LINKS = TableSpec(
    name="links",
    description="Linked infant and junior schools: the junior school takes the infant school's pupils.",
    columns=(
        ColumnSpec("infant_id", "str", "the infant school's school_id"),
        ColumnSpec("junior_id", "str", "the junior school's school_id"),
    ),
    key=("infant_id", "junior_id"),
    example=({"infant_id": "106295", "junior_id": "106296"},),
)

SCHOOL_INDICATORS = TableSpec(
    name="school_indicators",
    description="School-level standards indicators in long form (Ofsted, attainment, absence, ...).",
    columns=(
        ColumnSpec("school_id", "str", "a school_id from schools"),
        ColumnSpec("year", "int", "academic year by its autumn", checks=(_YEAR_CHECK,)),
        ColumnSpec("indicator", "str", "an indicator code from the standards vocabulary"),
        ColumnSpec("value", "str", "the value (a number, a grade or a date)"),
    ),
    key=("school_id", "year", "indicator"),
    example=({"school_id": "106283", "year": 2024, "indicator": "ks2_rwm_expected", "value": "68"},),
)

PREFERENCES = TableSpec(
    name="preferences",
    description=("A council's real applications for Reception or Year 7, anonymised: one row per preference. "
                 "Personal data: the admissions stage serves its allocation to admins only."),
    columns=(
        ColumnSpec("application_id", "str", "the application's anonymised reference (never a name or UPN)"),
        ColumnSpec("year", "int", "academic year of entry by its autumn (2025 = September 2025)",
                   checks=(_YEAR_CHECK,)),
        ColumnSpec("ncy", "int", "the year group applied for: 0 (Reception) or 7", checks=(
            pa.Check.isin(list(ENTRY_NCY), error="must be 0 (Reception) or 7 (Year 7), the year groups families "
                          "apply for"),)),
        ColumnSpec("rank", "int", "the preference's rank: 1 for the first preference",
                   checks=(pa.Check.ge(1, error="must be 1 or more (1 = first preference)"),)),
        ColumnSpec("school_id", "str", "the school named, a school_id from schools"),
        ColumnSpec("distance_m", "float", "home-to-school distance the admission authority measured, metres",
                   required=False, nullable=True, checks=(_ge(0, "0 or more metres"),)),
        ColumnSpec("looked_after", "bool", "looked after or previously looked after (first priority)",
                   required=False, nullable=True),
        ColumnSpec("sibling", "bool", "a sibling at this school", required=False, nullable=True),
    ),
    key=("application_id", "rank"),
    example=({"application_id": "A0001", "year": 2024, "ncy": 0, "rank": 1, "school_id": "106283",
              "distance_m": 640, "looked_after": False, "sibling": True},),
)

#: Every canonical table, in the order they are loaded (referenced tables first).
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        PLANNING_AREAS, WARDS, SCHOOLS, ROLLS, BIRTHS, POPULATION, HOUSING, PUPIL_YIELDS,
        OPTIONS, LINKS, SCHOOL_INDICATORS, PREFERENCES,
    )
}
