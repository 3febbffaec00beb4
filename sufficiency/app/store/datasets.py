"""Datasets: an uploaded input folder kept in the store, content-hashed and validated on arrival.

The files themselves live in the database (``dataset_files``), so a dataset moves with the
database and nothing depends on one machine's disk. To load or run one, its files are written to
a temporary folder and read by :func:`sufficiency.load_inputs` like any user folder.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sufficiency.app.store.models import Dataset, DatasetFile
from sufficiency.core.errors import Problem
from sufficiency.core.inputs import validate_folder
from sufficiency.core.safeyaml import excerpt
from sufficiency.core.scenario import load_scenario, setting_fields

#: File types a data folder may hold (see the README's input format).
ALLOWED_SUFFIXES = (".csv", ".xlsx", ".geojson", ".json", ".gpkg", ".yaml", ".yml")


class UploadError(ValueError):
    """An upload cannot be stored; ``problems`` says which file and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over sorted file names and the SHA-256 of each file's bytes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(files[name]).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def unpack_zip(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The data files of a zip archive by base name (folders inside the archive are flattened).

    Refuses archives whose unpacked size exceeds ``max_bytes`` (a zip bomb) or that hold two files
    of one name in different folders, and ignores hidden files and macOS resource forks; names never
    reach the file system unchecked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError([Problem("upload", None, None, "the file is not a valid zip archive",
                                   "Upload a .zip of the data folder, or the files themselves")]) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise UploadError([Problem("upload", None, None, f"the archive unpacks to {total:,} bytes, more than "
                                   f"the limit of {max_bytes:,}", "Upload a smaller folder")])
    files: dict[str, bytes] = {}
    paths: dict[str, list[str]] = {}
    for member in members:
        name = PurePosixPath(member.filename).name
        if not name or name.startswith(".") or "__MACOSX" in member.filename:
            continue
        paths.setdefault(name, []).append(member.filename)
        files[name] = archive.read(member)
    twice = {name: where for name, where in paths.items() if len(where) > 1}
    if twice:
        raise UploadError([Problem(name, None, None, f"the archive holds {len(where)} files of this name ("
                                   + ", ".join(where) + "), so which one to use is unclear",
                                   "Zip one data folder, with each file once")
                           for name, where in sorted(twice.items())])
    return files


def check_files(files: Mapping[str, bytes]) -> list[Problem]:
    """Problems with the uploaded file names themselves (type, duplicates are impossible by dict)."""
    problems = []
    for name in files:
        safe = PurePosixPath(name).name == name and name not in ("", ".", "..") and "\\" not in name
        if any(ord(c) < 32 for c in name):
            problems.append(Problem(excerpt(name.replace("\x00", "\\u0000"), 60), None, None,
                                    "the file name holds a control character (such as NUL)",
                                    "Rename the file to its table's name, such as schools.csv"))
        elif not safe:
            problems.append(Problem(name, None, None, "a file name may not contain a folder",
                                    "Upload the files themselves or a zip of the folder"))
        elif not name.lower().endswith(ALLOWED_SUFFIXES):
            problems.append(Problem(name, None, None, "this type of file is not part of a data folder",
                                    "Upload only " + ", ".join(ALLOWED_SUFFIXES) + " files"))
    if not files:
        problems.append(Problem("upload", None, None, "no files were uploaded",
                                "Upload schools.csv and rolls.csv at least, or a zip of the folder"))
    return problems


@contextmanager
def materialised(files: Mapping[str, bytes]) -> Iterator[Path]:
    """A temporary folder holding the files, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sufficiency-dataset-") as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        yield folder


def create_dataset(session: Session, organisation_id: str, name: str, files: Mapping[str, bytes],
                   created_by: str | None = None) -> Dataset:
    """Validate the files and add a dataset (valid or not, with its report) to the session."""
    problems = check_files(files)
    if problems:
        raise UploadError(problems)
    with materialised(files) as folder:
        found = validate_folder(folder)
        if "scenario.yaml" in files and not any(p.severity == "error" for p in found):
            scenario, _ = load_scenario(folder / "scenario.yaml")
            if scenario is not None:
                found += foreign_files(scenario, set(files), "scenario.yaml")
    dataset = Dataset(organisation_id=organisation_id, name=name, content_hash=content_hash(files),
                      valid=not any(p.severity == "error" for p in found),
                      problems=[p.as_dict() for p in found], created_by=created_by)
    dataset.files = [DatasetFile(name=n, sha256=hashlib.sha256(d).hexdigest(), size=len(d), content=d)
                     for n, d in sorted(files.items())]
    session.add(dataset)
    return dataset


def file_settings(settings: BaseModel, prefix: str = "") -> Iterator[tuple[str, Path]]:
    """Every setting that names a file (such as ``standards.targets_file``), with its dotted name
    (a scenario's stage sections included)."""
    for name, value, _ in setting_fields(settings):
        if isinstance(value, Path):
            yield prefix + name, value
        elif isinstance(value, BaseModel):
            yield from file_settings(value, f"{prefix}{name}.")


def foreign_files(settings: BaseModel, names: Collection[str] | None = None,
                  source: str = "scenario") -> list[Problem]:
    """Problems for file settings that do not name one of a dataset's own files.

    A stored dataset is all the service may read for a run: a setting naming a folder, an absolute
    path or ``..`` would read the server's files instead. With ``names`` (the dataset's files) a
    plain name must also be one of them.
    """
    problems = []
    for setting, path in file_settings(settings):
        text = str(path)
        if path.is_absolute() or len(path.parts) != 1 or text in (".", "..") or "\\" in text:
            problems.append(Problem(source, None, setting, f"'{text}' is not a file name of the dataset; the "
                                    "service reads only the files uploaded with it",
                                    "Give the name of a file uploaded with the dataset, such as "
                                    f"{path.name or 'targets.yaml'}"))
        elif names is not None and text not in names:
            problems.append(Problem(source, None, setting, f"the dataset has no file '{text}'",
                                    "Upload the dataset again with that file, or name one it has: "
                                    + ", ".join(sorted(names))))
    return problems


def dataset_files(session: Session, dataset_id: str) -> dict[str, bytes]:
    """Every file of a dataset by name, contents loaded."""
    rows = session.execute(select(DatasetFile.name, DatasetFile.content)
                           .where(DatasetFile.dataset_id == dataset_id)).all()
    return {name: bytes(content) for name, content in rows}


def load_dataset(session: Session, dataset_id: str, overrides: dict[str, Any] | None = None) -> Any:
    """Load a stored dataset into an :class:`~sufficiency.core.inputs.Inputs` bundle."""
    from sufficiency.core.inputs import load_inputs

    with materialised(dataset_files(session, dataset_id)) as folder:
        return load_inputs(folder, overrides)
