"""How numbers, years and year groups are written in every report, in one place."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from sufficiency.core.phases import ncy_label, ncy_short
from sufficiency.core.years import academic_year

#: An academic year by its autumn, 2025 -> 2025/26: the product's one label for a year.
year_label = academic_year

#: How a scheme kind reads in a report.
KIND_LABELS = {"expand": "Permanent expansion", "bulge": "Bulge class", "new_school": "New school",
               "reduce": "Reduction in admission number", "close": "Closure"}

#: Shorter labels for narrow table columns.
KIND_SHORT = {"expand": "Expansion", "bulge": "Bulge class", "new_school": "New school", "reduce": "PAN reduction",
              "close": "Closure"}

MINUS = "\u2212"

#: Readable headers (with their unit) for the columns the workbook shows; any other column reads as its
#: name with spaces ("risk_reasons" -> "Risk reasons"). The SCAP return keeps its own field names.
HEADERS = {
    "planning_area_id": "Planning area", "planning_area_name": "Planning area name", "school_id": "School (URN)",
    "school": "School", "school_name": "School", "name": "Name", "phase": "Phase", "year": "Year (autumn)",
    "academic_year": "Academic year", "ncy": "Year group (NCY)", "pupils": "Pupils",
    "places": "Places", "places_before": "Places today", "places_after": "Places after the programme",
    "places_needed": "Places needed without the programme", "demand": "Pupils to place after the programme",
    "shortfall_after": "Places short after the programme", "capacity": "Capacity (places)",
    "surplus": "Spare places (places less pupils)", "shortfall": "Places short (pupils above places)",
    "surplus_rate": "Spare places (% of places)", "capital_cost": "Capital (£)", "option_id": "Option",
    "kind": "Kind", "type": "Type of scheme", "forms_of_entry": "Forms of entry", "reason": "Why",
    "needs_agreement": "Needs the school's agreement", "schemes": "Schemes", "first_year": "First year",
    "lower_80": "Lower 80% (pupils)", "upper_80": "Upper 80% (pupils)", "lower_95": "Lower 95% (pupils)",
    "upper_95": "Upper 95% (pupils)", "actual": "Actual (not forecast)", "ofsted": "Ofsted grade",
    "ofsted_grade": "Last single-word Ofsted grade",
    "risk": "Standards risk", "risk_reasons": "Risk reasons", "measure": "Measure", "item": "Item",
    "amount": "Amount", "unit": "Unit", "setting": "Setting", "value": "Value",
    "source": "What it is and its source", "file": "File", "sha256": "SHA-256", "package": "Software",
    "version": "Version", "places_added": "Places added", "places_removed": "Places removed",
    "peak_needed": "Peak places needed", "peak_needed_year": "Year of the peak",
    "peak_short_after": "Peak places short after", "peak_short_year": "Year of the worst",
    "driver": "What drives it", "popularity": "First preferences for its places",
    "own_admissions": "Own admission authority", "primary": "Primary", "secondary": "Secondary",
    "why": "Spare places it removes", "area_short": "Year groups of the area short after the programme",
    "short_reached": "Place-years short in cohorts the cut reaches",
    # the tables the admissions and robust stages add
    "admission_number": "Admission number", "first_preferences": "First preferences (families)",
    "over_by": "Over by (families)", "oversubscribed_share": "Oversubscribed in (% of draws)",
    "real_pct": "Real (%)", "real_low": "Real, lowest (%)", "real_high": "Real, highest (%)",
    "simulated_pct": "Simulated (%)", "difference_pts": "Simulated less real (% points)",
    "periods": "Periods", "status": "Status", "trigger": "Trigger", "applicants": "Applicants (families)",
    # the post-16 and standards tables
    "la": "This authority", "england": "England", "region": "Region", "rank": "Rank", "of": "Of (authorities)",
    "gap_to_target": "Gap to target (% points)", "gap_to_england": "Gap to England (% points)",
    "cohort_share_pct": "Share of the cohort (%)",
    "fsm_la": "This authority, pupils eligible for free school meals (%)",
    "year12": "Year 12", "year13": "Year 13", "retention_12_to_13_pct": "Year 12 staying on to Year 13 (%)",
    "kpi_id": "KPI", "providers_short": "Providers short",
}

#: The plan's own table: its shortfall counts pupils plus the operating margin it keeps (`optimiser.config`);
#: its surplus is places less pupils, unclipped (`optimiser.plan`).
PLAN_HEADERS = {"capacity": "Places (plan)", "surplus": "Places less pupils (plan; negative where short)",
                "shortfall": "Places short of pupils plus margin (plan)"}


def header_text(name: object) -> str:
    """A column's header as a person reads it."""
    text = str(name)
    return HEADERS.get(text, text.replace("_", " ").capitalize() if "_" in text or text.islower() else text)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, decimals: int = 0) -> str:
    """A count with thousands separators and a true minus sign; a dash when missing."""
    if _missing(value):
        return "–"
    text = f"{abs(float(value)):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return f"{MINUS}{text}" if float(value) < 0 else text


def place_years(value: Any) -> str:
    """``1 place-year``, ``1,066 place-years``: a count of place-years, whole, with its noun."""
    text = number(value)
    return f"{text} place-year" if text == "1" else f"{text} place-years"


def money(value: Any) -> str:
    """Pounds in full with thousands separators: £1,234,567."""
    if _missing(value):
        return "–"
    text = f"£{abs(float(value)):,.0f}"
    return f"{MINUS}{text}" if round(float(value)) < 0 else text


def money_short(value: Any) -> str:
    """Pounds for headlines and chart labels: £28.5m, £298k, £900."""
    if _missing(value):
        return "–"
    size = abs(float(value))
    sign = MINUS if float(value) < 0 else ""
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.1f}m"
    if size >= 1e3:
        return f"{sign}£{size / 1e3:,.0f}k"
    return f"{sign}£{size:,.0f}"


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.052 -> 5.2%."""
    if _missing(value):
        return "–"
    return number(100 * float(value), decimals) + "%"


def ncy_range_label(ncys: Sequence[int], short: bool = False) -> str:
    """A run of year groups, youngest first: 'Reception–Year 6', or 'R–Y6' when ``short``."""
    label = ncy_short if short else ncy_label
    return f"{label(ncys[0])}–{label(ncys[-1])}"


#: Units of the standards indicators counted in whole numbers.
COUNT_UNITS = {"schools", "inspections", "pupils", "children"}


def indicator_decimals(unit: str, value: Any, last_year: Any, change: Any, national: Any) -> int:
    """Decimals to show one indicator's figures with.

    Counts are whole numbers. Other figures keep the precision the data hold, up to two decimals
    (an absence rate of 3.15% stays 3.15, a phonics pass rate of 84% stays 84); small figures
    keep two significant digits (a rate of 0.0132 per 100 pupils reads 0.013, not 0.01); and a
    year that changed never reads the same as the year before (0.245 and 0.238, not 0.24 twice).
    """
    if unit in COUNT_UNITS:
        return 0
    sizes = [abs(float(v)) for v in (value, last_year, change, national) if not _missing(v)]
    if not sizes:
        return 1
    places = _exact_decimals(sizes, 2)
    largest = max(sizes)
    if 0 < largest < 1:
        digits = 1 - math.floor(math.log10(largest))
        if places < digits:
            places = min(digits, _exact_decimals(sizes, 6))
    if not (_missing(value) or _missing(last_year) or _missing(change)) and round(float(change), 6) != 0:
        while places < 6 and round(float(value), places) == round(float(last_year), places):
            places += 1
    return places


def _exact_decimals(values: list[float], most: int) -> int:
    """The fewest decimals (up to ``most``) that write every value exactly."""
    for places in range(most + 1):
        if all(abs(v - round(v, places)) <= 1e-9 * max(1.0, v) for v in values):
            return places
    return most


def risk_reasons_text(reasons: Any) -> str:
    """A school's risk reasons for a reader: the rules' sentences without their codes.

    ``"A8-ofsted-grade-declined: The last graded inspection was worse than the one before. |
    Y1-new-headteacher: A new headteacher started this year."`` reads "The last graded inspection
    was worse than the one before. A new headteacher started this year."
    """
    if _missing(reasons) or not str(reasons).strip():
        return ""
    parts = [re.sub(r"^[A-Z]\d+(?:-[\w]+)+:\s*", "", part.strip()) for part in str(reasons).split("|")]
    return " ".join(p for p in parts if p)


def signed_percent(value: float) -> str:
    """A fraction as a whole percentage with its sign, for maps: +7%, −27%, 0%."""
    text = f"{value:+.0%}"
    return "0%" if text in ("+0%", "-0%") else text.replace("-", MINUS)
