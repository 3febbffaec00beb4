"""Latency and throughput of the forecast result endpoint for the sample borough.

Starts the service (one uvicorn worker, SQLite) in its own process on a loopback port, runs a
forecast of the sample borough, then measures ``GET /runs/{id}/forecast`` (all planning areas,
year groups and years, JSON):

* latency: sequential requests on one keep-alive connection, p50 / p95 / p99; and the first
  (uncached) answer for each of 77 distinct filter combinations;
* throughput: a load generator in a second process, ``--concurrency`` connections, bounded by
  ``--seconds`` and ``--max-requests``.

Targets: p95 under 100 ms; 200 requests per second on a 2-core machine.
Run: ``python benchmarks/api_latency.py [--requests 500] [--seconds 10] [--concurrency 16] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
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
from serving import free_port, prepare, service_env, start_server


def forecast_run(api: httpx.Client) -> str:
    dataset = api.get("/datasets").raise_for_status().json()[0]
    run = api.post("/runs", json={"dataset_id": dataset["id"], "kind": "forecast"}).raise_for_status().json()
    while run["status"] in ("queued", "running"):
        time.sleep(0.2)
        run = api.get(f"/runs/{run['id']}").raise_for_status().json()
    if run["status"] != "succeeded":
        raise SystemExit(f"the forecast run {run['status']}: {run['error']}")
    return run["id"]


def latency(api: httpx.Client, run_id: str, n: int) -> dict[str, float]:
    path = f"/runs/{run_id}/forecast"
    first_start = time.perf_counter()
    rows = api.get(path).raise_for_status().json()["count"]
    first = time.perf_counter() - first_start
    times = []
    for _ in range(n):
        start = time.perf_counter()
        api.get(path).raise_for_status()
        times.append(time.perf_counter() - start)
    uncached = []
    areas = sorted({r["planning_area_id"] for r in api.get(path).json()["rows"]})
    for area in areas:
        for year in range(2025, 2032):
            start = time.perf_counter()
            api.get(path, params={"planning_area_id": area, "year": year}).raise_for_status()
            uncached.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    cold = np.array(uncached) * 1000
    return {"rows": rows, "first_ms": first * 1000, "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)), "p99_ms": float(np.percentile(ms, 99)),
            "uncached_n": len(cold), "uncached_p50_ms": float(np.percentile(cold, 50)),
            "uncached_p95_ms": float(np.percentile(cold, 95))}


async def _connection(host: str, port: int, request: bytes, stop: float, max_requests: int,
                      counts: dict[str, int]) -> None:
    """One keep-alive connection sending requests back to back (a minimal HTTP/1.1 client, so the
    load generator's own cost stays small beside the server's)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop and counts["ok"] + counts["errors"] < max_requests:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            counts["ok" if status == 200 else "errors"] += 1
    finally:
        writer.close()


async def _load(url: str, token: str, seconds: float, max_requests: int, concurrency: int) -> dict[str, float]:
    parsed = httpx.URL(url)
    target = parsed.raw_path.decode()
    request = (f"GET {target} HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\n"
               f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n").encode()
    counts = {"ok": 0, "errors": 0}
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(*(_connection(parsed.host, parsed.port, request, stop, max_requests, counts)
                           for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {"requests": counts["ok"], "errors": counts["errors"], "seconds": elapsed,
            "per_second": counts["ok"] / elapsed}


def load_generator(argv: list[str]) -> None:
    """The second process: ``--load URL TOKEN SECONDS MAX CONCURRENCY``, prints JSON."""
    url, token, seconds, max_requests, concurrency = argv
    result = asyncio.run(_load(url, token, float(seconds), int(max_requests), int(concurrency)))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="Sequential requests for latency.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Longest the load lasts.")
    parser.add_argument("--max-requests", type=int, default=10_000, help="Most requests the load sends.")
    parser.add_argument("--concurrency", type=int, default=16, help="Connections the load generator keeps open.")
    parser.add_argument("--postgres", metavar="URL", help="Use this PostgreSQL server (a throwaway schema) "
                        "instead of a SQLite file, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test.")
    args = parser.parse_args()
    print(f"machine: {machine(load_average() + ' at start')}")
    with tempfile.TemporaryDirectory(prefix="sufficiency-bench-") as tmp, contextlib.ExitStack() as stack:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.postgres:
            from sufficiency.app.store.testing import postgres_schema

            url = stack.enter_context(postgres_schema(args.postgres))
        env = service_env(url)
        email, password = prepare(env)
        database = "PostgreSQL" if args.postgres else "SQLite"
        port = free_port()
        server = start_server(env, port)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as api:
                token = api.post("/auth/token", data={"username": email, "password": password}).raise_for_status()
                token = token.json()["access_token"]
                api.headers["Authorization"] = f"Bearer {token}"
                run_id = forecast_run(api)
                figures = latency(api, run_id, args.requests)
            print(f"forecast endpoint, {figures['rows']} rows of JSON, one uvicorn worker, {database}:")
            print(f"  latency over {args.requests} sequential requests: p50 {figures['p50_ms']:.1f} ms, "
                  f"p95 {figures['p95_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms (first, uncached: "
                  f"{figures['first_ms']:.1f} ms; target p95 < 100 ms)")
            print(f"  uncached (first request for each of {figures['uncached_n']} filter combinations): "
                  f"p50 {figures['uncached_p50_ms']:.1f} ms, p95 {figures['uncached_p95_ms']:.1f} ms")
            load = subprocess.run(
                [sys.executable, __file__, "--load", f"{base}/runs/{run_id}/forecast", token, str(args.seconds),
                 str(args.max_requests), str(args.concurrency)], capture_output=True, text=True, check=True)
            result = json.loads(load.stdout.strip().splitlines()[-1])
            print(f"  throughput from a second process, {args.concurrency} connections: {result['per_second']:.0f} "
                  f"requests/s ({result['requests']} in {result['seconds']:.1f} s, {result['errors']} errors; "
                  "target 200/s)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        load_generator(sys.argv[2:])
    else:
        main()
