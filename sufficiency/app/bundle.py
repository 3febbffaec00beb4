"""A finished run's output folder, readable back: ``run.json`` and the ``run/`` folder beside the CSVs.

``sufficiency run``, ``sufficiency demo`` and ``sufficiency report`` write it, so ``sufficiency report
OUT_DIR`` renders the report again in seconds without re-running the pipeline. Every table is a
Parquet file (GeoParquet for boundaries) and everything else is JSON: no byte of it is ever executed.
Objects are rebuilt only as the product's own dataclasses and pydantic models, named in the JSON and
looked up in the product's packages (and the registered stages'); anything else is refused.

Layout::

    OUT/run.json                      manifest: format, version, software, scenarios and their folders
    OUT/run/<n>-<scenario>/result.json   the ScenarioResult as a tree of fields
    OUT/run/<n>-<scenario>/tables/*.parquet

What is not kept: the solver's model and the greedy baseline's plan (``repr=False`` fields of a
dataclass), objects that are neither tables nor the product's dataclasses or models (the fitted
forecasting estimator), and the rows of tables marked personal (a dataclass field with
``metadata={"personal": True}``, such as the risk-of-NEET pupil list): the report needs none of them,
and pupil-level data never goes into the output folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import math
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sufficiency import __version__

if TYPE_CHECKING:
    from sufficiency.core.result import ScenarioResult

MANIFEST = "run.json"
FOLDER = "run"
FORMAT = "sufficiency-run"
#: Raised when the layout changes in a way an older reader cannot follow.
VERSION = 1
#: Packages whose dataclasses and models a bundle may name (the registered stages' packages are added).
PACKAGES = {"sufficiency", "forecasting", "optimiser", "standards", "post16", "reports", "geodata"}


class BundleError(ValueError):
    """A folder that is not a readable run output (missing, another format, or a name it may not use)."""


def is_bundle(folder: Path) -> bool:
    """Whether ``folder`` holds a finished run's output (its ``run.json``)."""
    return (Path(folder) / MANIFEST).is_file()


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.tables = folder / "tables"
        self.tables.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def frame(self, frame: pd.DataFrame) -> dict[str, Any]:
        import geopandas as gpd

        self.count += 1
        name = f"{self.count:03d}.parquet"
        geo = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
        out = frame.copy()
        text: list[str] = []
        out.columns = [str(c) for c in out.columns]
        renamed = list(frame.columns) != list(out.columns)
        for column in out.columns:
            if out[column].dtype == object and not (geo and column == out.geometry.name):
                kinds = {type(v) for v in out[column].dropna()}
                if len(kinds) > 1 or kinds & {dict, set}:
                    # parquet needs one type a column: mixed cells are kept as their text
                    out[column] = out[column].map(lambda v: v if v is None or v is pd.NA else str(v))
                    text.append(column)
        out.to_parquet(self.tables / name)
        node: dict[str, Any] = {"$frame": name, "geo": geo}
        if renamed:
            node["columns"] = [_encode_key(c) for c in frame.columns]
        if text:
            node["as_text"] = text
        return node

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            number = float(value)
            return {"$float": str(number)} if not math.isfinite(number) else number
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, pd.DataFrame):
            return self.frame(value)
        if isinstance(value, pd.Series):
            return {"$series": self.frame(value.to_frame(name="value")), "name": _encode_key(value.name)}
        if isinstance(value, Path):
            return {"$path": str(value)}
        if isinstance(value, dt.datetime):
            return {"$datetime": value.isoformat()}
        if isinstance(value, dt.date):
            return {"$date": value.isoformat()}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v) for v in value]
            return {"$tuple": items} if isinstance(value, tuple) else items
        if isinstance(value, dict) or hasattr(value, "items") and hasattr(value, "keys"):
            return {"$dict": [[_encode_key(k), self.encode(v)] for k, v in value.items()]}
        from pydantic import BaseModel

        if isinstance(value, BaseModel):
            return {"$model": _path_of(type(value)), "data": value.model_dump(mode="json")}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: self.encode(_kept(f, getattr(value, f.name))) for f in dataclasses.fields(value)
                      if f.init and f.repr}
            return {"$dataclass": _path_of(type(value)), "fields": fields}
        return None  # an object the report does not need (a fitted estimator): left out


def _kept(field: dataclasses.Field, value: Any) -> Any:
    """What of a field goes into the output folder: a table marked personal (``metadata={"personal": True}``,
    pupil-level data) keeps its columns but none of its rows, since the output folder is shared and copied."""
    if field.metadata.get("personal") and isinstance(value, pd.DataFrame):
        return value.iloc[0:0]
    return value


def _encode_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return {"$tuple": [_encode_key(k) for k in key]}
    if isinstance(key, (np.integer,)):
        return int(key)
    return key


def _decode_key(key: Any) -> Any:
    if isinstance(key, dict) and "$tuple" in key:
        return tuple(_decode_key(k) for k in key["$tuple"])
    return key


def _path_of(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _allowed_packages() -> set[str]:
    from sufficiency.core.stages import REGISTRY

    found = set(PACKAGES)
    for stage in REGISTRY.all():
        if isinstance(stage.run, str):
            found.add(stage.run.split(":")[0].split(".")[0])
        else:
            found.add(stage.run.__module__.split(".")[0])
    return found


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.tables = folder / "tables"
        self.packages = _allowed_packages()

    def cls(self, path: str) -> type:
        module, _, name = path.partition(":")
        if module.split(".")[0] not in self.packages or not name:
            raise BundleError(f"the run folder names '{path}', which is not one of the product's classes")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        if not isinstance(target, type):
            raise BundleError(f"'{path}' in the run folder is not a class")
        return target

    def frame(self, node: dict[str, Any]) -> pd.DataFrame:
        path = self.tables / Path(node["$frame"]).name
        if node.get("geo"):
            import geopandas as gpd

            frame = gpd.read_parquet(path)
        else:
            frame = pd.read_parquet(path)
        if "columns" in node:
            frame.columns = [_decode_key(c) for c in node["columns"]]
        return frame

    def decode(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "$frame" in node:
            return self.frame(node)
        if "$series" in node:
            series = self.frame(node["$series"])["value"]
            series.name = _decode_key(node["name"])
            return series
        if "$float" in node:
            return float(node["$float"])
        if "$path" in node:
            return Path(node["$path"])
        if "$datetime" in node:
            return dt.datetime.fromisoformat(node["$datetime"])
        if "$date" in node:
            return dt.date.fromisoformat(node["$date"])
        if "$tuple" in node:
            return tuple(self.decode(v) for v in node["$tuple"])
        if "$dict" in node:
            return {_decode_key(k): self.decode(v) for k, v in node["$dict"]}
        if "$model" in node:
            from pydantic import BaseModel

            model = self.cls(node["$model"])
            if not issubclass(model, BaseModel):
                raise BundleError(f"'{node['$model']}' in the run folder is not a settings model")
            return model.model_validate(node["data"])
        if "$dataclass" in node:
            cls = self.cls(node["$dataclass"])
            if not dataclasses.is_dataclass(cls):
                raise BundleError(f"'{node['$dataclass']}' in the run folder is not a dataclass")
            return cls(**{k: self.decode(v) for k, v in node["fields"].items()})
        raise BundleError(f"the run folder holds a value this version cannot read: {sorted(node)}")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "scenario"


def write_bundle(results: ScenarioResult | list[ScenarioResult], out: Path) -> Path:
    """Write ``run.json`` and ``run/`` under ``out`` (replacing an earlier run's); returns the manifest.

    Several results are a scenario comparison: the first is the principal scenario.
    """
    results = list(results) if isinstance(results, (list, tuple)) else [results]
    out = Path(out)
    root = out / FOLDER
    if root.exists():
        shutil.rmtree(root)
    scenarios = []
    for i, result in enumerate(results, start=1):
        folder = root / f"{i}-{_safe(result.name)}"
        writer = _Writer(folder)
        tree = writer.encode(result)
        (folder / "result.json").write_text(json.dumps(tree), encoding="utf-8")
        scenarios.append({"name": result.name, "folder": f"{FOLDER}/{folder.name}"})
    manifest = {"format": FORMAT, "version": VERSION, "software_version": __version__,
                "created_at": results[0].provenance.created_at, "scenarios": scenarios,
                "read_with": "sufficiency report THIS_FOLDER"}
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def read_bundle(folder: Path) -> list[ScenarioResult]:
    """The results a run folder holds, principal first.

    Raises
    ------
    BundleError
        No ``run.json``, another format or a newer version, or a name that is not the product's.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise BundleError(f"{folder} has no {MANIFEST}: it is not the output folder of a finished run")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{path} is not a sufficiency run manifest")
    if manifest.get("version") != VERSION:
        raise BundleError(f"{path} is version {manifest.get('version')} of the run folder; this sufficiency "
                          f"({__version__}) reads version {VERSION}: run the data folder again")
    results = []
    for entry in manifest.get("scenarios", []):
        sub = (folder / FOLDER / Path(str(entry["folder"])).name)
        tree = json.loads((sub / "result.json").read_text(encoding="utf-8"))
        results.append(_Reader(sub).decode(tree))
    if not results:
        raise BundleError(f"{path} names no scenario")
    return results
