"""The standards report for elected members: the risk table with its evidence, KPIs, benchmarks, targets and
escalations in one document, from one run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reports.standards_report import standards_html, write_standards_report
from standards import trail
from standards.escalation import EscalationEvent
from standards.result import run_standards
from standards.targets import load_targets
from sufficiency.app.store.testing import organisation_trail, sqlite_url
from sufficiency.core.inputs import load_inputs
from sufficiency.sample import sample_dir


@pytest.fixture(scope="module")
def result():
    inputs = load_inputs(sample_dir())
    targets = load_targets(sample_dir() / "targets.yaml")
    return run_standards(inputs.school_indicators, inputs.schools, inputs.rolls, la="358", targets=targets)


def test_the_report_holds_every_part_from_the_same_run(result, tmp_path: Path) -> None:
    audit = organisation_trail(sqlite_url(tmp_path))
    red = result.risk[result.risk["category"] == "Red"].iloc[0]
    trail.record_step(audit, EscalationEvent(school_id=str(red["school_id"]), step="concern_raised",
                                             date=dt.date(2025, 9, 10), actor="C Adviser",
                                             next_review=dt.date(2025, 10, 1)), "maintained")
    page = standards_html(result, audit, authority="Trafford", today=dt.date(2025, 10, 31))
    assert "School standards, Trafford: 2024/25" in page
    # Every red and amber school's every fired rule appears with its evidence, as the run recorded it.
    fired = result.risk_fired[result.risk_fired["year"] == result.year]
    flagged = set(result.risk.loc[result.risk["category"].isin(["Red", "Amber"]), "school_id"].astype(str))
    import html

    for row in fired[fired["school_id"].astype(str).isin(flagged)].itertuples():
        assert html.escape(row.evidence) in page
    for heading in ("KPI table one: primary", "KPI table two: secondary", "The authority against every English LA",
                    "Strategy targets", "Open escalation cases", "Reviews overdue on 2025-10-31"):
        assert heading in page
    # The open case, its review date and that it is 30 days overdue on 31 October.
    assert "2025-10-01</td><td class=\"num\">30</td>" in page
    assert "Open Government Licence" in page


def test_pdf_and_html_are_written(result, tmp_path: Path) -> None:
    from pypdf import PdfReader

    written = write_standards_report(result, tmp_path, ("html", "pdf"), authority="Trafford")
    assert [p.name for p in written] == ["standards_report.html", "standards_report.pdf"]
    text = " ".join(page.extract_text() for page in PdfReader(written[1]).pages)
    assert "Red and amber schools" in text and "KPI table one: primary" in text
    assert "No escalation recorded" in written[0].read_text(encoding="utf-8")
