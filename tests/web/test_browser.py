"""The officer's flow in a real browser: Playwright driving headless Chromium against a live server.

Sign in, upload the sample as a zip, see a validation error on a broken copy, create a high-births scenario,
start a full run and a plan run and watch them finish, open the map and move the year slider, open a planning
area, compare the two runs and download the PDF; axe-core checks every page against WCAG 2.2 AA.

Playwright drives the system's Chromium (``/usr/bin/chromium``, Debian's ``chromium`` package, or the one named
by ``SUFFICIENCY_CHROMIUM``): its own browser download is not used. Without a browser the tests are skipped
with the reason.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.bootstrap import create_admin
from sufficiency.app.settings import Settings
from sufficiency.app.store import make_engine, session_factory, upgrade
from sufficiency.app.store.testing import sqlite_url
from sufficiency.sample import sample_dir
from tests.api.conftest import few_draws, free_port
from web.app import create_app

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SUFFICIENCY_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the 'playwright' package "
                               "(pip install -e '.[test]')")
CHROMIUM = chromium_path()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (install Debian's 'chromium' package, as .ci/run "
                       "does, or set SUFFICIENCY_CHROMIUM to a Chromium or Chrome executable)"),
]



@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service and web app on a loopback port, with one council's admin."""
    settings = Settings(mode="test", database_url=sqlite_url(tmp_path_factory.mktemp("browser")))
    engine = make_engine(settings.url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        create_admin(session, "Trafford Council", "admin@trafford.example", PASSWORD)
    engine.dispose()
    port = free_port()
    app = create_app(settings, pipeline=few_draws)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Checked:
    """A page whose console errors (including Content-Security-Policy refusals) fail the test, and which
    runs axe-core on every page it is asked to check."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.violations: dict[str, list[str]] = {}
        page.on("console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))

    def axe(self, label: str) -> None:
        """axe-core's WCAG 2.2 AA rules on the page as it is now (evaluated through the DevTools protocol, so the
        page's CSP stays in force)."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
        found = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                 for v in result["violations"]]
        if found:
            self.violations[label] = found


def sample_areas() -> dict[str, int]:
    """The sample's planning areas by phase, counted from its own file."""
    import pandas as pd

    areas = pd.read_csv(sample_dir() / "planning_areas.csv")
    return areas["phase"].value_counts().to_dict()


def sample_zip(broken: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(sample_dir().iterdir()):
            if not path.is_file() or path.suffix == ".md":
                continue
            content = path.read_bytes()
            if broken and path.name == "rolls.csv":
                content = content.replace(b"\n", b"\nnot-a-school,2024,0,-3\n", 1)
            archive.writestr(path.name, content)
    return out.getvalue()


def test_an_officer_from_sign_in_to_the_pdf(live: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    checked = Checked(page)

    # Sign in: / opens the sign-in page.
    page.goto(live + "/")
    assert page.url.startswith(live + "/app/sign-in")
    checked.axe("sign in")
    page.get_by_label("E-mail").fill("admin@trafford.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live + "/app/")
    checked.axe("home")

    # Upload the sample as a zip (downloaded from the sample page), then a broken copy.
    page.goto(live + "/app/sample")
    checked.axe("sample")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a zip").click()
    good = tmp_path / "sample.zip"
    download.value.save_as(good)
    page.goto(live + "/app/datasets")
    checked.axe("datasets")
    page.get_by_label("Name", exact=True).fill("Sample borough")
    page.get_by_label("Files").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("text=This folder passed validation")
    checked.axe("dataset")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(sample_zip(broken=True))
    page.goto(live + "/app/datasets")
    page.get_by_label("Name", exact=True).fill("Broken copy")
    page.get_by_label("Files").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("text=did not pass validation")
    problems = page.locator("table.data tbody tr.error")
    assert problems.count() >= 1
    assert "rolls.csv" in problems.first.inner_text()
    checked.axe("dataset with problems")

    # A high-births scenario from the generated form.
    page.goto(live + "/app/scenarios/new")
    page.get_by_label("Name", exact=True).fill("High births")
    page.locator("summary", has_text="Forecast").click()
    page.get_by_label("Variant", exact=True).select_option("high")
    checked.axe("scenario form")
    page.get_by_role("button", name="Save the scenario").click()
    page.wait_for_selector("text=variant: high")
    checked.axe("scenario")

    # A full run on it, and a plan run on the dataset's own scenario, watched until they finish.
    page.goto(live + "/app/runs")
    page.get_by_label("Dataset").select_option(label=page.locator("#dataset option", has_text="Sample borough")
                                                .first.inner_text())
    page.get_by_label("Scenario").select_option(label="High births")
    page.get_by_label("Full run: also the forecast scored on past years, admissions, standards and post-16").check()
    checked.axe("runs")
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_selector("#progress")
    full_run = page.url.rsplit("/", 1)[1]
    page.goto(live + "/app/runs")
    page.get_by_label("Dataset").select_option(label=page.locator("#dataset option", has_text="Sample borough")
                                                .first.inner_text())
    page.get_by_label("Forecast and capital programme (plan)").check()
    page.get_by_label("Report (PDF)").uncheck()
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_selector("#progress")
    plan_run = page.url.rsplit("/", 1)[1]
    page.goto(f"{live}/app/runs/{full_run}")
    page.wait_for_selector("#progress .status.running, #progress .status.queued, #progress .status.succeeded")
    checked.axe("run in progress")
    page.wait_for_selector("#progress .status.succeeded", timeout=900_000)  # the live panel, polled by htmx
    checked.axe("run finished")
    page.goto(f"{live}/app/runs/{plan_run}")
    page.wait_for_selector("#progress .status.succeeded", timeout=900_000)

    # The map: areas, schools and schemes drawn; the year slider moved with the keyboard.
    started = time.monotonic()
    page.goto(f"{live}/app/runs/{full_run}/map")
    page.wait_for_selector("body[data-map-ready=true]")
    drawn = time.monotonic() - started
    print(f"\nthe map of the sample drew in {drawn:.2f} s")
    assert page.locator("#map path.leaflet-interactive").count() > 10
    first_year = page.locator("#year-label").inner_text()
    page.locator("#year").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#year-label").inner_text() != first_year
    assert page.locator("#table-year").inner_text() == page.locator("#year-label").inner_text()
    # Each phase shows its own planning areas only: the sample's 7 primary areas, then its 4 secondary ones.
    areas = sample_areas()
    assert page.locator("#area-table tbody tr").count() == areas["primary"]
    page.get_by_label("Phase").select_option("secondary")
    assert page.locator("#area-table tbody tr").count() == areas["secondary"]
    page.get_by_label("Phase").select_option("primary")
    checked.axe("map")

    # A planning area from the table under the map.
    page.locator("#area-table tbody a").first.click()
    page.wait_for_selector("svg.fan")
    checked.axe("area")

    # The programme, admissions, standards, post-16.
    page.goto(f"{live}/app/runs/{full_run}/programme")
    page.get_by_role("link", name="Capital cost (£)").click()
    page.wait_for_selector("th[aria-sort]")
    checked.axe("programme")
    page.goto(f"{live}/app/runs/{full_run}/admissions")
    page.get_by_label("Phase", exact=True).select_option("secondary")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/admissions?*phase=secondary*")
    assert page.locator("#areas tbody tr").count() >= 1
    checked.axe("admissions")
    page.goto(f"{live}/app/runs/{full_run}/standards")
    checked.axe("standards")
    page.goto(f"{live}/app/runs/{full_run}/post16")
    checked.axe("post-16")

    # Compare the two runs.
    page.goto(live + "/app/runs")
    page.locator(f"#cmp-{full_run}").check()
    page.locator(f"#cmp-{plan_run}").check()
    page.get_by_role("button", name="Compare the chosen runs (2 or 3)").click()
    page.wait_for_selector("#comparison")
    assert page.locator("#comparison thead th").count() == 3
    checked.axe("compare")

    # Download the PDF report.
    page.goto(f"{live}/app/runs/{full_run}/downloads")
    checked.axe("downloads")
    with page.expect_download() as download:
        page.locator("a[href$='.pdf']").first.click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/app/sign-in")
    context.close()
    assert not checked.errors, "errors in the browser console:\n" + "\n".join(checked.errors)
    assert not checked.violations, "WCAG 2.2 AA violations (axe-core):\n" + "\n".join(
        f"{page}: {v}" for page, found in checked.violations.items() for v in found)
