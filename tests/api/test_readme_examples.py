"""The curl and httpx examples of api/README.md, run against a live server on a loopback port."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api import create_app
from api.bootstrap import bootstrap
from sufficiency.app.settings import Settings
from sufficiency.app.store import make_engine, session_factory, upgrade
from sufficiency.app.store.testing import sqlite_url
from sufficiency.sample import sample_dir
from tests.api.conftest import free_port

README = Path(__file__).resolve().parents[2] / "api" / "README.md"


def _block(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, f"expected one {language} example in {README}"
    return blocks[0]



@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``sufficiency serve`` in miniature: a migrated database, the first admin, the sample, uvicorn."""
    settings = Settings(mode="test", database_url=sqlite_url(tmp_path_factory.mktemp("live")))
    engine = make_engine(settings.url)
    upgrade(engine)
    credentials = bootstrap(session_factory(engine))
    engine.dispose()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield {"SUFFICIENCY_URL": f"http://127.0.0.1:{port}", "EMAIL": credentials.email, "PASSWORD": credentials.password}
    server.should_exit = True
    thread.join(timeout=10)


def test_the_httpx_example_prints_the_primary_forecast(live: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in live.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_block("python"), str(README), "exec"), {"__name__": "readme_example"})
    lines = out.getvalue().splitlines()
    assert [line.split(" NCY ")[0] for line in lines] == ["P01 2026"] * 7  # Reception to Year 6
    assert [int(line.split(" NCY ")[1].split(":")[0]) for line in lines] == list(range(7))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("jq") is None, reason="curl or jq is not installed")
def test_the_curl_example_uploads_runs_and_downloads(live: dict[str, str], tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "trafford.zip", "w") as archive:
        for path in sorted(sample_dir().iterdir()):
            if path.is_file() and path.suffix != ".md":
                archive.write(path, f"trafford/{path.name}")
    script = "set -euo pipefail\n" + _block("bash")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**os.environ, **live}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '{"valid":true,"problems":0}' in done.stdout
    assert re.search(r"^run [0-9a-f]{32} succeeded$", done.stdout, flags=re.M), done.stdout
    assert '"planning_area_id": "P01"' in done.stdout
    header, *rows = (tmp_path / "forecast.csv").read_text().splitlines()
    assert header.startswith("planning_area_id,school_id,year,ncy,pupils")
    assert len(rows) == 11 * 7 and all(",2026," in row for row in rows)  # 11 planning areas, Reception to Year 6
    primary = [float(row.split(",")[4]) for row in rows if row.startswith("P")]
    assert len(primary) == 7 * 7 and min(primary) > 0
    plan = (tmp_path / "plan.csv").read_text().splitlines()
    assert plan[0].startswith("option_id,kind,school_id,planning_area_id,year")
    areas = json.loads((tmp_path / "planning-areas.geojson").read_text())
    assert areas["type"] == "FeatureCollection" and len(areas["features"]) > 0
    reports = list(tmp_path.glob("report_*.xlsx"))
    assert len(reports) == 1 and zipfile.is_zipfile(reports[0])  # an Excel workbook is a zip
