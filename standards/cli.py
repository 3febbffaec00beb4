"""Commands ``sufficiency standards``, ``standards-override`` and ``standards-escalate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from standards.escalation import STEPS
from sufficiency.core.cells import csv_frame
from sufficiency.core.commands import OrganisationOption, StoreOption, command_services, load_or_exit
from sufficiency.core.display import console

if TYPE_CHECKING:
    from standards.config import StandardsConfig
    from standards.result import StandardsResult
    from sufficiency.core.audit import AuditTrail


def _config(inputs, year: int | None, targets: Path | None, rules: Path | None,
            local: Path | None = None) -> StandardsConfig:
    from standards.config import StandardsConfig

    config = getattr(inputs.scenario, "standards", None) or StandardsConfig()
    # A file named on the command line is read from where the user is, if it is there;
    # otherwise (like the scenario's own paths) from the data folder.
    targets, rules, local = (p.resolve() if p is not None and p.exists() else p
                             for p in (targets, rules, local))
    changes = {k: v for k, v in {"year": year, "targets_file": targets, "rules_file": rules,
                                 "local_file": local}.items()
               if v is not None}
    return config.model_copy(update=changes)


def _computed_category(data_dir: Path, school_id: str, year: int) -> str:
    """The category the rules give a school in a year; exit with a message if not assessed."""
    from standards.indicators import IndicatorError, numeric_indicators
    from standards.risk import assess_risk
    from standards.rules import RuleFileError, load_rules, with_settings

    inputs = load_or_exit(data_dir)
    if inputs.school_indicators is None:
        console.print(f"[red]Override not recorded:[/] {data_dir} has no school_indicators file.")
        raise typer.Exit(1)
    config = _config(inputs, None, None, None, None)
    try:
        rules = with_settings(load_rules(data_dir / config.rules_file if config.rules_file else None),
                              config.outstanding_to_good_amber)
        risk = assess_risk(numeric_indicators(inputs.school_indicators), inputs.schools, rules,
                           rolls=inputs.rolls, similar_schools=config.similar_schools)
    except (IndicatorError, RuleFileError, ValueError) as exc:
        console.print(f"[red]Override not recorded:[/] {exc}")
        raise typer.Exit(1) from None
    row = risk.schools[(risk.schools["school_id"] == school_id) & (risk.schools["year"] == year)]
    if row.empty:
        years = sorted(risk.schools["year"].unique())
        console.print(f"[red]Override not recorded:[/] school {school_id} in {year} was not "
                      f"assessed from {data_dir} (years {years[0]}-{years[-1]}); check the URN "
                      "and the year.")
        raise typer.Exit(1)
    return str(row["category"].iloc[0])


def _print_store(audit: AuditTrail, today: dt.date | None = None) -> None:
    """Open escalation cases with their next review, and the reviews that are overdue."""
    from rich.table import Table

    from standards.escalation import STEPS
    from standards.trail import open_cases, overdue_reviews

    cases = open_cases(audit)
    if cases.empty:
        console.print("No open escalation cases.")
        return
    today = today or dt.date.today()
    table = Table(title="Open escalation cases")
    for col in ("school", "step", "since", "by", "note", "next review"):
        table.add_column(col)
    for r in cases.itertuples():
        has_review = isinstance(r.next_review, dt.date)
        review = str(r.next_review) if has_review else "not set"
        late = has_review and r.next_review < today
        table.add_row(str(r.school_id), STEPS.get(r.step, r.step), str(r.date), r.actor, r.note,
                      f"[red]{review} (overdue)[/]" if late else review)
    console.print(table)
    late = overdue_reviews(audit, today)
    if late.empty:
        console.print("No escalation review is overdue.")
    else:
        console.print(f"[red]{len(late)} escalation review(s) overdue:[/] " + "; ".join(
            f"{r.school_id} ({STEPS.get(r.step, r.step)}, review due {r.next_review}, {int(r.days_overdue)} days late)"
            for r in late.itertuples()))


def _write_store(audit: AuditTrail, out: Path, result: StandardsResult | None = None) -> list[Path]:
    """The override audit trail, every escalation step, overdue reviews and escalation outcomes, as CSV."""
    from standards.trail import escalation_outcomes, overdue_reviews, override_frame, step_frame, steps

    written = []
    found = steps(audit)
    frames = [("overrides", override_frame(audit)), ("escalations", step_frame(found)),
              ("escalations_overdue", overdue_reviews(found))]
    if result is not None:
        frames.append(("escalation_outcomes", escalation_outcomes(found, result.risk_all_years)))
    for name, frame in frames:
        path = out / f"standards_{name}.csv"
        csv_frame(frame).to_csv(path, index=False)
        written.append(path)
    return written


def _write(result: StandardsResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in result.tables().items():
        path = out / f"standards_{name}.csv"
        # Missing figures are written as words so no reader mistakes them for zero.
        csv_frame(table).to_csv(path, index=False, na_rep="not available")
        written.append(path)
    return written


def register(app: typer.Typer) -> None:
    """Add the standards commands to the ``sufficiency`` app."""

    @app.command("standards")
    def standards_command(
        ctx: typer.Context,
        data_dir: Annotated[Path, typer.Argument(help="Data folder with schools, rolls and "
                                                 "school_indicators.", show_default=False)],
        out: Annotated[Path, typer.Option("--out", help="Folder for the CSV files.")] = Path("out"),
        la: Annotated[str | None, typer.Option(
            "--la", help="The authority: DfE LA code (358), GSS code (E08000009) or name; default: "
                         "the scenario's la_code.")] = None,
        la_number: Annotated[str | None, typer.Option(
            "--la-number", hidden=True, help="Deprecated: use --la.")] = None,
        year: Annotated[int | None, typer.Option(help="Academic year by its autumn.")] = None,
        targets: Annotated[Path | None, typer.Option(help="Strategy targets file (YAML/CSV).")] = None,
        rules: Annotated[Path | None, typer.Option(help="Risk rule file (YAML).")] = None,
        local: Annotated[Path | None, typer.Option(
            help="Figures only the authority holds (CSV: indicator, year, value[, national, "
                 "table]): Fair Access, PRU, mobility, home education, missing education.")] = None,
        store: StoreOption = None,
        organisation: OrganisationOption = None,
    ) -> None:
        """Risk-assess every school, print the risk summary and KPI tables, write them as CSV.

        The risk overrides on the organisation's audit trail (the store the API uses) are applied, and its open
        escalation cases listed.
        """
        from standards.indicators import IndicatorError
        from standards.result import run_standards
        from standards.rules import RuleFileError
        from standards.show import print_standards
        from standards.targets import TargetFileError
        from standards.trail import override_frame

        audit = command_services(ctx).existing_audit_trail(store, organisation)
        inputs = load_or_exit(data_dir)
        if inputs.school_indicators is None:
            console.print(f"[red]{data_dir} has no school_indicators file.[/] Add "
                          "school_indicators.csv (school_id, year, indicator, value); the "
                          "indicator names are in standards/data/school_indicator_vocabulary.csv.")
            raise typer.Exit(1)
        if la_number is not None:
            console.print(f"[yellow]--la-number is deprecated:[/] write --la {la_number} (a DfE LA "
                          "code, GSS code or name), or la_code at the top of scenario.yaml.")
        config = _config(inputs, year, targets, rules, local)
        overrides = override_frame(audit) if audit is not None else None
        try:
            result = run_standards(inputs.school_indicators, inputs.schools, inputs.rolls,
                                   config, overrides=overrides, base_dir=data_dir,
                                   la=la or la_number or inputs.scenario.la_code)
        except (IndicatorError, RuleFileError, TargetFileError, ValueError) as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        print_standards(result)
        written = _write(result, out)
        if audit is not None:
            _print_store(audit)
            written += _write_store(audit, out, result)
        for path in written:
            console.print(f"wrote {path}")

    @app.command("standards-import")
    def import_command(
        kind: Annotated[str, typer.Argument(help="ks2, ks4, absence, ofsted or gias.")],
        file: Annotated[Path, typer.Argument(help="The DfE school-level CSV as downloaded.", exists=True,
                                             dir_okay=False)],
        year: Annotated[int, typer.Option(help="Academic year of the figures, by its autumn (2024 = 2024/25).")],
        data_dir: Annotated[Path, typer.Option(
            "--data", help="Data folder: its schools table keeps the authority's schools, and its "
                           "school_indicators.csv receives the rows.", exists=True, file_okay=False)],
    ) -> None:
        """Import a DfE school-level file (KS2 or KS4 performance tables, absence, Ofsted, GIAS) into the data
        folder's school_indicators.csv: the authority's schools only; a row for the same school, year and
        indicator is replaced. Every unreadable value is reported by file, row and column, and nothing is
        written then."""
        import pandas as pd

        from standards.importers import FILE_KINDS, import_school_file, merge_indicators
        from sufficiency.core.errors import InputError

        if kind not in FILE_KINDS:
            console.print(f"[red]Unknown kind '{kind}':[/] one of {', '.join(FILE_KINDS)}.")
            raise typer.Exit(2)
        schools = load_or_exit(data_dir).schools
        try:
            imported = import_school_file(file, kind, year, schools)
        except InputError as exc:
            console.print(f"[red]Not imported:[/] {exc}")
            raise typer.Exit(1) from None
        target = data_dir / "school_indicators.csv"
        existing = pd.read_csv(target, dtype={"school_id": str, "value": str}) if target.exists() else None
        csv_frame(merge_indicators(existing, imported.rows)).to_csv(target, index=False)
        console.print(f"Imported {len(imported.rows)} figures for {imported.rows['school_id'].nunique()} schools "
                      f"({year}) into {target}.")
        skipped = {c: n for c, n in imported.not_given.items() if n}
        if skipped:
            console.print("Not given by DfE (suppressed, no entries or not published; left out, never zero): "
                          + ", ".join(f"{c} {n}" for c, n in skipped.items()) + ".")
        if imported.unknown_schools:
            console.print(f"{len(imported.unknown_schools)} schools of the file are not in {data_dir}/schools "
                          "and were left out.")

    @app.command("standards-override")
    def override_command(
        ctx: typer.Context,
        data_dir: Annotated[Path, typer.Argument(help="Data folder (schools and school_indicators).")],
        school_id: Annotated[str, typer.Argument(help="URN of the school.")],
        year: Annotated[int, typer.Argument(help="Academic year of the assessment.")],
        category: Annotated[str, typer.Argument(help="Red, Amber, Yellow or Green.")],
        reason: Annotated[str, typer.Option(help="Why the data does not tell the whole story.")],
        author: Annotated[str, typer.Option(help="Who decided the override.")],
        on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD; default today.")] = None,
        store: StoreOption = None,
        organisation: OrganisationOption = None,
    ) -> None:
        """Record a context override of a school's risk category on the organisation's audit trail.

        The school and year must have been assessed from DATA_DIR: the audit trail is
        append-only, so an override is checked before it is written. The API sees it at once.
        """
        from pydantic import ValidationError

        from standards.overrides import Override
        from standards.trail import DatedInFuture, record_override

        try:
            override = Override(school_id=school_id, year=year, category=category, reason=reason,
                                author=author, date=on or dt.date.today())
        except ValidationError as exc:
            console.print(f"[red]Override not recorded:[/] {exc.errors()[0]['msg']}")
            raise typer.Exit(1) from None
        computed = _computed_category(data_dir, school_id, year)
        try:
            record_override(command_services(ctx).audit_trail(store, organisation), override, computed)
        except DatedInFuture as exc:
            console.print(f"[red]Override not recorded:[/] {exc}")
            raise typer.Exit(1) from None
        console.print(f"Recorded: {school_id} {year}: computed {computed}, now {category} "
                      f"(by {author}).")

    @app.command("standards-escalate")
    def escalate_command(
        ctx: typer.Context,
        data_dir: Annotated[Path, typer.Argument(help="Data folder (for the school's governance).")],
        school_id: Annotated[str, typer.Argument(help="URN of the school.")],
        step: Annotated[str, typer.Argument(help=f"One of: {', '.join(STEPS)}.")],
        actor: Annotated[str, typer.Option(help="Who took the step (name and role).")],
        on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD; default today.")] = None,
        note: Annotated[str, typer.Option(help="Anything the next reader needs.")] = "",
        next_review: Annotated[str | None, typer.Option(
            "--next-review", help="YYYY-MM-DD when the case is next reviewed; default six weeks after the step. "
                                  "Not for 'resolved'.")] = None,
        store: StoreOption = None,
        organisation: OrganisationOption = None,
    ) -> None:
        """Record the next step of a school's escalation of concern (only allowed steps), with who took it,
        a note and the next review date.

        The step is checked against the school's steps on the organisation's audit trail, wherever they were
        recorded (here or through the API); an open case keeps the route of steps it was opened with.
        """
        import pandas as pd
        from pydantic import ValidationError

        from standards.escalation import EscalationEvent, IllegalTransition, allowed_next
        from standards.trail import DatedInFuture, case_governance, record_step, steps
        from sufficiency.core.audit import TrailConflict

        schools = load_or_exit(data_dir).schools
        match = schools[schools["school_id"].astype(str) == school_id]
        if match.empty:
            console.print(f"[red]School {school_id} is not in {data_dir}/schools.[/]")
            raise typer.Exit(1)
        governance = match["governance"].iloc[0] if "governance" in match else None
        if pd.isna(governance):
            console.print(f"[red]School {school_id} has no governance in {data_dir}/schools.[/] "
                          "Give it as maintained, academy or free: the steps after support is "
                          "brokered differ.")
            raise typer.Exit(1)
        try:
            event = EscalationEvent(school_id=school_id, step=step, actor=actor, note=note,
                                    date=on or dt.date.today(), next_review=next_review)
        except ValidationError as exc:
            console.print(f"[red]Not recorded:[/] {exc.errors()[0]['msg']}")
            raise typer.Exit(1) from None
        audit = command_services(ctx).audit_trail(store, organisation)
        # An open case keeps the route it was opened on, wherever its steps were recorded.
        governance = case_governance(steps(audit, school_id)) or str(governance)
        try:
            record_step(audit, event, governance)
        except (IllegalTransition, DatedInFuture, TrailConflict) as exc:
            console.print(f"[red]Not recorded:[/] {exc}")
            raise typer.Exit(1) from None
        nxt = ", ".join(allowed_next(step, governance))
        review = f" Next review: {event.next_review}." if event.next_review else ""
        console.print(f"Recorded '{STEPS[step]}' for {school_id} (by {event.actor}, {event.date}).{review} "
                      f"Allowed next: {nxt}.")


