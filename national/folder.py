"""A national data folder: many authorities in one folder, in either of two forms.

* **Canonical tables with an ``la_code`` column**: ``schools.csv``, ``rolls.csv`` and any other canonical
  table (CSV), every row carrying the authority's ``la_code``; an optional ``authorities.csv``
  (``la_code, la_name``) names them; an optional ``scenario.yaml`` applies to every authority.
* **One sub-folder per authority**: each an ordinary data folder (``schools``, ``rolls``, ...); the
  sub-folder's name is the authority's code unless its own ``scenario.yaml`` gives ``la_code``.

:func:`authorities` lists the authorities of either form; :func:`authority_folder` gives one authority as an
ordinary data folder (for the canonical form, its rows are written to a folder of its own), so that each
authority is loaded, checked and run exactly as a council's own folder is (:func:`load_authority`).
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sufficiency.core.inputs import Inputs

LA_COLUMN = "la_code"
AUTHORITIES_FILE = "authorities.csv"
SCENARIO_FILE = "scenario.yaml"


class NationalFolderError(ValueError):
    """A folder that is not a national data folder, said with what it should hold."""


@dataclass(frozen=True)
class Authority:
    """One authority of a national folder: its code, its name and, for the sub-folder form, its folder."""

    la_code: str
    la_name: str = ""
    folder: Path | None = None


def folder_form(data: Path) -> str:
    """``"tables"`` (canonical tables with ``la_code``) or ``"folders"`` (one sub-folder per authority)."""
    data = Path(data)
    if not data.is_dir():
        raise NationalFolderError(f"{data} is not a folder; give a national data folder (see 'sufficiency national "
                                  "--help')")
    if (data / "schools.csv").is_file():
        return "tables"
    if any(_is_data_folder(p) for p in data.iterdir()):
        return "folders"
    raise NationalFolderError(f"{data} holds neither schools.csv with an la_code column nor sub-folders with "
                              "schools and rolls (one per authority)")


def _is_data_folder(path: Path) -> bool:
    return path.is_dir() and any(path.glob("schools.*")) and any(path.glob("rolls.*"))


def authorities(data: Path) -> list[Authority]:
    """Every authority in a national data folder, by code."""
    import pandas as pd

    data = Path(data)
    if folder_form(data) == "folders":
        found = []
        for sub in sorted(p for p in data.iterdir() if _is_data_folder(p)):
            code = _scenario_la_code(sub / SCENARIO_FILE) or sub.name
            found.append(Authority(code, sub.name, sub))
        return found
    schools = pd.read_csv(data / "schools.csv", dtype=str, keep_default_na=False)
    if LA_COLUMN not in schools:
        raise NationalFolderError(f"{data / 'schools.csv'} has no {LA_COLUMN} column: in a national folder every "
                                  f"table gives each row's authority in {LA_COLUMN}")
    codes = sorted(set(schools[LA_COLUMN]) - {""})
    names: dict[str, str] = {}
    if (data / AUTHORITIES_FILE).is_file():
        listed = pd.read_csv(data / AUTHORITIES_FILE, dtype=str, keep_default_na=False)
        names = dict(zip(listed[LA_COLUMN], listed.get("la_name", listed[LA_COLUMN]), strict=True))
    return [Authority(code, names.get(code, "")) for code in codes]


def _scenario_la_code(path: Path) -> str | None:
    if not path.is_file():
        return None
    import yaml

    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    code = loaded.get("la_code") if isinstance(loaded, dict) else None
    return str(code) if code is not None else None


def authority_folder(data: Path, authority: Authority, work: Path) -> Path:
    """The authority's data as an ordinary data folder: its own sub-folder, or (canonical form) its rows of
    every national table written under ``work/<la_code>`` without the ``la_code`` column."""

    if authority.folder is not None:
        return authority.folder
    data = Path(data)
    target = Path(work) / authority.la_code
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    tmp.mkdir(parents=True)
    for path in sorted(data.glob("*.csv")):
        if path.name == AUTHORITIES_FILE:
            continue
        table = _national_table(str(path), path.stat().st_mtime_ns)
        if LA_COLUMN not in table:
            raise NationalFolderError(f"{path} has no {LA_COLUMN} column: in a national folder every table gives "
                                      f"each row's authority in {LA_COLUMN}")
        rows = table[table[LA_COLUMN] == authority.la_code].drop(columns=LA_COLUMN)
        if len(rows) or path.stem in ("schools", "rolls"):
            rows.to_csv(tmp / path.name, index=False)
    if (data / SCENARIO_FILE).is_file():
        shutil.copyfile(data / SCENARIO_FILE, tmp / SCENARIO_FILE)
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


@functools.lru_cache(maxsize=32)
def _national_table(path: str, _mtime_ns: int) -> pd.DataFrame:
    """A national table as text, read once per worker process (and again when the file changes)."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_authority(data: Path, authority: Authority, work: Path,
                   overrides: dict[str, Any] | None = None) -> Inputs:
    """Load one authority as the core loads any data folder (all or nothing, every problem listed), under
    the national scenario's settings with the authority's own ``la_code``."""
    from sufficiency.core.inputs import load_inputs

    folder = authority_folder(data, authority, work)
    return load_inputs(folder, {**(overrides or {}), "la_code": authority.la_code})
