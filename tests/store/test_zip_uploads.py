"""Malformed and oversized zips are refused with what to do, never a crash."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from sufficiency.app.store.datasets import MAX_FILES, UploadError, check_files, unpack_zip

ROLLS = b"school_id,year,ncy,pupils\n" + b"106283,2024,0,60\n" * 200


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch(data: bytes, signature: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field at ``offset`` after every header starting with ``signature``."""
    out = bytearray(data)
    start = out.find(signature)
    while start >= 0:
        struct.pack_into(fmt, out, start + offset, value)
        start = out.find(signature, start + 4)
    return bytes(out)


LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def bad_crc() -> bytes:
    data = bytearray(_zip({"rolls.csv": ROLLS}, zipfile.ZIP_STORED))
    at = data.find(b"106283,2024")
    data[at] = ord("9")
    return bytes(data)


def encrypted() -> bytes:
    data = _zip({"rolls.csv": ROLLS})
    return _patch(_patch(data, LOCAL, 6, "<H", 0x1), CENTRAL, 8, "<H", 0x1)


def deflate64() -> bytes:
    data = _zip({"rolls.csv": ROLLS})
    return _patch(_patch(data, LOCAL, 8, "<H", 9), CENTRAL, 10, "<H", 9)


def lying_size() -> bytes:
    """Headers that say the member unpacks to 10 bytes."""
    data = _zip({"rolls.csv": ROLLS})
    return _patch(_patch(data, LOCAL, 22, "<I", 10), CENTRAL, 24, "<I", 10)


def truncated() -> bytes:
    data = _zip({"rolls.csv": ROLLS})
    return data[: len(data) // 2]


def lying_offset() -> bytes:
    """A central directory pointing its member at the wrong place."""
    data = _zip({"schools.csv": b"s" * 100, "rolls.csv": ROLLS})
    return _patch(data, CENTRAL, 42, "<I", 7)


MALFORMED = [(bad_crc, "damaged"), (encrypted, "encrypted"), (deflate64, "method"), (lying_size, "damaged"),
             (truncated, "not a valid zip"), (lying_offset, "damaged")]


@pytest.mark.parametrize("make, words", MALFORMED)
def test_a_malformed_zip_is_an_upload_problem_with_what_to_do(make, words: str) -> None:
    with pytest.raises(UploadError) as caught:
        unpack_zip(make(), 10_000_000)
    problem = caught.value.problems[0]
    assert words in problem.message and problem.fix and len(str(problem)) < 600


def test_a_header_cannot_hide_what_a_member_unpacks_to() -> None:
    """A member claiming 10 bytes is read no further than the limit, whatever it holds."""
    data = _zip({"rolls.csv": b"0" * 5_000_000})
    data = _patch(_patch(data, LOCAL, 22, "<I", 10), CENTRAL, 24, "<I", 10)
    with pytest.raises(UploadError):
        unpack_zip(data, 100_000)


def test_a_zip_of_thousands_of_files_is_refused_before_reading_them() -> None:
    data = _zip({f"f{i}.csv": b"" for i in range(50_000)}, zipfile.ZIP_STORED)
    with pytest.raises(UploadError) as caught:
        unpack_zip(data, 100_000_000)
    assert "50,000" in caught.value.problems[0].message and str(MAX_FILES) in caught.value.problems[0].message


def test_more_files_than_a_data_folder_holds_are_refused() -> None:
    with pytest.raises(UploadError, match=f"at most {MAX_FILES}"):
        unpack_zip(_zip({f"t{i}.csv": b"x" for i in range(MAX_FILES + 1)}), 1_000_000)
    assert f"at most {MAX_FILES}" in check_files({f"t{i}.csv": b"x" for i in range(MAX_FILES + 1)})[0].message


def test_only_canonical_tables_settings_and_the_files_a_scenario_names_are_accepted() -> None:
    scenario = b"standards:\n  targets_file: my_targets.csv\n"
    files = {"schools.csv": b"", "rolls.xlsx": b"", "planning_areas.geojson": b"", "scenario.yaml": scenario,
             "targets.yaml": b"", "my_targets.csv": b"", "notes.csv": b"", "export.json": b""}
    assert sorted(p.file for p in check_files(files)) == ["export.json", "notes.csv"]
