"""Helpers for the service benchmarks (not a benchmark: the runner skips it, see ``HELPERS``): a service in its
own process, a load generator over raw keep-alive connections, and a TCP proxy on loopback that can cut the
database off."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(url: str) -> dict[str, str]:
    """The environment of a benchmarked service on ``url``: a fresh secret, production mode, no rate limit."""
    import secrets

    return {"SUFFICIENCY_DATABASE_URL": url, "SUFFICIENCY_SECRET_KEY": secrets.token_hex(32),
            "SUFFICIENCY_RATE_LIMIT_PER_MINUTE": "100000000", "SUFFICIENCY_MODE": "production"}


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate the database and add the first admin and the sample dataset; (e-mail, password)."""
    os.environ.update(env)
    from api.bootstrap import bootstrap
    from sufficiency.app.settings import Settings
    from sufficiency.app.store import make_engine, session_factory, upgrade

    engine = make_engine(Settings().url)
    upgrade(engine)
    credentials = bootstrap(session_factory(engine))
    engine.dispose()
    return credentials.email, credentials.password


def start_server(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen:
    """The service (``api.main:create_app``) in ``workers`` processes as ``sufficiency serve`` runs them
    (:mod:`api.workers`), once it answers /health."""
    command = [sys.executable, "-m", "api.workers", "api.main:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    server = subprocess.Popen(command, env={**os.environ, **env})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.kill()
    raise SystemExit("the service did not start within 120 s")


def sign_in(base: str, email: str, password: str) -> str:
    response = httpx.post(f"{base}/auth/token", data={"username": email, "password": password}, timeout=30)
    return response.raise_for_status().json()["access_token"]


async def _connection(host: str, port: int, requests: list[bytes], offset: int, stop: float,
                      latencies: list[tuple[int, float]], statuses: dict[int, int]) -> None:
    """One keep-alive connection sending the requests in turn, back to back (a minimal HTTP/1.1 client, so the
    load generator's own cost stays small beside the server's); reconnects when the server closes."""
    i = offset
    reader = writer = None
    while time.perf_counter() < stop:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            start = time.perf_counter()
            writer.write(requests[i % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is None:
                raise ConnectionError("no content-length")
            await reader.readexactly(length)
            latencies.append((i % len(requests), time.perf_counter() - start))
            statuses[status] = statuses.get(status, 0) + 1
            if b"connection: close" in head.lower():
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            statuses[0] = statuses.get(0, 0) + 1  # 0: the connection failed
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.05)
        i += 1
    if writer is not None:
        writer.close()


def run_load(base: str, token: str, paths: list[str], seconds: float, connections: int) -> dict:
    """``connections`` connections cycling through ``paths`` for ``seconds``: latencies (index of the path,
    seconds) and counts by status."""
    url = httpx.URL(base)
    requests = [(f"GET {path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: application/json\r\n\r\n").encode() for path in paths]
    latencies: list[tuple[int, float]] = []
    statuses: dict[int, int] = {}

    async def main() -> float:
        start = time.perf_counter()
        stop = start + seconds
        await asyncio.gather(*(_connection(url.host, url.port, requests, n * 7, stop, latencies, statuses)
                               for n in range(connections)))
        return time.perf_counter() - start

    elapsed = asyncio.run(main())
    return {"latencies": latencies, "statuses": statuses, "seconds": elapsed}


class Proxy:
    """A TCP proxy on loopback in front of a database server, which the benchmark can cut off and restore.

    Cutting closes every open connection and stops listening, so the service sees its database vanish (connection
    refused) exactly as when the server is down, while the real server (shared with others) keeps running.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, daemon=True, name="db-proxy").start()
        self.restore()

    def _call(self, make: Callable[[], object]) -> object:
        return asyncio.run_coroutine_threadsafe(make(), self._loop).result(30)  # type: ignore[arg-type]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, up_writer}
        await asyncio.gather(self._pipe(client_reader, up_writer), self._pipe(up_reader, client_writer))
        self._writers -= {client_writer, up_writer}

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def cut(self) -> None:
        self._call(self._stop)

    def restore(self) -> None:
        self._call(self._start)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and all its descendants, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the process ended meanwhile
            continue
    return total
