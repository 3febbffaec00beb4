"""KPI table one (primary) and table two (secondary) of the authority's performance framework.

Each row is one indicator with this year's value, last year's, the change and whether that is
an improvement given the indicator's polarity, and the national comparator. A figure that is
not in the data is NaN in the numeric columns and "not available" when shown: never 0.

Rows come from three kinds of source:

* school rows, worked out from ``school_indicators`` and the risk assessment (share of schools
  at or above national, pupils in good or outstanding schools, red and amber schools,
  inspections and their outcomes, schools due inspection, schools at risk of a lower grade);
* LA rows, the authority's published LAIT figures when its LA number is known, otherwise
  the pupil-weighted mean of its schools' figures (weights from ``rolls``);
* local rows (Fair Access referrals, pupils in PRUs, mobility, elective home education,
  children missing education) that only the authority holds, passed in as ``local``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from standards.lait import la_series, lait_values, national_comparators
from standards.risk import (
    RiskAssessment,
    add_derived,
    gap_to_national,
    pivot_indicators,
)
from sufficiency.core.phases import AREA_NCY, schools_teaching

NOT_AVAILABLE = "not available"


@dataclass(frozen=True)
class KpiSpec:
    """One row of a KPI table and where its figure comes from."""

    kpi_id: str
    label: str
    unit: str
    polarity: str  # "High", "Low" or "-"
    lait: str | tuple[str, str] | None = None  # measure, or (minuend, subtrahend) for a gap
    school_indicator: str | tuple[str, str] | None = None  # fallback from school figures


def _behaviour_rows(p: str, persistent: str) -> list[KpiSpec]:
    """Absence and exclusion rows; ``p`` is LAIT's phase prefix ("Pri" or "Sec")."""
    return [
        KpiSpec("absence_authorised", "Authorised absence", "% of sessions", "Low",
                f"{p}Auth", "absence_authorised"),
        KpiSpec("absence_unauthorised", "Unauthorised absence", "% of sessions", "Low",
                f"{p}Unauth", "absence_unauthorised"),
        KpiSpec("absence_persistent", "Persistent absence", "% of pupils", "Low", persistent,
                "persistent_absence"),
        KpiSpec("exclusions_permanent", "Permanent exclusions", "per 100 pupils", "Low",
                f"{p}PermEx", "permanent_exclusion_rate"),
        KpiSpec("exclusions_fixed_term", "Fixed-term exclusions (suspensions)", "per 100 pupils",
                "Low", f"{p}FixedEx", "suspension_rate"),
        KpiSpec("fair_access_referrals", "Fair Access referrals", "pupils", "-"),
        KpiSpec("pupils_in_pru", "Pupils in PRU provision", "pupils", "-"),
        KpiSpec("mobility", "Pupil mobility", "% of pupils", "Low"),
    ]


_COMMON_TAIL = [
    KpiSpec("elective_home_education", "Children in elective home education", "children", "-"),
    KpiSpec("children_missing_education", "Children missing education", "children", "Low"),
]
#: Table one (primary): LA rows after the school rows.
PRIMARY_ROWS: list[KpiSpec] = _behaviour_rows("Pri", "SFPriPerAbNew") + [
    KpiSpec("gld", "Good level of development (EYFS)", "% of pupils", "High", "FSP_NEW_GOODDEV"),
    KpiSpec("phonics_y1", "Year 1 phonics check", "% meeting standard", "High", "KS1P_all"),
    KpiSpec("phonics_y2_recheck", "Year 2 phonics re-check", "% meeting standard", "High"),
    KpiSpec("ks1_reading", "KS1 reading expected standard", "% of pupils", "High",
            "KS1R_Expected_STD"),
    KpiSpec("ks1_writing", "KS1 writing expected standard", "% of pupils", "High",
            "KS1W_Expected _STD"),
    KpiSpec("ks1_maths", "KS1 maths expected standard", "% of pupils", "High",
            "KS1M_Expected _STD"),
    KpiSpec("ks2_rwm", "KS2 reading, writing and maths expected standard", "% of pupils",
            "High", "KS2RWM_Expected_STD", "ks2_rwm_expected"),
    KpiSpec("gap_disadvantaged", "Disadvantaged gap, KS2 RWM (other minus disadvantaged)",
            "% points", "Low", ("NonDAP_NEW_KS2_RWM", "DAP_NEW_KS2_RWM"),
            ("ks2_rwm_expected_non_disadvantaged", "ks2_rwm_expected_disadvantaged")),
    KpiSpec("gap_fsm", "FSM gap, KS2 RWM (non-FSM minus FSM)", "% points", "Low",
            ("NonFSM_NEW_KS2_RWM", "FSM_NEW_KS2_RWM")),
    KpiSpec("gap_sen", "SEN gap, KS2 RWM (no SEN minus SEN support)", "% points", "Low",
            ("NoID_SEN_NEW_KS2_RWM", "NEW_KS2_RWM_Sen_W/Osta")),
    KpiSpec("gap_gender", "Gender gap, KS2 RWM (girls minus boys)", "% points", "Low", None,
            ("ks2_rwm_expected_girls", "ks2_rwm_expected_boys")),
    KpiSpec("gap_eal", "EAL gap, KS2 RWM (English first language minus EAL)", "% points", "Low",
            None, ("ks2_rwm_expected_non_eal", "ks2_rwm_expected_eal")),
    KpiSpec("lac_ks2_rwm", "Looked-after children: KS2 reading, writing and maths expected standard",
            "% of looked-after pupils", "High", "LAC_KS2_ExpStd_RWM"),
    KpiSpec("lac_ks2_progress_reading", "Looked-after children: KS2 progress in reading", "score", "High",
            "LAC_KS2_AVG_Prog8_R"),
    KpiSpec("lac_ks2_progress_writing", "Looked-after children: KS2 progress in writing", "score", "High",
            "LAC_KS2_AVG_Prog8_W"),
    KpiSpec("lac_ks2_progress_maths", "Looked-after children: KS2 progress in maths", "score", "High",
            "LAC_KS2_AVG_Prog8_M"),
    KpiSpec("early_years_2", "2 year olds in funded early education", "% of 2 year olds", "High", "%_2yr_olds"),
    KpiSpec("early_years_3_4", "3 and 4 year olds taking up funded early education", "% of 3 and 4 year olds",
            "High", "%_3&4yr_olds"),
] + _COMMON_TAIL
#: Table two (secondary): LA rows after the school rows.
SECONDARY_ROWS: list[KpiSpec] = _behaviour_rows("Sec", "SFSecPerAbNew") + [
    KpiSpec("ks4_progress8", "Progress 8", "score", "High", "AVG_Prog8_Score", "ks4_progress8"),
    KpiSpec("ks4_attainment8", "Attainment 8", "score", "High", "AVG_Attain8_Score",
            "ks4_attainment8"),
    KpiSpec("ks4_em_4", "English and maths grades 4-9", "% of pupils", "High", "EngMaths9-4",
            "ks4_em_grade4"),
    KpiSpec("ks4_em_5", "English and maths grades 5-9", "% of pupils", "High", "EngMaths9-5",
            "ks4_em_grade5"),
    KpiSpec("gap_disadvantaged", "Disadvantaged gap, Attainment 8 (other minus disadvantaged)",
            "points", "Low", ("NonDAP_KS4_ATT8", "DAP_KS4_ATT8"),
            ("ks4_attainment8_non_disadvantaged", "ks4_attainment8_disadvantaged")),
    KpiSpec("gap_fsm", "FSM gap, Attainment 8 (non-FSM minus FSM)", "points", "Low",
            ("NonFSM_AVG_Attain8_Score", "FSM_AVG_Attain8_Score")),
    KpiSpec("gap_sen", "SEN gap, Attainment 8 (no SEN minus SEN support)", "points", "Low",
            ("SEN_NoID_AVG_Attain8_Score", "SEN_WoStat_AVG_Attain8_Score")),
    KpiSpec("gap_gender", "Gender gap, Attainment 8 (girls minus boys)", "points", "Low", None,
            ("ks4_attainment8_girls", "ks4_attainment8_boys")),
    KpiSpec("gap_eal", "EAL gap, Attainment 8 (English first language minus EAL)", "points",
            "Low", None, ("ks4_attainment8_non_eal", "ks4_attainment8_eal")),
    KpiSpec("gap_disadvantaged_p8", "Disadvantaged gap, Progress 8 (other minus disadvantaged)", "score", "Low",
            ("NonDAP_KS4_Prog8", "DAP_KS4_Prog8")),
    KpiSpec("lac_attainment8", "Looked-after children: Attainment 8", "score", "High", "LAC_KS4_AVG_Attain8"),
    KpiSpec("lac_progress8", "Looked-after children: Progress 8", "score", "High", "LAC_KS4_AVG_Prog8"),
    KpiSpec("lac_em_4", "Looked-after children: English and maths grades 4-9", "% of looked-after pupils",
            "High", "LAC_EngMaths9-4"),
    KpiSpec("ks4_destinations", "KS4 pupils in sustained education, employment or training", "% of pupils",
            "High", "SusEdOverall_All"),
    KpiSpec("ks4_apprenticeships", "KS4 pupils going to an apprenticeship", "% of pupils", "High",
            "KS4_DES_Apprentice"),
    KpiSpec("ks4_destination_not_sustained", "KS4 destination not sustained", "% of pupils", "Low",
            "KS4_DES_NotSus"),
    KpiSpec("neet", "16-17 year olds NEET or not known", "% of 16-17 year olds", "Low",
            "16-17_not known_NEET"),
    KpiSpec("level3_at_19", "Level 3 by age 19", "% of 19 year olds", "High", "Level3Age19"),
    KpiSpec("care_leavers_eet", "Care leavers in education, employment or training", "% of care leavers", "High",
            "CareLeaverEET"),
] + _COMMON_TAIL
_LA_ROWS = {"primary": PRIMARY_ROWS, "secondary": SECONDARY_ROWS}


_SCHOOL_ROWS = {
    "schools_at_or_above_national": ("% of schools at or above the national {what}", "% of schools", "High"),
    "pupils_good_or_outstanding": ("% of children in good or outstanding schools", "% of pupils", "High"),
    "schools_good_or_better": ("% of inspected schools good or outstanding", "% of schools", "High"),
    "schools_red": ("Red schools", "schools", "Low"),
    "schools_amber": ("Amber schools", "schools", "Low"),
    "inspections": ("Inspections in the year", "inspections", "-"),
    "inspections_improved": ("Inspections: grade better than the previous inspection", "inspections", "High"),
    "inspections_same": ("Inspections: grade the same as the previous inspection", "inspections", "-"),
    "inspections_declined": ("Inspections: grade worse than the previous inspection", "inspections", "Low"),
    "schools_due_inspection": ("Schools anticipating inspection (due by the end of the year)", "schools", "-"),
    "schools_at_risk_of_decline": ("Good or outstanding schools at risk of a lower grade (red or amber)", "schools",
                                   "Low"),
}


@dataclass(frozen=True)
class _Context:
    """Everything the row functions share, aligned on (school_id, year)."""

    wide: pd.DataFrame
    phase_of: pd.Series
    pupils: pd.Series | None
    categories: pd.Series | None
    national: pd.DataFrame
    interval: float


def _by_year(values: pd.Series) -> pd.Series:
    return values.groupby(level="year").sum(min_count=1)


def _share_at_or_above(ctx: _Context, mask: pd.Series, indicator: str) -> pd.Series:
    if indicator not in ctx.wide:
        return pd.Series(dtype=float)
    gap = gap_to_national(ctx.wide, indicator, ctx.phase_of, ctx.national)[mask]
    known = gap.notna()
    return 100 * _by_year((gap >= 0) & known) / _by_year(known).replace(0, np.nan)


def share_good_or_better(wide: pd.DataFrame) -> pd.Series:
    """Percentage of inspected schools whose last overall grade is Good or Outstanding, by year."""
    if "ofsted_overall_grade" not in wide:
        return pd.Series(dtype=float)
    grade = wide["ofsted_overall_grade"]
    return 100 * _by_year((grade <= 2).astype(float)) / _by_year(
        grade.notna().astype(float)).replace(0, np.nan)


def _pupil_share_good(ctx: _Context, mask: pd.Series) -> pd.Series:
    if ctx.pupils is None or "ofsted_overall_grade" not in ctx.wide:
        return pd.Series(dtype=float)
    grade = ctx.wide["ofsted_overall_grade"][mask]
    pupils = ctx.pupils.reindex(grade.index)
    good = _by_year(pupils.where(grade <= 2, 0).where(grade.notna()))
    return 100 * good / _by_year(pupils.where(grade.notna())).replace(0, np.nan)


def _inspection_counts(ctx: _Context, mask: pd.Series) -> dict[str, pd.Series]:
    w = ctx.wide[mask]
    years = w.index.get_level_values("year").to_numpy()
    date = w.get("ofsted_inspection_date", pd.Series(np.nan, index=w.index))
    # An inspection belongs to the academic year from 1 September to 31 August.
    in_year = (date >= years * 10000 + 901) & (date <= (years + 1) * 10000 + 831)
    grade = w.get("ofsted_overall_grade", pd.Series(np.nan, index=w.index))
    prev = w.get("ofsted_previous_grade", pd.Series(np.nan, index=w.index))
    compared = in_year & grade.notna() & prev.notna()
    return {"inspections": _by_year(in_year.astype(float)),
            "inspections_improved": _by_year((compared & (grade < prev)).astype(float)),
            "inspections_same": _by_year((compared & (grade == prev)).astype(float)),
            "inspections_declined": _by_year((compared & (grade > prev)).astype(float))}


def _school_values(ctx: _Context, phase: str) -> dict[str, pd.Series]:
    mask = ctx.phase_of.isin(schools_teaching(phase))
    indicator = "ks2_rwm_expected" if phase == "primary" else "ks4_attainment8"
    out = {"schools_at_or_above_national": _share_at_or_above(ctx, mask, indicator),
           "pupils_good_or_outstanding": _pupil_share_good(ctx, mask),
           "schools_good_or_better": share_good_or_better(ctx.wide[mask])}
    if ctx.categories is not None:
        cat = ctx.categories.reindex(ctx.wide.index)[mask]
        assessed = _by_year(cat.notna().astype(float)) > 0
        grade = ctx.wide.get("ofsted_overall_grade", pd.Series(np.nan, index=ctx.wide.index))
        at_risk = (grade[mask] <= 2) & cat.isin(["Red", "Amber"])
        for kpi_id, hit in (("schools_red", cat == "Red"), ("schools_amber", cat == "Amber"),
                            ("schools_at_risk_of_decline", at_risk)):
            out[kpi_id] = _by_year(hit.astype(float)).where(assessed)
    out.update(_inspection_counts(ctx, mask))
    since = ctx.wide["years_since_inspection"][mask]
    out["schools_due_inspection"] = _by_year((since >= ctx.interval).astype(float)).where(
        _by_year(since.notna().astype(float)) > 0)
    return out


def _weighted_mean(ctx: _Context, phase: str, indicator: str) -> pd.Series:
    if indicator not in ctx.wide:
        return pd.Series(dtype=float)
    mask = ctx.phase_of.isin(schools_teaching(phase))
    values = ctx.wide[indicator][mask]
    weights = (ctx.pupils.reindex(values.index) if ctx.pupils is not None
               else pd.Series(1.0, index=values.index)).where(values.notna())
    return _by_year(values * weights) / _by_year(weights).replace(0, np.nan)


def _la_value(spec: KpiSpec, la: pd.DataFrame | None, ctx: _Context,
              phase: str) -> tuple[pd.Series, pd.Series, str]:
    """Value and national by year for an LA row, and the name of the source used."""
    def pick(frame: pd.DataFrame, key: str | tuple[str, str]) -> pd.Series:
        if isinstance(key, tuple):
            return pick(frame, key[0]) - pick(frame, key[1])
        return frame[key] if key in frame else pd.Series(dtype=float)

    if spec.lait is not None and la is not None:
        value = pick(la.xs("value", axis=1, level=0), spec.lait).dropna()
        if not value.empty:
            return value, pick(la.xs("national", axis=1, level=0), spec.lait), "LAIT"
    if spec.school_indicator is not None:
        keys = spec.school_indicator if isinstance(spec.school_indicator, tuple) else (
            spec.school_indicator,)
        means = [_weighted_mean(ctx, phase, k) for k in keys]
        nat = ctx.national[ctx.national["indicator"].isin(keys)]
        nat = nat[nat["phase"].isin([phase, "all"])].sort_values("phase", key=lambda s: s == "all")
        nat = nat.drop_duplicates(["indicator", "year"]).pivot(index="year", columns="indicator",
                                                               values="national")
        value = means[0] - means[1] if len(means) == 2 else means[0]
        national = (nat.get(keys[0], np.nan) - nat.get(keys[1], np.nan) if len(keys) == 2
                    else nat.get(keys[0], pd.Series(dtype=float)))
        if not value.dropna().empty:
            source = "schools, pupil-weighted" if ctx.pupils is not None else "schools, unweighted"
            return value.dropna(), pd.Series(national, dtype=float), source
    return pd.Series(dtype=float), pd.Series(dtype=float), ""


def trend_word(change: float, polarity: str, tolerance: float = 0.0) -> str:
    """Describe a change against last year given the polarity ("High", "Low" or "-")."""
    if pd.isna(change):
        return NOT_AVAILABLE
    if abs(change) <= tolerance:
        return "no change"
    if polarity not in ("High", "Low"):
        return "up" if change > 0 else "down"
    return "improved" if (change > 0) == (polarity == "High") else "declined"


def _row(table: str, kpi_id: str, label: str, unit: str, polarity: str, values: pd.Series,
         national: pd.Series, source: str, year: int, tolerance: float) -> dict:
    values = values.dropna()
    upto = values[values.index <= year]
    # A row shows the latest published year up to the year reported (exclusions lag a year).
    row_year = int(upto.index.max()) if not upto.empty else year
    value = float(upto.loc[row_year]) if not upto.empty else np.nan
    last = float(values.get(row_year - 1, np.nan))
    change = value - last
    return {"table": table, "kpi_id": kpi_id, "indicator": label, "unit": unit,
            "polarity": polarity, "year": row_year, "value": value, "last_year": last,
            "change": change, "trend": trend_word(change, polarity, tolerance),
            "national": float(pd.Series(national, dtype=float).get(row_year, np.nan)),
            "source": source if not np.isnan(value) else ""}


def _pupils_by_phase(rolls: pd.DataFrame | None, phase: str) -> pd.Series | None:
    if rolls is None:
        return None
    # a secondary school's pupils include its sixth form (sufficiency.core.phases.AREA_NCY)
    low, high = AREA_NCY[phase][0], AREA_NCY[phase][-1]
    r = rolls[(rolls["ncy"] >= low) & (rolls["ncy"] <= high)]
    return r.assign(school_id=r["school_id"].astype(str)).groupby(
        ["school_id", "year"])["pupils"].sum().astype(float)


def kpi_tables(school_indicators: pd.DataFrame, schools: pd.DataFrame,
               rolls: pd.DataFrame | None = None, assessment: RiskAssessment | None = None,
               la_number: int | None = None, year: int | None = None,
               lait: pd.DataFrame | None = None, national: pd.DataFrame | None = None,
               local: pd.DataFrame | None = None, inspection_interval_years: float = 4.0,
               trend_tolerance: float = 0.0,
               wide: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Compute KPI table one (primary) and table two (secondary).

    Parameters
    ----------
    school_indicators : pandas.DataFrame
        school_id, year, indicator, value with numeric values (see
        :func:`standards.indicators.numeric_indicators`).
    schools : pandas.DataFrame
        Canonical schools table (school_id, phase).
    rolls : pandas.DataFrame, optional
        Canonical rolls; weights for pupil shares and means. Without it the "children in good
        or outstanding schools" row is not available and means are unweighted.
    assessment : RiskAssessment, optional
        Risk categories (after overrides); without it the red, amber and at-risk rows are not
        available.
    la_number : int, optional
        LAIT number of the authority; LA rows then use its published figures.
    year : int, optional
        Year reported; the latest year in ``school_indicators`` by default.
    lait, national : pandas.DataFrame, optional
        LAIT long values and national comparators; the shipped extract by default.
    local : pandas.DataFrame, optional
        Figures only the authority holds: kpi_id, year, value, and optionally national and
        table ("primary", "secondary"; both when absent). They take precedence.
    inspection_interval_years, trend_tolerance : float
        See :class:`standards.config.StandardsConfig`.
    wide : pandas.DataFrame, optional
        ``add_derived(pivot_indicators(school_indicators))`` when the caller already has it.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"primary": ..., "secondary": ...}``, one row per indicator: table, kpi_id, indicator,
        unit, polarity, year, value, last_year, change, trend, national, source. Missing
        figures are NaN (shown as "not available" by :func:`format_kpi_table`).
    """
    lait = lait_values() if lait is None else lait
    national = national_comparators(lait) if national is None else national
    wide = add_derived(pivot_indicators(school_indicators)) if wide is None else wide
    year = int(wide.index.get_level_values("year").max()) if year is None else year
    info = schools.assign(school_id=schools["school_id"].astype(str)).set_index("school_id")
    phase_of = pd.Series(wide.index.get_level_values("school_id").map(info["phase"]),
                         index=wide.index)
    categories = (assessment.schools.assign(school_id=assessment.schools["school_id"].astype(str))
                  .set_index(["school_id", "year"])["category"] if assessment is not None else None)
    la = None
    if la_number is not None:
        la = la_series(la_number, lait).pivot(index="year", columns="measure",
                                              values=["value", "national"])
    tables = {}
    for phase in ("primary", "secondary"):
        ctx = _Context(wide, phase_of, _pupils_by_phase(rolls, phase), categories, national,
                       inspection_interval_years)
        rows = []
        school_vals = _school_values(ctx, phase)
        what = "KS2 RWM" if phase == "primary" else "Attainment 8"
        for kpi_id, (label, unit, pol) in _SCHOOL_ROWS.items():
            vals = school_vals.get(kpi_id, pd.Series(dtype=float))
            rows.append(_row(phase, kpi_id, label.format(what=what), unit, pol, vals,
                             pd.Series(dtype=float), "schools", year, trend_tolerance))
        for spec in _LA_ROWS[phase]:
            vals, nat, source = _la_value(spec, la, ctx, phase)
            rows.append(_row(phase, spec.kpi_id, spec.label, spec.unit, spec.polarity, vals,
                             nat, source, year, trend_tolerance))
        table = pd.DataFrame(rows)
        tables[phase] = _apply_local(table, local, phase, year, trend_tolerance)
    return tables


def _apply_local(table: pd.DataFrame, local: pd.DataFrame | None, phase: str, year: int,
                 tolerance: float) -> pd.DataFrame:
    if local is None or local.empty:
        return table
    mine = local if "table" not in local else local[local["table"].isin([phase, "both"])
                                                    | local["table"].isna()]
    for kpi_id, group in mine.groupby("kpi_id"):
        hit = table.index[table["kpi_id"] == kpi_id]
        if hit.empty:
            continue
        spec = table.loc[hit[0]]
        values = group.set_index("year")["value"].astype(float)
        nat = (group.set_index("year")["national"].astype(float) if "national" in group
               else pd.Series(dtype=float))
        row = _row(phase, kpi_id, spec["indicator"], spec["unit"], spec["polarity"], values,
                   nat, "local", year, tolerance)
        table.loc[hit[0], list(row)] = list(row.values())
    return table


class LocalFileError(ValueError):
    """A local figures file that cannot be read, naming the file, row and column."""


def load_local_figures(path: Path | str) -> pd.DataFrame:
    """Read the figures only the authority holds (CSV: indicator, year, value[, national, table]).

    ``indicator`` is a KPI row id (``fair_access_referrals``, ``pupils_in_pru``, ``mobility``,
    ``elective_home_education``, ``children_missing_education``, or any other row to replace)
    or a measure a strategy target names (e.g. ``pref_top3_secondary``). ``table`` is primary,
    secondary or both (default both). Every row is also offered to the targets as a measure.

    Returns
    -------
    pandas.DataFrame
        kpi_id (empty for names that are not KPI rows), measure, year, value, national, table:
        the ``local`` argument of :func:`standards.result.run_standards`.

    Raises
    ------
    LocalFileError
        Naming the file, the row (as a spreadsheet numbers it) and the column at fault.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LocalFileError(f"{path}: cannot read the local figures file ({exc}).") from exc
    missing = [c for c in ("indicator", "year", "value") if c not in raw.columns]
    if missing:
        raise LocalFileError(f"{path}: columns {missing} are missing; the file needs indicator, "
                             "year and value (national and table are optional).")
    kpi_ids = {s.kpi_id for rows in _LA_ROWS.values() for s in rows} | set(_SCHOOL_ROWS)
    out = pd.DataFrame({"measure": raw["indicator"].str.strip()})
    out["kpi_id"] = out["measure"].where(out["measure"].isin(kpi_ids))
    for col in ("year", "value", "national"):
        text = raw[col].str.strip() if col in raw else pd.Series("", index=raw.index)
        number = pd.to_numeric(text, errors="coerce")
        bad = number.isna() & (text != "") | ((text == "") & (col != "national"))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise LocalFileError(f"{path}: row {i + 2}, column '{col}': {text.iloc[i]!r} is not a "
                                 "number. Write figures as plain numbers (no % sign); leave "
                                 "national empty when not known.")
        out[col] = number
    out["year"] = out["year"].astype(int)
    table = raw["table"].str.strip().str.lower() if "table" in raw else pd.Series("", index=raw.index)
    bad = ~table.isin(["", "primary", "secondary", "both"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise LocalFileError(f"{path}: row {i + 2}, column 'table': {table.iloc[i]!r} is not "
                             "primary, secondary or both.")
    out["table"] = table.replace("", "both")
    return out[["kpi_id", "measure", "year", "value", "national", "table"]]


def format_number(value: float) -> str:
    """A figure as text: "not available" when missing, else up to three significant decimals."""
    if pd.isna(value):
        return NOT_AVAILABLE
    size = abs(value)
    text = f"{value:,.1f}" if size >= 100 else f"{value:,.2f}" if size >= 1 else f"{value:.3g}"
    text = text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text
    return "0" if text in ("-0", "") else text


def format_kpi_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table as text for people: every missing figure reads "not available"."""
    out = table.copy()
    for col in ("value", "last_year", "change", "national"):
        out[col] = [format_number(v) for v in table[col]]
    out["source"] = out["source"].replace("", NOT_AVAILABLE)
    return out
