"""Time the web app's pages on the sample borough: the HTML of every page, p50 and p95 (target: p95 < 200 ms).

Builds the service with the web app (SQLite in a temporary folder), uploads the sample, runs a full run with
its reports, signs in through the form, then asks for each page ``--repeat`` times one after another (in
process, through Starlette's test client, so the figures are the server's time plus a little client
overhead), after one first request whose time is shown apart (the first answer of a finished run's results
is built once, then served from memory). ``python benchmarks/web_pages.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from api.bootstrap import create_admin
from benchmarks.machine import load_average, machine
from sufficiency.app.settings import Settings
from sufficiency.sample import sample_dir
from web.app import create_app

PASSWORD = "correct horse battery staple"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(mode="test", database_url=f"sqlite:///{tmp}/bench.db", rate_limit_per_minute=10**6)
        app = create_app(settings)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            with app.state.sufficiency.sessions.begin() as session:
                create_admin(session, "Trafford Council", "admin@trafford.example", PASSWORD)
            page = client.get("/app/sign-in").text
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
            client.post("/app/sign-in", data={"email": "admin@trafford.example", "password": PASSWORD,
                                              "csrf_token": token, "next": "/app/"})
            files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
                     for p in sorted(sample_dir().iterdir()) if p.is_file() and p.suffix != ".md"]
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"',  # type: ignore[union-attr]
                              client.get("/app/datasets").text).group(1)
            dataset = client.post("/app/datasets", data={"csrf_token": token, "name": "Sample"}, files=files)
            dataset_id = dataset.headers["location"].rsplit("/", 1)[1]
            started = time.perf_counter()
            run = client.post("/app/runs", data={"csrf_token": token, "dataset_id": dataset_id, "kind": "full",
                                                 "reports": ["html", "xlsx"]})
            run_id = run.headers["location"].rsplit("/", 1)[1]
            app.state.sufficiency.jobs.wait(run_id)
            print(f"full run of the sample: {time.perf_counter() - started:.1f} s")
            area = re.search(r'/areas/([^"]+)"', client.get(f"/app/runs/{run_id}/programme").text)
            pages = ["/app/sign-in", "/app/", "/app/datasets", f"/app/datasets/{dataset_id}", "/app/sample",
                     "/app/scenarios", "/app/scenarios/new", "/app/runs", f"/app/runs/{run_id}",
                     f"/app/runs/{run_id}/map", f"/app/runs/{run_id}/map.json",
                     f"/app/runs/{run_id}/areas/{area.group(1) if area else 'P01'}",
                     f"/app/runs/{run_id}/programme", f"/app/runs/{run_id}/programme?sort=capital_cost&order=desc",
                     f"/app/compare?run={run_id}", f"/app/runs/{run_id}/standards", f"/app/runs/{run_id}/post16",
                     f"/app/runs/{run_id}/downloads"]
            print(machine(load_average()))
            print(f"{'page':<60} {'first':>9} {'p50':>9} {'p95':>9}")
            worst = 0.0
            for path in pages:
                t0 = time.perf_counter()
                first = client.get(path)
                first_ms = (time.perf_counter() - t0) * 1000
                assert first.status_code == 200, (path, first.status_code)
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                p95 = statistics.quantiles(times, n=20)[-1]
                worst = max(worst, p95)
                shown = path.replace(run_id, "{run}").replace(dataset_id, "{dataset}")
                print(f"{shown:<60} {first_ms:>7.1f}ms {statistics.median(times):>7.1f}ms {p95:>7.1f}ms")
            print(f"slowest page p95: {worst:.1f} ms (target 200 ms); {load_average()}")


if __name__ == "__main__":
    main()
