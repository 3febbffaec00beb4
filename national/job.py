"""A national run on Dask: every authority's task graph (load → forecast → paths → plan → write) on a
``distributed`` cluster, a local one by default (one single-threaded worker process per core) or an existing
scheduler given by its address.

* **Failures**: an authority whose step fails is written to the failures table with the step and the reason,
  and the job goes on. A task whose worker is lost is run again on another (the scheduler's
  ``allowed-failures``, :data:`WORKER_LOSSES`); a task that loses that many workers fails its authority.
* **Resume**: each authority's results are written atomically when its graph ends; a run over the same
  output folder with the same settings skips the authorities already written (and tries failed ones again).
* **Progress**: a bar by authority in the terminal, the dashboard's address, and ``on_status`` told of each
  authority's status (the store's run record, :mod:`national.record`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from national import authority as steps
from national.authority import AuthorityFailed, Settings
from national.folder import Authority, authorities
from national.tables import gather, write_tables

#: How many times a task may lose its worker before its authority is failed.
WORKER_LOSSES = 3

StatusHook = Callable[[str, str, str | None], None]


@dataclass
class NationalResult:
    """What a national run did: the national tables, each authority's status, the time (from the first task
    submitted to the tables written, the cluster's start left out) and the cluster."""

    out: Path
    tables: dict[str, pd.DataFrame]
    statuses: dict[str, str]
    seconds: float
    workers: int
    dashboard: str | None
    files: list[Path] = field(default_factory=list)
    #: Peak resident memory of each worker process, in bytes (as the kernel counted it).
    worker_peak_memory: dict[str, int] = field(default_factory=dict)
    #: CPU seconds each worker process has used (its start included): how evenly the work was shared.
    worker_cpu_seconds: dict[str, float] = field(default_factory=dict)


def local_cluster(workers: int | None = None) -> Any:
    """A ``LocalCluster`` of single-threaded worker processes, one per core by default, with the dashboard on
    a free port (engineers sharing a machine each get their own)."""
    import dask
    from distributed import LocalCluster

    # The workers' statistical profiler samples every stack each 10 ms: worth little for tasks this size,
    # and its CPU is taken from the authorities on a busy machine.
    dask.config.set({"distributed.scheduler.allowed-failures": WORKER_LOSSES - 1,
                     "distributed.worker.profile.enabled": False})
    return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                        dashboard_address=":0", memory_limit=0)


def _usage() -> tuple[int, float]:
    """This worker process's peak resident memory (bytes) and CPU seconds so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return int(usage.ru_maxrss) * 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss is in KiB on Linux


def _submit(client: Any, data: Path, out: Path, authority: Authority, settings: Settings, token: str,
            fused: bool) -> Any:
    """One authority's task graph; the write task's future stands for the whole. Fused, the steps run as one
    task (the inputs and the fitted model then never leave the worker that made them)."""
    code = authority.la_code
    key = f"{code}-{token}"
    if fused:
        return client.submit(steps.run_authority, data, authority, out, settings, key=f"authority-{key}")
    started = time.time()
    inputs = client.submit(steps.load, data, authority, out / "work", settings, key=f"load-{key}")
    result = client.submit(steps.forecast, authority, inputs, key=f"forecast-{key}")
    mc = client.submit(steps.paths, authority, result, settings, key=f"paths-{key}")
    costs = (client.submit(steps.plan, authority, inputs, result, key=f"plan-{key}") if settings.plan else None)
    scored = (client.submit(steps.accuracy, authority, inputs, key=f"accuracy-{key}") if settings.accuracy else None)
    return client.submit(steps.write, out, authority, settings, result, mc, costs, started, scored,
                         key=f"write-{key}")


def run_national(data: Path, out: Path, settings: Settings | None = None, *, scheduler: str | None = None,
                 workers: int | None = None, client: Any = None, codes: Iterable[str] | None = None,
                 resume: bool = True, on_status: StatusHook | None = None, show: bool = True,
                 announce: Callable[[str], None] | None = None, fused: bool = True) -> NationalResult:
    """Run every authority of the national folder ``data`` (or those in ``codes``) and gather the national
    tables under ``out``.

    Parameters
    ----------
    scheduler
        The address of a running ``distributed`` scheduler (``tcp://host:8786``); default a local cluster of
        ``workers`` processes (one per core).
    client
        A ``distributed.Client`` already connected (tests, notebooks); neither closed nor replaced.
    resume
        Skip authorities whose results, with the same settings, are already under ``out``.
    on_status
        ``on_status(la_code, status, reason)`` as each authority is queued, skipped, succeeds or fails.
    show
        Show a progress bar by authority in the terminal.
    announce
        Told the dashboard's address and the cluster's size (default: printed).
    fused
        Run each authority's steps as one task (default), or each step as a task of its own (load, forecast,
        paths, plan, accuracy, write), the data passing between them through Dask. Fused is faster: a step's result (the
        inputs, the fitted model) is then never pickled, nor sent to another worker, and the scheduler handles
        a fifth of the messages.
    """
    from distributed import Client, as_completed

    from sufficiency.core.display import console

    data, out = Path(data), Path(out)
    settings = replace(settings or Settings(), source=fingerprint(data))
    out.mkdir(parents=True, exist_ok=True)
    every = authorities(data)
    if codes is not None:
        wanted = set(codes)
        every = [a for a in every if a.la_code in wanted]
    hook = on_status or (lambda *_: None)
    say = announce or console.print
    statuses: dict[str, str] = {}
    todo = []
    for auth in every:
        if resume and steps.finished(out, auth, settings):
            statuses[auth.la_code] = "skipped"
            hook(auth.la_code, "skipped", "finished by an earlier run with the same settings")
        else:
            todo.append(auth)
            statuses[auth.la_code] = "queued"
            hook(auth.la_code, "queued", None)
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)  # not a warning per worker as it stops
    own_cluster = None
    own_client = client is None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            own_cluster = local_cluster(workers)
            client = Client(own_cluster)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        dashboard = client.dashboard_link if _has_dashboard(client) else None
        say(f"Dask: {n_workers} worker(s) at {client.scheduler.address}; dashboard "
            + (dashboard or "not running (install bokeh for it)"))
        say(f"{len(every)} authorities: {len(todo)} to run, {len(every) - len(todo)} finished before (resumed)")
        start = time.perf_counter()  # the job itself, once the cluster is up
        token = uuid.uuid4().hex[:8]
        futures = {_submit(client, data, out, auth, settings, token, fused): auth for auth in todo}
        with _Bar(show, len(todo)) as advance:
            for future in as_completed(futures):
                auth = futures[future]
                summary = future.result() if future.status == "finished" else None
                if summary is not None and not summary.get("failed"):
                    statuses[auth.la_code] = "succeeded"
                    hook(auth.la_code, "succeeded", None)
                else:
                    if summary is None:  # the task itself broke (a worker lost too often): recorded here
                        summary = steps.write_failure(out, _failure(auth, future.exception()))
                    statuses[auth.la_code] = "failed"
                    hook(auth.la_code, "failed", f"{summary['step']}: {summary['reason']}")
                future.release()
                advance(auth.la_code)
        usage = client.run(_usage)
    finally:
        if own_client:
            client.close()
        if own_cluster is not None:
            own_cluster.close()
    tables = gather(out, [a.la_code for a in every])
    files = write_tables(tables, out)
    return NationalResult(out=out, tables=tables, statuses=statuses, seconds=time.perf_counter() - start,
                          workers=n_workers, dashboard=dashboard, files=files,
                          worker_peak_memory={w: u[0] for w, u in usage.items()},
                          worker_cpu_seconds={w: u[1] for w, u in usage.items()})


def fingerprint(data: Path) -> str:
    """The data folder's files (names, sizes, modification times), hashed: results of other data are not
    resumed."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in Path(data).rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(data)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _has_dashboard(client: Any) -> bool:
    try:
        return bool(client.scheduler_info().get("services", {}).get("dashboard"))
    except Exception:  # an old scheduler without the services listing
        return False


def _failure(auth: Authority, exc: BaseException | None) -> AuthorityFailed:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return AuthorityFailed(auth.la_code, "worker", f"its task lost {WORKER_LOSSES} workers in a row ({exc})")
    return AuthorityFailed(auth.la_code, "task", " ".join(str(exc).split()) or type(exc).__name__)


class _Bar:
    """A rich progress bar by authority (or nothing)."""

    def __init__(self, show: bool, total: int) -> None:
        self.show, self.total = show, total

    def __enter__(self) -> Callable[[str], None]:
        if not self.show:
            return lambda _code: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from sufficiency.core.display import console

        self.progress = Progress(TextColumn("[bold]Authorities"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.description}"), console=console)
        self.progress.start()
        task = self.progress.add_task("", total=self.total)
        return lambda code: self.progress.update(task, advance=1, description=f"last: {code}")

    def __exit__(self, *exc: object) -> None:
        if self.show:
            self.progress.stop()
