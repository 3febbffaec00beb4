"""Runs executed off the request thread, their status kept in the store.

A :class:`JobRunner` owns a thread pool. Submitting a run queues it; a worker claims it (queued ->
running), loads the dataset, runs the pipeline and writes the result in one transaction
(:func:`sufficiency.app.store.runs.finish_run`). Cancelling is checked as each stage starts.

Each runner holds its runs by a lease (:mod:`sufficiency.app.store.runs`): a heartbeat thread
renews the lease of every run it holds, and marks failed any run whose lease has expired, whichever
process held it (that process died, or lost the database for longer than the lease). So several
processes share one database, and no run stays "running" for ever, without a restart.

When the database goes away in the middle of a run, the run keeps computing and its outcome is
written once the database answers again (retried for up to ``retry_seconds``); when the service
stops, the runs it still had are marked failed with the reason (:meth:`JobRunner.shutdown`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from sufficiency.app.store.datasets import dataset_files, foreign_files
from sufficiency.app.store.models import Dataset, Run, ScenarioRecord
from sufficiency.app.store.runs import (
    RunNotActive,
    cancel_requested,
    claim_run,
    fail_expired,
    fail_run,
    finish_run,
    mark_cancelled,
    renew_leases,
    stop_runs,
)
from sufficiency.core.errors import InputError
from sufficiency.core.inputs import load_inputs

log = logging.getLogger(__name__)

T = TypeVar("T")


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database is away for now (down, restarting, unreachable, locked, no free
    connection): worth trying again, unlike a mistake in a statement."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def kind_stages(kind: str) -> tuple[str, ...]:
    """The stages each kind of run executes: a forecast, a plan (with its forecast), or every stage of
    a full run as registered (:mod:`sufficiency.core.stages`)."""
    from sufficiency.core.stages import REGISTRY

    if kind == "full":
        return tuple(REGISTRY.full())
    return tuple(s.name for s in REGISTRY.plan([kind]))


Pipeline = Callable[[Any, tuple[str, ...], dict[str, Any], Callable[[str], None]], Any]


class Cancelled(Exception):
    """The run was cancelled; raised at the start of the next stage."""


def run_pipeline(inputs: Any, stages: tuple[str, ...], options: dict[str, Any],
                 progress: Callable[[str], None]) -> Any:
    """The product's pipeline (:func:`sufficiency.core.result.run_scenario`) for a stored run; the run's
    options reach every stage (``synthetic_pupils`` makes the post-16 stage demonstrate the
    risk-of-NEET model on a SYNTHETIC cohort, never real pupils)."""
    from sufficiency.core.result import run_scenario

    return run_scenario(inputs, stages, progress=progress, options=options)


def report_files(result: Any, formats: list[str], progress: Callable[[str], None]) -> dict[str, bytes]:
    """The reports asked for (:func:`reports.write_reports`), by file name; none when none were asked for."""
    if not formats:
        return {}
    from reports import write_reports

    progress("reports")
    with tempfile.TemporaryDirectory(prefix="sufficiency-reports-") as tmp:
        written = write_reports(result, tmp, formats)
        return {path.name: path.read_bytes() for path in written}


def _private_copy(inputs: Any) -> Any:
    """A copy of the inputs whose tables one run may change without touching another run's."""
    tables = {f.name: getattr(inputs, f.name).copy() for f in dataclasses.fields(inputs)
              if isinstance(getattr(inputs, f.name), pd.DataFrame)}
    return inputs.replace(**tables)


#: Folders of a runner's dataset files are named ``sufficiency-jobs-<pid>-...`` in the temporary folder.
JOBS_PREFIX = "sufficiency-jobs-"


def remove_orphaned_folders(root: str | None = None) -> list[Path]:
    """Remove the job folders of runners whose process is gone (killed before it could clean up); the removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{JOBS_PREFIX}*"):
        pid = folder.name[len(JOBS_PREFIX):].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid() or not folder.is_dir() \
                or folder.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its process runs: not an orphan
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def single_threaded_blas() -> None:
    """Hold every BLAS library of this process (numpy's and scipy's OpenBLAS) to one thread, for good.

    Runs share the process, each in its own thread, and OpenBLAS is not safe to re-size while another
    thread is inside it: scikit-learn's k-means (the robust plan's scenarios) and the post-16 model set
    the BLAS thread count for their own work, and a run's matrix product in another thread then waited
    in OpenBLAS's thread pool for ever (seen as a full run stuck in admissions while a plan run did its
    scenarios). At one thread a product runs in the calling thread and never enters that pool; the
    runs themselves are the parallelism. scipy's linear algebra is imported first so that its library
    is loaded, and held, before any run starts.
    """
    import scipy.linalg  # noqa: F401 - loads scipy's own OpenBLAS beside numpy's
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # not restored: the limit holds for the process


class JobRunner:
    """A pool of workers executing queued runs, and the heartbeat that keeps their leases.

    Parameters
    ----------
    heartbeat_seconds, lease_seconds
        How often the leases are renewed and expired ones looked for; how old a lease may get before its run is
        marked failed. None (tests) starts no heartbeat thread: call :meth:`tick` instead.
    retry_seconds
        How long a worker keeps trying to write a run's outcome while the database does not answer; after that
        it gives up and the run's lease expires.
    """

    def __init__(self, sessions: sessionmaker[Session], workers: int = 2, pipeline: Pipeline = run_pipeline,
                 heartbeat_seconds: float | None = 10.0, lease_seconds: float = 60.0,
                 retry_seconds: float = 600.0) -> None:
        self.sessions = sessions
        self.pipeline = pipeline
        self.lease_seconds = lease_seconds
        self.retry_seconds = retry_seconds
        #: Names this process's runner in the store (``runs.worker_id``): host, process and a random part.
        self.worker_id = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        single_threaded_blas()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sufficiency-run")
        # Loaded inputs by (dataset content hash, scenario settings): a dataset never changes, and
        # loading and validating it again for every run of it would cost more than the forecast.
        self._inputs: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._futures: dict[str, Future[None]] = {}
        remove_orphaned_folders()
        # The stage each run of this process is in, and when it began (monotonic seconds), for progress pages.
        self._stage: dict[str, tuple[str, float]] = {}
        self._workdir = tempfile.TemporaryDirectory(prefix=f"{JOBS_PREFIX}{os.getpid()}-")
        self._stopping = threading.Event()
        self._database_lost = False
        self._reap_from = 0.0  # monotonic time from which the heartbeat fails other processes' expired runs
        self._heartbeat: threading.Thread | None = None
        if heartbeat_seconds is not None:
            self._heartbeat = threading.Thread(target=self._beat, args=(heartbeat_seconds,), daemon=True,
                                               name="sufficiency-heartbeat")
            self._heartbeat.start()

    def submit(self, run_id: str) -> Future[None]:
        future = self._pool.submit(self.execute, run_id)
        with self._lock:
            self._futures[run_id] = future
        future.add_done_callback(lambda _: self._forget(run_id))
        return future

    def _forget(self, run_id: str) -> None:
        with self._lock:
            self._futures.pop(run_id, None)
            self._stage.pop(run_id, None)

    def current_stage(self, run_id: str) -> tuple[str, float] | None:
        """The stage a run of this process is in and the seconds since it began; None when not running here."""
        with self._lock:
            found = self._stage.get(run_id)
        if found is None:
            return None
        return found[0], time.monotonic() - found[1]

    def held(self) -> list[str]:
        """The runs this runner holds (queued in its pool or running)."""
        with self._lock:
            return list(self._futures)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until this process's worker is done with the run (at once when it is not here)."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            futures_wait([future], timeout=timeout)

    def tick(self, reap: bool = True) -> int:
        """One heartbeat: renew the leases of the runs held here, then (``reap``) mark failed every run (of any
        process) whose lease has expired; the number marked failed. Raises when the database does not answer."""
        renew_leases(self.sessions, self.worker_id, self.held())
        if not reap:
            return 0
        failed = fail_expired(self.sessions, self.lease_seconds)
        if failed:
            log.warning("%d run(s) whose service process stopped renewing their lease were marked failed", failed)
        return failed

    def beat(self) -> int | None:
        """One heartbeat as the heartbeat thread runs it: :meth:`tick`, saying once when the database stops and
        starts answering; the number of runs marked failed, or None when the database did not answer.

        After an outage every process's leases look expired, its own included: a process that failed other
        processes' runs on its first heartbeat back would fail runs still computing elsewhere, whose holders had
        had no chance to renew them. So it renews its own leases at once and waits one lease before failing any.
        """
        reap = not self._database_lost and time.monotonic() >= self._reap_from
        try:
            failed = self.tick(reap=reap)
        except Exception as exc:  # the database is away: say so once, and keep beating
            if not self._database_lost:
                log.warning("heartbeat: the database does not answer (%s); runs continue and their leases "
                            "are renewed when it is back", type(exc).__name__)
            self._database_lost = True
            return None
        if self._database_lost:
            log.warning("heartbeat: the database answers again")
            self._reap_from = time.monotonic() + self.lease_seconds
        self._database_lost = False
        return failed

    def _beat(self, seconds: float) -> None:
        while not self._stopping.wait(seconds):
            self.beat()

    def shutdown(self, wait: bool = False) -> int:
        """Stop taking runs and mark the ones this runner still had (queued or running) failed with the
        reason, so a graceful stop leaves none "running"; the number marked.

        A worker still computing stops at its next stage (it sees the run is no longer running), and a
        result that arrives anyway is dropped (:class:`RunNotActive`).
        """
        self._stopping.set()
        with self._lock:  # before cancelling: a cancelled future forgets its run
            unfinished = list(self._futures)
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            stopped = stop_runs(self.sessions, unfinished)
        except Exception as exc:  # no database to write to: the runs' leases expire instead
            if not database_unavailable(exc):
                raise
            log.warning("the database does not answer; the %d unfinished run(s) will be marked failed when their "
                        "lease expires", len(unfinished))
            stopped = 0
        if wait:
            self._pool.shutdown(wait=True)
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        # The datasets' files copied for runs go with the runner (a run still going has been stopped above).
        shutil.rmtree(self._workdir.name, ignore_errors=True)
        return stopped

    def _persist(self, action: Callable[[], T]) -> T:
        """``action`` (a read or write of the store), tried again while the database does not answer, for up to
        ``retry_seconds`` or until the runner stops."""
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.2
        while True:
            try:
                return action()
            except Exception as exc:
                if not database_unavailable(exc) or self._stopping.is_set() or time.monotonic() > deadline:
                    raise
                log.info("the database does not answer (%s); trying again in %.1f s", type(exc).__name__, pause)
                self._stopping.wait(pause)
                pause = min(pause * 2, 5.0)

    def _folder(self, session: Session, dataset: Dataset) -> Path:
        """The dataset's files in a folder kept for the runner's life (files a scenario names, such as
        a targets file, are read while the run goes on)."""
        folder = Path(self._workdir.name) / dataset.content_hash
        if not folder.is_dir():
            partial = folder.with_name(f"{folder.name}.{threading.get_ident()}.partial")
            partial.mkdir(parents=True, exist_ok=True)
            for name, data in dataset_files(session, dataset.id).items():
                (partial / name).write_bytes(data)
            try:
                partial.rename(folder)
            except OSError:  # another worker wrote the same dataset first; its copy is identical
                shutil.rmtree(partial, ignore_errors=True)
        return folder

    def _load(self, run_id: str) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
        with self.sessions() as session:
            run = session.get(Run, run_id)
            overrides = None
            if run.scenario_id is not None:
                overrides = session.get(ScenarioRecord, run.scenario_id).settings
            dataset = session.get(Dataset, run.dataset_id)
            key = (dataset.content_hash, json.dumps(overrides, sort_keys=True))
            with self._lock:
                inputs = self._inputs.get(key)
            if inputs is None:
                folder = self._folder(session, dataset)
                inputs = load_inputs(folder, overrides)
                # The run may read only the dataset's own files, whatever its scenario names.
                problems = foreign_files(inputs.scenario, {p.name for p in folder.iterdir()}, "scenario.yaml")
                if problems:
                    raise InputError(problems)
                with self._lock:
                    self._inputs[key] = inputs
                    while len(self._inputs) > 8:
                        self._inputs.popitem(last=False)
            return _private_copy(inputs), tuple(run.stages), dict(run.options or {})

    def _cancelled(self, run_id: str) -> bool:
        """Whether the run was cancelled (or taken from this worker); a database that does not answer cancels
        nothing: the run keeps computing and its outcome is written when the database is back."""
        try:
            return cancel_requested(self.sessions, run_id)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            return self._stopping.is_set()

    def execute(self, run_id: str) -> None:
        """Execute one run to its end; every outcome is recorded on the run, nothing is raised."""
        try:
            self._execute(run_id)
        except Exception as exc:  # the outcome could not be written: the run's lease expires and it is failed
            log.error("run %s: its outcome could not be written (%s: %s); it will be marked failed when its lease "
                      "expires", run_id, type(exc).__name__, (str(exc).splitlines() or [""])[0][:200])

    def _execute(self, run_id: str) -> None:
        if not self._persist(lambda: claim_run(self.sessions, run_id, self.worker_id)):
            return
        try:
            inputs, stages, options = self._persist(lambda: self._load(run_id))

            def progress(stage: str) -> None:
                with self._lock:
                    self._stage[run_id] = (stage, time.monotonic())
                if self._cancelled(run_id):
                    raise Cancelled(stage)

            result = self.pipeline(inputs, stages, options, progress)
            files = report_files(result, options.get("reports") or [], progress)
            if self._cancelled(run_id):
                raise Cancelled("store")
            self._persist(lambda: finish_run(self.sessions, run_id, result, files, self.worker_id))
        except Cancelled:
            self._persist(lambda: mark_cancelled(self.sessions, run_id))
        except RunNotActive:
            log.info("run %s finished after it was stopped; its result was dropped", run_id)
        except InputError as exc:
            reason = f"the dataset cannot be used with this scenario: {exc}"
            self._persist(lambda: fail_run(self.sessions, run_id, reason))
        except Exception as exc:  # every failure is recorded on the run for the person who started it
            log.exception("run %s failed", run_id)
            # The first line says what went wrong; the rest (SQL, parameters, traces) stays in the log.
            first_line = (str(exc).splitlines() or [""])[0][:1000]
            reason = f"{type(exc).__name__}: {first_line}"
            self._persist(lambda: fail_run(self.sessions, run_id, reason))
