"""Finding and reading the files of a data folder, kept apart from validation.

Cells are read as text so that validation can say exactly which cell is wrong and why; a
reader that guessed types would turn ``"12.5"`` pupils or ``"n/a"`` into something silently.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata import GeoReadError, read_geo
from sufficiency.core.errors import Problem

#: Suffixes a table may be given in, in order of preference.
TABULAR = (".csv", ".xlsx")
GEOGRAPHIC = (".geojson", ".gpkg")
SUFFIXES = TABULAR + GEOGRAPHIC


@dataclass
class RawTable:
    """A table as read: text cells, the geometry if the file had one, and where it came from."""

    file: str
    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    #: Row number shown to the user for the first record: 2 under a header row, 1 for features.
    first_row: int
    #: For geographic files: the CRS the file declared and its bounds in that CRS.
    source_crs: str | None = None
    source_bounds: tuple[float, float, float, float] | None = None

    def row_number(self, index: int) -> int:
        return int(index) + self.first_row


def find_table_files(folder: Path, names: list[str]) -> tuple[dict[str, Path], list[Problem]]:
    """Find the file for each canonical table in ``folder`` (``<name>.csv``, ``.xlsx``, ...)."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for name in names:
        matches = [folder / f"{name}{s}" for s in SUFFIXES if (folder / f"{name}{s}").is_file()]
        if len(matches) > 1:
            problems.append(
                Problem(
                    matches[0].name, None, None,
                    "the table is given twice: " + " and ".join(m.name for m in matches),
                    "Keep one file per table and remove or rename the other",
                )
            )
        elif matches:
            found[name] = matches[0]
    return found, problems


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, for provenance."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, with blank cells as missing."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    out = {}
    for col in frame.columns:
        s = frame[col]
        text = s.astype("string").str.strip()
        out[col] = text.mask(s.isna() | (text == ""))
    return pd.DataFrame(out, index=frame.index)


def read_table(path: Path, data: bytes | None = None) -> tuple[RawTable | None, list[Problem]]:
    """Read one table file (from ``data``, its bytes already read, when given for a CSV or
    XLSX file). On failure return ``None`` and the reason as a problem."""
    suffix = path.suffix.lower()
    source = io.BytesIO(data) if data is not None else path
    try:
        if suffix == ".csv":
            frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            return RawTable(path.name, _as_text(frame), None, 2), []
        if suffix == ".xlsx":
            frame = pd.read_excel(source, dtype=str, engine="openpyxl")
            return RawTable(path.name, _as_text(frame), None, 2), []
        gdf = read_geo(path)
    except GeoReadError as exc:
        return None, [Problem(path.name, None, None, str(exc), "Re-export the file and try again")]
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        return None, [
            Problem(
                path.name, None, None, f"the file could not be read ({type(exc).__name__}: {exc})",
                "Save it as UTF-8 CSV with one header row, or as an .xlsx workbook",
            )
        ]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return RawTable(path.name, _as_text(attrs), gdf.geometry, 1,
                    gdf.attrs.get("source_crs"), gdf.attrs.get("source_bounds")), []
