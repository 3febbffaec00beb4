"""Finding and reading the files of a data folder, kept apart from validation.

Cells are read as text so that validation can say exactly which cell is wrong and why; a
reader that guessed types would turn ``"12.5"`` pupils or ``"n/a"`` into something silently.
"""

from __future__ import annotations

import codecs
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
    #: For CSV files: the encoding the text was read in ("UTF-8", "UTF-16", "Windows-1252").
    encoding: str | None = None

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


#: Byte-order marks and the codec each announces. Sniffed with the standard library's codecs: a
#: statistical detector (chardet, charset-normalizer) is not a dependency, and a CSV from Excel is
#: UTF-8 (with or without a mark), UTF-16 with a mark ("Unicode text") or Windows-1252 ("CSV").
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of the encoding it was read in.

    A byte-order mark decides; without one, UTF-16 is recognised by its zero bytes (every other byte
    of English text), then UTF-8 is tried and, failing that, Windows-1252 (Excel's "CSV" on Windows).

    Raises
    ------
    UnicodeDecodeError
        When the bytes are none of these.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return data.decode(codec), name
    head = data[:4096]
    if len(head) >= 2 and head.count(0) * 4 >= len(head):
        odd_zeros = head[1::2].count(0) >= head[0::2].count(0)
        return data.decode("utf-16-le" if odd_zeros else "utf-16-be"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "Windows-1252"


def encoding_problems(raw: RawTable) -> list[Problem]:
    """A warning naming the encoding a CSV was read in when it was not UTF-8, so accented names can be checked."""
    if raw.encoding in (None, "UTF-8"):
        return []
    return [Problem(raw.file, None, None, f"the file is not UTF-8: it was read as {raw.encoding}",
                    "Nothing to do if names with accents or symbols (é, £, ’) read right; to be sure, save it "
                    "from Excel as 'CSV UTF-8'", "warning")]


def read_table(path: Path, data: bytes | None = None) -> tuple[RawTable | None, list[Problem]]:
    """Read one table file (from ``data``, its bytes already read, when given for a CSV or
    XLSX file). On failure return ``None`` and the reason as a problem."""
    suffix = path.suffix.lower()
    source = io.BytesIO(data) if data is not None else path
    try:
        if suffix == ".csv":
            text, encoding = decode_text(data if data is not None else path.read_bytes())
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            raw = RawTable(path.name, _as_text(frame), None, 2, encoding=encoding)
            return raw, encoding_problems(raw)
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
                "Save it as CSV UTF-8 (or UTF-16, or Windows-1252) with one header row, or as an .xlsx workbook",
            )
        ]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return RawTable(path.name, _as_text(attrs), gdf.geometry, 1,
                    gdf.attrs.get("source_crs"), gdf.attrs.get("source_bounds")), []
