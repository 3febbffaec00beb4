"""Uploaded folders: content hash, zip handling, refusal of unsafe uploads, and file settings kept to the dataset."""

from __future__ import annotations

import io
import zipfile

import pytest

from sufficiency.app.store.datasets import UploadError, check_files, content_hash, foreign_files, unpack_zip
from sufficiency.core.scenario import Scenario


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_content_hash_depends_on_names_and_bytes_not_order() -> None:
    a = {"schools.csv": b"school_id\n1\n", "rolls.csv": b"x"}
    assert content_hash(a) == content_hash(dict(reversed(list(a.items()))))
    assert content_hash(a) != content_hash({**a, "rolls.csv": b"y"})
    assert content_hash(a) != content_hash({"schools2.csv": a["schools.csv"], "rolls.csv": b"x"})


def test_zip_folders_are_flattened_and_hidden_files_ignored() -> None:
    data = _zip({"borough/schools.csv": b"s", "borough/rolls.csv": b"r", "__MACOSX/borough/._rolls.csv": b"junk",
                 "borough/.DS_Store": b"junk"})
    assert unpack_zip(data, 10_000) == {"schools.csv": b"s", "rolls.csv": b"r"}


def test_a_zip_that_unpacks_beyond_the_limit_is_refused() -> None:
    data = _zip({"rolls.csv": b"0" * 1_000_000})  # compresses to about 1 kB
    assert len(data) < 10_000
    with pytest.raises(UploadError, match="more than the limit"):
        unpack_zip(data, 100_000)


def test_not_a_zip_is_refused_with_what_to_do() -> None:
    with pytest.raises(UploadError) as caught:
        unpack_zip(b"not a zip", 1000)
    assert caught.value.problems[0].fix.startswith("Upload a .zip")


@pytest.mark.parametrize("name", ["../schools.csv", "a/b.csv", "run.exe", "..", "evil\\x.csv"])
def test_unsafe_or_foreign_file_names_are_problems(name: str) -> None:
    problems = check_files({name: b"", "schools.csv": b""})
    assert [p.file for p in problems] == [name]


def test_an_empty_upload_is_a_problem() -> None:
    assert "no files" in check_files({})[0].message


def test_a_zip_with_one_name_in_two_folders_is_refused() -> None:
    data = _zip({"october/rolls.csv": b"r1", "january/rolls.csv": b"r2", "october/schools.csv": b"s"})
    with pytest.raises(UploadError) as raised:
        unpack_zip(data, 10_000)
    [problem] = raised.value.problems
    assert problem.file == "rolls.csv"
    assert "october/rolls.csv" in problem.message and "january/rolls.csv" in problem.message


@pytest.mark.parametrize("given", ["/etc/passwd", "../secret.yaml", "rules/risk.yaml", "..", "a\\b.yaml"])
def test_file_settings_outside_the_dataset_are_problems(given: str) -> None:
    scenario = Scenario.model_validate({"standards": {"targets_file": given}})
    [problem] = foreign_files(scenario)
    assert (problem.file, problem.column) == ("scenario", "standards.targets_file")
    assert "not a file name of the dataset" in problem.message


def test_file_settings_must_name_a_file_the_dataset_has() -> None:
    scenario = Scenario.model_validate({"standards": {"targets_file": "targets.yaml", "rules_file": "rules.yaml"}})
    [problem] = foreign_files(scenario, {"schools.csv", "rolls.csv", "targets.yaml"}, "scenario.yaml")
    assert (problem.file, problem.column) == ("scenario.yaml", "standards.rules_file")
    assert "no file 'rules.yaml'" in problem.message and "targets.yaml" in problem.fix
    assert foreign_files(Scenario.model_validate({})) == []
