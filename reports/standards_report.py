"""The standards report for elected members: one document (HTML, and PDF printed from it) from one run.

It holds the risk table with the evidence behind every rule that fired, the two KPI tables, the
authority against every English LA, the strategy targets, and the escalations of concern (open cases
with their next review, the overdue reviews, and what followed each case), all from the same
:class:`standards.result.StandardsResult` and the organisation's audit trail at the moment it is
written. Every figure says its unit in its column or caption.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reports.pdf import write_pdf
from standards.kpi import format_kpi_table, format_number
from sufficiency.core.years import academic_year

if TYPE_CHECKING:
    from standards.result import StandardsResult
    from sufficiency.core.audit import AuditTrail

_COLOURS = {"Red": "#c0392b", "Amber": "#d68910", "Yellow": "#b7950b", "Green": "#1e8449"}

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; margin: 1.5em; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; page-break-inside: auto; }
thead { display: table-header-group; }
th, td { border: 1px solid #ccc; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; white-space: nowrap; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 0.3em 0; }
.cat { font-weight: bold; } .note { color: #555; font-size: 9pt; }
@page { size: A4 landscape; margin: 1.2cm; @bottom-right { content: "page " counter(page) " of " counter(pages); } }
"""


def _e(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "not available"
    return html.escape(str(value))


def _table(caption: str, headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """An HTML table; cells are already escaped."""
    numeric = numeric or set()
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">None.</td></tr>'
    return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _summary(result: StandardsResult) -> str:
    rows = []
    for phase, group in result.risk_summary.groupby("phase", sort=False):
        cells = [f"{int(r.this_year)} ({format_number(r.last_year)})" for r in group.itertuples()]
        rows.append([_e(phase), *cells])
    return _table(f"Schools by risk category, {academic_year(result.year)} (number of schools; last year in "
                  "brackets)", ["phase", *list(_COLOURS)], rows, {1, 2, 3, 4})


def _risk(result: StandardsResult) -> str:
    fired = result.risk_fired[result.risk_fired["year"].astype(int) == result.year]
    evidence = {}
    for r in fired.itertuples():
        evidence.setdefault(str(r.school_id), []).append(
            f"<b>{_e(r.rule_id)}</b> ({_e(r.category)}): {_e(getattr(r, 'evidence', ''))}")
    flagged = result.risk[result.risk["category"].isin(["Red", "Amber"])]
    rows = []
    for r in flagged.sort_values(["category", "name"], ascending=[False, True]).itertuples():
        colour = _COLOURS.get(r.category, "#222")
        why = "<br>".join(evidence.get(str(r.school_id), [])) or _e(r.rules_fired)
        if getattr(r, "override_reason", ""):
            why += f"<br><i>Override (rules gave {_e(r.computed_category)}): {_e(r.override_reason)}, by " \
                   f"{_e(r.override_author)} on {_e(r.override_date)}</i>"
        inspection = _e(getattr(r, "ofsted_grade", r.ofsted))
        card = getattr(r, "ofsted_report_card", "not available")
        if card and card != "not available":
            inspection += f"<br>Report card: {_e(card)}"
        rows.append([_e(r.name), _e(r.phase), _e(r.governance), f'<span class="cat" style="color:{colour}">'
                     f"{_e(r.category)}</span>", inspection, why])
    return _table(f"Red and amber schools, {academic_year(result.year)}: every rule that fired with its evidence "
                  "(the school's figure, what it was compared with, the gap and the year; units in each line)",
                  ["school", "phase", "governance", "category", "last inspection", "rules and evidence"], rows)


def _kpis(result: StandardsResult) -> str:
    out = []
    for phase, title in (("primary", "KPI table one: primary"), ("secondary", "KPI table two: secondary")):
        shown = format_kpi_table(result.kpis[phase])
        rows = [[_e(r.indicator), _e(getattr(r, "unit", "")), _e(r.year), _e(r.value), _e(r.last_year),
                 _e(r.trend), _e(r.national)] for r in shown.itertuples()]
        out.append(_table(title, ["indicator", "unit", "year", "value", "last year", "trend", "England"], rows,
                          {2, 3, 4, 6}))
    return "".join(out)


def _benchmark(result: StandardsResult) -> str:
    if result.benchmark is None:
        return '<p class="note">No authority set (la_code): no benchmarking against other authorities.</p>'
    ranked = result.benchmark.dropna(subset=["rank"])
    rows = [[_e(r.description), _e(getattr(r, "unit", "")), _e(academic_year(r.year)), _e(format_number(r.value)),
             _e(format_number(r.national)), f"{int(r.rank)} of {int(r.n_las)}", _e(int(r.quartile)),
             _e(format_number(r.distance_to_top10)), "yes" if getattr(r, "in_top5", False) is True else "no"]
            for r in ranked.itertuples()]
    return _table("The authority against every English LA (LAIT; rank 1 = best; quartile 1 = best quarter; each "
                  "figure in the unit shown)",
                  ["measure", "unit", "year", "value", "England", "rank", "quartile", "to the top 10%", "top 5%"],
                  rows, {3, 4, 5, 6, 7})


def _targets(result: StandardsResult) -> str:
    if result.targets is None:
        return '<p class="note">No strategy targets set (standards.targets_file).</p>'
    rows = []
    for r in result.targets.itertuples():
        current = (f"{format_number(r.current)} ({int(r.current_year)})" if pd.notna(r.current)
                   else "not available")
        rows.append([_e(r.label or r.indicator), _e(f"{format_number(r.target)} by {r.deadline}"), _e(current),
                     _e(format_number(r.expected_now)), _e(format_number(r.needed_change_per_year)), _e(r.status)])
    return _table("Strategy targets (in the unit of each measure; change a year in the same unit)",
                  ["target", "aim", "now", "on the line now", "change needed a year", "status"], rows, {2, 3, 4})


def _escalations(audit: AuditTrail | None, result: StandardsResult, today: dt.date) -> str:
    if audit is None:
        return '<p class="note">No escalation recorded on the organisation\'s audit trail.</p>'
    from standards.escalation import STEPS
    from standards.trail import escalation_outcomes, open_cases, overdue_reviews, steps

    found = steps(audit)
    names = result.risk_all_years.assign(school_id=result.risk_all_years["school_id"].astype(str)) \
        .drop_duplicates("school_id", keep="last").set_index("school_id")["name"]
    cases = open_cases(found)
    rows = [[_e(names.get(r.school_id, r.school_id)), _e(STEPS.get(r.step, r.step)), _e(r.date), _e(r.actor),
             _e(r.note), _e(r.next_review)] for r in cases.itertuples()]
    out = _table("Open escalation cases (the latest step of each)",
                 ["school", "step", "since", "by", "note", "next review"], rows)
    late = overdue_reviews(found, today)
    rows = [[_e(names.get(r.school_id, r.school_id)), _e(STEPS.get(r.step, r.step)), _e(r.next_review),
             _e(int(r.days_overdue))] for r in late.itertuples()]
    out += _table(f"Reviews overdue on {today}", ["school", "step", "review due", "days overdue (days)"], rows, {3})
    outcomes = escalation_outcomes(found, result.risk_all_years)
    rows = [[_e(names.get(r.school_id, r.school_id)), _e(r.opened_on), _e(r.furthest_step_text),
             _e(r.category_when_opened), _e(r.category_latest), _e(r.outcome)] for r in outcomes.itertuples()]
    out += _table("What followed each escalation (risk category when it opened and in the latest year assessed "
                  "after it; a sequence, not proof of cause)",
                  ["school", "opened", "furthest step", "category then", "category since", "outcome"], rows)
    return out


def standards_html(result: StandardsResult, audit: AuditTrail | None = None, *, authority: str | None = None,
                   today: dt.date | None = None) -> str:
    """The standards report as one self-contained HTML page."""
    today = today or dt.date.today()
    title = f"School standards{f', {authority}' if authority else ''}: {academic_year(result.year)}"
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.notes)
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">Written {today} from one run of the standards assessment under '
        f"{html.escape(result.rules_label)}. Red: intervention needed; Amber: support needed; Yellow: keep watch; "
        "Green: no rule met. A missing figure never makes a rule fire.</p>",
        "<h2>Schools by risk category</h2>", _summary(result),
        "<h2>Red and amber schools, with the evidence</h2>", _risk(result),
        "<h2>KPI tables</h2>", _kpis(result),
        "<h2>Benchmarking</h2>", _benchmark(result),
        "<h2>Strategy targets</h2>", _targets(result),
        "<h2>Escalation of concern</h2>", _escalations(audit, result, today),
    ]
    if notes:
        parts += ["<h2>Notes</h2>", f"<ul>{notes}</ul>"]
    parts.append('<p class="note">Contains public sector information licensed under the Open Government Licence '
                 "v3.0.</p>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_standards_report(result: StandardsResult, out: Path, formats: tuple[str, ...] = ("html", "pdf"),
                           audit: AuditTrail | None = None, authority: str | None = None,
                           today: dt.date | None = None) -> list[Path]:
    """Write ``standards_report.html`` and/or ``.pdf`` into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    page = standards_html(result, audit, authority=authority, today=today)
    written = []
    if "html" in formats:
        path = out / "standards_report.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    if "pdf" in formats:
        written.append(write_pdf(page, out / "standards_report.pdf"))
    return written
