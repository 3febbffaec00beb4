"""The shipped service under 64 concurrent connections: a mixed read workload for 30 s.

Starts the service (``api.main:create_app`` in ``--workers`` processes, as ``sufficiency serve`` does) on a
loopback port over SQLite or PostgreSQL (a throwaway schema of the server named), runs a forecast of the
sample borough, then a load generator in a second process keeps ``--connections`` keep-alive connections busy
for ``--seconds``, each cycling through a mix of reads: health, who am I, datasets, one dataset, scenarios,
runs, one run, the stages, the forecast (whole and filtered by planning area and year) and sufficiency by
year.

Targets: no 5xx, p95 under 250 ms, at least 200 requests/s on a 2-core machine, on SQLite and PostgreSQL.
Run: ``python -m benchmarks api_load`` or ``python benchmarks/api_load.py [--workers 2] [--connections 64]
[--seconds 30] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from machine import load_average, machine
from serving import cpu_seconds, free_port, prepare, run_load, service_env, sign_in, start_server


def forecast_run(api: httpx.Client) -> tuple[str, str]:
    dataset = api.get("/datasets").raise_for_status().json()[0]
    run = api.post("/runs", json={"dataset_id": dataset["id"], "kind": "forecast"}).raise_for_status().json()
    while run["status"] in ("queued", "running"):
        time.sleep(0.3)
        run = api.get(f"/runs/{run['id']}").raise_for_status().json()
    if run["status"] != "succeeded":
        raise SystemExit(f"the forecast run {run['status']}: {run['error']}")
    return dataset["id"], run["id"]


def mixed_reads(api: httpx.Client, dataset_id: str, run_id: str) -> list[str]:
    """The paths each connection cycles through."""
    areas = sorted({r["planning_area_id"] for r in api.get(f"/runs/{run_id}/forecast").json()["rows"]})
    paths = ["/health", "/users/me", "/datasets", f"/datasets/{dataset_id}", "/scenarios", "/runs?limit=20",
             f"/runs/{run_id}", "/stages", f"/runs/{run_id}/forecast"]
    for n, area in enumerate(areas[:6]):
        year = 2025 + n
        paths += [f"/runs/{run_id}/forecast?planning_area_id={area}&year={year}", f"/runs/{run_id}",
                  f"/runs/{run_id}/sufficiency?year={year}", "/users/me"]
    return paths


def load_process(argv: list[str]) -> None:
    """The second process: ``--load BASE TOKEN SECONDS CONNECTIONS PATHS_JSON``; prints JSON figures."""
    base, token, seconds, connections, paths = argv
    result = run_load(base, token, json.loads(paths), float(seconds), int(connections))
    index = np.array([i for i, _ in result["latencies"]])
    ms = np.array([t for _, t in result["latencies"]]) * 1000
    statuses = result["statuses"]
    names = json.loads(paths)
    slowest = sorted(((float(np.percentile(ms[index == i], 95)), names[i]) for i in set(index.tolist())),
                     reverse=True)[:3]
    print(json.dumps({"slowest": slowest, "requests": len(ms), "seconds": result["seconds"],
                      "per_second": len(ms) / result["seconds"],
                      "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
                      "p99": float(np.percentile(ms, 99)), "max": float(ms.max()),
                      "statuses": {str(k): v for k, v in sorted(statuses.items())}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Service worker processes (one per core).")
    parser.add_argument("--concurrent-requests", type=int, default=None,
                        help="SUFFICIENCY_CONCURRENT_REQUESTS of each worker (default: the service's).")
    parser.add_argument("--connections", type=int, default=64, help="Concurrent keep-alive connections.")
    parser.add_argument("--seconds", type=float, default=30.0, help="How long the load lasts.")
    parser.add_argument("--postgres", metavar="URL", help="Use this PostgreSQL server (a throwaway schema) "
                        "instead of a SQLite file, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/load_test.")
    args = parser.parse_args()
    print(f"machine: {machine(load_average() + ' at start')}")
    with tempfile.TemporaryDirectory(prefix="sufficiency-bench-") as tmp, contextlib.ExitStack() as stack:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.postgres:
            from sufficiency.app.store.testing import postgres_schema

            url = stack.enter_context(postgres_schema(args.postgres))
        env = service_env(url)
        if args.concurrent_requests:
            env["SUFFICIENCY_CONCURRENT_REQUESTS"] = str(args.concurrent_requests)
        email, password = prepare(env)
        database = "PostgreSQL" if args.postgres else "SQLite"
        port = free_port()
        server = start_server(env, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            token = sign_in(base, email, password)
            with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as api:
                dataset_id, run_id = forecast_run(api)
                paths = mixed_reads(api, dataset_id, run_id)
                for path in paths:  # each filtered answer built once, as after the first minutes of real use
                    api.get(path).raise_for_status()
            before = load_average()
            cpu_before = cpu_seconds(server.pid)
            load = subprocess.run([sys.executable, __file__, "--load", base, token, str(args.seconds),
                                   str(args.connections), json.dumps(paths)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(load.stdout.strip().splitlines()[-1])
            cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / max(1, r["requests"])
            errors = sum(v for k, v in r["statuses"].items() if k == "0" or int(k) >= 500)
            settings = f", {args.concurrent_requests} requests at once each" if args.concurrent_requests else ""
            print(f"{database}, {args.workers} worker process(es){settings}, {args.connections} connections for "
                  f"{args.seconds:g} s, "
                  f"{len(paths)} mixed reads ({before} before, {load_average()} after):")
            print(f"  {r['per_second']:.0f} requests/s ({r['requests']} in {r['seconds']:.1f} s); latency p50 "
                  f"{r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms, max {r['max']:.0f} ms")
            print(f"  the service used {cpu_ms:.2f} ms of CPU a request (its processes; not the database server's): "
                  f"with two cores to itself it would serve about {2000 / cpu_ms:.0f} requests/s")
            print("  slowest paths by p95: " + "; ".join(f"{path} {p95:.0f} ms" for p95, path in r["slowest"]))
            print(f"  statuses {r['statuses']} (0 = connection failed); 5xx or failed: {errors}")
            print("  targets: no 5xx, p95 < 250 ms, >= 200 requests/s: "
                  + ("met" if errors == 0 and r["p95"] < 250 and r["per_second"] >= 200 else "NOT met"))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        load_process(sys.argv[2:])
    else:
        main()
