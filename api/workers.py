"""Several service processes on one port, each with a listening socket of its own (``SO_REUSEPORT``).

uvicorn's own supervisor (``uvicorn --workers N``) binds one socket in the parent and hands that same socket to
every worker. Each worker's event loop, woken by a new connection, accepts every connection waiting (up to the
listen backlog), so when clients connect in a burst one worker takes most of them and serves them alone while
the other idles: on the 2-core machine of the README's load figures, 64 keep-alive connections split 43 to 21
between two workers, and the busier worker set the 95th percentile. With a socket per worker bound with
``SO_REUSEPORT`` the Linux kernel spreads new connections over the workers' sockets by a hash of the client's
address and port, so each worker gets about as many connections as the others. uvicorn's supervisor cannot be
told to do this (it passes the parent's sockets to every worker), hence this small supervisor: it starts the
workers, restarts one that dies, stops when a worker cannot start at all (the next would fail the same way)
and passes SIGINT or SIGTERM on to every worker, which finishes its requests and its app's shutdown. (The
price: connections waiting in a worker's queue when that worker dies are reset, where a shared socket would
hand them to another worker; a worker dies only on a crash.)

Elsewhere (macOS and Windows, whose ``SO_REUSEPORT`` does not balance, or lacks it) :func:`serve` falls back
to uvicorn's supervisor.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("uvicorn.error")

#: Seconds a stopping worker gets to finish its requests and shutdown before it is killed.
STOP_SECONDS = 30.0


def balanced() -> bool:
    """Whether this platform spreads connections over sockets bound with ``SO_REUSEPORT`` (Linux does)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    """IPv6 for an address with a colon, as uvicorn's own ``Config.bind_socket`` decides."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own socket on ``host:port``, serving the app built by the factory ``app``."""
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    try:
        config.load()  # an app that cannot be built fails here, and would on every restart
    except BaseException:  # bad settings, a missing module: log why, then stop the service
        log.exception("The app %s could not be built", app)
        sys.exit(STARTUP_FAILURE)
    try:
        sock = _socket(host, port)
    except OSError as error:
        log.error("Could not listen on %s:%d: %s", host, port, error)
        sys.exit(STARTUP_FAILURE)
    parent = os.getppid()
    threading.Thread(target=_orphaned, args=(parent,), daemon=True, name="parent-watch").start()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal's group; the parent stops them
        pass


def _orphaned(parent: int) -> None:
    """Stop this worker (as SIGTERM would) once its supervisor has gone, even killed outright: a worker left
    behind would hold the port and its runs' leases."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("The supervising process %d has gone; this worker stops.", parent)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(app: str, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve the app built by the factory ``app`` (``"module:function"``) from ``workers`` processes on
    ``host:port``; ``options`` go to :class:`uvicorn.Config` (``log_level``, ``access_log``, ...)."""
    if workers == 1 or not balanced():
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    # A socket bound without SO_REUSEPORT tells whether the port is free: otherwise the workers would join
    # whatever else listens there with SO_REUSEPORT rather than fail.
    try:
        probe = socket.create_server((host, port), family=_family(host))
    except OSError as error:
        raise SystemExit(f"Cannot listen on {host}:{port}: {error.strerror or error}. Choose another --port, "
                         "or stop what is using it.") from None
    probe.close()
    uvicorn.Config(app, factory=True, host=host, port=port, **options)  # configures the parent's logging too
    Supervisor(app, host, port, workers, options).run()


class Supervisor:
    """Start ``workers`` processes, keep them running, stop them all on SIGINT or SIGTERM."""

    def __init__(self, app: str, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
        self.args = (app, host, port, options)
        self.workers = workers
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.stopping = False
        # "spawn", as uvicorn uses: a worker must not inherit the parent's threads, locks or open connections.
        self.context = multiprocessing.get_context("spawn")

    def _start(self) -> multiprocessing.process.BaseProcess:
        process = self.context.Process(target=_worker, args=self.args, daemon=False)
        process.start()
        return process

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        log.info("Started %d worker processes, each with its own socket (SO_REUSEPORT)", self.workers)
        try:
            self.processes = [self._start() for _ in range(self.workers)]
            while not self.stopping:
                time.sleep(0.5)
                self._replace_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _replace_dead(self) -> None:
        for index, process in enumerate(self.processes):
            if process.is_alive() or self.stopping:
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("Worker process %s could not start; stopping the service.", process.pid)
                self.stopping = True
                raise SystemExit(STARTUP_FAILURE)
            log.warning("Worker process %s ended (exit code %s); starting another.", process.pid, process.exitcode)
            self.processes[index] = self._start()

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes its requests and runs the app's shutdown
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("Worker process %s did not stop within %.0f s; killed.", process.pid, STOP_SECONDS)
                process.kill()
                process.join()


def main(argv: list[str] | None = None) -> None:
    """``python -m api.workers APP --host H --port P --workers N``: what the service benchmarks start."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m api.workers", description=main.__doc__)
    parser.add_argument("app", help="The app factory, module:function (e.g. api.main:create_app).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = parser.parse_args(argv)
    serve(args.app, args.host, args.port, args.workers, log_level=args.log_level, access_log=args.access_log)


if __name__ == "__main__":
    main()
