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
import zlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from lzma import LZMAError
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sufficiency.app.store.models import Dataset, DatasetFile
from sufficiency.core.errors import Problem
from sufficiency.core.inputs import validate_folder
from sufficiency.core.readers import SUFFIXES
from sufficiency.core.safeyaml import excerpt, load_yaml
from sufficiency.core.scenario import load_scenario, setting_fields
from sufficiency.core.schemas import TABLES

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


#: Most files a data folder holds: one per canonical table, scenario.yaml and a few settings files.
MAX_FILES = 30
#: Zip members ignored when unpacking (a folder's hidden files, macOS resource forks) count towards this.
MAX_MEMBERS = 300
#: Compression methods Python's zipfile reads (stored, Deflate, bzip2, LZMA); Deflate64 and others are not.
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_REZIP = ("Zip the folder again with your system's ordinary zip (Windows: Send to > Compressed (zipped) folder; "
          "macOS: Compress; or zip -r), without a password")


def _zip_problem(message: str, fix: str = _REZIP, file: str = "upload") -> UploadError:
    return UploadError([Problem(excerpt(file, 120), None, None, message, fix)])


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> bytes:
    """A member's bytes, read in blocks and refused once past ``budget`` bytes whatever its header says."""
    name = excerpt(member.filename, 120)
    if member.flag_bits & 0x1:
        raise _zip_problem("this file in the archive is encrypted (the zip has a password)", file=name)
    if member.compress_type not in _READABLE:
        raise _zip_problem(f"this file is compressed with a method the service cannot read (method "
                           f"{member.compress_type}, such as Deflate64 from Windows for large folders)", file=name)
    out = io.BytesIO()
    try:
        with archive.open(member) as handle:
            while block := handle.read(1 << 20):
                out.write(block)
                if out.tell() > budget:
                    raise _zip_problem("the archive unpacks to more than the upload limit",
                                       "Upload a smaller folder", file=name)
    except UploadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
            LZMAError) as exc:
        raise _zip_problem(f"this file in the archive is damaged ({excerpt(exc, 120)})", file=name) from None
    return out.getvalue()


def unpack_zip(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The data files of a zip archive by base name (folders inside the archive are flattened).

    Refuses, with what to do, archives that are damaged (a bad CRC, a header that lies about a size),
    encrypted, compressed with a method zipfile cannot read (Deflate64), hold more than
    :data:`MAX_FILES` files, unpack beyond ``max_bytes`` (counted as the bytes come out, not as the
    headers claim) or hold two files of one name in different folders. Hidden files and macOS
    resource forks are ignored; names never reach the file system unchecked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
            LZMAError):
        raise UploadError([Problem("upload", None, None, "the file is not a valid zip archive",
                                   "Upload a .zip of the data folder, or the files themselves")]) from None
    if len(infos) > MAX_MEMBERS:
        raise _zip_problem(f"the archive holds {len(infos):,} entries; a data folder has at most {MAX_FILES} files",
                           "Zip only the data folder: one file per table, and scenario.yaml")
    members = [m for m in infos if not m.is_dir()]
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise UploadError([Problem("upload", None, None, f"the archive unpacks to {total:,} bytes, more than "
                                   f"the limit of {max_bytes:,}", "Upload a smaller folder")])
    wanted = [m for m in members if (name := PurePosixPath(m.filename).name) and not name.startswith(".")
              and "__MACOSX" not in m.filename]
    if len(wanted) > MAX_FILES:
        raise _zip_problem(f"the archive holds {len(wanted):,} files; a data folder has at most {MAX_FILES}",
                           "Zip only the data folder: one file per table, and scenario.yaml")
    files: dict[str, bytes] = {}
    paths: dict[str, list[str]] = {}
    budget = max_bytes
    for member in wanted:
        name = PurePosixPath(member.filename).name
        paths.setdefault(name, []).append(member.filename)
        files[name] = _read_member(archive, member, budget)
        budget -= len(files[name])
    twice = {name: where for name, where in paths.items() if len(where) > 1}
    if twice:
        raise UploadError([Problem(name, None, None, f"the archive holds {len(where)} files of this name ("
                                   + ", ".join(where) + "), so which one to use is unclear",
                                   "Zip one data folder, with each file once")
                           for name, where in sorted(twice.items())])
    return files


def _named_by_scenario(files: Mapping[str, bytes]) -> set[str]:
    """Every text value of the folder's scenario.yaml: the files its settings name (a targets file, ...)."""
    raw = files.get("scenario.yaml", files.get("scenario.yml"))
    if raw is None:
        return set()
    try:
        data = load_yaml(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return set()  # the validation report says what is wrong with it
    names, stack = set(), [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


def canonical_names() -> list[str]:
    """The file names of the canonical tables (``schools.csv``, ``planning_areas.geojson``, ...)."""
    return [f"{table}{suffix}" for table in TABLES for suffix in SUFFIXES]


def check_files(files: Mapping[str, bytes]) -> list[Problem]:
    """Problems with the uploaded file names themselves: too many files, names with a folder or a control
    character, and files that are neither a canonical table, a YAML settings file nor a file the folder's
    scenario.yaml names."""
    problems = []
    if len(files) > MAX_FILES:
        return [Problem("upload", None, None, f"{len(files):,} files were uploaded; a data folder has at most "
                        f"{MAX_FILES}", "Upload one file per table, and scenario.yaml")]
    tables = set(canonical_names())
    named = _named_by_scenario(files)
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
        elif name.lower() not in tables and not name.lower().endswith((".yaml", ".yml")) and name not in named:
            problems.append(Problem(name, None, None, "this is not a table of a data folder, nor a file its "
                                    "scenario.yaml names",
                                    "Name each table's file after it (" + ", ".join(f"{t}.csv" for t in TABLES)
                                    + "), or name the file in scenario.yaml; leave other files out"))
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
