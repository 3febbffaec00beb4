"""Soak: 20 runs started at once while reads go on, with a database outage in the middle.

Starts the service (``--workers`` processes, as ``sufficiency serve`` runs them) on a PostgreSQL schema of its
own, reached through a TCP proxy on loopback that this benchmark controls (the shared server itself is never
touched). It starts ``--runs`` forecast runs at once, keeps ``--connections`` connections of mixed reads
going, and after ``--before`` seconds cuts the database off for ``--outage`` seconds (every connection closed,
new ones refused). Then it waits for every run to end and checks the store directly:

* every run ended succeeded, or failed or cancelled with a reason; none is queued or running;
* a succeeded run has all its result rows (as many as the other succeeded runs), a failed one none;
* no result row belongs to a run that does not exist.

Reads during the outage are answered 503 with Retry-After; no other 5xx is expected at any time.
Run: ``python -m benchmarks api_soak`` or ``python benchmarks/api_soak.py [--postgres URL] [--outage 60]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import httpx
from machine import load_average, machine
from serving import Proxy, free_port, prepare, service_env, sign_in, start_server
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

FINAL = ("succeeded", "failed", "cancelled")
RESULT_TABLES = ("forecast_rows", "sufficiency_rows", "plan_schemes", "result_tables", "run_files")


def check_store(url: str) -> dict:
    """The store's state after the soak, read directly (not through the proxy)."""
    engine = create_engine(url)
    with engine.connect() as db:
        runs = [dict(r._mapping) for r in db.execute(text("SELECT id, status, error, worker_id FROM runs"))]
        rows = {r["id"]: db.execute(text("SELECT count(*) FROM forecast_rows WHERE run_id = :id"), {"id": r["id"]}
                                    ).scalar() for r in runs}
        other = {r["id"]: sum(db.execute(text(f"SELECT count(*) FROM {t} WHERE run_id = :id"), {"id": r["id"]}
                                         ).scalar() for t in RESULT_TABLES[1:]) for r in runs}
        orphans = sum(db.execute(text(f"SELECT count(*) FROM {t} WHERE run_id NOT IN (SELECT id FROM runs)")).scalar()
                      for t in RESULT_TABLES)
    engine.dispose()
    problems = []
    for run in runs:
        if run["status"] not in FINAL:
            problems.append(f"run {run['id']} is still {run['status']}")
        elif run["status"] != "succeeded" and not run["error"]:
            problems.append(f"run {run['id']} {run['status']} without a reason")
        elif run["status"] != "succeeded" and rows[run["id"]] + other[run["id"]]:
            problems.append(f"run {run['id']} {run['status']} but has result rows")
    succeeded = {rows[r["id"]] for r in runs if r["status"] == "succeeded"}
    if len(succeeded) > 1 or 0 in succeeded:
        problems.append(f"succeeded runs have different numbers of forecast rows: {sorted(succeeded)}")
    if orphans:
        problems.append(f"{orphans} result rows belong to no run")
    statuses: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for run in runs:
        statuses[run["status"]] = statuses.get(run["status"], 0) + 1
        if run["status"] != "succeeded":
            reason = (run["error"] or "")[:90]
            reasons[reason] = reasons.get(reason, 0) + 1
    processes = len({run["worker_id"] for run in runs if run["worker_id"]})
    return {"statuses": statuses, "reasons": reasons, "problems": problems, "processes": processes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(
        "SUFFICIENCY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/load_test"),
        help="A PostgreSQL database the benchmark may use (it works in a throwaway schema).")
    parser.add_argument("--workers", type=int, default=2, help="Service worker processes.")
    parser.add_argument("--runs", type=int, default=20, help="Runs started at once.")
    parser.add_argument("--connections", type=int, default=16, help="Connections of mixed reads meanwhile.")
    parser.add_argument("--before", type=float, default=10.0, help="Seconds of runs and reads before the outage.")
    parser.add_argument("--outage", type=float, default=60.0, help="Seconds the database is cut off.")
    parser.add_argument("--after", type=float, default=60.0, help="Seconds of reads after the outage.")
    args = parser.parse_args()
    from sufficiency.app.store.testing import postgres_schema

    print(f"machine: {machine(load_average() + ' at start')}")
    upstream = make_url(args.postgres)
    proxy = Proxy(upstream.host or "127.0.0.1", upstream.port or 5432)
    with postgres_schema(args.postgres) as direct:
        proxied = make_url(direct).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = service_env(direct)
        email, password = prepare(env)
        env["SUFFICIENCY_DATABASE_URL"] = proxied
        port = free_port()
        server = start_server(env, port, args.workers)
        load = None
        try:
            base = f"http://127.0.0.1:{port}"
            token = sign_in(base, email, password)
            api = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
            dataset_id = api.get("/datasets").raise_for_status().json()[0]["id"]
            paths = ["/health", "/users/me", "/datasets", f"/datasets/{dataset_id}", "/runs?limit=20", "/scenarios"]
            seconds = args.before + args.outage + args.after
            load = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "api_load.py"), "--load",
                                     base, token, str(seconds), str(args.connections), json.dumps(paths)],
                                    stdout=subprocess.PIPE, text=True)
            start = time.monotonic()
            run_ids = [api.post("/runs", json={"dataset_id": dataset_id, "kind": "forecast"}).raise_for_status()
                       .json()["id"] for _ in range(args.runs)]
            time.sleep(max(0.0, args.before - (time.monotonic() - start)))
            states = [api.get(f"/runs/{r}").json()["status"] for r in run_ids]
            print(f"{len(run_ids)} runs started; at the cut: "
                  + ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states))))
            proxy.cut()
            cut_at = time.monotonic()
            time.sleep(args.outage)
            proxy.restore()
            print(f"database cut off for {time.monotonic() - cut_at:.0f} s, then restored ({load_average()})")
            deadline = time.monotonic() + 900
            pending = set(run_ids)
            while pending and time.monotonic() < deadline:
                time.sleep(1)
                for run_id in list(pending):
                    response = api.get(f"/runs/{run_id}")
                    if response.status_code == 200 and response.json()["status"] in FINAL:
                        pending.discard(run_id)
            print(f"every run ended {time.monotonic() - cut_at - args.outage:.0f} s after the database came back"
                  if not pending else f"{len(pending)} run(s) still not finished 900 s after the outage")
            out, _ = load.communicate(timeout=seconds + 120)
            reads = json.loads(out.strip().splitlines()[-1])
            errors = {k: v for k, v in reads["statuses"].items() if k not in ("200", "503")}
            print(f"reads meanwhile ({args.connections} connections, {seconds:g} s): {reads['requests']} answered, "
                  f"statuses {reads['statuses']}; other than 200 and 503: {errors or 'none'}")
        finally:
            if load is not None and load.poll() is None:
                load.kill()
            server.terminate()
            server.wait(timeout=60)
            proxy.close()
        store = check_store(direct)
        print(f"store: runs {store['statuses']}, held by {store['processes']} service process(es)")
        for reason, count in store["reasons"].items():
            print(f"  {count} x {reason}")
        print("store consistent: " + ("yes" if not store["problems"] else "NO: " + "; ".join(store["problems"])))


if __name__ == "__main__":
    main()
