"""One audit trail: overrides and escalation steps recorded from the command line and through the API are the same
records, in the service's database, of one organisation only; and two steps sent at once cannot both land."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sufficiency.app.store.audit import StoreAuditTrail
from sufficiency.cli import app
from sufficiency.sample import sample_dir
from tests.api.conftest import World, make_world, wait_for
from tests.api.test_security import assert_error
from tests.store.conftest import DATABASES, fresh_database

runner = CliRunner()
TRAFFORD, STOCKPORT = "Trafford Council", "Stockport Council"
REASON = "Interim head since Easter; governors asked the authority for help"


def standards_run(world: World, who: str) -> str:
    """A run of the standards stage alone on the sample borough, uploaded and started by ``who``'s council."""
    admin = "admin" if who == "planner" else who
    uploaded = world.client.post("/datasets", headers=world.as_[admin], data={"name": "Sample borough"},
                                 files=[("files", (p.name, p.read_bytes(), "application/octet-stream"))
                                        for p in sorted(sample_dir().iterdir()) if p.is_file() and p.suffix != ".md"])
    assert uploaded.status_code == 201, uploaded.text
    started = world.client.post("/runs", headers=world.as_[who], json={
        "dataset_id": uploaded.json()["id"], "kind": "stages", "stages": ["standards"]})
    assert started.status_code == 202, started.text
    run = wait_for(world.client, started.json()["id"], world.as_[who])
    assert run["status"] == "succeeded", run["error"]
    return run["id"]


@pytest.fixture(scope="module", params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The service with a standards run in each council (A: Trafford, B: Stockport), on SQLite then PostgreSQL."""
    with fresh_database(request.param, tmp_path_factory.mktemp("one_trail")) as url:
        for made in make_world(url, rate_limit_per_minute=1_000_000):
            made.run_id = standards_run(made, "planner")
            made.other_run_id = standards_run(made, "other_admin")  # type: ignore[attr-defined]
            yield made


def cli(world: World, *args: str) -> Any:
    """``sufficiency ARGS`` against the service's own database (SUFFICIENCY_DATABASE_URL)."""
    return runner.invoke(app, list(args), env={"SUFFICIENCY_DATABASE_URL": world.settings.url, "COLUMNS": "300"})


def risk_of(world: World, run_id: str, school: str, who: str) -> dict[str, Any]:
    response = world.client.get(f"/standards/runs/{run_id}/risk/{school}", headers=world.as_[who])
    assert response.status_code == 200, response.text
    return response.json()


def maintained_school(world: World, skip: int) -> str:
    page = world.client.get(f"/standards/runs/{world.run_id}/risk", headers=world.as_["viewer"]).json()
    return [r["school_id"] for r in page["rows"] if r["governance"] == "maintained"][skip]


def test_an_override_from_the_command_line_applies_in_its_council_only(world: World, tmp_path: Path) -> None:
    school = "106283"
    before = risk_of(world, world.run_id, school, "viewer")
    new = next(c for c in ("Red", "Amber") if c != before["category"])
    args = ("standards-override", str(sample_dir()), school, str(before["year"]), new, "--reason", REASON,
            "--author", "C Adviser", "--date", "2025-10-01")
    unnamed = cli(world, *args)
    assert unnamed.exit_code == 1, unnamed.output
    assert f"'{STOCKPORT}', '{TRAFFORD}'" in " ".join(unnamed.output.split())
    recorded = cli(world, *args, "--organisation", TRAFFORD)
    assert recorded.exit_code == 0, recorded.output

    after = risk_of(world, world.run_id, school, "viewer")
    assert after["category"] == new and after["computed_category"] == before["computed_category"]
    assert (after["override_author"], after["override_reason"], after["override_date"]) == (
        "C Adviser", REASON, "2025-10-01")
    listed = world.client.get("/standards/overrides", headers=world.as_["viewer"], params={"school_id": school}).json()
    assert [(o["category"], o["author"], o["run_id"]) for o in listed] == [(new, "C Adviser", None)]
    assert world.client.get(f"/standards/overrides/{listed[0]['id']}", headers=world.as_["viewer"]).json() == listed[0]

    # The other council assessed the same school: its list, its trail and its command line see nothing of it.
    theirs = risk_of(world, world.other_run_id, school, "other_admin")  # type: ignore[attr-defined]
    assert theirs["category"] == theirs["computed_category"] == before["computed_category"]
    assert theirs["override_author"] == ""
    assert world.client.get("/standards/overrides", headers=world.as_["other_admin"]).json() == []
    assert_error(world.client.get(f"/standards/overrides/{listed[0]['id']}", headers=world.as_["other_admin"]),
                 404, "not_found")
    out = tmp_path / "stockport"
    theirs_cli = cli(world, "standards", str(sample_dir()), "--organisation", STOCKPORT, "--out", str(out))
    assert theirs_cli.exit_code == 0, theirs_cli.output
    assert (out / "standards_overrides.csv").read_text().strip().count("\n") == 0  # the header alone


def test_a_step_taken_through_the_api_is_the_history_the_command_line_checks(world: World) -> None:
    school = maintained_school(world, skip=0)
    opened = world.client.post("/standards/escalations", headers=world.as_["planner"],
                               json={"run_id": world.run_id, "school_id": school, "date": "2025-09-10"})
    assert opened.status_code == 201, opened.text

    skipped = cli(world, "standards-escalate", str(sample_dir()), school, "warning_notice", "--actor", "C Adviser",
                  "--organisation", TRAFFORD)
    assert skipped.exit_code == 1
    said = " ".join(skipped.output.split())
    assert "Not recorded" in said and "is at 'concern raised'" in said and "'statutory warning notice' is not" in said
    case = world.client.get(f"/standards/escalations/{school}", headers=world.as_["viewer"]).json()
    assert [s["step"] for s in case["steps"]] == ["concern_raised"]  # nothing written

    moved = cli(world, "standards-escalate", str(sample_dir()), school, "communicated", "--actor", "C Adviser",
                "--date", "2025-09-15", "--organisation", TRAFFORD, "--note", "Letter sent")
    assert moved.exit_code == 0, moved.output
    assert "Allowed next: challenge_meeting, support_brokered, resolved" in " ".join(moved.output.split())
    assert "Next review: 2025-10-27" in " ".join(moved.output.split())  # six weeks after the step
    case = world.client.get(f"/standards/escalations/{school}", headers=world.as_["viewer"]).json()
    assert [(s["seq"], s["step"], s["actor"]) for s in case["steps"]] == [
        (1, "concern_raised", "planner@trafford.example"), (2, "communicated", "C Adviser")]
    assert [s["step"] for s in case["allowed_next"]] == ["challenge_meeting", "support_brokered", "resolved"]
    assert case["steps"][1]["next_review"] == "2025-10-27" and case["next_review"] == "2025-10-27"
    # ... and the API checks the next step against the one the command line recorded.
    assert_error(world.client.post(f"/standards/escalations/{school}/steps", headers=world.as_["planner"],
                                   json={"step": "communicated", "date": "2025-09-20"}),
                 409, "illegal_transition", "is at 'communicated to the headteacher and chair of governors'")
    assert world.client.get(f"/standards/escalations/{school}", headers=world.as_["other_admin"]).status_code == 404


def test_two_steps_sent_at_once_for_one_school_land_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    school = maintained_school(world, skip=1)
    opened = world.client.post("/standards/escalations", headers=world.as_["planner"],
                               json={"run_id": world.run_id, "school_id": school, "date": "2025-09-10"})
    assert opened.status_code == 201, opened.text
    # Both requests read the school's history before either writes: the race a check then a write must survive.
    both_read = threading.Barrier(2, timeout=60)
    append = StoreAuditTrail.append

    def append_after_both_read(trail: StoreAuditTrail, record: Any, expected_sequence: int | None = None) -> Any:
        if record.kind == "escalation_step" and record.subject == school:
            both_read.wait()
        return append(trail, record, expected_sequence)

    monkeypatch.setattr(StoreAuditTrail, "append", append_after_both_read)
    answers: list[Any] = [None, None]

    def send(i: int) -> None:
        answers[i] = world.client.post(f"/standards/escalations/{school}/steps", headers=world.as_["planner"],
                                       json={"step": "communicated", "date": "2025-09-12", "note": f"sender {i}"})

    senders = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    monkeypatch.undo()
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert_error(refused, 409, "conflict", "at the same moment", f"GET /standards/escalations/{school}")
    case = world.client.get(f"/standards/escalations/{school}", headers=world.as_["viewer"]).json()
    assert [s["step"] for s in case["steps"]] == ["concern_raised", "communicated"]
    landed = next(a for a in answers if a.status_code == 201).json()
    assert case["steps"][1]["note"] == landed["steps"][1]["note"]
