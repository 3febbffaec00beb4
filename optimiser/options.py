"""Candidate schemes: the options table, completed with defaults, or generated from the schools.

Every scheme the model may choose is one row of a table with its capacity effect spelled out:
which planning area and year groups it changes, by how many places a unit, from which year, at
what cost. The model reads only this table, so a council's own options table and the generated
defaults are treated alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.config import FORM_OF_ENTRY, OptimiserConfig
from sufficiency.core.phases import ALL_NCY, AREA_PHASES, PRIMARY, area_phase_of, phase_of, span

OPTION_COLUMNS = [
    "option_id", "kind", "school_id", "planning_area_id", "phase", "forms_of_entry",
    "places_per_unit", "entry_ncy", "ncy_low", "ncy_high", "max_units", "capital_cost",
    "earliest_open", "lead_time_years", "quality_markup", "label", "needs_agreement",
]
#: Added by :func:`apply_rules`: the rules' weighting on cutting each scheme's school, per unit.
WEIGHTING_COLUMNS = ["cut_weighting"]
KINDS = ("expand", "bulge", "new_school", "reduce", "close")
GOOD_GRADES = ("Outstanding", "Good")
#: Governance of schools that are their own admission authority (School Admissions Code 2021, para 1.3).
OWN_ADMISSIONS_GOVERNANCE = ("academy", "free")


def places_by_year_group(schools: pd.DataFrame) -> pd.DataFrame:
    """Places per school and year group today: the admission number in every year of its range.

    Uses ``sufficiency.core.capacity.places_by_year_group`` when the core package provides it, so the
    whole product counts places one way; the fallback computes the same thing.

    Parameters
    ----------
    schools : DataFrame
        Canonical schools table (school_id, planning_area_id, ncy_low, ncy_high, pan).

    Returns
    -------
    DataFrame
        school_id, planning_area_id, ncy, places.
    """
    try:
        from sufficiency.core.capacity import places_by_year_group as core
    except ImportError:
        core = None
    if core is not None:
        return core(schools)[["school_id", "planning_area_id", "ncy", "places"]]
    low = schools["ncy_low"].astype(int).to_numpy()
    high = schools["ncy_high"].astype(int).to_numpy()
    span = np.maximum(high - low + 1, 0)
    rows = schools.loc[schools.index.repeat(span), ["school_id", "planning_area_id", "pan"]]
    offset = np.concatenate([np.arange(n) for n in span]) if span.sum() else np.array([], dtype=int)
    out = rows.assign(ncy=np.repeat(low, span) + offset).rename(columns={"pan": "places"})
    out["places"] = out["places"].astype(float)
    return out[["school_id", "planning_area_id", "ncy", "places"]].reset_index(drop=True)


def entry_block(ncy_low: int, ncy_high: int, entry: int, entries: list[int]) -> tuple[int, int]:
    """Year groups an intake at ``entry`` passes through before the next point of entry, within the
    compulsory years of its phase: an intake at an 11-18 school's Year 7 stops at Year 11, as the
    sixth form has its own entry and its own places (planned in post16)."""
    later = [e for e in sorted(entries) if e > entry]
    end = min(ncy_high, (later[0] - 1) if later else ncy_high, span(phase_of(entry))[1])
    return max(ncy_low, entry), end


def school_entries(ncy_low: int, ncy_high: int, entries: list[int]) -> list[int]:
    """Points of entry of a school: each configured entry whose block it teaches, moved up to its
    lowest year group (a junior school admits at Year 3)."""
    out = []
    ordered = sorted(entries)
    for i, e in enumerate(ordered):
        block_hi = ordered[i + 1] - 1 if i + 1 < len(ordered) else ALL_NCY[-1]
        if ncy_low <= block_hi and ncy_high >= e:
            out.append(max(e, ncy_low))
    return out


def _new_school_years(phase: str) -> tuple[int, int]:
    """Entry and last year group of a new school of ``phase``: its phase's compulsory years
    (a phase not planned for, like unknown costs, counts as primary)."""
    return span(phase if phase in AREA_PHASES else PRIMARY)


def quality_markup(schools: pd.DataFrame, config: OptimiserConfig) -> pd.Series:
    """Mark-up on the cost of growing each school, from the council's rules (0 = no mark-up).

    Popularity is first preferences over admission number, as the DfE preference data count it.
    """
    markup = pd.Series(0.0, index=schools["school_id"].to_numpy())
    rule = config.rules.prefer_popular_good
    ofsted = schools.get("ofsted", pd.Series("Not inspected", index=schools.index)).fillna("Not inspected")
    if rule.enabled:
        prefs = (pd.to_numeric(schools.get("first_preferences"), errors="coerce") if "first_preferences" in schools
                 else None)
        if prefs is not None:
            ratio = (prefs / schools["pan"].replace(0, np.nan)).clip(upper=1.0)
            unpopular = (1.0 - ratio).fillna(0.0).to_numpy()
        else:
            unpopular = np.zeros(len(schools))
        not_good = (~ofsted.isin(GOOD_GRADES)).to_numpy(dtype=float)
        markup += rule.weight * (0.5 * unpopular + 0.5 * not_good)
    ban = config.rules.no_expansion_inadequate
    if ban.enabled and ban.weight is not None:
        markup += ban.weight * (ofsted == "Inadequate").to_numpy(dtype=float)
    return markup


def generate_options(
    schools: pd.DataFrame, areas: pd.DataFrame, config: OptimiserConfig, base_year: int
) -> pd.DataFrame:
    """Default candidate schemes: expand, bulge and reduce every school; a new school per area.

    Parameters
    ----------
    schools : DataFrame
        Canonical schools table.
    areas : DataFrame
        planning_area_id, phase of every planning area with demand.
    config : OptimiserConfig
        Costs, sizes, lead times, the decision date and the council's rules.
    base_year : int
        Last year of data; nothing opens before ``base_year + lead time``, nor before the September
        after the decision date plus the lead time.
    """
    rows: list[dict] = []
    for s in schools.itertuples(index=False):
        for entry in school_entries(int(s.ncy_low), int(s.ncy_high), config.entry_ncys):
            rows += _school_options(s, entry, config, base_year)
    for a in areas.itertuples(index=False):
        rows += _new_school_options(a.planning_area_id, a.phase, config, base_year)
    frame = pd.DataFrame(rows, columns=[c for c in OPTION_COLUMNS if c != "quality_markup"])
    return frame.assign(quality_markup=0.0, needs_agreement=frame["needs_agreement"].fillna(False).astype(bool))[
        OPTION_COLUMNS]


def opening_year(config: OptimiserConfig, base_year: int, lead_time: int) -> int:
    """The first year a scheme can open: after the base year and after the decision date, each plus
    the lead time."""
    return max(int(base_year) + int(lead_time), config.first_open_year(int(lead_time)))


def basic_need_barred(s, config: OptimiserConfig) -> str | None:
    """Why a school may not grow for basic need under the council's rules (None when it may)."""
    rule = config.rules.basic_need
    if not rule.at_selective and _flag(getattr(s, "selective", False)):
        return "selective"
    if not rule.at_single_sex and _flag(getattr(s, "single_sex", False)):
        return "single-sex"
    return None


def _flag(value: object) -> bool:
    """A yes/no cell; a missing value is no."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return False if missing else bool(value)


def own_admission_authority(s) -> bool:
    """Whether the school sets its own admission number: ``admission_authority`` 'school', or an
    academy or free school (School Admissions Code 2021, para 1.3)."""
    given = getattr(s, "admission_authority", None)
    if isinstance(given, str) and given.strip():
        return given.strip().lower() == "school"
    return str(getattr(s, "governance", "") or "").strip().lower() in OWN_ADMISSIONS_GOVERNANCE


def oversubscribed(s) -> bool:
    """First preferences above the admission number (the DfE preference data's count)."""
    prefs = pd.to_numeric(getattr(s, "first_preferences", np.nan), errors="coerce")
    return bool(pd.notna(prefs) and prefs > float(s.pan))


def _school_options(s, entry: int, config: OptimiserConfig, base_year: int) -> list[dict]:
    lo, hi = entry_block(int(s.ncy_low), int(s.ncy_high), entry, config.entry_ncys)
    if hi < lo:
        return []
    groups = hi - lo + 1
    costs = config.costs(area_phase_of(entry))
    fe_now = float(s.pan) / FORM_OF_ENTRY
    headroom = int(np.floor(float(s.max_forms_of_entry) - fe_now + 1e-9)) if pd.notna(s.max_forms_of_entry) else 0
    common = dict(school_id=s.school_id, planning_area_id=s.planning_area_id, phase=area_phase_of(entry),
                  entry_ncy=entry, ncy_low=lo, ncy_high=hi, needs_agreement=False)
    out = []
    may_grow = basic_need_barred(s, config) is None
    if headroom > 0 and may_grow:
        out.append(dict(common, option_id=f"expand:{s.school_id}:{entry}", kind="expand", forms_of_entry=1,
                        places_per_unit=FORM_OF_ENTRY, max_units=headroom,
                        capital_cost=FORM_OF_ENTRY * groups * costs.permanent_expansion,
                        earliest_open=opening_year(config, base_year, config.expansion_lead_time),
                        lead_time_years=config.expansion_lead_time, label=f"Expand {s.name} by 1 FE"))
    if entry in config.bulge_ncys and bool(s.can_bulge) and may_grow:
        out.append(dict(common, option_id=f"bulge:{s.school_id}:{entry}", kind="bulge", forms_of_entry=1,
                        places_per_unit=FORM_OF_ENTRY, max_units=1,
                        capital_cost=FORM_OF_ENTRY * costs.temporary,
                        earliest_open=opening_year(config, base_year, config.bulge_lead_time),
                        lead_time_years=config.bulge_lead_time, label=f"Bulge class at {s.name}"))
    room = reducible_fe(pd.DataFrame([{"pan": s.pan}]), config).iloc[0]
    if room > 0 and _may_cut(s, config):
        out.append(dict(common, option_id=f"reduce:{s.school_id}:{entry}", kind="reduce", forms_of_entry=1,
                        places_per_unit=-FORM_OF_ENTRY, max_units=int(room), capital_cost=config.reduction_cost,
                        earliest_open=opening_year(config, base_year, config.reduction_lead_time),
                        lead_time_years=config.reduction_lead_time,
                        needs_agreement=config.rules.own_admissions.enabled and own_admission_authority(s),
                        label=f"Reduce {s.name}'s admission number by 1 FE"))
    if config.generate_closures and entry == max(int(s.ncy_low), config.entry_ncys[0]):
        out.append(dict(common, option_id=f"close:{s.school_id}", kind="close", forms_of_entry=fe_now,
                        places_per_unit=np.nan, max_units=1, capital_cost=config.closure_cost,
                        ncy_low=int(s.ncy_low), ncy_high=int(s.ncy_high),
                        earliest_open=opening_year(config, base_year, config.closure_lead_time),
                        lead_time_years=config.closure_lead_time,
                        needs_agreement=own_admission_authority(s), label=f"Close {s.name}"))
    return out


def _may_cut(s, config: OptimiserConfig) -> bool:
    """Whether the council's rules let the plan propose a lower admission number at the school."""
    if config.rules.protect_oversubscribed.enabled and oversubscribed(s):
        return False
    rule = config.rules.own_admissions
    return not (rule.enabled and not rule.allow_cuts and own_admission_authority(s))


def reducible_fe(schools: pd.DataFrame, config: OptimiserConfig) -> pd.Series:
    """Whole forms of entry each school could give up, keeping the configured minimum."""
    fe_now = schools["pan"].astype(float) / FORM_OF_ENTRY
    room = np.floor(fe_now - config.min_fe_after_reduction + 1e-9).clip(lower=0, upper=config.max_reduction_fe)
    index = schools["school_id"].to_numpy() if "school_id" in schools else schools.index
    return pd.Series(room.to_numpy(dtype=int), index=index)


def _new_school_options(area: str, phase: str, config: OptimiserConfig, base_year: int) -> list[dict]:
    rule = config.rules.minimum_new_school
    lo, hi = _new_school_years(phase)
    entry = lo
    costs = config.costs(phase)
    out = []
    for fe in sorted(set(config.new_school_sizes)):
        if rule.enabled and fe < rule.forms_of_entry:
            continue
        out.append(dict(option_id=f"new:{area}:{fe}fe", kind="new_school", school_id=None, planning_area_id=area,
                        phase=phase, forms_of_entry=fe, places_per_unit=FORM_OF_ENTRY * fe, entry_ncy=entry,
                        ncy_low=lo, ncy_high=hi, max_units=1,
                        capital_cost=FORM_OF_ENTRY * fe * (hi - lo + 1) * costs.new_school,
                        earliest_open=opening_year(config, base_year, config.new_school_lead_time),
                        lead_time_years=config.new_school_lead_time, needs_agreement=False,
                        label=f"New {fe} FE {phase} school in {area}"))
    return out


def complete_options(
    options: pd.DataFrame, schools: pd.DataFrame, areas: pd.DataFrame, config: OptimiserConfig, base_year: int,
    last_year: int | None = None, file: str = "options",
) -> tuple[pd.DataFrame, list[str]]:
    """Fill a council's options table (canonical columns) into the model's scheme table.

    Costs left blank take the DfE scorecard cost per place; lead times left blank take the
    configured ones. Each row may be chosen once (a bulge once a year). A row the plan could never
    use (a new school below the minimum size, a year after the horizon, a reduction larger than the
    school can give, growth the council's rules forbid at that school) is not dropped: it comes back
    as a problem naming the file, row and column and what to do.

    Returns
    -------
    (DataFrame, list of str)
        The scheme table, and the problems (empty when every row can be used).
    """
    by_school = schools.set_index("school_id")
    phase_of_area = areas.set_index("planning_area_id")["phase"]
    rows, problems = [], []
    rule = config.rules.minimum_new_school
    for i, o in enumerate(options.itertuples(index=False)):
        where = f"{file} row {i + 2} (option {o.option_id})"
        kind = o.kind
        fe = float(o.forms_of_entry) if pd.notna(getattr(o, "forms_of_entry", np.nan)) else 1.0
        lead = _lead_time(kind, getattr(o, "lead_time_years", np.nan), config)
        school = getattr(o, "school_id", None)
        needs_agreement = False
        if kind == "new_school" or school is None or pd.isna(school):
            area = o.planning_area_id
            phase = phase_of_area.get(area, "primary")
            lo, hi = _new_school_years(phase)
            entry = lo
            name = f"new {fe:g} FE {phase} school in {area}"
            if kind == "new_school" and rule.enabled and fe < rule.forms_of_entry:
                problems.append(f"{where}, forms_of_entry: a new school of {fe:g} FE is below the minimum of "
                                f"{rule.forms_of_entry} FE (optimiser.rules.minimum_new_school); give at least "
                                f"{rule.forms_of_entry}, or switch the rule off")
        else:
            s = by_school.loc[school]
            area, lo_s, hi_s = s.planning_area_id, int(s.ncy_low), int(s.ncy_high)
            entry = school_entries(lo_s, hi_s, config.entry_ncys)[0]
            lo, hi = entry_block(lo_s, hi_s, entry, config.entry_ncys) if kind != "close" else (lo_s, hi_s)
            phase, name = area_phase_of(entry), str(s["name"])
            row = s.to_frame().T.assign(school_id=school).iloc[0]
            problems += _row_rule_problems(where, kind, fe, row, config)
            needs_agreement = kind in ("reduce", "close") and config.rules.own_admissions.enabled and \
                own_admission_authority(row)
        groups = hi - lo + 1
        cost = getattr(o, "capital_cost", np.nan)
        if pd.isna(cost):
            cost = _default_cost(kind, fe, groups, config.costs(phase), config)
        sign = -1 if kind == "reduce" else 1
        earliest = getattr(o, "earliest_year", np.nan)
        opens = max(int(earliest) if pd.notna(earliest) else base_year, opening_year(config, base_year, lead))
        if last_year is not None and opens > last_year:
            given = f"earliest_year {int(earliest)}" if pd.notna(earliest) and int(earliest) == opens else \
                f"its lead time of {lead} year(s) from the decision date"
            problems.append(f"{where}, earliest_year: it cannot open before {opens} ({given}), after the "
                            f"forecast's last year {last_year}; bring it forward, lengthen the horizon, or "
                            "remove the row")
        rows.append(dict(option_id=str(o.option_id), kind=kind, school_id=None if kind == "new_school" else school,
                         planning_area_id=area, phase=phase, forms_of_entry=fe,
                         places_per_unit=np.nan if kind == "close" else sign * FORM_OF_ENTRY * fe,
                         entry_ncy=entry, ncy_low=lo, ncy_high=hi, max_units=1, capital_cost=float(cost),
                         earliest_open=opens, lead_time_years=lead, quality_markup=0.0,
                         label=(f"{kind.replace('_', ' ').capitalize()} {name}" if kind != "new_school"
                                else name.capitalize()),
                         needs_agreement=needs_agreement))
    return pd.DataFrame(rows, columns=OPTION_COLUMNS), problems


def _row_rule_problems(where: str, kind: str, fe: float, s: pd.Series, config: OptimiserConfig) -> list[str]:
    """Why a council's scheme at a school could never be chosen, each with what to do."""
    out = []
    fe_now = float(s["pan"]) / FORM_OF_ENTRY
    site = float(s["max_forms_of_entry"]) if pd.notna(s.get("max_forms_of_entry")) else np.inf
    if kind == "expand" and fe_now + fe > site + 1e-9:
        out.append(f"{where}, forms_of_entry: {fe:g} FE more would take {s['name']} to {fe_now + fe:g} FE, above its "
                   f"site limit of {float(s['max_forms_of_entry']):g} FE (schools max_forms_of_entry); give at most "
                   f"{max(float(s['max_forms_of_entry']) - fe_now, 0):g}, or correct the site limit")
    if kind in ("expand", "bulge"):
        barred = basic_need_barred(s, config)
        if barred:
            key = "at_selective" if barred == "selective" else "at_single_sex"
            out.append(f"{where}, school_id: {s['name']} is {barred}, and growth there does not meet general basic "
                       f"need (optimiser.rules.basic_need.{key} is off); switch it on to allow this scheme, or "
                       "remove the row")
        ban = config.rules.no_expansion_inadequate
        if ban.enabled and ban.weight is None and s.get("ofsted") == "Inadequate":
            out.append(f"{where}, school_id: {s['name']} is judged Inadequate and the rule "
                       "optimiser.rules.no_expansion_inadequate forbids growing it; give it a weight to make it a "
                       "preference, or remove the row")
    if kind == "reduce":
        room = float(np.floor(fe_now - config.min_fe_after_reduction + 1e-9))
        if fe > min(room, config.max_reduction_fe) + 1e-9:
            most = max(min(room, config.max_reduction_fe), 0)
            out.append(f"{where}, forms_of_entry: {s['name']} can give up at most {most:g} FE (it admits "
                       f"{fe_now:g} FE; optimiser.min_fe_after_reduction {config.min_fe_after_reduction}, "
                       f"optimiser.max_reduction_fe {config.max_reduction_fe}); give a smaller reduction or change "
                       "those settings")
        if config.rules.protect_oversubscribed.enabled and oversubscribed(s):
            out.append(f"{where}, school_id: {s['name']} has more first preferences than places "
                       "(optimiser.rules.protect_oversubscribed); remove the row or switch the rule off")
        rule = config.rules.own_admissions
        if rule.enabled and not rule.allow_cuts and own_admission_authority(s):
            out.append(f"{where}, school_id: {s['name']} sets its own admission number and "
                       "optimiser.rules.own_admissions.allow_cuts is off; remove the row or allow such proposals")
    return out


def _lead_time(kind: str, given: float, config: OptimiserConfig) -> int:
    if pd.notna(given):
        return int(given)
    return {"expand": config.expansion_lead_time, "bulge": config.bulge_lead_time,
            "new_school": config.new_school_lead_time, "reduce": config.reduction_lead_time,
            "close": config.closure_lead_time}[kind]


def _default_cost(kind: str, fe: float, groups: int, costs, config: OptimiserConfig) -> float:
    places = FORM_OF_ENTRY * fe
    return {"expand": places * groups * costs.permanent_expansion, "bulge": places * costs.temporary,
            "new_school": places * groups * costs.new_school, "reduce": config.reduction_cost * fe,
            "close": config.closure_cost}[kind]


def apply_rules(options: pd.DataFrame, schools: pd.DataFrame, config: OptimiserConfig) -> pd.DataFrame:
    """Drop what the rules forbid among the generated schemes (a council's own rows were checked by
    :func:`complete_options`) and set the weighting the rules give the rest."""
    grows = options["kind"].isin(["expand", "bulge"])
    ban = config.rules.no_expansion_inadequate
    if ban.enabled and ban.weight is None and "ofsted" in schools:
        inadequate = set(schools.loc[schools["ofsted"] == "Inadequate", "school_id"])
        options = options[~(grows & options["school_id"].isin(inadequate))]
        grows = options["kind"].isin(["expand", "bulge"])
    rule = config.rules.minimum_new_school
    if rule.enabled:
        small = (options["kind"] == "new_school") & (options["forms_of_entry"] < rule.forms_of_entry)
        options, grows = options[~small], grows[~small]
    markup = quality_markup(schools, config)
    options = options.copy()
    options["quality_markup"] = np.where(grows, options["school_id"].map(markup).fillna(0.0), 0.0)
    options["cut_weighting"] = np.where(options["kind"] == "reduce",
                                        options["school_id"].map(cut_weighting(schools, config)).fillna(0.0), 0.0)
    return options.reset_index(drop=True)


def cut_weighting(schools: pd.DataFrame, config: OptimiserConfig) -> pd.Series:
    """Objective weighting (not money) per form of entry cut at each school: the rule's weight at a
    school rated Good or better, or whose first preferences reach its admission number."""
    rule = config.rules.cut_weaker_first
    if not rule.enabled:
        return pd.Series(0.0, index=schools["school_id"].to_numpy())
    good = schools.get("ofsted", pd.Series("", index=schools.index)).isin(GOOD_GRADES).to_numpy()
    prefs = pd.to_numeric(schools.get("first_preferences", pd.Series(np.nan, index=schools.index)), errors="coerce")
    popular = (prefs >= schools["pan"]).fillna(False).to_numpy()
    return pd.Series(rule.weight * (good | popular), index=schools["school_id"].to_numpy(), dtype=float)
