"""Every page of the web app, signed in and not; each download; and what a council may not see or do."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import sample_files, wait_for
from tests.web.conftest import BASE, WebWorld, browser, csrf_of, web_sign_in


def pages(w: WebWorld) -> list[str]:
    """Every page and download of council A's things."""
    run, ds, sc = w.run_id, w.dataset_id, w.scenario_id
    return [
        "/app/", "/app/datasets", f"/app/datasets/{ds}", "/app/templates/schools.csv", "/app/templates.zip",
        "/app/sample", "/app/sample.zip", "/app/scenarios", f"/app/scenarios/{sc}",
        f"/app/scenarios/{sc}/scenario.yaml", "/app/scenarios/new", f"/app/scenarios/new?from={sc}", "/app/runs",
        f"/app/runs/{run}", f"/app/runs/{run}/progress", f"/app/runs/{run}/map", f"/app/runs/{run}/map.json",
        f"/app/runs/{run}/areas/{first_area(w)}", f"/app/runs/{run}/programme", f"/app/compare?run={run}",
        f"/app/runs/{run}/admissions", f"/app/runs/{run}/admissions?year=2027&phase=secondary",
        f"/app/runs/{run}/accuracy", f"/app/runs/{run}/downloads/accuracy/measures.csv",
        f"/app/runs/{run}/standards", f"/app/runs/{run}/post16", f"/app/runs/{run}/downloads",
        f"/app/runs/{run}/robust",
        *[f"/app/runs/{run}/downloads/{name}" for name in downloads(w)],
        f"/app/runs/{run}/downloads/standards/benchmark.csv", f"/app/runs/{run}/downloads/post16/participation.csv",
    ]


def first_area(w: WebWorld) -> str:
    rows = w.api.get(f"/runs/{w.run_id}/sufficiency", headers=w.bearer["admin"]).json()["rows"]
    return rows[0]["planning_area_id"]


def downloads(w: WebWorld) -> list[str]:
    files = [f["name"] for f in w.api.get(f"/runs/{w.run_id}/files", headers=w.bearer["admin"]).json()]
    return ["forecast.csv", "forecast-schools.csv", "sufficiency.csv", "plan.csv", "results.xlsx", *files]


def test_root_opens_the_sign_in_page(web: WebWorld) -> None:
    client = browser(web.app)
    first = client.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/app/"
    second = client.get("/app/")
    assert second.status_code == 303 and second.headers["location"].startswith("/app/sign-in")
    page = client.get(second.headers["location"])
    assert page.status_code == 200 and "<h1>Sign in</h1>" in page.text
    assert 'autocomplete="current-password"' in page.text


def test_every_page_answers_a_signed_in_user(web: WebWorld) -> None:
    for path in pages(web):
        response = web.as_["admin"].get(path)
        assert response.status_code == 200, (path, response.text[:500])
        if response.headers["content-type"].startswith("text/html"):
            assert "<h1" in response.text or path.endswith("/progress"), path
            assert "script-src 'self'" in response.headers["content-security-policy"], path
            assert response.headers["cache-control"] == "no-store"


def test_every_page_needs_signing_in(web: WebWorld) -> None:
    anonymous = browser(web.app)
    for path in pages(web):
        response = anonymous.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/app/sign-in?next="), path


def test_another_council_gets_404_for_every_page_and_download(web: WebWorld) -> None:
    """Council B signed in asks for each of council A's pages by id: not found, as if it did not exist."""
    other = web.as_["other_admin"]
    for path in pages(web):
        if not any(thing in path for thing in (web.run_id, web.dataset_id, web.scenario_id)):
            continue
        response = other.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "Trafford" not in response.text and "five years" not in response.text
    cancel = other.post(f"/app/runs/{web.run_id}/cancel", data={"csrf_token": csrf_of(other.get("/app/").text)})
    assert cancel.status_code == 404
    started = other.post("/app/runs", data={"csrf_token": csrf_of(other.get("/app/runs").text),
                                            "dataset_id": web.dataset_id, "kind": "forecast"})
    assert started.status_code == 404


def test_the_session_cookie_is_secure_httponly_samesite_and_expires(web: WebWorld) -> None:
    client = browser(web.app)
    page = client.get("/app/sign-in")
    response = client.post("/app/sign-in", data={"email": "viewer@trafford.example",
                                                 "password": "correct horse battery staple",
                                                 "csrf_token": csrf_of(page.text), "next": "/app/runs"})
    assert response.status_code == 303 and response.headers["location"] == "/app/runs"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("suf_session="))
    lowered = cookie.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered and "max-age=3600" in lowered
    # Signing out forgets the cookie: the next page asks to sign in again.
    out = client.post("/app/sign-out", data={"csrf_token": csrf_of(client.get("/app/").text)})
    assert out.status_code == 303
    assert client.get("/app/").status_code == 303


def test_an_expired_or_forged_session_asks_to_sign_in_again(web: WebWorld) -> None:
    import datetime as dt

    import jwt

    settings = web.app.state.sufficiency.settings
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    user_id = web.api.get("/users/me", headers=web.bearer["admin"]).json()["id"]
    expired = jwt.encode({"sub": user_id, "iat": past, "exp": past + dt.timedelta(minutes=60), "typ": "access"},
                         settings.secret_key.get_secret_value(), algorithm="HS256")
    for token in (expired, expired[:-4] + "AAAA", "not-a-token"):
        client = browser(web.app)
        client.cookies.set("suf_session", token, domain="testserver")
        assert client.get("/app/datasets").status_code == 303


def test_wrong_password_says_so_and_does_not_sign_in(web: WebWorld) -> None:
    client = browser(web.app)
    page = client.get("/app/sign-in")
    response = client.post("/app/sign-in", data={"email": "admin@trafford.example", "password": "wrong",
                                                 "csrf_token": csrf_of(page.text), "next": "https://evil.example/"})
    assert response.status_code == 401 and "wrong" in response.text
    assert 'value="/app/"' in response.text  # an outside "next" is never followed


def test_forms_without_the_csrf_token_are_refused(web: WebWorld) -> None:
    admin = web.as_["admin"]
    for path, data in (("/app/sign-out", {}), ("/app/runs", {"dataset_id": web.dataset_id, "kind": "forecast"}),
                       ("/app/scenarios", {"name": "no token"}), (f"/app/runs/{web.run_id}/cancel", {}),
                       ("/app/datasets", {"name": "x"})):
        for token in (None, "0" * 64):
            sent = data | ({"csrf_token": token} if token else {})
            response = admin.post(path, data=sent)
            assert response.status_code == 403, (path, token, response.status_code)
            assert "expired or did not come from this site" in response.text
    # A token from another session does not do either.
    other_token = csrf_of(web.as_["other_admin"].get("/app/").text)
    assert admin.post("/app/sign-out", data={"csrf_token": other_token}).status_code == 403
    # Signing in needs the token too (no login CSRF).
    fresh = browser(web.app)
    assert fresh.post("/app/sign-in", data={"email": "admin@trafford.example",
                                            "password": "correct horse battery staple"}).status_code == 403


def test_roles_viewer_cannot_start_runs_or_upload(web: WebWorld) -> None:
    viewer = web.as_["viewer"]
    token = csrf_of(viewer.get("/app/").text)
    assert viewer.post("/app/runs", data={"csrf_token": token, "dataset_id": web.dataset_id,
                                          "kind": "forecast"}).status_code == 403
    assert viewer.get("/app/scenarios/new").status_code == 403
    upload = viewer.post("/app/datasets", data={"csrf_token": token, "name": "x"},
                         files=[("files", ("schools.csv", b"school_id\n1\n", "text/csv"))])
    assert upload.status_code == 403
    assert "Start a run" not in viewer.get("/app/runs").text


def test_upload_a_broken_copy_shows_its_problems_table(web: WebWorld) -> None:
    admin = web.as_["admin"]
    files = {name: content for _, (name, content, _) in sample_files()}
    files["rolls.csv"] = files["rolls.csv"].replace(b"\n", b"\nnot-a-school,2024,0,-3\n", 1)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
    token = csrf_of(admin.get("/app/datasets").text)
    response = admin.post("/app/datasets", data={"csrf_token": token, "name": "Broken copy"},
                          files=[("files", ("broken.zip", archive.getvalue(), "application/zip"))])
    assert response.status_code == 303, response.text
    page = admin.get(response.headers["location"])
    assert page.status_code == 200
    assert "did not pass validation" in page.text
    for heading in ("File", "Row", "Column", "Problem", "What to do"):
        assert f'<th scope="col">{heading}</th>' in page.text
    assert "rolls.csv" in page.text


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 1000])
def test_hostile_uploads_answer_4xx(web: WebWorld, content: bytes) -> None:
    admin = web.as_["admin"]
    token = csrf_of(admin.get("/app/datasets").text)
    response = admin.post("/app/datasets", data={"csrf_token": token, "name": "bad"},
                          files=[("files", ("bad.zip", content, "application/zip"))])
    assert 400 <= response.status_code < 500 or response.status_code == 303, response.status_code


def test_hostile_ids_and_queries_answer_4xx(web: WebWorld) -> None:
    admin = web.as_["admin"]
    run = web.run_id
    for path in (f"/app/runs/{'x' * 500}", "/app/runs/..%2F..%2Fetc", f"/app/runs/{run}/areas/{'é' * 70}",
                 f"/app/runs/{run}/programme?sort=evil", f"/app/runs/{run}/programme?year=99999",
                 f"/app/runs/{run}/programme?year=20x4",
                 f"/app/runs/{run}/areas/P01?ncy=99", "/app/compare?run=a&run=b&run=c&run=d",
                 f"/app/runs/{run}/downloads/..%2F..%2Fetc%2Fpasswd", "/app/templates/nothing.csv",
                 "/app/scenarios/new?from=nope", f"/app/runs/{run}/standards?category={'x' * 50}",
                 f"/app/runs/{run}/admissions?phase=evil", f"/app/runs/{run}/admissions?year=20x4",
                 f"/app/runs/{run}/admissions?year=99999"):
        response = admin.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), path


def test_create_clone_and_view_a_scenario(web: WebWorld) -> None:
    planner = web.as_["planner"]
    form = planner.get("/app/scenarios/new")
    assert form.status_code == 200
    # The form is generated from the settings models: a births variant choice, rules on and off, budgets.
    for name in ("forecast.variant", "optimiser.rules.prefer_popular_good.enabled", "optimiser.capital_budget",
                 "horizon", "post16.participation_target_pct"):
        assert f'name="{name}"' in form.text, name
    token = csrf_of(form.text)
    # Checkboxes that are on by default are sent as a browser sends them.
    on = re.findall(r'<input type="checkbox" id="[^"]+" name="([^"]+)" checked', form.text)
    assert "forecast.housing" in on
    data = {"csrf_token": token, "name": "high births web", "description": "The high variant.",
            "forecast.variant": "high", **{n: "on" for n in on}}
    created = planner.post("/app/scenarios", data=data)
    assert created.status_code == 303, created.text[:2000]
    page = planner.get(created.headers["location"])
    assert "variant: high" in page.text and "high births web" in page.text
    scenario_id = created.headers["location"].rsplit("/", 1)[1]
    clone = planner.get(f"/app/scenarios/new?from={scenario_id}")
    assert 'value="high births web (copy)"' in clone.text and '<option value="high" selected>' in clone.text
    # The same validation and messages as scenario.yaml: a bad value is refused, naming the setting.
    bad = planner.post("/app/scenarios", data={**data, "name": "bad one", "horizon": "99"})
    assert bad.status_code == 422
    assert "horizon" in bad.text and "less than or equal to 15" in bad.text
    again = planner.post("/app/scenarios", data=data)
    assert again.status_code == 409 and "already has a scenario called" in again.text


def test_start_watch_and_cancel_a_run(web: WebWorld) -> None:
    planner = web.as_["planner"]
    token = csrf_of(planner.get("/app/runs").text)
    started = planner.post("/app/runs", data={"csrf_token": token, "dataset_id": web.dataset_id, "kind": "plan"})
    assert started.status_code == 303
    run_page = planner.get(started.headers["location"])
    assert run_page.status_code == 200 and "Progress" in run_page.text
    run_id = started.headers["location"].rsplit("/", 1)[1]
    progress = planner.get(f"/app/runs/{run_id}/progress", headers={"HX-Request": "true"})
    assert progress.status_code == 200 and "Status:" in progress.text
    cancel = planner.post(f"/app/runs/{run_id}/cancel", data={"csrf_token": token})
    assert cancel.status_code in (303, 409)
    web.app.state.sufficiency.jobs.wait(run_id, timeout=300)
    final = planner.get(f"/app/runs/{run_id}/progress", headers={"HX-Request": "true"})
    assert final.headers.get("HX-Refresh") == "true"
    history = planner.get("/app/runs").text
    assert run_id[:8] in history and "planner@trafford.example" in history


def test_programme_sorts_and_filters(web: WebWorld) -> None:
    admin = web.as_["admin"]
    base = f"/app/runs/{web.run_id}/programme"
    page = admin.get(base + "?sort=capital_cost&order=desc")
    assert page.status_code == 200 and 'aria-sort="descending"' in page.text
    assert "Capital by year" in page.text and "£" in page.text
    assert admin.get(base + "?sort=places&order=asc&kind=&area=&year=&q=").status_code == 200  # the form, all
    filtered = admin.get(base + "?kind=no-such-kind")
    assert "Schemes (0 shown" in filtered.text


def report_text(web: WebWorld) -> str:
    """The run's HTML report as plain text."""
    from html import unescape

    report = next(n for n in downloads(web) if n.endswith(".html"))
    text = unescape(re.sub(r"<[^>]+>", " ", web.as_["viewer"].get(f"/app/runs/{web.run_id}/downloads/{report}").text))
    return re.sub(r"\s+", " ", text)


def test_the_programme_page_says_what_the_reports_page_one_says(web: WebWorld) -> None:
    """The capital cost and the place-years short after the programme are the figures on the report's page
    one (pupils above places, not the plan's own measure with its operating margin)."""
    from html import unescape

    page_one = report_text(web)
    programme = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", web.as_["viewer"].get(
        f"/app/runs/{web.run_id}/programme").text)))
    short = re.search(r"Over the plan period ([\d,]+) place-years are short", page_one)
    shown = re.search(r"Short after the programme ([\d,]+) place-years: pupils above places", programme)
    assert short and shown and short.group(1) == shown.group(1)  # the sample's plan leaves cohorts short
    total = re.search(r"Capital \(£\) (?:£[\d,]+ )+(£[\d,]+)", page_one)  # the by-year table's total
    assert total and f"({total.group(1)})" in programme


def test_map_data_has_areas_schools_and_years(web: WebWorld) -> None:
    data = web.as_["viewer"].get(f"/app/runs/{web.run_id}/map.json").json()
    assert data["areas"]["features"] and data["schools"]["features"]
    assert data["before"]["primary"]
    school = data["schools"]["features"][0]["properties"]
    assert isinstance(school["roll"], dict)
    # Places short after the plan, as the report counts them (pupils above places, not the plan's measure with
    # its margin): over every phase, area and year, the report's place-years short.
    short = re.search(r"Over the plan period ([\d,]+) place-years are short", report_text(web))
    mapped = sum(c["shortfall"] for phase in data["after"].values() for area in phase.values() for c in area.values())
    assert short and mapped == int(short.group(1).replace(",", ""))


def test_compare_two_runs(web: WebWorld) -> None:
    admin = web.as_["admin"]
    page = admin.get(f"/app/compare?run={web.run_id}&run={web.run_id}")
    assert page.status_code == 200 and "Capital cost (£)" in page.text
    # The run's place-years short are the report's (pupils above places after the programme).
    short = re.search(r"Over the plan period ([\d,]+) place-years are short", report_text(web)).group(1)
    row = page.text[page.text.index("Place-years short: pupils above places"):]
    assert re.findall(r'<td class="num">([\d,]+)</td>', row[:row.index("</tr>")]) == [short]


def test_static_assets_are_served_with_licences(web: WebWorld) -> None:
    client = browser(web.app)
    for path in ("/app/static/vendor/htmx/htmx.min.js", "/app/static/vendor/leaflet/leaflet.js",
                 "/app/static/vendor/leaflet/leaflet.css", "/app/static/vendor/LICENSES.txt",
                 "/app/static/map.js", "/app/static/app.css"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "BSD" in client.get("/app/static/vendor/LICENSES.txt").text


def test_sign_in_is_rate_limited_like_the_api(web: WebWorld) -> None:
    from api.limits import SIGN_IN_PATHS

    assert "/app/sign-in" in SIGN_IN_PATHS


def test_same_numbers_as_the_api(web: WebWorld) -> None:
    """The programme page shows the API's schemes (no second path to the data)."""
    schemes = web.api.get(f"/runs/{web.run_id}/plan", headers=web.bearer["admin"]).json()["schemes"]
    page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/programme").text
    assert f"Schemes ({len(schemes)} shown of {len(schemes)})" in page


def test_base_url_is_https_for_secure_cookies() -> None:
    assert BASE.startswith("https://")


def test_sign_in_helper_works_for_every_role(web: WebWorld) -> None:
    for name in ("admin", "planner", "viewer", "other_admin"):
        assert web.as_[name].get("/app/").status_code == 200
    client: TestClient = browser(web.app)
    web_sign_in(client, "viewer@trafford.example")
    assert client.get("/app/").status_code == 200


def test_a_rule_switched_off_and_a_budget_are_saved(web: WebWorld) -> None:
    planner = web.as_["planner"]
    form = planner.get("/app/scenarios/new").text
    on = re.findall(r'<input type="checkbox" id="[^"]+" name="([^"]+)" checked', form)
    rule = "optimiser.rules.prefer_popular_good.enabled"
    assert rule in on
    data = {"csrf_token": csrf_of(form), "name": "no popularity rule", **{n: "on" for n in on if n != rule},
            "optimiser.capital_budget": "25000000"}
    created = planner.post("/app/scenarios", data=data)
    assert created.status_code == 303, created.text[:1000]
    page = planner.get(created.headers["location"] + "/scenario.yaml").text
    assert "enabled: false" in page and "capital_budget: 25000000" in page
    assert "forecast:" not in page  # only what changed is saved, as in a hand-written scenario.yaml


def test_the_forecasts_notes_and_warnings_are_on_the_run_and_area_pages(web: WebWorld) -> None:
    """What the report's first pages say of the forecast's footing reaches the officer in the app too: the
    API stores the forecast's notes and warnings and the plan's warnings with the run, and the run page and
    every planning-area page show each of them; the standards stage's notes are on its page."""
    from html import unescape

    run = web.api.get(f"/runs/{web.run_id}", headers=web.bearer["admin"]).json()
    stored = {}
    for stage in ("forecast", "plan", "robust", "standards"):
        section = web.api.get(f"/runs/{web.run_id}/stages/{stage}", headers=web.bearer["admin"])
        if stage not in run["stages"]:
            assert section.status_code == 404
            continue
        assert section.status_code == 200, section.text
        stored |= {(stage, t["name"]): [row[0] for row in t["rows"]] for t in section.json()["tables"]
                   if t["name"] in ("notes", "warnings")}
    assert set(stored) == {("forecast", "notes"), ("forecast", "warnings"), ("plan", "warnings"),
                           ("robust", "warnings"), ("standards", "notes")}, run["stages"]
    # The sample's population ends in 2028/29; a five-year forecast from 2024/25 runs a year past it.
    notes = stored["forecast", "notes"]
    assert len(notes) == 1 and notes[0].startswith("Reception from 2029/30 counts children not yet born")
    texts = [t for (stage, _), rows in stored.items() if stage != "standards" for t in rows]
    run_page = unescape(web.as_["viewer"].get(f"/app/runs/{web.run_id}").text)
    assert "Read before using these figures" in run_page
    area_page = unescape(web.as_["viewer"].get(f"/app/runs/{web.run_id}/areas/{first_area(web)}").text)
    for text in texts:
        assert text in run_page and text in area_page
    standards_page = unescape(web.as_["viewer"].get(f"/app/runs/{web.run_id}/standards").text)
    assert stored["standards", "notes"]  # the sample's post-16 benchmark is left to the post-16 part
    for text in stored["standards", "notes"]:
        assert text in standards_page


def test_a_plans_warning_is_on_its_run_page(web: WebWorld) -> None:
    """A plan decided more than a year after the data's base year (2024/25) carries the optimiser's warning
    to load the latest census; the run page shows it as a warning, word for word as the API stores it, and once,
    though the robust plan, whose scenarios share the plan's inputs, repeats it."""
    from html import unescape

    admin = web.bearer["admin"]
    scenario = web.api.post("/scenarios", headers=admin, json={
        "name": "decided late", "settings": {"horizon": 7, "optimiser": {"decision_date": "2027-01-15"}}})
    assert scenario.status_code == 201, scenario.text
    started = web.api.post("/runs", headers=admin, json={"dataset_id": web.dataset_id, "kind": "robust",
                                                          "scenario_id": scenario.json()["id"]})
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    assert wait_for(web.api, run_id, admin, seconds=300)["status"] == "succeeded"
    warnings = web.api.get(f"/runs/{run_id}/stages/plan/warnings", headers=admin).json()["rows"]
    assert len(warnings) == 1
    text = warnings[0]["warning"]
    assert text.startswith("The data's base year is 2024/25, more than a year before the decision date 2027-01-15")
    assert web.api.get(f"/runs/{run_id}/stages/robust/warnings", headers=admin).json()["rows"] == warnings
    page = re.sub(r"<[^>]+>", "", unescape(web.as_["viewer"].get(f"/app/runs/{run_id}").text))
    assert page.count(f"Warning: {text}") == 1


def test_the_admissions_page_gives_the_apis_figures(web: WebWorld) -> None:
    """The admissions page's authority table is the stored measures (top-three rate today and with the plan,
    each to 0.1%, with its interval), its headline says whether the last year meets the target, and its
    oversubscribed schools are those over their places in at least half the draws, with the plan."""
    from html import unescape

    def stored(name: str) -> list[dict]:
        return web.api.get(f"/runs/{web.run_id}/stages/admissions/{name}", headers=web.bearer["admin"]).json()["rows"]

    measures, schools = stored("measures"), stored("schools")
    authority = [m for m in measures if m["planning_area_id"] == "all"]
    target = authority[0]["top_three_pct"] + authority[0]["gap_to_target_pts"]
    assert target == pytest.approx(90)  # the sample's scenario keeps the School Admissions Code's target
    page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/admissions")
    assert page.status_code == 200

    def plain(html: str) -> str:
        return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()

    text = plain(page.text)
    table = page.text[page.text.index('id="authority"'):]
    rows = [plain(r) for r in re.findall(r"<tr>(.*?)</tr>", table[:table.index("</table>")], re.S)[1:]]
    last = max(m["year"] for m in authority)
    for m in authority:
        year = f"{m['year']}/{(m['year'] + 1) % 100:02d}"
        cell = (f"{m['top_three_pct']:.1f} ({m['top_three_pct_lower']:.1f}–{m['top_three_pct_upper']:.1f})")
        row = next(r for r in rows if r.startswith(f"{m['phase']} {year} "))
        # Today's rate comes before the plan's, each followed by whether it meets the target.
        verdicts = re.findall(r"\) (yes|no)", row)
        assert cell in row and len(verdicts) == 2, (row, cell)
        assert verdicts[m["case"] == "plan"] == ("yes" if m["meets_target"] else "no"), (row, m["case"])
        if m["year"] == last and m["case"] == "plan":
            verdict = "met" if m["meets_target"] else "not met"
            assert f"{m['phase'].capitalize()}, {year}:" in text and f"(target 90%; {verdict} with the plan)" in text
    table = page.text[page.text.index('id="oversubscribed"'):]
    table = table[:table.index("</table>")]
    over = {s["school_id"] for s in schools if s["year"] == last and s["case"] == "plan"
            and s["oversubscribed_share"] >= 0.5}
    assert over and {u for u in re.findall(r"<td>(\d{6})</td>", table)} == over
    secondary = web.as_["viewer"].get(f"/app/runs/{web.run_id}/admissions?phase=secondary&year={last - 1}").text
    areas = secondary[secondary.index('id="areas"'):secondary.index('id="oversubscribed"')]
    assert "<td>secondary</td>" in areas and "<td>primary</td>" not in areas
    assert f'<option value="{last - 1}" selected>' in secondary
    # The simulation against DfE's real rates reads as words: its measures and its headers.
    real = page.text[page.text.index("The simulation against DfE"):]
    real = real[:real.index("</table>")]
    for shown in ("<td>one of the top three</td>", '<th scope="col">Real (%)</th>',
                  '<th scope="col">Published in</th>', '<th scope="col">Simulated less real (% points)</th>'):
        assert shown in real, shown
    assert "_pct" not in real and "_pts" not in real


def test_the_accuracy_page_gives_the_stored_scores(web: WebWorld) -> None:
    """The accuracy page shows the stored headline: each phase's error a year ahead (this forecast, the 3-year
    mean, the council's own from the scorecards) to 0.1%, and the notes."""
    from html import unescape

    def stored(name: str) -> list[dict]:
        return web.api.get(f"/runs/{web.run_id}/stages/accuracy/{name}", headers=web.bearer["admin"]).json()["rows"]

    headline, notes = stored("headline"), stored("notes")
    page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/accuracy")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.text)))
    for row in (r for r in headline if r["horizon"] == 1):
        said = (f"{row['phase']} {row['authority_ape']:.1f}% (3-year-mean cohort survival "
                f"{row['baseline_authority_ape']:.1f}%; the council's own forecasts {row['council_ape']:.1f}%)")
        assert said in text, said
    assert len(headline) == 6 and notes and all(n["note"] in text for n in notes)


def test_the_post16_page_reads_as_words_and_whole_numbers(web: WebWorld) -> None:
    """The post-16 tables as an officer reads them: each measure and header in words (the stored table's
    neet_or_not_known_pct is "NEET or not known", its la "This authority"), places a whole number with a
    thousands separator, the year as it is."""
    rows = web.api.get(f"/runs/{web.run_id}/stages/post16/sixth_form_totals",
                       headers=web.bearer["admin"]).json()["rows"]
    page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/post16").text
    participation = page[page.index('id="t-participation"'):]
    participation = participation[:participation.index("</table>")]
    assert "<td>NEET or not known</td>" in participation and "_pct" not in participation
    assert '<th scope="col">This authority</th>' in participation
    sixth = page[page.index('id="t-sixth_form_totals"'):]
    sixth = sixth[:sixth.index("</table>")]
    first = rows[0]
    assert first["places"] >= 1000  # the sample's sixth forms: enough to need a separator
    assert f'<td class="num">{first["year"]}</td>' in sixth  # 2017, not 2,017
    assert f'<td class="num">{first["places"]:,.0f}</td>' in sixth  # 2,328, not 2328 or 2,328.0
    assert '<th scope="col">Year 12</th>' in sixth and "Year12" not in sixth


def test_the_robust_page_says_what_the_report_says(web: WebWorld) -> None:
    """The robust programme's page is the report's section, rebuilt from the stored tables: the same sentences
    (committed and contingent schemes, expected costs and place-years with the margin named), each scheme by
    school name with its trigger."""
    from html import unescape

    def plain(html: str) -> str:
        return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()

    report = next(n for n in downloads(web) if n.endswith(".html"))
    written = plain(web.as_["viewer"].get(f"/app/runs/{web.run_id}/downloads/{report}").text)
    page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/robust")
    assert page.status_code == 200 and 'aria-current="page">Robust</a>' in page.text
    shown = plain(page.text)
    for start in ("Committed now:", "Expected over the futures,"):
        sentence = re.search(re.escape(start) + r"[^.]*\.", shown).group(0)
        assert sentence in written, sentence
    assert "place-years short of pupils plus the 2% margin" in shown
    schemes = web.api.get(f"/runs/{web.run_id}/stages/robust/schemes", headers=web.bearer["admin"]).json()["rows"]
    contingent = next(s for s in schemes if s["status"] == "contingent")
    assert contingent["trigger"] in shown
    assert f"({contingent['school_id']})" in shown  # named, with its URN beside


def test_an_areas_page_counts_places_needed_as_the_report_does(web: WebWorld) -> None:
    """Each area page's places needed by year (whole pupils above whole places in each year group, summed) peaks
    where the report's area sentence says; its schemes name their school."""
    from html import unescape

    report = next(n for n in downloads(web) if n.endswith(".html"))
    html = web.as_["viewer"].get(f"/app/runs/{web.run_id}/downloads/{report}").text
    areas = sorted({r["planning_area_id"] for r in web.api.get(f"/runs/{web.run_id}/sufficiency",
                                                              headers=web.bearer["admin"]).json()["rows"]})
    checked = 0
    for area in areas:
        section = html[html.index(f'id="area-{area}"'):]
        ends = [i for i in (section.find('<div class="area"'), section.find("</section>")) if i > 0]
        said = re.search(r"places needed peak at ([\d,]+) in (\d{4}/\d{2})",
                         re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", section[:min(ends)]))))
        page = web.as_["viewer"].get(f"/app/runs/{web.run_id}/areas/{area}").text
        table = page[page.index("Forecast pupils / places, and places needed"):]
        rows = re.findall(r'<th scope="row">(\d{4}/\d{2})</th>.*?<td class="num">([\d,]+)</td></tr>',
                          table[:table.index("</table>")], re.S)
        needed = {year: int(n.replace(",", "")) for year, n in rows}
        peak = max(needed.values())
        if said is None:
            assert peak == 0, area
            continue
        assert f"{peak:,}" == said.group(1) and needed[said.group(2)] == peak, (area, needed, said.groups())
        checked += 1
        if "The plan's schemes here" in page:
            schemes = page[page.index("The plan's schemes here"):]
            assert re.search(r"\d{4}/\d{2}: [A-Z][a-z A-Z]+ at [A-Z][^(<]+ \(\d{6}\)", schemes), area
    assert checked  # the sample has areas short of places
