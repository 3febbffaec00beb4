"""Runs executed off the request thread, their status kept in the store.

A :class:`JobRunner` owns a thread pool. Submitting a run queues it; a worker claims it (queued ->
running), loads the dataset, runs the pipeline and writes the result in one transaction
(:func:`sufficiency.app.store.runs.finish_run`). Cancelling is checked as each stage starts. When the
service stops, the runs it still had are marked failed with the reason (:meth:`JobRunner.shutdown`);
when it starts, runs a previous process left queued or running (after a crash) are marked failed
too (:func:`sufficiency.app.store.runs.recover_interrupted`), so none stays "running" for ever.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from sufficiency.app.store.datasets import dataset_files, foreign_files
from sufficiency.app.store.models import Dataset, Run, ScenarioRecord
from sufficiency.app.store.runs import (
    RunNotActive,
    cancel_requested,
    claim_run,
    fail_run,
    finish_run,
    mark_cancelled,
    stop_runs,
)
from sufficiency.core.errors import InputError
from sufficiency.core.inputs import load_inputs

log = logging.getLogger(__name__)

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


class JobRunner:
    """A pool of workers executing queued runs."""

    def __init__(self, sessions: sessionmaker[Session], workers: int = 2, pipeline: Pipeline = run_pipeline) -> None:
        self.sessions = sessions
        self.pipeline = pipeline
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

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until this process's worker is done with the run (at once when it is not here)."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            futures_wait([future], timeout=timeout)

    def shutdown(self, wait: bool = False) -> int:
        """Stop taking runs and mark the ones this runner still had (queued or running) failed with the
        reason, so a graceful stop leaves none "running"; the number marked.

        A worker still computing stops at its next stage (it sees the run is no longer running), and a
        result that arrives anyway is dropped (:class:`RunNotActive`).
        """
        with self._lock:  # before cancelling: a cancelled future forgets its run
            unfinished = list(self._futures)
        self._pool.shutdown(wait=False, cancel_futures=True)
        stopped = stop_runs(self.sessions, unfinished)
        if wait:
            self._pool.shutdown(wait=True)
        # The datasets' files copied for runs go with the runner (a run still going has been stopped above).
        shutil.rmtree(self._workdir.name, ignore_errors=True)
        return stopped

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

    def execute(self, run_id: str) -> None:
        """Execute one run to its end; every outcome is recorded on the run, nothing is raised."""
        if not claim_run(self.sessions, run_id):
            return
        try:
            inputs, stages, options = self._load(run_id)

            def progress(stage: str) -> None:
                with self._lock:
                    self._stage[run_id] = (stage, time.monotonic())
                if cancel_requested(self.sessions, run_id):
                    raise Cancelled(stage)

            result = self.pipeline(inputs, stages, options, progress)
            files = report_files(result, options.get("reports") or [], progress)
            if cancel_requested(self.sessions, run_id):
                raise Cancelled("store")
            finish_run(self.sessions, run_id, result, files)
        except Cancelled:
            mark_cancelled(self.sessions, run_id)
        except RunNotActive:
            log.info("run %s finished after it was stopped; its result was dropped", run_id)
        except InputError as exc:
            fail_run(self.sessions, run_id, f"the dataset cannot be used with this scenario: {exc}")
        except Exception as exc:  # every failure is recorded on the run for the person who started it
            log.exception("run %s failed", run_id)
            # The first line says what went wrong; the rest (SQL, parameters, traces) stays in the log.
            first_line = (str(exc).splitlines() or [""])[0][:1000]
            fail_run(self.sessions, run_id, f"{type(exc).__name__}: {first_line}")
